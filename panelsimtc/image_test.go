package panelsimtc_test

import (
	"context"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/panelsim/panelsim/panelsimtc"
)

// maxImageBytes is the size the image must stay under: issue 8 set 20 MB;
// the Prometheus client that GET /_panelsim/metrics is built on (issue 14,
// with protobuf) adds 2.2 MB to the binary, and the next wave's checks and
// libraries (invariant checks for four panels, every-violation reporting,
// golang-lru for the DBC signature cache: 41 KB) took it to 23.03 MB. The
// limit keeps a 1 MB margin so a change that adds a dependency of that
// order is seen here and decided on.
const maxImageBytes = 24_000_000

// TestImage checks what the Dockerfile promises users of the bare image:
// its own HEALTHCHECK turns healthy (no shell or curl needed), it runs as
// a numeric non-root user, listens on 0.0.0.0:8080, has no shell, and
// stays small.
func TestImage(t *testing.T) {
	img := image(t)
	ctx := context.Background()
	start := time.Now()
	ctr, err := testcontainers.Run(ctx, img,
		testcontainers.WithLogger(tclog.TestLogger(t)),
		testcontainers.WithExposedPorts(panelsimtc.Port),
		testcontainers.WithWaitStrategy(wait.ForHealthCheck().
			WithPollInterval(50*time.Millisecond).
			WithStartupTimeout(30*time.Second)),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("the image's HEALTHCHECK never turned healthy: %v", err)
	}
	t.Logf("healthy %s after the start request", time.Since(start).Round(time.Millisecond))

	info, err := ctr.Inspect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cfg := info.Config
	if cfg.User != "65532:65532" {
		t.Errorf("user %q, want the numeric non-root 65532:65532", cfg.User)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/panelsim"}) {
		t.Errorf("entrypoint %q, want [/panelsim]", cfg.Entrypoint)
	}
	if cfg.Healthcheck == nil || !slices.Equal(cfg.Healthcheck.Test, []string{"CMD", "/panelsim", "healthcheck"}) {
		t.Errorf("healthcheck %+v, want CMD /panelsim healthcheck", cfg.Healthcheck)
	}
	if !slices.Contains(cfg.Env, "PANELSIM_ADDR=0.0.0.0:8080") {
		t.Errorf("env %q lacks PANELSIM_ADDR=0.0.0.0:8080", cfg.Env)
	}
	exposed := false
	for p := range cfg.ExposedPorts {
		exposed = exposed || p.String() == panelsimtc.Port
	}
	if !exposed {
		t.Errorf("exposed ports %v lack %s", cfg.ExposedPorts, panelsimtc.Port)
	}
	if code, _, err := ctr.Exec(ctx, []string{"/bin/sh", "-c", "true"}); err == nil && code == 0 {
		t.Error("the image has a shell; it is meant to hold the binary alone")
	}

	out, err := exec.Command("docker", "image", "inspect", "--format", "{{.Size}}", img).Output()
	if err != nil {
		t.Logf("image size not checked (no docker CLI?): %v", err)
		return
	}
	size, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		t.Fatalf("image size %q: %v", out, err)
	}
	t.Logf("image size %.1f MB", float64(size)/1e6)
	if size > maxImageBytes {
		t.Errorf("image is %d bytes, over the %d limit", size, maxImageBytes)
	}
}
