package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/jetwayhq/jetway/config"
)

// newLogger returns a slog logger writing format ("text" or "json") to w,
// filtered by level.
func newLogger(w io.Writer, format string, level *slog.LevelVar) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	default:
		return nil, fmt.Errorf("unknown log format %q (want text or json)", format)
	}
}

// parseLevel maps gateway.log.level to a slog level; empty means info.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if s == "" {
		return slog.LevelInfo, nil
	}
	err := l.UnmarshalText([]byte(strings.ToLower(s)))
	return l, err
}

// logProblems logs err with msg: one record per problem when it is a
// config.Errors.
func logProblems(logger *slog.Logger, msg string, err error) {
	var problems config.Errors
	if errors.As(err, &problems) {
		for _, p := range problems {
			logger.Error(msg, "problem", p.Error())
		}
		return
	}
	logger.Error(msg, "error", err)
}
