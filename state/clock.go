package state

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// This is the only file under state/ and sim/ that may read the wall clock.
// Everything else asks a World for its virtual time.

// WallClock reads the host's time. It is injectable so tests of the real
// clock mode never sleep.
type WallClock func() time.Time

// SystemWallClock is the host clock, used by the binary in real mode.
func SystemWallClock() time.Time { return time.Now() }

// ClockMode says how a world's virtual clock moves.
type ClockMode struct {
	// Real is false for manual mode: time moves only through Advance and Set.
	Real bool
	// Factor is how many virtual seconds pass per wall second in real mode.
	Factor float64
}

// String renders the mode in the flag syntax it was parsed from.
func (m ClockMode) String() string {
	if !m.Real {
		return "manual"
	}
	if m.Factor == 1 {
		return "real"
	}
	return "real:" + strconv.FormatFloat(m.Factor, 'f', -1, 64)
}

// ParseClockMode reads "manual", "real" or "real:N" (N > 0, N times faster
// than the wall clock).
func ParseClockMode(s string) (ClockMode, error) {
	switch {
	case s == "manual":
		return ClockMode{}, nil
	case s == "real":
		return ClockMode{Real: true, Factor: 1}, nil
	case strings.HasPrefix(s, "real:"):
		f, err := strconv.ParseFloat(strings.TrimPrefix(s, "real:"), 64)
		if err != nil || f <= 0 || f > 1e6 {
			return ClockMode{}, fmt.Errorf("clock %q: N in real:N must be a number between 0 and 1000000", s)
		}
		return ClockMode{Real: true, Factor: f}, nil
	}
	return ClockMode{}, fmt.Errorf("clock %q: want manual, real or real:N", s)
}

// realSync converts wall time that has passed into virtual time. It is lazy:
// the virtual clock catches up whenever the world is touched, so no goroutine
// ticks in the background and a stopped process costs nothing.
type realSync struct {
	mode     ClockMode
	wall     WallClock
	lastWall time.Time
}

func newRealSync(mode ClockMode, wall WallClock) *realSync {
	if wall == nil {
		wall = SystemWallClock
	}
	return &realSync{mode: mode, wall: wall, lastWall: wall()}
}

// due reports how much virtual time has passed since the last call.
func (r *realSync) due() time.Duration {
	if !r.mode.Real {
		return 0
	}
	now := r.wall()
	elapsed := now.Sub(r.lastWall)
	if elapsed <= 0 {
		return 0
	}
	r.lastWall = now
	return time.Duration(float64(elapsed) * r.mode.Factor)
}

// Sleep waits on the wall clock in real mode (latency faults); in manual
// mode it returns at once, since virtual time is reported, not slept.
func (m ClockMode) Sleep(d time.Duration) {
	if m.Real && d > 0 {
		time.Sleep(time.Duration(float64(d) / m.Factor))
	}
}
