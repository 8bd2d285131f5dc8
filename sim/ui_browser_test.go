package sim_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"github.com/panelsim/panelsim/panelsimtest"
)

// The dashboard in a real browser: headless Chromium driven over the
// DevTools protocol. Every wait is for a condition on the page, never for
// time; the context's deadline only bounds a broken run.

// chromium finds a Chromium or Chrome binary; "" when none is installed.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is one headless Chromium page for a test, with every console
// error and uncaught exception the pages raise collected.
type browser struct {
	page   *rod.Page
	mu     sync.Mutex
	errors []string
	shots  string
}

func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := chromium()
	if exe == "" {
		if os.Getenv("PANELSIM_REQUIRE_BROWSER") == "1" {
			t.Fatal("no Chromium installed and PANELSIM_REQUIRE_BROWSER=1: apt-get install chromium")
		}
		t.Skip("no Chromium installed (apt-get install chromium): the dashboard's browser tests are skipped")
	}
	l := launcher.New().Bin(exe).Headless(true).NoSandbox(true).Leakless(false).Set("disable-gpu")
	u, err := l.Launch()
	if err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	t.Cleanup(l.Cleanup)
	br := rod.New().ControlURL(u)
	if err := br.Connect(); err != nil {
		t.Fatalf("connect to Chromium: %v", err)
	}
	t.Cleanup(func() { br.Close() })
	page, err := br.Page(proto.TargetCreateTarget{})
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{page: page.Timeout(60 * time.Second), shots: artifacts(t)}
	check(t, proto.RuntimeEnable{}.Call(page))
	check(t, proto.LogEnable{}.Call(page))
	go page.EachEvent(func(e *proto.RuntimeExceptionThrown) {
		b.fail("exception: " + e.ExceptionDetails.Text + " " + e.ExceptionDetails.URL)
	}, func(e *proto.RuntimeConsoleAPICalled) {
		if e.Type == proto.RuntimeConsoleAPICalledTypeError {
			b.fail(fmt.Sprintf("console.error: %v", e.Args))
		}
	}, func(e *proto.LogEntryAdded) {
		if e.Entry.Level == proto.LogLogEntryLevelError {
			b.fail("log: " + e.Entry.Text + " " + e.Entry.URL)
		}
	})()
	return b
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (b *browser) fail(msg string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.errors = append(b.errors, msg)
}

// noErrors fails the test if any page raised a console error so far.
func (b *browser) noErrors(t *testing.T, where string) {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.errors) > 0 {
		t.Errorf("%s: console errors: %v", where, b.errors)
		b.errors = nil
	}
}

// shot saves a full-page screenshot as a test artifact.
func (b *browser) shot(t *testing.T, name string) {
	t.Helper()
	png, err := b.page.Screenshot(true, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
	check(t, err)
	check(t, os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644))
}

// artifacts is where screenshots go: $ARTIFACTS/dashboard, or a directory
// under the system's temp dir (never the repository).
func artifacts(t *testing.T) string {
	root := os.Getenv("ARTIFACTS")
	if root == "" {
		root = filepath.Join(os.TempDir(), "panelsim-artifacts")
	}
	dir := filepath.Join(root, "dashboard")
	check(t, os.MkdirAll(dir, 0o755))
	t.Logf("dashboard screenshots in %s", dir)
	return dir
}

// open loads a dashboard page and waits until its live feed is connected.
func (b *browser) open(t *testing.T, url string) {
	t.Helper()
	check(t, b.page.Navigate(url))
	b.el(t, `body[data-live="on"]`)
}

// el waits for an element matching selector.
func (b *browser) el(t *testing.T, selector string) *rod.Element {
	t.Helper()
	el, err := b.page.Element(selector)
	if err != nil {
		t.Fatalf("waiting for %s: %v", selector, err)
	}
	return el
}

func (b *browser) text(t *testing.T, selector string) string {
	t.Helper()
	s, err := b.el(t, selector).Text()
	check(t, err)
	return s
}

func (b *browser) click(t *testing.T, selector string) {
	t.Helper()
	check(t, b.el(t, selector).Click(proto.InputMouseButtonLeft, 1))
}

func (b *browser) input(t *testing.T, selector, text string) {
	t.Helper()
	check(t, b.el(t, selector).Input(text))
}

func (b *browser) choose(t *testing.T, selector, option string) {
	t.Helper()
	check(t, b.el(t, selector).Select([]string{option}, true, rod.SelectorTypeText))
}

func (b *browser) viewport(t *testing.T, width int) {
	t.Helper()
	check(t, b.page.SetViewport(&proto.EmulationSetDeviceMetricsOverride{Width: width, Height: 844, DeviceScaleFactor: 1, Mobile: width < 600}))
}

func callAPI(t *testing.T, method, url string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	resp, err := http.DefaultClient.Do(req)
	check(t, err)
	resp.Body.Close()
	return resp.StatusCode
}

func TestDashboardInABrowser(t *testing.T) {
	srv := panelsimtest.RunT(t)
	b := newBrowser(t)
	base := srv.URL() + "/_panelsim/ui/"
	callAPI(t, "GET", srv.URL()+"/api/dci/v3/server")

	t.Run("every page renders without a console error, wide and narrow", func(t *testing.T) {
		for _, width := range []int{1280, 390} {
			b.viewport(t, width)
			for _, page := range []string{"worlds", "clock", "journal", "faults", "state", "coverage"} {
				b.open(t, base+page)
				res, err := b.page.Eval(`() => document.documentElement.scrollWidth > window.innerWidth + 1`)
				check(t, err)
				if res.Value.Bool() {
					t.Errorf("%s at %dpx is wider than the window", page, width)
				}
				b.shot(t, fmt.Sprintf("%s-%d", page, width))
				b.noErrors(t, page)
			}
		}
		b.viewport(t, 1280)
	})

	t.Run("advance the clock from the page and see a task finish", func(t *testing.T) {
		token := dciToken(t, srv.URL())
		req, _ := http.NewRequest("POST", srv.URL()+"/api/dci/v3/server/1/power_off", nil)
		req.Header.Set("X-Xsrf-Token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("power_off: %v %v", err, resp)
		}
		resp.Body.Close()
		b.open(t, base+"clock")
		if pending := b.text(t, "#pending"); pending != "1" {
			t.Fatalf("pending %q before advancing, want 1", pending)
		}
		b.click(t, "#advance-next button")
		b.el(t, "#timeline-empty")
		if pending := b.text(t, "#pending"); pending != "0" {
			t.Fatalf("pending %q after advancing to the next step, want 0", pending)
		}
		b.shot(t, "clock-advanced")
		b.open(t, base+"state")
		tasks := b.text(t, `table[data-table="tasks"]`)
		if !strings.Contains(tasks, "power_off") || !strings.Contains(tasks, "complete") {
			t.Fatalf("the state page's tasks after advancing:\n%s", tasks)
		}
		b.noErrors(t, "clock")
	})

	t.Run("the clock page follows an advance made elsewhere", func(t *testing.T) {
		b.open(t, base+"clock")
		srv.Advance(time.Hour)
		want := srv.Now().UTC().Format("2006-01-02 15:04:05")
		if _, err := b.page.ElementR("#now", "^"+want+"$"); err != nil {
			t.Fatalf("the clock page never showed %s: %v", want, err)
		}
		b.noErrors(t, "clock live")
	})

	t.Run("add a fault from the form and see it fire in the journal tail", func(t *testing.T) {
		b.open(t, base+"faults")
		b.input(t, `#add-fault input[name="name"]`, "boom")
		b.choose(t, `#add-fault select[name="panel"]`, "dci6")
		b.input(t, `#add-fault input[name="op"]`, "/api/dci/v3/server")
		b.choose(t, `#add-fault select[name="action"]`, "error")
		b.input(t, `#add-fault input[name="code"]`, "3080")
		b.click(t, `#add-fault button`)
		b.el(t, `tr[data-rule="boom"]`)
		b.open(t, base+"journal")
		if status := callAPI(t, "GET", srv.URL()+"/api/dci/v3/server"); status != 404 {
			t.Fatalf("the fault did not answer: %d", status)
		}
		row := b.text(t, `li.entry[data-fault="boom"] summary`)
		if !strings.Contains(row, "404") || !strings.Contains(row, "GET /api/dci/v3/server") {
			t.Fatalf("the live row: %q", row)
		}
		b.click(t, `li.entry[data-fault="boom"] summary`)
		check(t, b.el(t, `li.entry[data-fault="boom"] .exchange`).WaitVisible())
		answer := b.text(t, `li.entry[data-fault="boom"] .exchange`)
		if !strings.Contains(answer, "3080") {
			t.Fatalf("the entry's answer: %q", answer)
		}
		b.shot(t, "journal-fault")
		b.noErrors(t, "journal")
	})

	t.Run("a world's own dashboard", func(t *testing.T) {
		b.open(t, srv.URL()+"/_w/other/_panelsim/ui/clock")
		if world := b.text(t, "#world"); world != "other" {
			t.Fatalf("world %q", world)
		}
		b.noErrors(t, "world")
	})
}

func dciToken(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/api/auth/v4/public/token", "application/json", strings.NewReader(`{"email":"admin@example.com","password":"secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		Token string `json:"token"`
	}
	if err := jsonDecode(resp, &tok); err != nil || tok.Token == "" {
		t.Fatalf("login: %v", err)
	}
	return tok.Token
}

func jsonDecode(resp *http.Response, v any) error { return json.NewDecoder(resp.Body).Decode(v) }

// With --control-token the browser is sent to the login page, logs in
// with the token and then gets the pages and their live feed on the
// cookie alone.
func TestDashboardLoginInABrowser(t *testing.T) {
	const token = "browser-token"
	srv := panelsimtest.RunT(t, panelsimtest.WithControlToken(token))
	b := newBrowser(t)
	check(t, b.page.Navigate(srv.URL()+"/_panelsim/ui/clock"))
	b.el(t, "#login")
	b.shot(t, "login")
	b.input(t, `#login input[name="token"]`, token)
	b.click(t, "#login button")
	b.el(t, `body[data-live="on"][data-page="clock"]`)
	b.el(t, "#logout")
	b.noErrors(t, "login")
	b.click(t, "#logout button")
	b.el(t, "#login")
	check(t, b.page.Navigate(srv.URL()+"/_panelsim/ui/state"))
	b.el(t, "#login")
	b.noErrors(t, "logout")
}
