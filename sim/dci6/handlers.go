package dci6

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/internal/jsonw"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// writeError answers an error in the DCI envelope with its status.
func writeError(c echo.Context, err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{Code: codeInternal, Msg: err.Error()}
	}
	simhttp.SentCode(c, strconv.Itoa(ae.Code))
	return c.JSON(statusOf(ae.Code), errorBody(ae))
}

// run performs one model call in the request's world and answers its
// result with status, or its error natively.
func run[T any](c echo.Context, status int, call func(tx *state.Tx) (T, error)) error {
	var out T
	err := simhttp.Do(c, func(tx *state.Tx) error {
		var err error
		out, err = call(tx)
		return err
	})
	if err != nil {
		return writeError(c, err)
	}
	return writeJSON(c, status, &out)
}

// runKept is run for a read whose answer the world may keep (state.Memo):
// while nothing changes, asking again answers the kept bytes. key names
// what the answer depends on besides the state (the object, the caller);
// call must change nothing. An indented answer (echo indents it) and a
// view the encoder leaves to encoding/json are rendered, never kept.
func runKept[T any](c echo.Context, key any, call func(tx *state.Tx) (T, error)) error {
	indented := simhttp.Indented(c)
	var out T
	var b []byte
	err := simhttp.View(c, func(tx *state.Tx) error {
		render := func() ([]byte, error) {
			var err error
			if out, err = call(tx); err != nil || indented {
				return nil, err
			}
			return ownJSON(&out), nil
		}
		var err error
		if indented {
			_, err = render()
		} else {
			b, err = state.Memo(tx, key, render)
		}
		return err
	})
	if err != nil {
		return writeError(c, err)
	}
	if b == nil {
		return writeJSON(c, http.StatusOK, &out)
	}
	return c.JSONBlob(http.StatusOK, b)
}

// ownJSON is *v as writeJSON writes it, in bytes of its own; nil when the
// view has no encoder or leaves itself to encoding/json.
func ownJSON[T any](v *T) []byte {
	a, ok := any(v).(jsonAppender)
	if !ok {
		return nil
	}
	o, ok := encodeJSON(a)
	defer o.release()
	if !ok {
		return nil
	}
	return bytes.Clone(o.b)
}

// writeJSON answers *v as c.JSON(status, *v) would, with the view's own
// encoder when it has one (render_json.go): the same bytes without
// encoding/json's reflection. ?pretty and echo's debug mode indent, so
// those go to echo, as does anything the encoder leaves to encoding/json.
func writeJSON[T any](c echo.Context, status int, v *T) error {
	a, ok := any(v).(jsonAppender)
	if !ok || simhttp.Indented(c) {
		return c.JSON(status, *v)
	}
	o, ok := encodeJSON(a)
	defer o.release()
	if !ok {
		return c.JSON(status, *v)
	}
	return c.JSONBlob(status, o.b)
}

// body decodes the request's JSON body into v; the error is a 400 naming
// the field.
func body(c echo.Context, v any) error { return parseJSONBody(simhttp.Body(c), v) }

func queryOf(c echo.Context) ListQuery {
	return ListQuery{Where: c.QueryParam("where"), OrderBy: c.QueryParam("orderby"), Limit: c.QueryParam("limit")}
}

func (p *Panel) login(c echo.Context, _ Caller) error {
	var req loginRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	if err := req.check(); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusCreated, func(tx *state.Tx) (TokenView, error) { return Login(tx, *req.Email, *req.Password) })
}

func (p *Panel) loginByKey(c echo.Context, _ Caller) error {
	var req keyRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	if req.Key == nil || *req.Key == "" {
		return writeError(c, fieldError("key", "is required"))
	}
	return run(c, http.StatusCreated, func(tx *state.Tx) (TokenView, error) { return LoginByKey(tx, *req.Key) })
}

// keyRedirect is the browser link of a login key: it sets the ses6 cookie
// and sends the browser to the panel.
func (p *Panel) keyRedirect(c echo.Context, _ Caller) error {
	var tok TokenView
	err := simhttp.Do(c, func(tx *state.Tx) error {
		var err error
		tok, err = LoginByKey(tx, c.Param("key"))
		return err
	})
	if err != nil {
		return writeError(c, err)
	}
	c.SetCookie(&http.Cookie{Name: "ses6", Value: tok.Token, Path: "/", HttpOnly: true})
	return c.Redirect(http.StatusFound, "/")
}

func (p *Panel) issueToken(c echo.Context, caller Caller) error {
	var req issueTokenRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	if req.ExpiresAt == nil {
		return writeError(c, fieldError("expires_at", "is required"))
	}
	return run(c, http.StatusCreated, func(tx *state.Tx) (TokenView, error) {
		return IssueToken(tx, caller, *req.ExpiresAt, req.Description)
	})
}

func (p *Panel) logout(c echo.Context, caller Caller) error {
	return run(c, http.StatusOK, func(tx *state.Tx) (struct{}, error) {
		return struct{}{}, Logout(tx, caller, c.Param("token"))
	})
}

func (p *Panel) setTokenTTL(c echo.Context, caller Caller) error {
	value, err := settingValue(simhttp.Body(c))
	if err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (SettingView, error) { return SetTokenTTL(tx, caller, value) })
}

func (p *Panel) createKey(c echo.Context, caller Caller) error {
	ref := unescapePath(c.Param("user"))
	return run(c, http.StatusCreated, func(tx *state.Tx) (KeyView, error) { return CreateKey(tx, caller, ref) })
}

// listServers encodes the page as it builds it (appendServerList), the
// panel's hottest list; ?pretty, echo's debug mode and a view the
// encoders leave to encoding/json answer through ListServers and writeJSON
// as every other list does, with the same bytes.
func (p *Panel) listServers(c echo.Context, caller Caller) error {
	lq := queryOf(c)
	if simhttp.Indented(c) {
		return run(c, http.StatusOK, func(tx *state.Tx) (ListView[ServerView], error) { return ListServers(tx, caller, lq) })
	}
	buf := jsonBuffers.Get().(*jsonBuffer)
	defer buf.release()
	buf.fallback = false
	var slow *ListView[ServerView]
	err := simhttp.Do(c, func(tx *state.Tx) error {
		var err error
		buf.b, err = appendServerList(tx, caller, lq, buf.b[:0], &buf.fallback)
		if err == nil && buf.fallback {
			var l ListView[ServerView]
			l, err = ListServers(tx, caller, lq)
			slow = &l
		}
		return err
	})
	switch {
	case err != nil:
		return writeError(c, err)
	case slow != nil:
		return c.JSON(http.StatusOK, *slow)
	}
	buf.b = append(buf.b, '\n') // as encoding/json's Encoder ends
	return c.JSONBlob(http.StatusOK, buf.b)
}

func (p *Panel) listConfigurations(c echo.Context, _ Caller) error {
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[ConfigurationView], error) { return ListConfigurations(tx), nil })
}

// serverID reads the :id path parameter; a malformed id is an unknown server.
func serverID(c echo.Context) (int64, error) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return 0, notFound("server", c.Param("id"))
	}
	return id, nil
}

func (p *Panel) getServer(c echo.Context, caller Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	// Billing polls a server while its operation runs: the answer is kept
	// until something changes. What a caller sees depends on who asks.
	key := serverKey{id: id, user: caller.UserID, admin: caller.Admin}
	return runKept(c, key, func(tx *state.Tx) (ServerView, error) { return GetServer(tx, caller, id) })
}

// serverKey names a kept server answer (runKept).
type serverKey struct {
	id, user int64
	admin    bool
}

func (p *Panel) setOwner(c echo.Context, _ Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	var req ownerRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	if req.Owner == nil {
		return writeError(c, fieldError("owner", "is required"))
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (IDView, error) { return SetOwner(tx, id, *req.Owner) })
}

func (p *Panel) releaseOwner(c echo.Context, _ Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (IDView, error) { return ReleaseOwner(tx, id) })
}

// emptyBodyAction serves the actions whose body is {} (checked to be JSON).
func emptyBodyAction(c echo.Context, call func(tx *state.Tx, id int64) (TaskRef, error)) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	// The body clients send, {} or none, needs no decoding: it is what
	// the decoding into a map below accepts without a word (issue 14).
	if b := simhttp.Body(c); !emptyObject(b) {
		var req map[string]any
		if err := parseJSONBody(b, &req); err != nil {
			return writeError(c, err)
		}
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskRef, error) { return call(tx, id) })
}

// emptyObject says data is, spaces around aside (as parseJSONBody trims
// them), nothing or an object with only JSON whitespace inside: a body
// parseJSONBody accepts with nothing to decode. FuzzEmptyObject holds it
// to parseJSONBody.
func emptyObject(data []byte) bool {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return true
	}
	return len(data) >= 2 && data[0] == '{' && data[len(data)-1] == '}' && jsonw.Space(data[1:len(data)-1])
}

func (p *Panel) suspend(c echo.Context, _ Caller) error { return emptyBodyAction(c, Suspend) }

func (p *Panel) resume(c echo.Context, _ Caller) error { return emptyBodyAction(c, Resume) }

func (p *Panel) power(action string) handler {
	return func(c echo.Context, caller Caller) error {
		return emptyBodyAction(c, func(tx *state.Tx, id int64) (TaskRef, error) { return Power(tx, caller, id, action) })
	}
}

func (p *Panel) listServerIPs(c echo.Context, caller Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[IPView], error) { return ListIPs(tx, caller, id, lq) })
}

func (p *Panel) addIP(c echo.Context, _ Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	var req AddIPRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskRef, error) { return AddIP(tx, id, req) })
}

func (p *Panel) removeIP(c echo.Context, _ Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	ipID, ok := parseID(c.Param("ip"))
	if !ok {
		return writeError(c, notFound("ip", c.Param("ip")))
	}
	if c.Request().Method == http.MethodPost {
		var req map[string]any
		if err := body(c, &req); err != nil {
			return writeError(c, err)
		}
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskRef, error) { return RemoveIP(tx, id, ipID) })
}

func (p *Panel) diag(c echo.Context, _ Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	var req DiagRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskRef, error) { return Diagnose(tx, id, req) })
}

func (p *Panel) clearHDD(c echo.Context, _ Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	var req ClearRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskRef, error) { return ClearDisks(tx, id, req) })
}

func (p *Panel) installOS(c echo.Context, caller Caller) error {
	id, err := serverID(c)
	if err != nil {
		return writeError(c, err)
	}
	var req OSRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskRef, error) { return InstallOS(tx, caller, id, req) })
}

func (p *Panel) listUsers(c echo.Context, _ Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[UserView], error) { return ListUsers(tx, lq) })
}

func (p *Panel) createUser(c echo.Context, _ Caller) error {
	var req CreateUserRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (IDView, error) { return CreateUser(tx, req) })
}

func (p *Panel) listIPs(c echo.Context, caller Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[IPView], error) { return ListIPs(tx, caller, 0, lq) })
}

func (p *Panel) listTasks(c echo.Context, caller Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[TaskView], error) { return ListTasks(tx, caller, lq) })
}

func (p *Panel) getTask(c echo.Context, caller Caller) error {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return writeError(c, notFound("task", c.Param("id")))
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (TaskView, error) { return GetTask(tx, caller, id) })
}

func (p *Panel) listOSTemplates(c echo.Context, _ Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[OSTemplateView], error) { return ListOSTemplates(tx, lq) })
}

func (p *Panel) setBootOrder(c echo.Context, _ Caller) error {
	value, err := settingValue(simhttp.Body(c))
	if err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (SettingView, error) { return SetBootOrderSetting(tx, value) })
}

func (p *Panel) listNets(c echo.Context, _ Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[IPNetView], error) { return ListNets(tx, lq) })
}

func (p *Panel) listPools(c echo.Context, _ Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[PoolView], error) { return ListPools(tx, lq) })
}

func (p *Panel) listIPMgrIPs(c echo.Context, _ Caller) error {
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[IPMgrIPView], error) { return ListIPMgrIPs(tx, lq) })
}

// pathID reads a positive id path parameter of an object kind.
func pathID(c echo.Context, kind string) (int64, error) {
	id, ok := parseID(c.Param("id"))
	if !ok {
		return 0, notFound(kind, c.Param("id"))
	}
	return id, nil
}

func (p *Panel) listSwitchPorts(c echo.Context, _ Caller) error {
	id, err := pathID(c, "switch")
	if err != nil {
		return writeError(c, err)
	}
	lq := queryOf(c)
	return run(c, http.StatusOK, func(tx *state.Tx) (ListView[SwitchPortView], error) { return ListSwitchPorts(tx, id, lq) })
}

func (p *Panel) deleteNet(c echo.Context, _ Caller) error {
	id, err := pathID(c, "ipnet")
	if err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (IDView, error) { return DeleteNet(tx, id) })
}

func (p *Panel) getPool(c echo.Context, _ Caller) error {
	id, err := pathID(c, "ippool")
	if err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (PoolView, error) { return GetPool(tx, id) })
}

func (p *Panel) updatePool(c echo.Context, _ Caller) error {
	id, err := pathID(c, "ippool")
	if err != nil {
		return writeError(c, err)
	}
	var req PoolRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (IDView, error) { return UpdatePool(tx, id, req) })
}

func (p *Panel) createPool(c echo.Context, _ Caller) error {
	var req PoolRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (IDView, error) { return CreatePool(tx, req) })
}

// loginV3 is legacy auth v3 (older installs; ISPsystem's PHP library):
// the same check, the token answered as {"session"}.
func (p *Panel) loginV3(c echo.Context, _ Caller) error {
	var req loginRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	if err := req.check(); err != nil {
		return writeError(c, err)
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (SessionView, error) { return sessionOf(Login(tx, *req.Email, *req.Password)) })
}

func (p *Panel) loginByKeyV3(c echo.Context, _ Caller) error {
	var req keyRequest
	if err := body(c, &req); err != nil {
		return writeError(c, err)
	}
	if req.Key == nil || *req.Key == "" {
		return writeError(c, fieldError("key", "is required"))
	}
	return run(c, http.StatusOK, func(tx *state.Tx) (SessionView, error) { return sessionOf(LoginByKey(tx, *req.Key)) })
}

// sessionsHook serves GET /_panelsim/dci6/sessions (control plane).
func (p *Panel) sessionsHook(c echo.Context) error {
	var v SessionsView
	if err := simhttp.World(c).Do(func(tx *state.Tx) error {
		v = Sessions(tx)
		return nil
	}); err != nil {
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()})
	}
	return c.JSON(http.StatusOK, v)
}
