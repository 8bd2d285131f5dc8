// Package panelsimtc runs panelsim in a Docker container for Go tests,
// following the testcontainers-go module conventions.
package panelsimtc

import (
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

var (
	_ testcontainers.ContainerCustomizer
	_ wait.Strategy
)
