package panelsimtc_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/panelsim/panelsim/panelsimtc"
)

// Run must find the published ports with nothing set. The test runs only
// where Run's own detection says they are on the loopback, so it never
// reaches an address outside the machine; elsewhere it says why it skips.
func TestRunNeedsNoHostOverride(t *testing.T) {
	image(t)
	unset := func(k string) (string, bool) {
		if k == panelsimtc.HostOverrideEnv {
			return "", false
		}
		return os.LookupEnv(k)
	}
	addr, why, err := panelsimtc.DetectHost(context.Background(), unset)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "127.0.0.1" {
		t.Skipf("here published ports are on %s (%s): not tried from a test", addr, why)
	}
	t.Logf("without %s: %s, because %s", panelsimtc.HostOverrideEnv, addr, why)
	t.Setenv(panelsimtc.HostOverrideEnv, "") // restored when the test ends
	os.Unsetenv(panelsimtc.HostOverrideEnv)
	ctr := run(t)
	base, err := ctr.BaseURL(context.Background())
	if err != nil || !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base %q, %v", base, err)
	}
	if code, body := get(t, base+"/_panelsim/health"); code != 200 {
		t.Fatalf("health %d %s", code, body)
	}
}
