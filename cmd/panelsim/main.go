// Command panelsim serves simulated hosting control panels (DCImanager 6,
// IMserver, the DeepBrainChain client, ISPsystem mgr5) for integration
// tests. It only turns flags and environment variables into a sim.Config,
// opens listeners and handles signals; everything else lives in sim.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr, nil))
}
