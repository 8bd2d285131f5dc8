package sim

import (
	"errors"
	"fmt"
	"strings"

	"github.com/panelsim/panelsim/state"
)

// decodeSnapshot reads a snapshot strictly: an unknown field or a wrong
// type anywhere (panel states included, when restored) is a
// *state.DecodeError with the JSON pointer of the first problem.
func (s *Server) decodeSnapshot(body []byte) (*state.Snapshot, error) {
	var snap state.Snapshot
	if err := state.DecodeStrict(body, &snap); err != nil {
		return nil, err
	}
	return &snap, nil
}

// checkSnapshotFaults checks a snapshot's fault rules, naming the rule's
// place in the snapshot.
func (s *Server) checkSnapshotFaults(snap *state.Snapshot) error {
	if err := s.ValidateFaults(snap.Faults); err != nil {
		var fe *state.FaultError
		if errors.As(err, &fe) {
			return &state.DecodeError{Pointer: fmt.Sprintf("/faults/%d/%s", fe.Index, strings.ReplaceAll(fe.Field, ".", "/")), Msg: fe.Msg}
		}
		return &state.DecodeError{Pointer: "/faults", Msg: err.Error()}
	}
	return nil
}

// InvariantChecker is a panel that can check its state is whole: every
// reference points at an object that exists, counts agree with what they
// count, no resource is held twice. Restores run it and refuse a snapshot
// that breaks it; tests run it after every scenario load and fork.
type InvariantChecker interface {
	// CheckState returns the first broken invariant, naming its place as
	// a JSON pointer into the panel's state.
	CheckState(tx *state.Tx) *state.DecodeError
}

// StepChecker is a panel whose async steps name its objects (a task, a
// ticket): a pending step naming an object that does not exist, or an
// unfinished object no step will ever finish, breaks the world as a
// dangling reference does.
type StepChecker interface {
	// CheckSteps returns the first problem of the queue (the world's
	// pending steps in snapshot order, every panel's) for the panel's own
	// step kinds. Its pointer is from the snapshot's root ("/queue/3/args/task",
	// "/panels/dci6/tasks/7/status"), since the queue is not the panel's.
	CheckSteps(tx *state.Tx, queue []state.Step) *state.DecodeError
}

// CheckInvariants runs every served panel's invariant check on w; the error
// names the JSON pointer of the first problem from the snapshot's root.
func (s *Server) CheckInvariants(w *state.World) error {
	return s.checkWorld(w, w.PendingSteps(0))
}

// checkWorld checks w's panels, reading queue as w's pending steps (a
// restore passes the snapshot's own queue, so pointers index its body). The
// world is only inspected: no due step runs on a world that may be broken.
func (s *Server) checkWorld(w *state.World, queue []state.Step) error {
	return w.Inspect(func(tx *state.Tx) error {
		for _, p := range s.panels {
			if ic, ok := p.(InvariantChecker); ok {
				if err := ic.CheckState(tx); err != nil {
					return err.At("/panels/" + p.Name())
				}
			}
		}
		for _, p := range s.panels {
			if sc, ok := p.(StepChecker); ok {
				if err := sc.CheckSteps(tx, queue); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
