package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/jetwayhq/jetway/config"
)

// Debounce is how long File waits after the last change event before it
// reads the file, so that one save (often several writes, or a create
// followed by writes) is read once.
const Debounce = 50 * time.Millisecond

// File is a config source backed by one YAML file. It watches the file's
// parent directory, so an in-place write, an editor's rename-over-write and
// an `mv` of a new file onto the path are all seen.
type File struct {
	// Watch makes Run react to changes of the file; when false, Run reads
	// the file only on Reload. NewFile sets it; change it before Run.
	Watch bool

	path   string
	logger *slog.Logger
	reload chan struct{}

	// applied is the SHA-256 of the content last handed to apply (or
	// returned by Load). Only Load, before Run starts, and the Run
	// goroutine touch it.
	applied    [sha256.Size]byte
	hasApplied bool
}

// NewFile returns a File for path. A nil logger discards logs.
func NewFile(path string, logger *slog.Logger) *File {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &File{
		Watch:  true,
		path:   path,
		logger: logger.With("file", path),
		reload: make(chan struct{}, 1),
	}
}

// Load reads and validates the file once, for the first apply. On success
// it records the content, so Run does not apply it again. Call Load before
// Run, never while Run is running.
func (f *File) Load() (*config.Config, error) {
	data, err := os.ReadFile(f.path)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", config.ErrRead, err)
	}
	cfg, err := config.Parse(f.path, data)
	if err != nil {
		return nil, err
	}
	f.applied, f.hasApplied = sha256.Sum256(data), true
	return cfg, nil
}

// Reload asks Run to read the file now, without waiting for a change event
// (e.g. on SIGHUP). It never blocks; requests made while one is pending
// are merged.
func (f *File) Reload() {
	select {
	case f.reload <- struct{}{}:
	default:
	}
}

// Run watches the file until ctx is done. Unless Watch is false, it reads
// the file once the watch is set (picking up any change since Load) and
// Debounce after each burst of change events; it also reads it on every
// Reload. Content identical to what was applied last is skipped. An empty
// or invalid file is logged, one record per problem, and the running
// config is kept; a valid one is passed to apply, whose error is logged the
// same way. If the directory cannot be watched, Run logs why and serves
// Reload requests only.
func (f *File) Run(ctx context.Context, apply func(*config.Config) error) {
	var events <-chan fsnotify.Event
	var watchErrs <-chan error
	if f.Watch {
		w, err := f.watch()
		if err != nil {
			f.logger.Warn("cannot watch config file; reload with SIGHUP only", "error", err)
		} else {
			defer w.Close()
			events, watchErrs = w.Events, w.Errors
			// A change between Load and the watch would go unseen.
			f.sync(apply, "start")
		}
	}

	timer := time.NewTimer(Debounce)
	timer.Stop()
	defer timer.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-f.reload:
			timer.Stop()
			f.sync(apply, "reload")
		case ev, ok := <-events:
			if !ok {
				events = nil
				continue
			}
			if f.concerns(ev) {
				timer.Reset(Debounce)
			}
		case err, ok := <-watchErrs:
			if !ok {
				watchErrs = nil
				continue
			}
			f.logger.Warn("config file watch error", "error", err)
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				// Events were lost; one of them may have been ours.
				timer.Reset(Debounce)
			}
		case <-timer.C:
			f.sync(apply, "change")
		}
	}
}

// watch starts an fsnotify watch on the file's directory.
func (f *File) watch() (*fsnotify.Watcher, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	if err := w.Add(filepath.Dir(f.path)); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// concerns reports whether ev may have changed the file's content. Chmod
// alone does not (inotify also sends it when a link to the old inode is
// removed during a rename-over).
func (f *File) concerns(ev fsnotify.Event) bool {
	if filepath.Base(ev.Name) != filepath.Base(f.path) {
		return false
	}
	return ev.Has(fsnotify.Create) || ev.Has(fsnotify.Write) ||
		ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename)
}

// sync reads the file and applies it if its content is new and valid.
func (f *File) sync(apply func(*config.Config) error, trigger string) {
	data, err := os.ReadFile(f.path)
	if err != nil {
		f.logger.Error("cannot read config; keeping the running config", "trigger", trigger, "error", err)
		return
	}
	if len(bytes.TrimSpace(data)) == 0 {
		// More likely a save caught halfway than a wish to drop every route.
		f.logger.Error("config file is empty; keeping the running config", "trigger", trigger)
		return
	}
	sum := sha256.Sum256(data)
	if f.hasApplied && sum == f.applied {
		level := slog.LevelDebug
		if trigger == "reload" {
			level = slog.LevelInfo
		}
		f.logger.Log(context.Background(), level, "config unchanged", "trigger", trigger)
		return
	}
	cfg, err := config.Parse(f.path, data)
	if err != nil {
		f.logProblems("invalid config; keeping the running config", trigger, err)
		return
	}
	if err := apply(cfg); err != nil {
		f.logProblems("config not applied; keeping the running config", trigger, err)
		return
	}
	f.applied, f.hasApplied = sum, true
	f.logger.Info("config reloaded", "trigger", trigger, "sha256", hex.EncodeToString(sum[:6]))
}

// logProblems logs err: one record per problem when it is a config.Errors.
func (f *File) logProblems(msg, trigger string, err error) {
	var problems config.Errors
	if errors.As(err, &problems) {
		for _, p := range problems {
			f.logger.Error(msg, "trigger", trigger, "problem", p.Error())
		}
		return
	}
	f.logger.Error(msg, "trigger", trigger, "error", err)
}
