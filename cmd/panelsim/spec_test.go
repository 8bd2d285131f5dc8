package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/panelsim/panelsim/openapi"
)

// TestSpecCommand: `panelsim spec PANEL` prints the shipped YAML as it is,
// --json the same document as JSON, and an unknown name is a usage error
// that lists the names.
func TestSpecCommand(t *testing.T) {
	noEnv := func(string) string { return "" }
	for _, name := range openapi.Names {
		var out, errs bytes.Buffer
		if code := run(context.Background(), []string{"spec", name}, noEnv, &out, &errs, nil); code != 0 {
			t.Fatalf("spec %s: exit %d: %s", name, code, errs.String())
		}
		want, _ := openapi.File(name)
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("spec %s: not the shipped file", name)
		}
		out.Reset()
		if code := run(context.Background(), []string{"spec", "--json", name}, noEnv, &out, &errs, nil); code != 0 {
			t.Fatalf("spec --json %s: exit %d: %s", name, code, errs.String())
		}
		yamlDoc, _ := openapi3.NewLoader().LoadFromData(want)
		jsonDoc, err := openapi3.NewLoader().LoadFromData(out.Bytes())
		if err != nil {
			t.Fatalf("spec --json %s: %v", name, err)
		}
		if jsonDoc.Paths.Len() != yamlDoc.Paths.Len() || jsonDoc.Components.Schemas == nil && yamlDoc.Components.Schemas != nil {
			t.Errorf("spec --json %s: %d paths, the YAML has %d", name, jsonDoc.Paths.Len(), yamlDoc.Paths.Len())
		}
	}
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"spec", "dci7"}, noEnv, &out, &errs, nil); code != 2 || !strings.Contains(errs.String(), "dci6, imserver") {
		t.Errorf("unknown spec: exit %d, %q", code, errs.String())
	}
}
