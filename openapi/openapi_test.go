package openapi

import (
	"errors"
	"net/http/httptest"
	"regexp"
	"strings"
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

// TestEveryOperationIsNamed: generated clients name their methods after
// operationIds, so each operation has one (unique in its spec, stable,
// lowerCamel) and a summary that documents it.
func TestEveryOperationIsNamed(t *testing.T) {
	camel := regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)
	for _, name := range []string{"control", "dci6", "imserver", "dbc", "ispmgr"} {
		c, err := Load(Source{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]string{}
		for path, item := range c.Doc(name).Paths.Map() {
			for method, op := range item.Operations() {
				where := name + " " + method + " " + path
				switch {
				case op.OperationID == "":
					t.Errorf("%s: no operationId", where)
				case !camel.MatchString(op.OperationID):
					t.Errorf("%s: operationId %q is not lowerCamel", where, op.OperationID)
				case seen[op.OperationID] != "":
					t.Errorf("%s: operationId %q also names %s", where, op.OperationID, seen[op.OperationID])
				}
				seen[op.OperationID] = where
				if strings.TrimSpace(op.Summary) == "" {
					t.Errorf("%s: no summary", where)
				}
			}
		}
	}
}
