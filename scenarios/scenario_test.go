package scenarios

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var known = Known{Panels: []string{"dci6", "toy"}, Timings: map[string]time.Duration{"dci6.os_install": 15 * time.Minute}}

type toyBlock struct {
	Users []struct {
		Name string `yaml:"name"`
		Age  int    `yaml:"age"`
	} `yaml:"users"`
}

func TestParseAppliesDefaultsAndOverrides(t *testing.T) {
	sc, err := Parse("s.yaml", []byte("version: 1\ntimings:\n  dci6.os_install: 0s\n"), known)
	if err != nil {
		t.Fatal(err)
	}
	if sc.Seed != DefaultSeed || !sc.Start.Equal(DefaultStart) || sc.Clock != "" {
		t.Fatalf("defaults: %+v", sc)
	}
	if sc.Timings["dci6.os_install"] != 0 {
		t.Fatalf("timing override lost: %v", sc.Timings)
	}
	empty, err := Parse("e.yaml", nil, known)
	if err != nil || empty.Timings["dci6.os_install"] != 15*time.Minute {
		t.Fatalf("empty scenario: %v %v", err, empty)
	}
}

func TestParseErrorsNameFileLineAndKey(t *testing.T) {
	cases := []struct {
		name, yaml string
		line       int
		key        string
	}{
		{"unknown top key", "seed: 3\nsede: 4\n", 2, "sede"},
		{"wrong type", "seed: 3\nstart: yesterday\n", 2, "start"},
		{"seed zero", "version: 1\nseed: 0\n", 2, "seed"},
		{"bad clock", "clock: sometimes\n", 1, "clock"},
		{"unknown timing", "timings:\n  dci6.os_instal: 1m\n", 2, "timings.dci6.os_instal"},
		{"bad duration", "timings:\n  dci6.os_install: soon\n", 2, "timings.dci6.os_install"},
		{"bad fault", "faults:\n  - name: x\n    action: {status: 42}\n", 3, "faults[0].action.status"},
		{"unknown fault key", "faults:\n  - name: x\n    actoin: {status: 503}\n", 3, "faults[0].actoin"},
		{"unknown panel", "seed: 2\nwhmcs: {}\n", 2, "whmcs"},
		{"version", "version: 2\n", 1, "version"},
		{"not yaml", "seed: [\n", 1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(c.yaml), known)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want *Error", err)
			}
			if se.File != "s.yaml" || se.Line != c.line || se.Key != c.key {
				t.Fatalf("got %q (line %d key %q), want line %d key %q", err, se.Line, se.Key, c.line, c.key)
			}
		})
	}
}

func TestDecodeBlockIsStrictWithLines(t *testing.T) {
	src := "seed: 5\ntoy:\n  users:\n    - name: ann\n      age: 3\n    - name: bob\n      agee: 4\n"
	sc, err := Parse("s.yaml", []byte(src), known)
	if err != nil {
		t.Fatal(err)
	}
	var b toyBlock
	err = sc.DecodeBlock("toy", &b)
	var se *Error
	if !errors.As(err, &se) || se.Line != 7 || se.Key != "toy.users[1].agee" {
		t.Fatalf("err %v (%+v), want line 7 key toy.users[1].agee", err, se)
	}
	good, _ := Parse("s.yaml", []byte("toy:\n  users:\n    - {name: ann, age: 3}\n"), known)
	var ok toyBlock
	if err := good.DecodeBlock("toy", &ok); err != nil || len(ok.Users) != 1 || ok.Users[0].Age != 3 {
		t.Fatalf("decode: %v %+v", err, ok)
	}
	if !good.HasBlock("toy") || good.HasBlock("dci6") {
		t.Fatal("HasBlock")
	}
	if err := good.DecodeBlock("dci6", &ok); err != nil {
		t.Fatalf("missing block: %v", err)
	}
}

func TestErrorfFindsTheLineOfAPath(t *testing.T) {
	sc, _ := Parse("s.yaml", []byte("toy:\n  users:\n    - name: ann\n    - name: bob\n      age: -1\n"), known)
	err := sc.Errorf("toy.users[1].age", "age must not be negative")
	if got := err.Error(); got != "s.yaml:5: toy.users[1].age: age must not be negative" {
		t.Fatalf("got %q", got)
	}
}

func TestDefaultScenarioParses(t *testing.T) {
	sc, err := Parse("default.yaml", DefaultYAML(), Known{Panels: []string{"dci6", "imserver", "dbc", "ispmgr"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"dci6", "imserver", "dbc", "ispmgr"} {
		if !sc.HasBlock(p) {
			t.Errorf("the default scenario has no %s block", p)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add("seed: 3\nstart: 2025-01-01T00:00:00Z\nclock: real:10\n")
	f.Add("faults:\n  - name: x\n    when: {times: 2}\n    action: {status: 503, body: sleeping}\n")
	f.Add("toy:\n  users: [{name: a, age: 1}]\n")
	f.Add("version: 1\nname: {a: [1, 2\n  b: 'x\n")
	f.Fuzz(func(t *testing.T, in string) {
		sc, err := Parse("f.yaml", []byte(in), known)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		var b toyBlock
		_ = sc.DecodeBlock("toy", &b)
		if sc.Seed == 0 {
			t.Fatal("seed 0 accepted")
		}
	})
}

func TestSyntaxErrorsNameLineAndColumn(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"version: 1\nname: {a: 1\n", "s.yaml:2:7: "},
		{"version: 1\nseed: [\n", "s.yaml:2:7: "},
		{"seed: 1\nfaults: [1, 2\nname: x\n", "s.yaml:3:1: "},
		{"version: 1\ndci6:\n  users:\n    - email: a\n   bad: x\n", "s.yaml:5:4: "},
		{"version: 1\n\tseed: 1\n", "s.yaml:2:1: "},
		{"version: 1\nname: 'abc\n", "s.yaml:2:7: "},
	} {
		_, err := Parse("s.yaml", []byte(c.src), known)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || !strings.Contains(err.Error(), "YAML syntax") {
			t.Errorf("%q: %v, want it to start %q", c.src, err, c.want)
		}
	}
}
