package dbc

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/scenarios"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// Name is the panel's short name.
const Name = "dbc"

// apiRoot is where the DBC client serves its HTTP API.
const apiRoot = "/api/v1"

// Panel is the DeepBrainChain client HTTP API (with the GPU nodes behind it).
type Panel struct{}

// New returns the panel.
func New() *Panel { return &Panel{} }

// Name is the panel's short name.
func (*Panel) Name() string { return Name }

// Info describes the panel for the banner and /_panelsim/version.
func (*Panel) Info() simhttp.Info {
	return simhttp.Info{
		Title: "DeepBrainChain client",
		Base:  apiRoot + "/",
		Login: "sr25519 wallet //Alice (5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY) rents the seed's GPU nodes",
	}
}

// Register serves the version root for any method and every other path
// under /api/v1 through one dispatcher, because the real client answers
// unknown verbs and non-POST methods with its own envelope.
func (p *Panel) Register(r *simhttp.Router) {
	r.Any(apiRoot, p.version)
	r.Any(apiRoot+"/", p.version)
	r.Any(apiRoot+"/*", p.dispatch)
	r.Control(http.MethodGet, "/nodes", p.nodesHook)
}

// CanonicalPath maps served paths onto the spec's paths (they are the same).
func (*Panel) CanonicalPath(path string) string { return path }

// Operation names the request's route for the journal and fault rules:
// "tasks/start" (create), "tasks/shutdown", "disk/add", ...; the two routes
// that would otherwise collide are "tasks/{id}" (detail) and
// "tasks/start/{id}" (start an existing VM).
func (*Panel) Operation(c echo.Context) string {
	rt, err := ParseRoute(c.Request().URL.Path)
	if err != nil {
		return ""
	}
	return rt.Op
}

// Timings are the default durations of the panel's async operations.
func (*Panel) Timings() map[string]time.Duration {
	return map[string]time.Duration{
		"dbc.create":           3 * time.Minute,
		"dbc.start":            20 * time.Second,
		"dbc.shutdown":         30 * time.Second,
		"dbc.poweroff":         5 * time.Second,
		"dbc.restart":          40 * time.Second,
		"dbc.reset":            10 * time.Second,
		"dbc.delete":           15 * time.Second,
		"dbc.disk_resize":      20 * time.Second,
		"dbc.disk_add":         20 * time.Second,
		"dbc.disk_delete":      10 * time.Second,
		"dbc.snapshot_create":  2 * time.Minute,
		"dbc.snapshot_upload":  3 * time.Minute,
		"dbc.image_download":   5 * time.Minute,
		"dbc.image_upload":     5 * time.Minute,
		"dbc.bare_metal_power": 10 * time.Second,
		timingLANIdle:          72 * time.Hour,
	}
}

// Steps are the handlers of the panel's async step kinds.
func (*Panel) Steps() map[string]state.StepFunc {
	return map[string]state.StepFunc{
		stepTask:     state.TypedStep(runTaskStep),
		stepSnapshot: state.TypedStep(runSnapshotStep),
		stepTransfer: state.TypedStep(runTransferStep),
		stepPower:    state.TypedStep(runPowerStep),
		stepLANIdle:  state.TypedStep(runLANIdleStep),
	}
}

// NewState returns an empty state to restore into.
func (*Panel) NewState() any { return &State{} }

// Seed builds the initial state from the scenario's dbc block.
func (*Panel) Seed(tx *state.Tx, sc *scenarios.Scenario) error { return seed(tx, sc) }

// RenderError writes an error raised outside the panel's handlers (faults,
// validation, panics, unknown routes) in the client's envelope.
func (*Panel) RenderError(c echo.Context, e *simhttp.Error) error {
	return write(c, fromSimError(e, c.Request().URL.RequestURI()))
}

// write sends an envelope with the client's headers.
func write(c echo.Context, e *Error) error {
	simhttp.SentCode(c, strconv.Itoa(e.Code))
	return send(c, e.Status, EncodeError(e))
}

func send(c echo.Context, status int, body []byte) error {
	h := c.Response().Header()
	h.Set("Access-Control-Allow-Origin", "*")
	return c.Blob(status, "application/json", body)
}

// version answers the client version for any method.
func (*Panel) version(c echo.Context) error {
	var v string
	if err := simhttp.Do(c, func(tx *state.Tx) error {
		v = stateOf(tx).ClientVersion
		return nil
	}); err != nil {
		return err
	}
	return send(c, http.StatusOK, Encode(CodeOK, map[string]string{"client_version": v}, true))
}

// dispatch serves every route under /api/v1/.
// The client routes by prefix first (unknown prefixes are 404 for any
// method); each route family then refuses methods other than POST before
// it looks at the rest of the path.
func (p *Panel) dispatch(c echo.Context) error {
	rt, err := ParseRoute(c.Request().URL.Path)
	if err != nil && err.Code == CodeMethodNotFound {
		err.Msg += c.Request().URL.RequestURI()
		return write(c, err)
	}
	if c.Request().Method != http.MethodPost {
		return write(c, uriError(msgOnlyPost))
	}
	if err != nil {
		return write(c, err)
	}
	return p.serve(c, rt)
}

// Route is a parsed /api/v1 path: the operation and its path arguments.
type Route struct {
	Op   string
	ID   string
	Name string
}

// notSupported is the client's answer to an unknown top-level route; the
// URI is appended by the caller.
func notSupported() *Error {
	return &Error{Status: statusNotFound, Code: CodeMethodNotFound, Msg: "not support uri:"}
}

// emulatedFamilies are the client's route prefixes this panel serves.
var emulatedFamilies = map[string]func(parts []string) (Route, *Error){
	"mining_nodes": miningRoute,
	"tasks":        tasksRoute,
	"disk":         diskRoute,
	"snapshot":     snapshotRoute,
	"images":       imagesRoute,
	"lan":          lanRoute,
	"bare_metal":   bareMetalRoute,
}

// ParseRoute maps a path under /api/v1/ onto a Route, with the client's
// errors for unknown routes and malformed ones.
func ParseRoute(path string) (Route, *Error) {
	rest, ok := strings.CutPrefix(path, apiRoot+"/")
	if !ok {
		if path == apiRoot {
			return Route{Op: "version"}, nil
		}
		return Route{}, uriError("request uri is invalid, uri:" + path)
	}
	if rest == "" {
		return Route{Op: "version"}, nil
	}
	parts := strings.Split(rest, "/")
	family := emulatedFamilies[parts[0]]
	if family == nil {
		return Route{}, notSupported()
	}
	return family(parts)
}

// pathError is a path argument the client finds missing: like its body
// checks, HTTP 400 -25 (RPC_INVALID_PARAMS); unknown verbs are -32600.
func pathError(msg string) *Error { return clientError(msg) }

func miningRoute(parts []string) (Route, *Error) {
	switch {
	case len(parts) == 1:
		return Route{Op: "mining_nodes"}, nil
	case len(parts) == 2 && (parts[1] == "session_id" || parts[1] == "free_memory"):
		return Route{Op: "mining_nodes/" + parts[1]}, nil
	}
	return Route{}, uriError("invalid requests uri")
}

var taskVerbs = map[string]bool{
	"start": true, "shutdown": true, "poweroff": true, "stop": true, "restart": true, "reset": true,
	"delete": true, "logs": true, "modify": true, "passwd": true,
}

func tasksRoute(parts []string) (Route, *Error) {
	switch len(parts) {
	case 1:
		return Route{Op: "tasks"}, nil
	case 2:
		switch {
		case parts[1] == "start":
			return Route{Op: "tasks/start"}, nil
		case parts[1] == "logs":
			return Route{}, pathError("invalid uri, please use /tasks/logs/{task_id}?flag=tail&line_num=100")
		case taskVerbs[parts[1]]:
			return Route{}, pathError("task_id is empty")
		case parts[1] == "":
			return Route{}, pathError("invalid uri, please use /tasks")
		}
		return Route{Op: "tasks/{id}", ID: parts[1]}, nil
	case 3:
		if !taskVerbs[parts[1]] {
			return Route{}, uriError("invalid requests uri")
		}
		if parts[2] == "" {
			if parts[1] == "logs" {
				return Route{}, pathError("invalid uri, please use /tasks/logs/{task_id}?flag=tail&line_num=100")
			}
			return Route{}, pathError("task_id is empty")
		}
		op := "tasks/" + parts[1]
		if parts[1] == "start" {
			op = "tasks/start/{id}"
		}
		return Route{Op: op, ID: parts[2]}, nil
	}
	return Route{}, uriError("invalid requests uri")
}

func diskRoute(parts []string) (Route, *Error) {
	if len(parts) < 2 || len(parts) > 3 {
		return Route{}, uriError("invalid requests uri")
	}
	switch parts[1] {
	case "list", "resize", "add", "delete":
	default:
		return Route{}, uriError("invalid requests uri")
	}
	if len(parts) == 2 || parts[2] == "" {
		return Route{}, pathError("task_id is empty")
	}
	return Route{Op: "disk/" + parts[1], ID: parts[2]}, nil
}

func snapshotRoute(parts []string) (Route, *Error) {
	if len(parts) < 3 || parts[2] == "" {
		if len(parts) >= 2 && (parts[1] == "list" || parts[1] == "create" || parts[1] == "delete") {
			return Route{}, pathError("task_id is empty")
		}
		return Route{}, uriError("invalid uri")
	}
	switch {
	case parts[1] == "list" && len(parts) == 3:
		return Route{Op: "snapshot/list", ID: parts[2]}, nil
	case parts[1] == "list" && len(parts) == 4 && parts[3] != "":
		return Route{Op: "snapshot/list", ID: parts[2], Name: parts[3]}, nil
	case parts[1] == "create" && len(parts) == 3:
		return Route{Op: "snapshot/create", ID: parts[2]}, nil
	case parts[1] == "delete" && len(parts) == 4 && parts[3] != "":
		return Route{Op: "snapshot/delete", ID: parts[2], Name: parts[3]}, nil
	case parts[1] == "delete" && len(parts) == 3:
		return Route{}, pathError("snapshot_name is empty")
	}
	return Route{}, uriError("invalid uri")
}

var imageVerbs = map[string]bool{
	"servers": true, "upload": true, "download": true, "uploadprogress": true, "downloadprogress": true,
	"upload_stop": true, "download_stop": true, "delete": true,
}

func imagesRoute(parts []string) (Route, *Error) {
	switch {
	case len(parts) == 1:
		return Route{Op: "images"}, nil
	case len(parts) == 2 && imageVerbs[parts[1]]:
		return Route{Op: "images/" + parts[1]}, nil
	}
	return Route{}, uriError("invalid requests uri")
}

func lanRoute(parts []string) (Route, *Error) {
	switch {
	case len(parts) == 1:
		return Route{Op: "lan"}, nil
	case len(parts) == 2 && parts[1] == "create":
		return Route{Op: "lan/create"}, nil
	case len(parts) == 3 && parts[1] == "delete" && parts[2] != "":
		return Route{Op: "lan/delete", Name: parts[2]}, nil
	case len(parts) == 3 && parts[1] == "delete":
		return Route{}, pathError("network_name is empty")
	}
	return Route{}, uriError("invalid requests uri")
}

func bareMetalRoute(parts []string) (Route, *Error) {
	switch {
	case len(parts) == 1:
		return Route{Op: "bare_metal"}, nil
	case len(parts) == 2 && (parts[1] == "add" || parts[1] == "delete" || parts[1] == "power" || parts[1] == "bootdev"):
		return Route{Op: "bare_metal/" + parts[1]}, nil
	case len(parts) == 3 && parts[1] == "modify" && parts[2] != "":
		return Route{Op: "bare_metal/modify", ID: parts[2]}, nil
	case len(parts) == 3 && parts[1] == "modify":
		return Route{}, pathError("node_id is empty")
	}
	return Route{}, uriError("invalid requests uri")
}
