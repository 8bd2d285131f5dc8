package sim_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
)

// Dead tokens and sessions do not pile up: after a burst of logins and a
// virtual wait past their lifetime, a second burst leaves the store holding
// about the second burst, not both (without purging it held every login a
// world ever saw).
func TestDeadSessionsArePurgedOnTheVirtualClock(t *testing.T) {
	const burst = 300
	cases := []struct {
		panel, store string
		lifetime     string
		login        func(c *simtest.Client)
	}{
		{"dci6", "tokens", "2h", func(c *simtest.Client) {
			c.JSON(http.MethodPost, "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`).Expect(t, http.StatusCreated)
		}},
		{"imserver", "sessions", "25h", func(c *simtest.Client) {
			c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword").Expect(t, http.StatusOK)
		}},
		{"ispmgr", "sessions", "2h", func(c *simtest.Client) {
			c.Get("/ispmgr?out=json&func=auth&username=root&password=secret").Expect(t, http.StatusOK)
		}},
	}
	srv := panelsimtest.RunT(t)
	for _, tc := range cases {
		t.Run(tc.panel, func(t *testing.T) {
			c := simtest.New(t, srv).World("purge-" + tc.panel)
			size := func() int {
				var snap struct {
					Panels map[string]map[string]json.RawMessage `json:"panels"`
				}
				c.Get("/_panelsim/state").Expect(t, http.StatusOK).Decode(t, &snap)
				var store map[string]any
				if err := json.Unmarshal(snap.Panels[tc.panel][tc.store], &store); err != nil {
					t.Fatalf("%s.%s: %v", tc.panel, tc.store, err)
				}
				return len(store)
			}
			base := size()
			for range burst {
				tc.login(c)
			}
			if n := size(); n != base+burst {
				t.Fatalf("%d live entries after %d logins, want %d", n, burst, base+burst)
			}
			c.JSON(http.MethodPost, "/_panelsim/clock/advance", `{"by":"`+tc.lifetime+`"}`).Expect(t, http.StatusOK)
			for range burst {
				tc.login(c)
			}
			if n := size(); n >= base+2*burst {
				t.Errorf("%d entries held after the first %d died: dead ones were not purged", n, burst)
			}
		})
	}
}
