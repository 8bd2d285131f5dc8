package imserver_test

import (
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/panelsim/panelsim/sim/simhttp"
)

// TestKeptStatusesFollowEveryChange polls get_servers_status (all servers
// and each one, in two sessions) after each random change: actions,
// logouts and logins, the clock. With state.VerifyMemos on (TestMain)
// every kept answer used is rendered again and compared, so one left
// stale by a change fails the test; and kept answers must have been used.
func TestKeptStatusesFollowEveryChange(t *testing.T) {
	a := newAPI(t)
	petrov, second := a.login("petrov", "superpassword"), a.login("petrov", "superpassword")
	ids := []string{"", "333", "334", "1"}
	rng := rand.New(rand.NewPCG(3, 4))
	changes := []func(){
		func() {
			cmd := []string{"run_server", "stop_server", "reload_server", "pause_server"}[rng.IntN(4)]
			a.get("cmd", cmd, "sess", petrov, "id", ids[1+rng.IntN(2)])
		},
		func() { a.srv.Advance(time.Duration(rng.IntN(90)) * time.Second) },
		func() {
			a.get("cmd", "logout", "sess", second)
			second = a.login("petrov", "superpassword")
		},
	}
	for range 120 {
		changes[rng.IntN(len(changes))]()
		for range 2 {
			for _, sess := range []string{petrov, second} {
				for _, id := range ids {
					kv := []string{"cmd", "get_servers_status", "sess", sess}
					if id != "" {
						kv = append(kv, "id", id)
					}
					// A stale kept answer panics, and the walk answers 500.
					if r := a.c.Get("/api?" + values(kv...).Encode()); r.Status != 200 {
						t.Fatalf("%v: %d %s", kv, r.Status, r.Body)
					}
				}
			}
		}
	}
	w, err := a.srv.Sim().Worlds().Get(simhttp.DefaultWorld)
	if err != nil {
		t.Fatal(err)
	}
	if hits := w.MemoHits(); hits < 400 {
		t.Fatalf("%s answers came from kept renderings: the check above checked too little", strconv.FormatUint(hits, 10))
	}
}
