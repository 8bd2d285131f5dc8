package imserver

import (
	"math"
	"time"
)

// statsPeriod is one period get_stats offers: how many points, how far apart.
type statsPeriod struct {
	points int
	step   time.Duration
}

var statsPeriods = map[string]statsPeriod{
	"hour":  {points: 12, step: 5 * time.Minute},
	"day":   {points: 24, step: time.Hour},
	"week":  {points: 28, step: 6 * time.Hour},
	"month": {points: 30, step: 24 * time.Hour},
}

// StatsPoint is one sample of a series.
type StatsPoint struct {
	Time  string  `json:"time"`
	Value float64 `json:"value"`
}

// StatsView is get_stats's data: CPU load (%), RAM in use (MB) and
// traffic in and out (MB per step) over the period ending now.
type StatsView struct {
	ServerID   int64        `json:"serverid"`
	Period     string       `json:"period"`
	Step       int          `json:"step"`
	CPU        []StatsPoint `json:"cpu"`
	RAM        []StatsPoint `json:"ram"`
	TrafficIn  []StatsPoint `json:"traffic_in"`
	TrafficOut []StatsPoint `json:"traffic_out"`
}

// The metric salts keep the four series of one server independent.
const (
	saltCPU uint64 = 0x243f6a8885a308d3 + iota
	saltRAM
	saltIn
	saltOut
)

// Stats returns a server's series. Every value is a hash of the server's
// seed (drawn from the world's RNG when it was made), the metric and the
// sample's time bucket, so the same world answers the same numbers and a
// sample never changes once its time has passed. Samples from before the
// server existed, or from when it was not running (stopped, paused,
// archived, error), are 0.
func (m *model) Stats(server int64, period string) (StatsView, error) {
	p, ok := statsPeriods[period]
	if !ok {
		return StatsView{}, fail(CodeBadValue, "period must be hour, day, week or month, got %q", period)
	}
	s, err := m.server(server)
	if err != nil {
		return StatsView{}, err
	}
	v := StatsView{ServerID: s.ID, Period: period, Step: int(p.step / time.Second)}
	end := m.now().Truncate(p.step)
	ramMB := float64(s.Config.RAM * 1024)
	for i := p.points - 1; i >= 0; i-- {
		t := end.Add(-time.Duration(i) * p.step)
		at := fmtTime(t)
		// A sample is the server's state at the end of its interval (now,
		// for the interval still running): a server that ran in none of it
		// reports nothing.
		last := t.Add(p.step - 1)
		if last.After(m.now()) {
			last = m.now()
		}
		live := poweredAt(s, last)
		sample := func(salt uint64, scale float64, decimals int) StatsPoint {
			if !live {
				return StatsPoint{Time: at}
			}
			return StatsPoint{Time: at, Value: round(unit(s.StatsSeed^salt, t)*scale, decimals)}
		}
		v.CPU = append(v.CPU, sample(saltCPU, 100, 1))
		v.RAM = append(v.RAM, sample(saltRAM, ramMB, 0))
		v.TrafficIn = append(v.TrafficIn, sample(saltIn, p.step.Seconds()*0.5, 1))
		v.TrafficOut = append(v.TrafficOut, sample(saltOut, p.step.Seconds()*0.2, 1))
	}
	return v, nil
}

// unit maps (seed, time) to [0.05, 0.95) with splitmix64.
func unit(seed uint64, t time.Time) float64 {
	x := seed ^ uint64(t.Unix())
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	x ^= x >> 31
	return 0.05 + 0.9*float64(x>>11)/float64(1<<53)
}

func round(v float64, decimals int) float64 {
	p := math.Pow10(decimals)
	return math.Round(v*p) / p
}
