package ispmgr

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// serve is every mgr5 call: parse, one model call, render.
func (p *Panel) serve(c echo.Context) error {
	m := c.Request().Method
	if m != http.MethodGet && m != http.MethodPost {
		return &simhttp.Error{Kind: simhttp.KindMethod, Status: http.StatusMethodNotAllowed, Msg: "method " + m + " is not served"}
	}
	req := parseRequest(c)
	var doc *Node
	if err := simhttp.Do(c, func(tx *state.Tx) error {
		doc = Call(tx, req)
		return nil
	}); err != nil {
		return err
	}
	if a := doc.child("auth"); a != nil {
		c.SetCookie(&http.Cookie{Name: req.CookieName(), Value: a.attr("id"), Path: "/", HttpOnly: true})
	}
	return write(c, http.StatusOK, doc, req.Format())
}

// parseRequest collects what the model needs from the HTTP request.
func parseRequest(c echo.Context) *Request {
	r := c.Request()
	mgr := mgrISP
	if strings.HasSuffix(r.URL.Path, "ipmgr") {
		mgr = mgrIP
	}
	req := &Request{Mgr: mgr, Binary: r.URL.Path, Host: c.Scheme() + "://" + r.Host, IP: c.RealIP(), Params: requestParams(c)}
	if ck, err := c.Cookie(req.CookieName()); err == nil {
		req.Cookie = ck.Value
	}
	return req
}

// requestParams reads the query string and, for a form POST, the body;
// body values win over query values. They are read once per request and
// kept on the context: naming the operation for the journal and coverage,
// the handler and an error rendering all read the same parameters. The
// model may change its call's parameters (joinSRV folds wght and port into
// value) but never func, out or lang, all the others read.
func requestParams(c echo.Context) *Params {
	return simhttp.Memo(c, keyParams, func() *Params { return paramsOf(c.Request(), simhttp.Body(c)) })
}

// keyParams is the context key of the request's parsed parameters.
const keyParams = "ispmgr.params"

// paramsOf reads the parameters of a request whose body is given (the
// handler, the journal and the contract all read them here).
func paramsOf(r *http.Request, body []byte) *Params {
	p := NewParams()
	p.ParseParams(r.URL.RawQuery)
	if r.Method != http.MethodPost {
		return p
	}
	ct := r.Header.Get(echo.HeaderContentType)
	switch {
	case strings.HasPrefix(strings.ToLower(ct), echo.MIMEMultipartForm):
		parseMultipart(p, ct, body)
	case isFormBody(ct):
		p.ParseParams(string(body))
	}
	return p
}

// parseMultipart reads the fields of a multipart/form-data body (PHP's
// curl sends an array of POST fields that way); file parts are skipped and
// a broken body keeps whatever fields came before the break.
func parseMultipart(p *Params, contentType string, body []byte) {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil || params["boundary"] == "" {
		return
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return
		}
		name := part.FormName()
		if part.FileName() == "" {
			// The body is bounded as a whole (simhttp refuses one over the
			// limit): a field is read whole, never cut.
			v, _ := io.ReadAll(part)
			p.Add(name, string(v))
		}
		part.Close()
	}
}

// isFormBody accepts form bodies, including those sent without a type.
func isFormBody(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(ct))
	return ct == "" || strings.HasPrefix(ct, echo.MIMEApplicationForm) || strings.HasPrefix(ct, "text/plain")
}

// write sends a document in the requested format.
func write(c echo.Context, status int, doc *Node, f format) error {
	if e := doc.el().SelectElement("error"); e != nil {
		simhttp.SentCode(c, e.SelectAttrValue("type", ""))
	}
	return c.Blob(status, f.ContentType(), Render(doc, f))
}

// RenderError writes an error raised outside the funcs (unknown path,
// method, contract violation, injected fault, panic) as an mgr5 error
// document in the format the request asked for.
func (*Panel) RenderError(c echo.Context, e *simhttp.Error) error {
	p := requestParams(c)
	me, status := nativeError(e)
	lang := "en"
	if l := p.Get("lang"); languages[l] {
		lang = l
	}
	cl := &call{p: p, lang: lang, fn: p.Get("func")}
	doc := cl.bareError(me, false)
	return write(c, status, doc, parseFormat(p.Get("out")))
}

// nativeKinds are the mgr5 error type and object of the shared
// machinery's error kinds, with the HTTP status to answer when the error
// carries none (mgr5 itself answers 200 even for errors).
var nativeKinds = map[simhttp.ErrorKind]struct {
	typ, object string
	status      int
}{
	simhttp.KindMethod:     {errValue, "method", http.StatusMethodNotAllowed},
	simhttp.KindBadRequest: {errValue, "request", http.StatusOK},
	simhttp.KindWorld:      {errValue, "world", http.StatusBadRequest},
	simhttp.KindInternal:   {errInternal, "sys", http.StatusInternalServerError},
}

// nativeError maps an error of the shared machinery onto an mgr5 error
// and an HTTP status. An unknown path names the path; a panel or injected
// error keeps its own code (internal if it has none).
func nativeError(e *simhttp.Error) (*mgrError, int) {
	me := &mgrError{Type: e.Code, Object: e.Value, Msg: e.Msg, Detail: e.Detail}
	if e.Kind == simhttp.KindNotFound {
		me.Type, me.Object, me.Value, me.Msg = errNotFound, "path", unknownPath(e), ""
		return me, orStatus(e.Status, http.StatusNotFound)
	}
	if k, ok := nativeKinds[e.Kind]; ok {
		me.Type, me.Object = k.typ, k.object
		if e.Kind == simhttp.KindBadRequest && e.Param != "" {
			me.Object = e.Param // the contract names the bad parameter, as mgr5 does
		}
		return me, orStatus(e.Status, k.status)
	}
	if me.Type == "" {
		me.Type = errInternal
	}
	return me, orStatus(e.Status, http.StatusOK)
}

// unknownPath is the unknown path named in a not-found error's message.
func unknownPath(e *simhttp.Error) string {
	if i := strings.LastIndex(e.Msg, " "); i >= 0 {
		return e.Msg[i+1:]
	}
	return e.Msg
}

func orStatus(s, d int) int {
	if s == 0 {
		return d
	}
	return s
}

// sessionsHook is GET /_panelsim/ispmgr/sessions: live sessions and unused
// one-time keys of the world.
func (p *Panel) sessionsHook(c echo.Context) error {
	var v AuthView
	if err := simhttp.World(c).Do(func(tx *state.Tx) error {
		v = Sessions(tx)
		return nil
	}); err != nil {
		return c.JSON(http.StatusInternalServerError, map[string]string{"error": err.Error()})
	}
	return c.JSON(http.StatusOK, v)
}
