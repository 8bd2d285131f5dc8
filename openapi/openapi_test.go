package openapi

import (
	"errors"
	"net/http/httptest"
	"testing"
)

func TestEveryShippedSpecLoadsAndHasPaths(t *testing.T) {
	for _, name := range []string{"control", "dci6", "imserver", "dbc", "ispmgr"} {
		c, err := Load(Source{Name: name})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		doc := c.Doc(name)
		if doc == nil || doc.Paths.Len() == 0 {
			t.Fatalf("%s: no paths", name)
		}
		if len(doc.Servers) > 0 && doc.Servers[0].URL != "/" {
			t.Errorf("%s: a servers entry with a host breaks route matching behind dynamic ports: %s", name, doc.Servers[0].URL)
		}
	}
	if _, err := Load(Source{Name: "nope"}); err == nil {
		t.Fatal("a missing spec loaded")
	}
}

func TestValidateRequestAndResponse(t *testing.T) {
	c, err := Load(Source{Name: "control"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("POST", "/_panelsim/clock/advance", nil)
	req.Header.Set("Content-Type", "application/json")
	if err := c.ValidateRequest(req, []byte(`{"by":"1m"}`)); err != nil {
		t.Fatalf("good request refused: %v", err)
	}
	if err := c.ValidateRequest(req, []byte(`{"by":1}`)); err == nil {
		t.Fatal("by as a number accepted")
	}
	h := httptest.NewRecorder().Header()
	h.Set("Content-Type", "application/json")
	if err := c.ValidateResponse(req, nil, 400, h, []byte(`{"error":"x","field":"by"}`)); err != nil {
		t.Fatalf("good error refused: %v", err)
	}
	if err := c.ValidateResponse(req, nil, 400, h, []byte(`{"message":"Not Found"}`)); err == nil {
		t.Fatal("echo's default body passed as a control error")
	}
	if err := c.ValidateResponse(req, nil, 418, h, []byte(`{}`)); err == nil {
		t.Fatal("an undeclared status passed")
	}
	unknown := httptest.NewRequest("GET", "/elsewhere", nil)
	if err := c.ValidateRequest(unknown, nil); !errors.Is(err, ErrNoRoute) {
		t.Fatalf("unknown route: %v", err)
	}
}
