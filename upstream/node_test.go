package upstream

import (
	"errors"
	"sync"
	"testing"
)

func TestOutcomeString(t *testing.T) {
	tests := []struct {
		o    Outcome
		want string
	}{
		{Success, "success"},
		{ConnectFailure, "connect_failure"},
		{Failure, "failure"},
		{Timeout, "timeout"},
		{ClientGone, "client_gone"},
		{Outcome(200), "unknown"},
	}
	for _, tc := range tests {
		if got := tc.o.String(); got != tc.want {
			t.Errorf("Outcome(%d).String() = %q; want %q", tc.o, got, tc.want)
		}
	}
}

func TestNodeEnd(t *testing.T) {
	errReset := errors.New("connection reset by peer")
	type step struct {
		o   Outcome
		err error
	}
	tests := []struct {
		name      string
		steps     []step
		wantFails int32
		wantErr   *NodeError // Outcome and Err only; nil: no error recorded
	}{
		{"nothing", nil, 0, nil},
		{"success", []step{{Success, nil}}, 0, nil},
		{"failures count", []step{{ConnectFailure, nil}, {Failure, errReset}, {Timeout, nil}}, 3, &NodeError{Outcome: Timeout, Err: "timeout"}},
		{"success resets", []step{{Failure, nil}, {Timeout, nil}, {Success, nil}}, 0, &NodeError{Outcome: Timeout, Err: "timeout"}},
		{"count restarts after success", []step{{Failure, nil}, {Success, nil}, {ConnectFailure, errReset}}, 1, &NodeError{Outcome: ConnectFailure, Err: errReset.Error()}},
		{"client gone is no strike", []step{{ClientGone, errReset}, {ClientGone, nil}}, 0, nil},
		{"client gone keeps the count", []step{{Failure, nil}, {ClientGone, nil}, {Failure, errReset}}, 2, &NodeError{Outcome: Failure, Err: errReset.Error()}},
		{"error text preferred", []step{{Failure, errReset}}, 1, &NodeError{Outcome: Failure, Err: errReset.Error()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := NewNode("10.0.0.1:80")
			for range tc.steps {
				n.Begin()
			}
			if got := n.InFlight(); got != int64(len(tc.steps)) {
				t.Errorf("InFlight() = %d after %d Begin; want %d", got, len(tc.steps), len(tc.steps))
			}
			for _, s := range tc.steps {
				n.End(s.o, s.err)
			}
			if got := n.InFlight(); got != 0 {
				t.Errorf("InFlight() = %d after every End; want 0", got)
			}
			if got := n.Requests(); got != uint64(len(tc.steps)) {
				t.Errorf("Requests() = %d; want %d", got, len(tc.steps))
			}
			if got := n.ConsecutiveFailures(); got != tc.wantFails {
				t.Errorf("ConsecutiveFailures() = %d; want %d", got, tc.wantFails)
			}
			got := n.LastError()
			switch {
			case tc.wantErr == nil && got != nil:
				t.Errorf("LastError() = %+v; want nil", got)
			case tc.wantErr != nil && got == nil:
				t.Errorf("LastError() = nil; want %+v", tc.wantErr)
			case tc.wantErr != nil && (got.Outcome != tc.wantErr.Outcome || got.Err != tc.wantErr.Err || got.At.IsZero()):
				t.Errorf("LastError() = %+v; want outcome %v, error %q and a time", got, tc.wantErr.Outcome, tc.wantErr.Err)
			}
		})
	}
}

func TestNodeInFlightConcurrent(t *testing.T) {
	n := NewNode("10.0.0.1:80")
	const workers, each = 8, 1000
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				n.Begin()
				n.End(Failure, nil)
			}
		})
	}
	wg.Wait()
	if got := n.InFlight(); got != 0 {
		t.Errorf("InFlight() = %d; want 0", got)
	}
	if got := n.Requests(); got != workers*each {
		t.Errorf("Requests() = %d; want %d", got, workers*each)
	}
	if got := n.ConsecutiveFailures(); got != workers*each {
		t.Errorf("ConsecutiveFailures() = %d; want %d", got, workers*each)
	}
}
