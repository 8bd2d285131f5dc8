package dci6_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/sim/simhttp"
)

// TestKeptServerAnswersFollowEveryChange polls servers as three callers
// between random changes (power, owners, suspension, addresses, an OS
// install, the clock): with state.VerifyMemos on (TestMain), every answer
// given from a kept rendering is rendered again and compared, so a change
// that left a kept answer stale panics the test. The kept answers must
// also have been used, or the check checked nothing.
func TestKeptServerAnswersFollowEveryChange(t *testing.T) {
	srv, c := start(t)
	admin, client := login(t, c, "admin@example.com"), login(t, c, "client@example.com")
	var me struct{ ID int64 }
	c.JSON("POST", "/api/dci/v3/user", `{"email":"poller@example.com","password":"secret","role":"@user"}`, "X-Xsrf-Token", admin).Expect(t, 200).Decode(t, &me)
	poller := login(t, c, "poller@example.com")
	servers := []int{2, 3, 5}
	callers := []string{admin, poller}
	_ = client
	rng := rand.New(rand.NewPCG(1, 2))
	server := func() int { return servers[rng.IntN(len(servers))] }
	changes := []func(){
		func() {
			op := []string{"power_on", "power_off", "power_reset"}[rng.IntN(3)]
			c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/%s", server(), op), `{}`, "X-Xsrf-Token", admin)
		},
		func() {
			c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/owner", server()), fmt.Sprintf(`{"owner":%d}`, me.ID), "X-Xsrf-Token", admin)
		},
		func() {
			c.Do("DELETE", fmt.Sprintf("/api/dci/v3/server/%d/owner", server()), nil, "X-Xsrf-Token", admin)
		},
		func() {
			c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/%s", server(), []string{"suspend", "resume"}[rng.IntN(2)]), `{}`, "X-Xsrf-Token", admin)
		},
		func() { c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/ip", server()), `{}`, "X-Xsrf-Token", admin) },
		func() {
			c.JSON("POST", fmt.Sprintf("/api/dci/v3/server/%d/operation_os", server()), `{"os_template_id":1,"password":"pass"}`, "X-Xsrf-Token", admin)
		},
		func() { srv.Advance(time.Duration(rng.IntN(120)) * time.Second) },
	}
	// Billing polls every server it watches after each change, as each
	// of its callers: six answers, all kept at once, so any left stale by
	// a change is asked for again.
	watched := []int{2, 3, 5}
	for range 150 {
		changes[rng.IntN(len(changes))]()
		for range 2 {
			for _, id := range watched {
				for _, caller := range callers {
					// A stale kept answer panics, and the walk answers 500.
					if r := c.Get(fmt.Sprintf("/api/dci/v3/server/%d", id), "X-Xsrf-Token", caller); r.Status != 200 && r.Status != 404 {
						t.Fatalf("GET server %d: %d %s", id, r.Status, r.Body)
					}
				}
			}
		}
	}
	// ?pretty asks echo to indent: never a kept compact answer.
	kept := c.Get("/api/dci/v3/server/2", "X-Xsrf-Token", admin).Expect(t, 200).Body
	pretty := c.Get("/api/dci/v3/server/2?pretty", "X-Xsrf-Token", admin).Expect(t, 200).Body
	var compact bytes.Buffer
	if err := json.Compact(&compact, pretty); err != nil || !bytes.Contains(pretty, []byte("\n  ")) || compact.String() != strings.TrimSpace(string(kept)) {
		t.Fatalf("?pretty answered %s (compact error %v), the kept answer is %s", pretty, err, kept)
	}
	w, err := srv.Sim().Worlds().Get(simhttp.DefaultWorld)
	if err != nil {
		t.Fatal(err)
	}
	if hits := w.MemoHits(); hits < 500 {
		t.Fatalf("%d answers came from kept renderings: the check above checked too little", hits)
	}
}
