package state

import (
	"encoding/json"
	"testing"
	"time"
)

// BenchmarkAdvance24hWith100kSteps measures one Advance over a day that runs
// 100,000 pending steps spread evenly across it.
func BenchmarkAdvance24hWith100kSteps(b *testing.B) {
	steps := map[string]StepFunc{"noop": func(tx *Tx, args json.RawMessage) error { return nil }}
	const n = 100000
	spacing := 24 * time.Hour / n
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		w := newTestWorld(b, steps, ClockMode{}, nil)
		_ = w.Do(func(tx *Tx) error {
			for j := 0; j < n; j++ {
				if err := tx.After(time.Duration(j+1)*spacing, "noop", j); err != nil {
					return err
				}
			}
			return nil
		})
		b.StartTimer()
		ran, _ := w.Advance(24 * time.Hour)
		if len(ran) != n {
			b.Fatalf("ran %d", len(ran))
		}
	}
}

// BenchmarkSchedule100kSteps measures scheduling (JSON args + heap push).
func BenchmarkSchedule100kSteps(b *testing.B) {
	steps := map[string]StepFunc{"noop": func(tx *Tx, args json.RawMessage) error { return nil }}
	for i := 0; i < b.N; i++ {
		w := newTestWorld(b, steps, ClockMode{}, nil)
		_ = w.Do(func(tx *Tx) error {
			for j := 0; j < 100000; j++ {
				_ = tx.After(time.Duration(j)*time.Second, "noop", j)
			}
			return nil
		})
	}
}
