//go:build tools

package openapi

// The generated clients that TestGeneratedClientsCompile builds import the
// oapi-codegen runtime; this keeps it (and its go.sum lines) in go.mod, so
// the test builds with the module's own pinned versions and nothing else.
import _ "github.com/oapi-codegen/runtime"
