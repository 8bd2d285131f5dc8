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

// jsonPointerToken escapes a map key for a JSON pointer (RFC 6901).
func jsonPointerToken(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
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

// StepChecker is a panel whose pending steps name its objects: each step
// of the panel's kinds is checked against its state, so a restored queue
// cannot hold a step for an object that never was.
type StepChecker interface {
	// CheckStep returns what is wrong with one pending step, naming its
	// place as a JSON pointer into the step's args.
	CheckStep(tx *state.Tx, step state.Step) *state.DecodeError
}

// CheckInvariants runs every served panel's invariant check on w, then
// every pending step's; the error names the JSON pointer of the first
// problem from the snapshot's root.
func (s *Server) CheckInvariants(w *state.World) error {
	return w.Do(func(tx *state.Tx) error {
		for _, p := range s.panels {
			ic, ok := p.(InvariantChecker)
			if !ok {
				continue
			}
			if err := ic.CheckState(tx); err != nil {
				return err.At("/panels/" + p.Name())
			}
		}
		return s.checkSteps(tx)
	})
}

// checkSteps asks the panel owning each pending step's kind to check it.
func (s *Server) checkSteps(tx *state.Tx) error {
	owners := map[string]StepChecker{}
	for _, p := range s.panels {
		if sc, ok := p.(StepChecker); ok {
			for kind := range p.Steps() {
				owners[kind] = sc
			}
		}
	}
	for i, step := range tx.PendingSteps() {
		if sc := owners[step.Kind]; sc != nil {
			if err := sc.CheckStep(tx, step); err != nil {
				return err.At(fmt.Sprintf("/queue/%d/args", i))
			}
		}
	}
	return nil
}
