package dbc

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// call is what a route's model call gets: the parsed body, the path
// arguments and the query.
type call struct {
	st    *State
	tx    *state.Tx
	req   *Request
	route Route
	query url.Values
	logs  LogQuery
}

// handler describes a route: how the client words field errors, which
// credential precheck it runs, whether a node is required, and the one
// model call that answers it.
type handler struct {
	prefix   paramPrefix
	pre      precheckKind
	needNode bool
	run      func(c *call) (any, *Error)
}

func ok(err *Error) (any, *Error) {
	if err != nil {
		return nil, err
	}
	return "ok", nil
}

func taskAction(action string) handler {
	return handler{prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		force := c.query.Get("force_reboot")
		return ok(c.st.TaskAction(c.tx, c.req, c.route.ID, action, force == "true" || force == "1"))
	}}
}

// transfer checks image_server before the node and the credentials, as
// the client does, so StartTransfer runs the client's checks itself.
func transfer(kind string) handler {
	return handler{prefixParams, precheckNone, false, func(c *call) (any, *Error) {
		return c.st.StartTransfer(c.tx, c.req, kind)
	}}
}

func progress(kind string) handler {
	return handler{prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return c.st.TransferProgress(c.tx, c.req, kind)
	}}
}

func stopTransfer(kind string) handler {
	return handler{prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return ok(c.st.StopTransfer(c.tx, c.req, kind))
	}}
}

// handlers maps each operation to its handler.
var handlers = map[string]handler{
	"mining_nodes": {prefixReq, precheckNone, false, func(c *call) (any, *Error) {
		if c.req.Node() == "" {
			return c.st.MiningNodes(), nil
		}
		return c.st.MiningNode(c.req)
	}},
	"mining_nodes/session_id": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return c.st.SessionID(c.tx, c.req)
	}},
	"mining_nodes/free_memory": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return ok(c.st.FreeMemory(c.tx, c.req))
	}},
	"tasks": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return c.st.ListTasks(c.tx, c.req)
	}},
	"tasks/start": {prefixNone, precheckSession, true, func(c *call) (any, *Error) {
		return c.st.CreateTask(c.tx, c.req)
	}},
	"tasks/{id}": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return c.st.TaskDetail(c.tx, c.req, c.route.ID)
	}},
	"tasks/start/{id}": taskAction("start"),
	"tasks/shutdown":   taskAction("shutdown"),
	"tasks/poweroff":   taskAction("poweroff"),
	"tasks/stop":       taskAction("stop"),
	"tasks/restart":    taskAction("restart"),
	"tasks/reset":      taskAction("reset"),
	"tasks/delete":     taskAction("delete"),
	"tasks/logs": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return c.st.TaskLogs(c.tx, c.req, c.route.ID, c.logs)
	}},
	"tasks/modify": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		msg, err := c.st.ModifyTask(c.tx, c.req, c.route.ID)
		if err != nil {
			return nil, err
		}
		return msg, nil
	}},
	"tasks/passwd": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return ok(c.st.SetPassword(c.tx, c.req, c.route.ID))
	}},
	"disk/list": {prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return c.st.ListDisks(c.tx, c.req, c.route.ID)
	}},
	"disk/resize": {prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return ok(c.st.ResizeDisk(c.tx, c.req, c.route.ID))
	}},
	"disk/add": {prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return ok(c.st.AddDisk(c.tx, c.req, c.route.ID))
	}},
	"disk/delete": {prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return ok(c.st.DeleteDisk(c.tx, c.req, c.route.ID))
	}},
	"snapshot/list": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		if c.route.Name != "" {
			return c.st.GetSnapshot(c.tx, c.req, c.route.ID, c.route.Name)
		}
		return c.st.ListSnapshots(c.tx, c.req, c.route.ID)
	}},
	// The client checks image_server before the credentials.
	"snapshot/create": {prefixNone, precheckNone, true, func(c *call) (any, *Error) {
		if c.st.imageServer(c.req.loose("image_server")) == nil {
			return nil, clientError(msgNoImageServer)
		}
		if err := c.req.precheck(precheckWallet); err != nil {
			c.tx.CoverAuth(Name, authMissing)
			return nil, err
		}
		return ok(c.st.CreateSnapshot(c.tx, c.req, c.route.ID))
	}},
	"snapshot/delete": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return ok(c.st.DeleteSnapshot(c.tx, c.req, c.route.ID, c.route.Name))
	}},
	"images": {prefixParams, precheckNone, false, func(c *call) (any, *Error) {
		return c.st.ListImages(c.tx, c.req)
	}},
	"images/servers": {prefixParams, precheckNone, false, func(c *call) (any, *Error) {
		return c.st.ImageServerList(), nil
	}},
	"images/upload":           transfer("upload"),
	"images/download":         transfer("download"),
	"images/uploadprogress":   progress("upload"),
	"images/downloadprogress": progress("download"),
	"images/upload_stop":      stopTransfer("upload"),
	"images/download_stop":    stopTransfer("download"),
	"images/delete": {prefixParams, precheckSession, true, func(c *call) (any, *Error) {
		return ok(c.st.DeleteImage(c.tx, c.req))
	}},
	// The LAN listing, lan/delete and the bare-metal node's own routes have
	// no credential check in the client; the node refuses what it does not
	// accept.
	"lan": {prefixReq, precheckNone, true, func(c *call) (any, *Error) {
		return c.st.ListLANs(c.tx, c.req)
	}},
	"lan/create": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return ok(c.st.CreateLAN(c.tx, c.req))
	}},
	"lan/delete": {prefixNone, precheckNone, true, func(c *call) (any, *Error) {
		return ok(c.st.DeleteLAN(c.tx, c.req, c.route.Name))
	}},
	"bare_metal": {prefixReq, precheckNone, true, func(c *call) (any, *Error) {
		return c.st.ListMachines(c.req)
	}},
	"bare_metal/add": {prefixNone, precheckNone, true, func(c *call) (any, *Error) {
		return c.st.AddMachines(c.tx, c.req)
	}},
	"bare_metal/delete": {prefixNone, precheckNone, true, func(c *call) (any, *Error) {
		return ok(c.st.DeleteMachines(c.req))
	}},
	"bare_metal/modify": {prefixNone, precheckNone, true, func(c *call) (any, *Error) {
		return ok(c.st.ModifyMachine(c.req, c.route.ID))
	}},
	"bare_metal/power": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return c.st.Power(c.tx, c.req)
	}},
	"bare_metal/bootdev": {prefixNone, precheckWallet, true, func(c *call) (any, *Error) {
		return ok(c.st.BootDev(c.tx, c.req))
	}},
}

// serve parses the body as the client does, then runs the route's one
// model call in the request's world and renders the envelope.
func (*Panel) serve(c echo.Context, rt Route) error {
	h, found := handlers[rt.Op]
	if !found {
		return write(c, notSupported())
	}
	cl := &call{route: rt, query: c.QueryParams()}
	if rt.Op == "tasks/logs" {
		q, err := ParseLogQuery(cl.query.Get("flag"), cl.query.Get("line_num"), cl.query.Has("line_num"))
		if err != nil {
			return write(c, err)
		}
		cl.logs = q
	}
	req, perr := parseFor(rt.Op, simhttp.Body(c), h.prefix)
	if perr == nil && h.needNode && req.Node() == "" {
		perr = clientError(msgPeerEmpty)
	}
	if perr == nil {
		if perr = req.precheck(h.pre); perr != nil {
			coverMissing(c)
		}
	}
	if perr != nil {
		return write(c, perr)
	}
	cl.req = req
	if h.needNode && verifying(c) {
		req.preverify()
	}
	var msg any
	var merr *Error
	if err := simhttp.Do(c, func(tx *state.Tx) error {
		cl.st, cl.tx = stateOf(tx), tx
		msg, merr = h.run(cl)
		return nil
	}); err != nil {
		return err
	}
	if merr != nil {
		return write(c, merr)
	}
	if raw, isRaw := msg.(RawBody); isRaw {
		return send(c, http.StatusOK, append(raw, '\r', '\n'))
	}
	return send(c, http.StatusOK, Encode(CodeOK, msg, false))
}

// parseFor reads the body the way the route's handler in the client does:
// /images/servers only wants a JSON object, and the /images and /disk
// handlers print JSON parse errors without rapidjson's offset.
func parseFor(op string, body []byte, prefix paramPrefix) (*Request, *Error) {
	if op == "images/servers" {
		_, err := ParseObject(body)
		if err != nil {
			return nil, withoutParseOffset(err)
		}
		return &Request{}, nil
	}
	req, err := ParseRequest(body, prefix)
	if strings.HasPrefix(op, "images") || strings.HasPrefix(op, "disk/") {
		err = withoutParseOffset(err)
	}
	return req, err
}

// fromSimError maps the shared machinery's errors onto the client's codes.
func fromSimError(e *simhttp.Error, uri string) *Error {
	switch e.Kind {
	case simhttp.KindNotFound:
		return &Error{Status: statusNotFound, Code: CodeMethodNotFound, Msg: "not support uri:" + uri}
	case simhttp.KindMethod:
		return uriError(msgOnlyPost)
	case simhttp.KindBadRequest, simhttp.KindWorld:
		return clientError(e.Msg)
	case simhttp.KindInjected, simhttp.KindPanel:
		return injected(e)
	}
	status := e.Status
	if status == 0 {
		status = statusInternal
	}
	return &Error{Status: status, Code: CodeMisc, Msg: e.Msg}
}

// injected is a fault rule's native error: code (default -3, the node's
// E_DEFAULT), message, and the status the client uses for that code.
func injected(e *simhttp.Error) *Error {
	code := CodeDefault
	if n, err := strconv.Atoi(e.Code); err == nil {
		code = n
	}
	msg := e.Msg
	if msg == "" {
		msg = "injected error"
	}
	status := e.Status
	if status == 0 {
		status = statusForCode(code)
	}
	return &Error{Status: status, Code: code, Msg: msg, Node: code == CodeDefault || code == CodeError}
}

// nodesHook serves GET /_panelsim/dbc/nodes: every node's rent state,
// session ids and VMs, for tests that want to look behind the API.
func (*Panel) nodesHook(c echo.Context) error {
	var v []NodeView
	if err := simhttp.World(c).Do(func(tx *state.Tx) error {
		v = Inspect(tx)
		return nil
	}); err != nil {
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()})
	}
	return c.JSON(http.StatusOK, v)
}
