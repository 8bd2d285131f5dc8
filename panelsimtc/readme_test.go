package panelsimtc_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/panelsim/panelsim/panelsimtc"
	"github.com/panelsim/panelsim/state"
)

// TestBilling is the README's example ("Go tests: the testcontainers-go
// module") as written there; the README test checks the README shows this
// code. testdata/billing.yaml links to scenarios/billing.yaml.
func TestBilling(t *testing.T) {
	ctx := context.Background()
	ctr, err := panelsimtc.Run(ctx, testImage(t), // "panelsim:dev"; testImage skips the test without a Docker engine
		panelsimtc.WithScenario("testdata/billing.yaml"), // or WithScenarioYAML(`...`)
		panelsimtc.WithSeed(42),
	)
	testcontainers.CleanupContainer(t, ctr) // before checking err: Run returns the container on failure too
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w, err := ctr.NewWorld(ctx, tc.name) // own state, clock, faults and journal
			if err != nil {
				t.Fatal(err)
			}
			mgr, _ := w.PanelURL(ctx, "ispmgr") // http://127.0.0.1:PORT/_w/NAME/ispmgr
			client := billing.New(mgr)
			_ = w.SetFaults(ctx, state.FaultRule{Name: "down", Panel: "ispmgr",
				When: state.FaultWhen{Times: 2}, Action: state.FaultAction{Status: 503}})
			tc.run(t, client)                     // your assertions, against this world
			_, _ = w.Advance(ctx, 61*time.Minute) // the mgr5 session expires: no sleeping
			got, _ := w.Requests(ctx, state.JournalFilter{Panel: "ispmgr"})
			t.Logf("%d requests reached mgr5", len(got))
		})
	}
}

func testImage(t *testing.T) string { return image(t) }

// billing stands in for the reader's billing package: it asks mgr5 who
// the billing account is, retrying a 503 as a real client should.
var billing billingPackage

type billingPackage struct{}

func (billingPackage) New(mgr string) *mgrClient { return &mgrClient{mgr: mgr} }

type mgrClient struct{ mgr string }

// Status is the HTTP status of one authenticated mgr5 call, after up to
// three tries.
func (c *mgrClient) Status() int {
	status := 0
	for range 3 {
		resp, err := http.Get(c.mgr + "?out=json&authinfo=billing:billing-secret&func=whoami")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		if status = resp.StatusCode; status != http.StatusServiceUnavailable {
			break
		}
	}
	return status
}

var cases = []struct {
	name string
	run  func(*testing.T, *mgrClient)
}{
	{"rides-out-503s", func(t *testing.T, c *mgrClient) {
		if got := c.Status(); got != 200 {
			t.Errorf("after the retries: %d", got)
		}
	}},
	{"own-world-own-faults", func(t *testing.T, c *mgrClient) {
		if got := c.Status(); got != 200 {
			t.Errorf("after the retries: %d", got)
		}
	}},
}

// The Container acts on the default world: it has every method a World
// has but Name, Fork and Delete.
func TestContainerHasEveryWorldMethod(t *testing.T) {
	ctr, world := reflect.TypeFor[*panelsimtc.Container](), reflect.TypeFor[*panelsimtc.World]()
	for i := range world.NumMethod() {
		m := world.Method(i)
		if m.Name == "Name" || m.Name == "Fork" || m.Name == "Delete" {
			continue
		}
		cm, ok := ctr.MethodByName(m.Name)
		if !ok || cm.Type.NumIn() != m.Type.NumIn() || cm.Type.String()[strings.Index(cm.Type.String(), ","):] != m.Type.String()[strings.Index(m.Type.String(), ","):] {
			t.Errorf("Container lacks World's %s %s", m.Name, m.Type)
		}
	}
}

// The README names every method panelsimtc adds to Container and World.
func TestReadmeNamesEveryMethod(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	embedded := reflect.TypeFor[testcontainers.Container]()
	for _, typ := range []reflect.Type{reflect.TypeFor[*panelsimtc.Container](), reflect.TypeFor[*panelsimtc.World]()} {
		for i := range typ.NumMethod() {
			name := typ.Method(i).Name
			if _, ok := embedded.MethodByName(name); ok && name != "Host" && name != "PortEndpoint" {
				continue // testcontainers' own
			}
			if !bytes.Contains(readme, []byte("`"+name+"`")) && !bytes.Contains(readme, []byte("`"+name+"(")) {
				t.Errorf("README.md does not mention %s.%s", typ.Elem().Name(), name)
			}
		}
	}
}
