// Package counterpanel is a tiny panel for testing panelsim's core without a
// real vendor API: named counters, an async job that bumps a counter after a
// configurable time, generated names. Its envelope is {"err":N,"msg":"..."}.
package counterpanel

import (
	_ "embed"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Name is the panel's name.
const Name = "counter"

//go:embed counter.yaml
var spec []byte

// Panel is the counter panel.
type Panel struct{}

// New returns the panel.
func New() *Panel { return &Panel{} }

// Store is the panel's state.
type Store struct {
	Counters map[string]int64 `json:"counters"`
	Jobs     []Job            `json:"jobs"`
}

// Job is an async bump.
type Job struct {
	ID      int64  `json:"id"`
	Counter string `json:"counter"`
	Status  string `json:"status"`
	Error   string `json:"error,omitempty"`
}

type block struct {
	Initial map[string]int64 `yaml:"initial"`
}

// Name is the panel's short name.
func (*Panel) Name() string { return Name }

// Spec is the panel's OpenAPI document (it is not shipped in openapi/).
func (*Panel) Spec() []byte { return spec }

// Info describes the panel.
func (*Panel) Info() simhttp.Info {
	return simhttp.Info{Title: "Counter", Base: "/counter", Login: "none"}
}

// CanonicalPath is the identity.
func (*Panel) CanonicalPath(p string) string { return p }

// Timings has the job duration.
func (*Panel) Timings() map[string]time.Duration {
	return map[string]time.Duration{"counter.job": 10 * time.Second}
}

// Steps runs jobs.
func (*Panel) Steps() map[string]state.StepFunc {
	return map[string]state.StepFunc{"counter.job": state.TypedStep(finishJob)}
}

// NewState returns an empty store.
func (*Panel) NewState() any { return &Store{} }

// Seed applies the `counter:` block.
func (*Panel) Seed(tx *state.Tx, sc *scenarios.Scenario) error {
	var b block
	if err := sc.DecodeBlock(Name, &b); err != nil {
		return err
	}
	st := &Store{Counters: map[string]int64{}}
	for k, v := range b.Initial {
		if v < 0 {
			return sc.Errorf("counter.initial."+k, "a counter starts at 0 or more")
		}
		st.Counters[k] = v
	}
	tx.SetState(Name, st)
	return nil
}

// Operation is the last path element.
func (*Panel) Operation(c echo.Context) string {
	p := strings.TrimSuffix(c.Request().URL.Path, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// Universe is what the panel can do. A counter's read is named by the
// counter, so it is outside the universe.
func (*Panel) Universe() state.Universe {
	return state.Universe{
		Operations: []string{"inc", "job", "counter-jobs", "counter-name", "counter-panic"},
		Codes:      []string{"1", "400", "404", "500"},
		Tasks:      []string{"job/done", "job/failed"},
	}
}

// RenderError writes {"err":code,"msg":...}.
func (*Panel) RenderError(c echo.Context, e *simhttp.Error) error {
	status, code := http.StatusBadRequest, e.Code
	switch e.Kind {
	case simhttp.KindNotFound:
		status, code = http.StatusNotFound, "404"
	case simhttp.KindInternal:
		status, code = http.StatusInternalServerError, "500"
	case simhttp.KindInjected:
		status = http.StatusServiceUnavailable
	}
	if e.Status != 0 {
		status = e.Status
	}
	if code == "" {
		code = "400"
	}
	simhttp.SentCode(c, code)
	return c.JSON(status, map[string]string{"err": code, "msg": e.Msg})
}

// Register adds the routes.
func (p *Panel) Register(r *simhttp.Router) {
	r.Add(http.MethodGet, "/counter/:name", get)
	r.Add(http.MethodPost, "/counter/:name/inc", inc)
	r.Add(http.MethodPost, "/counter/:name/job", startJob)
	r.Add(http.MethodGet, "/counter-jobs", jobs)
	r.Add(http.MethodGet, "/counter-name", fakeName)
	r.Add(http.MethodGet, "/counter-panic", func(echo.Context) error { panic("boom") })
	r.NotFound("/counter")
	r.Control(http.MethodGet, "/hook", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"hook": "on"}) })
}

func store(tx *state.Tx) *Store { return state.PanelState[Store](tx, Name) }

func get(c echo.Context) error {
	var v int64
	name := c.Param("name")
	err := simhttp.Do(c, func(tx *state.Tx) error {
		val, ok := store(tx).Counters[name]
		if !ok {
			return &simhttp.Error{Status: http.StatusNotFound, Code: "1", Msg: "no counter " + name}
		}
		v = val
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"name": name, "value": v})
}

func inc(c echo.Context) error {
	var v int64
	name := c.Param("name")
	_ = simhttp.Do(c, func(tx *state.Tx) error {
		st := store(tx)
		if st.Counters == nil {
			st.Counters = map[string]int64{}
		}
		st.Counters[name]++
		v = st.Counters[name]
		tx.Note("bumped %s to %d", name, v)
		return nil
	})
	return c.JSON(http.StatusOK, map[string]any{"name": name, "value": v})
}

type jobArgs struct {
	ID   int64  `json:"id"`
	Fail string `json:"fail,omitempty"`
}

func startJob(c echo.Context) error {
	var job Job
	err := simhttp.Do(c, func(tx *state.Tx) error {
		st := store(tx)
		job = Job{ID: tx.NextID("counter.job"), Counter: c.Param("name"), Status: "running"}
		args := jobArgs{ID: job.ID}
		if f := tx.TaskFailure(); f != nil {
			args.Fail = fmt.Sprintf("failed at %s: %s", f.Step, f.Msg)
		}
		if err := tx.After(tx.Timing("counter.job"), "counter.job", args); err != nil {
			return err
		}
		st.Jobs = append(st.Jobs, job)
		return nil
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, job)
}

func finishJob(tx *state.Tx, a jobArgs) error {
	st := store(tx)
	for i := range st.Jobs {
		j := &st.Jobs[i]
		if j.ID != a.ID {
			continue
		}
		if a.Fail != "" {
			j.Status, j.Error = "failed", a.Fail
			tx.CoverTask(Name, "job", "failed")
			return nil
		}
		j.Status = "done"
		tx.CoverTask(Name, "job", "done")
		if st.Counters == nil {
			st.Counters = map[string]int64{}
		}
		st.Counters[j.Counter]++
		return nil
	}
	return fmt.Errorf("job %d not found", a.ID)
}

func jobs(c echo.Context) error {
	var out []Job
	_ = simhttp.Do(c, func(tx *state.Tx) error {
		out = append([]Job{}, store(tx).Jobs...)
		return nil
	})
	return c.JSON(http.StatusOK, out)
}

func fakeName(c echo.Context) error {
	var name string
	_ = simhttp.Do(c, func(tx *state.Tx) error {
		name = tx.Faker().Name()
		return nil
	})
	return c.JSON(http.StatusOK, map[string]string{"name": name})
}
