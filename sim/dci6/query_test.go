package dci6

import (
	"strings"
	"testing"
	"time"

	"github.com/panelsim/panelsim/state"
)

func TestWhereOnServers(t *testing.T) {
	w := newWorld(t, nil)
	cases := []struct {
		where, orderby, limit string
		size                  int
		firstID               int64
		pageLen               int
	}{
		{"", "", "", 46, 1, 46},
		{"(owner_email IS null) AND is_new EQ false", "owner_email asc", "0,400", 40, 3, 40},
		{"owner_email EQ 'client@example.com' AND is_new EQ false AND location_id EQ 1", "configuration asc", "", 3, 27, 3},
		{"configuration EQ 'i9-9900K-64Gb-2x1024NVMe'", "id desc", "4,5", 14, 10, 5},
		{"name CP 'server1%'", "", "", 11, 1, 11},
		{"NOT name CP 'server1%'", "", "3", 35, 2, 3},
		{"id EQ 5 OR id EQ 7", "", "", 2, 5, 2},
		{"id GE 30 AND id LT 32", "", "", 2, 30, 2},
		{"owner_email IS NOT null", "", "", 3, 1, 3},
		{"power_status EQ 'off'", "", "", 3, 24, 3},
		{"is_new EQ true", "", "", 3, 24, 3},
		{"state EQ ok AND rack_name EQ 'A-2'", "", "1", 12, 35, 1},
		{"chassis IS NOT null", "slot desc", "", 6, 42, 6},
		{"id EQ '7'", "", "", 1, 7, 1},
		{"((id EQ 1))", "", "", 1, 1, 1},
		{"id eq 1 and name cp '%1'", "", "", 1, 1, 1},
	}
	for _, tc := range cases {
		t.Run(tc.where+"|"+tc.orderby+"|"+tc.limit, func(t *testing.T) {
			got := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) {
				return ListServers(tx, admin, ListQuery{Where: tc.where, OrderBy: tc.orderby, Limit: tc.limit})
			})
			if got.Size != tc.size || len(got.List) != tc.pageLen {
				t.Fatalf("size %d page %d, want %d and %d", got.Size, len(got.List), tc.size, tc.pageLen)
			}
			if tc.pageLen > 0 && got.List[0].ID != tc.firstID {
				t.Fatalf("first id %d, want %d", got.List[0].ID, tc.firstID)
			}
		})
	}
}

func TestRackPlacementSpillsOver(t *testing.T) {
	w := newWorld(t, nil)
	got := do(t, w, func(tx *state.Tx) (ListView[ServerView], error) {
		return ListServers(tx, admin, ListQuery{Where: "rack_name EQ 'A-2'"})
	})
	if got.Size == 0 {
		t.Fatal("46 units of servers should spill into rack A-2")
	}
}

func TestQueryErrorsNameTheField(t *testing.T) {
	cases := []struct{ where, orderby, limit, field string }{
		{"nosuch EQ 1", "", "", "where"},
		{"id EQ", "", "", "where"},
		{"id XX 1", "", "", "where"},
		{"(id EQ 1", "", "", "where"},
		{"id EQ 'open", "", "", "where"},
		{"id IS 5", "", "", "where"},
		{"id EQ 1 id", "", "", "where"},
		{"id EQ 1 $", "", "", "where"},
		{"", "nosuch asc", "", "orderby"},
		{"", "id sideways", "", "orderby"},
		{"", "", "a,b", "limit"},
		{"", "", "1,2,3", "limit"},
		{"", "", "-1", "limit"},
	}
	known := knownIn(serverFields)
	for _, tc := range cases {
		_, err := parseListQuery(tc.where, tc.orderby, tc.limit, known)
		ae, ok := err.(*apiError)
		if !ok || ae.Code != codeBadRequest || ae.Value["field"] != tc.field {
			t.Errorf("%q %q %q: %v, want a 400 naming %s", tc.where, tc.orderby, tc.limit, err, tc.field)
		}
	}
}

func TestLike(t *testing.T) {
	cases := []struct {
		s, p string
		want bool
	}{
		{"server12", "server1%", true}, {"server12", "%12", true}, {"server12", "s_rver12", true},
		{"Server12", "server%", true}, {"x.extended.y", "%extended.%", true}, {"abc", "%d%", false},
		{"", "%", true}, {"", "_", false}, {"ab", "a", false},
	}
	for _, tc := range cases {
		if got := like(tc.s, tc.p); got != tc.want {
			t.Errorf("like(%q, %q) = %v", tc.s, tc.p, got)
		}
	}
}

func FuzzParseWhere(f *testing.F) {
	for _, s := range []string{
		"(owner_email IS null) AND is_new EQ false", "NOT domain CP '%extended.%' AND (ipnet EQ 7)",
		"id EQ 5 OR (name NE 'a''b' AND unit GT -3.5)", "((((", "id EQ", "'", "owner IS NOT null",
	} {
		f.Add(s)
	}
	known := func(string) bool { return true }
	f.Fuzz(func(t *testing.T, s string) {
		c, err := parseWhere(s, known)
		if err != nil {
			if ae, ok := err.(*apiError); !ok || ae.Code != codeBadRequest {
				t.Fatalf("parse error is not a 400: %v", err)
			}
			return
		}
		c.eval(func(string) any { return "x" })
		c.eval(func(string) any { return nil })
		c.eval(func(string) any { return int64(1) })
	})
}

func FuzzParseListParams(f *testing.F) {
	f.Add("id desc, name asc", "0,400")
	f.Add("", "5")
	f.Add("id", "x,y")
	f.Fuzz(func(t *testing.T, orderby, limit string) {
		q, err := parseListQuery("", orderby, limit, knownIn(serverFields))
		if err == nil && (q.offset < 0 || q.limit < -1) {
			t.Fatalf("negative paging accepted: %+v", q)
		}
	})
}

func FuzzParseJSONBody(f *testing.F) {
	for _, s := range []string{`{}`, ``, `{"os_template_id":"x"}`, `{"hdd_raid":1}`, `[1]`, `{"ssh_pub_keys":[1]}`, `{} {}`, `{"a":`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var req OSRequest
		if err := parseJSONBody(data, &req); err != nil {
			if ae, ok := err.(*apiError); !ok || ae.Code != codeBadRequest || ae.Value["field"] == "" {
				t.Fatalf("body error does not name a field: %v", err)
			}
		}
		if _, err := settingValue(data); err != nil {
			if _, ok := err.(*apiError); !ok {
				t.Fatalf("setting error is not native: %v", err)
			}
		}
	})
}

func TestParseJSONBodyNamesField(t *testing.T) {
	cases := map[string]string{
		`{"os_template_id":"x"}`:    "os_template_id",
		`{"hdd_raid":1}`:            "hdd_raid",
		`{"ssh_pub_keys":"k"}`:      "ssh_pub_keys",
		`not json`:                  "body",
		`{"os_template_id": 1,}`:    "body",
		`{"os_template_id":1}{"a"}`: "body",
	}
	for body, field := range cases {
		var req OSRequest
		err := parseJSONBody([]byte(body), &req)
		ae, ok := err.(*apiError)
		if !ok || ae.Value["field"] != field {
			t.Errorf("%s: %v, want field %s", body, err, field)
		}
	}
}

func FuzzParseTime(f *testing.F) {
	f.Add("2030-01-31 00:00:00")
	f.Add("2030-01-31T00:00:00Z")
	f.Add("yesterday")
	f.Fuzz(func(t *testing.T, s string) {
		if tm, ok := parseTime(s); ok && tm.Location() != time.UTC {
			t.Fatalf("%q parsed to a non-UTC time", s)
		}
	})
}

func FuzzParseID(f *testing.F) {
	for _, s := range []string{"1", "0", "-3", "abc", "9223372036854775808", "client%40example.com"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if id, ok := parseID(s); ok && id <= 0 {
			t.Fatalf("parseID(%q) accepted %d", s, id)
		}
		_ = unescapePath(s)
	})
}

func TestCanonicalPath(t *testing.T) {
	p := New()
	cases := map[string]string{
		"/dci/v3/server/:id":    "/api/dci/v3/server/:id",
		"/auth/v4/public/token": "/api/auth/v4/public/token",
		"/auth/key-v4/:key":     "/api/auth/key-v4/:key",
		"/ip/v3/ipnet":          "/api/ip/v3/ipnet",
		"/ldap/v4/server":       "/api/ldap/v4/server",
		"/api/dci/v3/server":    "/api/dci/v3/server",
		"/ipmgr":                "/ipmgr",
		"/dcimanager":           "/dcimanager",
		"/_panelsim/dci6/state": "/_panelsim/dci6/state",
	}
	for in, want := range cases {
		if got := p.CanonicalPath(in); got != want {
			t.Errorf("CanonicalPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLikeHostilePatternIsFast(t *testing.T) {
	s := strings.Repeat("a", 4000)
	p := strings.Repeat("%a", 2000) + "%b"
	if like(s, p) {
		t.Fatal("matched a pattern needing a b")
	}
}

func FuzzLike(f *testing.F) {
	f.Add("server12", "server1%")
	f.Add("a.extended.b", "%extended.%")
	f.Add("", "%_")
	f.Fuzz(func(t *testing.T, s, p string) {
		got := like(s, p)
		if p == "%" && !got {
			t.Fatalf("%% must match %q", s)
		}
		if !strings.ContainsAny(p, "%_") && got != strings.EqualFold(s, p) && strings.ToLower(s) == s && strings.ToLower(p) == p {
			t.Fatalf("like(%q, %q) = %v without wildcards", s, p, got)
		}
	})
}
