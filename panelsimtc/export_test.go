package panelsimtc

import "context"

// DetectHost exposes Run's choice of host to the external tests.
func DetectHost(ctx context.Context, lookupEnv func(string) (string, bool)) (addr, why string, err error) {
	h, err := detectHost(ctx, lookupEnv)
	return h.addr, h.why, err
}
