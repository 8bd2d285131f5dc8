package panelsimtc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/panelsim/panelsim/state"
)

// World is a handle on one world of a panelsim container: its URLs address
// only that world (through the /_w/{world} prefix), and its methods drive
// only that world's clock, faults and journal. Handles are cheap values
// and safe for concurrent use.
type World struct {
	c    *Container
	name string
}

// Name is the world's name.
func (w *World) Name() string { return w.name }

// prefix is the path prefix that selects the world; the default world
// needs none, so its URLs are the plain vendor URLs.
func (w *World) prefix() string {
	if w.name == DefaultWorld {
		return ""
	}
	return "/_w/" + url.PathEscape(w.name)
}

// BaseURL is the root URL of this world: append a panel's vendor path, or
// /_panelsim/... for the control plane.
func (w *World) BaseURL(ctx context.Context) (string, error) {
	base, err := w.c.baseURL(ctx)
	if err != nil {
		return "", err
	}
	return base + w.prefix(), nil
}

// PanelURL is the URL of a panel ("dci6", "imserver", "dbc", "ispmgr") in
// this world, without a trailing slash: append the vendor path, e.g.
// PanelURL(ctx, "ispmgr") + "?func=auth".
func (w *World) PanelURL(ctx context.Context, panel string) (string, error) {
	base, err := w.BaseURL(ctx)
	if err != nil {
		return "", err
	}
	p, err := w.c.panelBase(ctx, panel)
	if err != nil {
		return "", err
	}
	return base + p, nil
}

// Clock is the answer of panelsim's clock endpoints.
type Clock struct {
	World   string      `json:"world"`
	Now     time.Time   `json:"now"`
	Start   time.Time   `json:"start"`
	Mode    string      `json:"mode"`
	Pending int         `json:"pending"`
	Ran     []state.Ran `json:"ran"`
	// RanCount counts every step that fired; Ran lists at most the first
	// thousand.
	RanCount int `json:"ran_count"`
}

// Clock reads the world's virtual clock: now, start, mode and how many
// steps are pending.
func (w *World) Clock(ctx context.Context) (Clock, error) {
	var c Clock
	err := w.c.call(ctx, w.prefix(), http.MethodGet, "/clock", nil, &c)
	return c, err
}

// Now is the world's virtual time.
func (w *World) Now(ctx context.Context) (time.Time, error) {
	c, err := w.Clock(ctx)
	return c.Now, err
}

// Advance moves the world's virtual clock forward by d. It returns when
// every step that fell due has run, with the steps that fired, so a test
// never sleeps or polls.
func (w *World) Advance(ctx context.Context, d time.Duration) ([]state.Ran, error) {
	if d < 0 {
		return nil, fmt.Errorf("panelsimtc: cannot advance by a negative duration %s", d)
	}
	var c Clock
	if err := w.c.call(ctx, w.prefix(), http.MethodPost, "/clock/advance", map[string]string{"by": d.String()}, &c); err != nil {
		return nil, err
	}
	return c.Ran, nil
}

// SetTime moves the world's virtual clock to t (never backwards), running
// every step that falls due on the way.
func (w *World) SetTime(ctx context.Context, t time.Time) ([]state.Ran, error) {
	var c Clock
	if err := w.c.call(ctx, w.prefix(), http.MethodPost, "/clock/set", map[string]string{"to": t.UTC().Format(time.RFC3339Nano)}, &c); err != nil {
		return nil, err
	}
	return c.Ran, nil
}

// SetFaults replaces the world's fault rules; no rules clears them. A rule
// panelsim cannot use is refused whole, with the offending field in the
// *Error.
func (w *World) SetFaults(ctx context.Context, rules ...state.FaultRule) error {
	if rules == nil {
		rules = []state.FaultRule{}
	}
	return w.c.call(ctx, w.prefix(), http.MethodPost, "/faults", rules, nil)
}

// Faults returns the world's fault rules.
func (w *World) Faults(ctx context.Context) ([]state.FaultRule, error) {
	var rules []state.FaultRule
	err := w.c.call(ctx, w.prefix(), http.MethodGet, "/faults", nil, &rules)
	return rules, err
}

// Reset puts the world back to its scenario's initial state, with the
// clock at the scenario start.
func (w *World) Reset(ctx context.Context) error {
	return w.c.call(ctx, w.prefix(), http.MethodPost, "/reset", nil, nil)
}

// Requests returns the world's journal entries matching f, oldest first
// (the zero filter matches all): what the client under test actually sent.
func (w *World) Requests(ctx context.Context, f state.JournalFilter) ([]state.Entry, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("panel", f.Panel)
	set("path", f.Path)
	set("op", f.Op)
	set("fault", f.Fault)
	if f.Status != 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	path := "/requests"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var entries []state.Entry
	err := w.c.call(ctx, w.prefix(), http.MethodGet, path, nil, &entries)
	return entries, err
}

// ClearRequests empties the world's journal.
func (w *World) ClearRequests(ctx context.Context) error {
	return w.c.call(ctx, w.prefix(), http.MethodDelete, "/requests", nil, nil)
}

// Fork creates a new world named name as a copy of this world's current
// state (clock, data, faults) and returns its handle: prepare once, then
// give each subtest its own copy.
func (w *World) Fork(ctx context.Context, name string) (*World, error) {
	return w.c.createWorld(ctx, name, w.name)
}

// Delete removes the world from panelsim.
func (w *World) Delete(ctx context.Context) error {
	return w.c.call(ctx, "", http.MethodDelete, "/worlds/"+url.PathEscape(w.name), nil, nil)
}

// Error is a refusal by panelsim's control plane, e.g. an invalid fault
// rule or an unknown world. Field names the offending input when panelsim
// says which.
type Error struct {
	Method string
	Path   string
	Status int
	Msg    string
	Field  string
}

// Error says what was refused and why, in one line for test logs.
func (e *Error) Error() string {
	s := fmt.Sprintf("panelsimtc: %s %s: %d", e.Method, e.Path, e.Status)
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// call sends one control-plane request under prefix and decodes a 2xx
// answer into out (if not nil); anything else becomes an *Error.
func (c *Container) call(ctx context.Context, prefix, method, path string, in, out any) error {
	base, err := c.baseURL(ctx)
	if err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("panelsimtc: %w", err)
		}
		body = bytes.NewReader(b)
	}
	full := prefix + "/_panelsim" + path
	req, err := http.NewRequestWithContext(ctx, method, base+full, body)
	if err != nil {
		return fmt.Errorf("panelsimtc: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	tok, err := c.controlToken(ctx)
	if err != nil {
		return err
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("panelsimtc: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("panelsimtc: %s %s: reading answer: %w", method, full, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := &Error{Method: method, Path: full, Status: resp.StatusCode}
		var msg struct {
			Error string `json:"error"`
			Field string `json:"field"`
		}
		if json.NewDecoder(bytes.NewReader(raw)).Decode(&msg) == nil && msg.Error != "" {
			e.Msg, e.Field = msg.Error, msg.Field
		} else {
			e.Msg = string(bytes.TrimSpace(raw))
		}
		return e
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("panelsimtc: %s %s: decoding answer: %w", method, full, err)
	}
	return nil
}
