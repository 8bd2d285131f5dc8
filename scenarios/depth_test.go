package scenarios

import (
	"strings"
	"testing"
)

func TestDeepNestingIsRefusedBeforeParsing(t *testing.T) {
	known := Known{Panels: []string{"dci6"}}
	for name, doc := range map[string]string{
		"flow":  "dci6: " + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + "\n",
		"block": "dci6:\n" + strings.Repeat(" ", 600) + "x: 1\n",
	} {
		_, err := Parse("deep.yaml", []byte(doc), known)
		if err == nil || !strings.Contains(err.Error(), "deep.yaml:") {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Brackets in strings and comments are text, not nesting.
	text := "name: \"" + strings.Repeat("[", 100) + "\" # " + strings.Repeat("{", 100) + "\nseed: 2\n"
	if _, err := Parse("text.yaml", []byte(text), known); err != nil {
		t.Errorf("brackets in text refused: %v", err)
	}
}

func FuzzCheckDepth(f *testing.F) {
	f.Add([]byte("a: [1, {b: \"[\"}] # ]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if line, msg := checkDepth(data); (msg == "") != (line == 0) {
			t.Fatalf("line %d with message %q", line, msg)
		}
	})
}
