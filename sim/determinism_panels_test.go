package sim_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/internal/simtest"
	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/state"
)

// TestEveryPanelReplaysByteForByte drives all four panels of the default
// scenario (logins whose tokens come from the seeded generator, lists,
// actions that queue tasks, errors), then replays the journal against two
// fresh servers: the answers must equal the originals byte for byte.
func TestEveryPanelReplaysByteForByte(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	var original []*simtest.Response
	keep := func(r *simtest.Response) *simtest.Response { original = append(original, r); return r }

	var tok struct{ Token string }
	keep(c.JSON("POST", "/api/auth/v4/public/token", map[string]string{"email": "admin@example.com", "password": "secret"})).Expect(t, 201).Decode(t, &tok)
	keep(c.Get("/api/dci/v3/server?limit=5", "x-xsrf-token", tok.Token)).Expect(t, 200)
	keep(c.Get("/dci/v3/server/1", "ses6", tok.Token, "Cookie", "ses6="+tok.Token))
	keep(c.JSON("POST", "/api/dci/v3/server/1/power_off", `{}`, "x-xsrf-token", tok.Token))
	keep(c.Get("/api/dci/v3/task", "x-xsrf-token", tok.Token))
	keep(c.Get("/api/dci/v3/nowhere", "x-xsrf-token", tok.Token)).Expect(t, 404)

	var login struct{ Sess string }
	keep(c.Get("/api?cmd=login&loginUsername=petrov&loginPassword=superpassword")).Expect(t, 200).Decode(t, &login)
	keep(c.Get("/api?cmd=get_servers&sess=" + login.Sess))
	keep(c.Get("/api?cmd=run_server&id=333&sess=" + login.Sess))
	keep(c.Get("/api?cmd=get_servers_status&sess=" + login.Sess))

	auth := keep(c.Get("/ispmgr?func=auth&username=root&password=secret&out=json")).Expect(t, 200)
	var doc struct {
		Doc struct {
			Auth struct {
				ID string `json:"$id"`
			} `json:"auth"`
		} `json:"doc"`
	}
	auth.Decode(t, &doc)
	keep(c.Get("/ispmgr?func=user&out=json&auth=" + doc.Doc.Auth.ID))
	keep(c.Get("/ispmgr?func=webdomain&out=xml&auth=" + doc.Doc.Auth.ID))
	keep(c.Get("/ispmgr?func=nosuchfunc&out=xml&auth=" + doc.Doc.Auth.ID))

	keep(c.JSON("POST", "/api/v1/", `{}`))
	keep(c.JSON("POST", "/api/v1/mining_nodes", `{"peer_nodes_list":[]}`))
	keep(c.Get("/api/v1/tasks"))

	entries := srv.Requests(state.JournalFilter{})
	if len(entries) != len(original) {
		t.Fatalf("journal has %d entries for %d requests", len(entries), len(original))
	}
	// mgr5 echoes the Host it was asked on; each server has its own port.
	hostless := func(b []byte, base string) []byte {
		return bytes.ReplaceAll(b, []byte(strings.TrimPrefix(base, "http://")), []byte("HOST"))
	}
	for run := 0; run < 2; run++ {
		other := panelsimtest.RunT(t)
		fresh := simtest.New(t, other)
		for i, r := range fresh.Replay(entries) {
			o := original[i]
			if r.Status != o.Status || !bytes.Equal(hostless(r.Body, other.URL()), hostless(o.Body, srv.URL())) {
				t.Fatalf("replay %d, request %d (%s %s?%s): %d %s\noriginal: %d %s", run, i, entries[i].Method, entries[i].Path, entries[i].Query, r.Status, r.Body, o.Status, o.Body)
			}
		}
	}
	if !json.Valid(original[1].Body) {
		t.Fatal("server list is not JSON")
	}
}
