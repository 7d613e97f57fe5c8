package core

import (
	"testing"
	"time"
)

func TestLazyDeadline(t *testing.T) {
	now := time.Unix(1000, 0)
	const d = time.Second // slack: 125 ms
	for _, tc := range []struct {
		name    string
		cur     time.Time
		d       time.Duration
		want    time.Time
		changed bool
	}{
		{"no timeout, none set", time.Time{}, 0, time.Time{}, false},
		{"no timeout clears one", now, 0, time.Time{}, true},
		{"first deadline takes the slack", time.Time{}, d, now.Add(d + 125*time.Millisecond), true},
		{"a deadline within the slack stays", now.Add(d + 100*time.Millisecond), d, now.Add(d + 100*time.Millisecond), false},
		{"exactly now+d stays", now.Add(d), d, now.Add(d), false},
		{"an earlier one moves: never fire before d", now.Add(d - time.Nanosecond), d, now.Add(d + 125*time.Millisecond), true},
		{"a later one moves back", now.Add(d + 125*time.Millisecond + time.Nanosecond), d, now.Add(d + 125*time.Millisecond), true},
		{"the slack is at most 250 ms", time.Time{}, time.Hour, now.Add(time.Hour + 250*time.Millisecond), true},
	} {
		got, changed := lazyDeadline(tc.cur, now, tc.d)
		if !got.Equal(tc.want) || changed != tc.changed {
			t.Errorf("%s: got %v, %v; want %v, %v", tc.name, got, changed, tc.want, tc.changed)
		}
	}
}
