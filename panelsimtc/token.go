package panelsimtc

import (
	"context"
	"fmt"
	"strings"

	"github.com/testcontainers/testcontainers-go"
)

// ControlTokenEnv is the variable that gives panelsim its control token.
const ControlTokenEnv = "PANELSIM_CONTROL_TOKEN"

// WithControlToken starts panelsim with a control-plane token: every
// /_panelsim call but health then needs "Authorization: Bearer tok". The
// Container's own calls (clock, faults, worlds, journal) send it for you.
func WithControlToken(tok string) testcontainers.CustomizeRequestOption {
	return testcontainers.WithEnv(map[string]string{ControlTokenEnv: tok})
}

// controlToken is the token the container was started with ("" for
// none), read once from its environment, so a token set with WithEnv
// works as well as one set with WithControlToken.
func (c *Container) controlToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tokenKnown {
		return c.token, nil
	}
	info, err := c.Inspect(ctx)
	if err != nil {
		return "", fmt.Errorf("panelsimtc: inspect: %w", err)
	}
	if info.Config != nil {
		for _, kv := range info.Config.Env {
			if v, ok := strings.CutPrefix(kv, ControlTokenEnv+"="); ok {
				c.token = v
			}
		}
	}
	c.tokenKnown = true
	return c.token, nil
}
