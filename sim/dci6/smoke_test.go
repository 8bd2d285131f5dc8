package dci6_test

import (
	"testing"

	"github.com/panelsim/panelsim/panelsimtest"
	"github.com/panelsim/panelsim/sim/simhttp/simtest"
)

func TestSmoke(t *testing.T) {
	srv := panelsimtest.RunT(t)
	c := simtest.New(t, srv)
	r := c.JSON("POST", "/api/auth/v4/public/token", `{"email":"admin@example.com","password":"secret"}`)
	t.Logf("%d %s", r.Status, r.Body)
	tok := r.Map(t)["token"].(string)
	r = c.Get("/api/dci/v3/server/1", "x-xsrf-token", tok)
	t.Logf("%d %s", r.Status, r.Body)
	r = c.Get("/dci/v3/server/configuration", "x-xsrf-token", tok)
	t.Logf("%d %s", r.Status, r.Body)
	r = c.Get("/dci/v3/nope", "x-xsrf-token", tok)
	t.Logf("%d %s", r.Status, r.Body)
	r = c.Get("/ip/v3/ipnet", "x-xsrf-token", tok)
	t.Logf("%d %s", r.Status, r.Body)
}
