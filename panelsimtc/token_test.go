package panelsimtc_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/panelsim/panelsim/panelsimtc"
)

// A container started with a control token refuses control calls without
// it, and the module's own calls pass it.
func TestControlToken(t *testing.T) {
	ctr := run(t, panelsimtc.WithControlToken("ci-token"))
	ctx := context.Background()
	w := ctr.World(panelsimtc.DefaultWorld)
	if _, err := w.Advance(ctx, time.Hour); err != nil {
		t.Fatalf("the module's call was refused: %v", err)
	}
	base, err := ctr.BaseURL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/_panelsim/health": http.StatusOK, "/_panelsim/requests": http.StatusUnauthorized} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without the token: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
