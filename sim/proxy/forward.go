package proxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/panelsim/panelsim/openapi"
	"github.com/panelsim/panelsim/sim/simhttp"
	"github.com/panelsim/panelsim/state"
)

// exchange is one forwarded request on its way through the proxy.
type exchange struct {
	up       Upstream
	c        echo.Context
	reqBody  []byte
	status   int
	header   http.Header
	body     []byte
	checked  bool
	failed   error
	rejected []openapi.Finding
}

// strictRefusal is ModifyResponse's way of turning an answer into a 502.
type strictRefusal struct{ v openapi.Finding }

func (s *strictRefusal) Error() string { return "answer breaks the contract: " + s.v.String() }

// forward is the handler behind every route of a proxied panel: check the
// request, pass it on unchanged, check the answer, journal and record.
func (p *Proxy) forward(up Upstream) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		ex := &exchange{up: up, c: c, reqBody: simhttp.Body(c)}
		p.note(c, openapi.Findings("request", p.contract.ValidateRequest(req, ex.reqBody)))
		simhttp.RewindBody(c)
		ctx, cancel := context.WithTimeout(req.Context(), p.cfg.Timeout)
		defer cancel()
		rp := &httputil.ReverseProxy{
			Rewrite:        func(pr *httputil.ProxyRequest) { rewrite(pr, up) },
			Transport:      p.transport,
			ModifyResponse: func(resp *http.Response) error { return p.check(ex, resp) },
			ErrorHandler:   func(_ http.ResponseWriter, _ *http.Request, err error) { ex.failed = err },
			ErrorLog:       slog.NewLogLogger(p.log.Handler(), slog.LevelDebug),
		}
		rp.ServeHTTP(c.Response(), req.WithContext(ctx))
		p.record(ex)
		var refusal *strictRefusal
		switch {
		case errors.As(ex.failed, &refusal):
			return &simhttp.Error{Kind: simhttp.KindInternal, Status: http.StatusBadGateway, Msg: refusal.Error()}
		case ex.failed != nil:
			return upstreamError(up, p.cfg.Timeout, ex.failed)
		}
		return nil
	}
}

// rewrite points the outgoing request at the upstream. Only panelsim's own
// header goes; Accept-Encoding is left to the transport, which then
// decompresses the answer so it can be checked.
func rewrite(pr *httputil.ProxyRequest, up Upstream) {
	pr.SetURL(up.URL)
	pr.Out.Header.Del(simhttp.WorldHeader)
	pr.Out.Header.Del("Accept-Encoding")
}

// check reads the answer, checks it against the contract and puts it back
// for the client (or refuses it in strict mode).
func (p *Proxy) check(ex *exchange, resp *http.Response) error {
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		resp.Body.Close()
		return err
	}
	ex.status, ex.header = resp.StatusCode, resp.Header.Clone()
	if len(body) > maxAnswer {
		p.note(ex.c, []openapi.Finding{{In: "response", Part: "body", Message: fmt.Sprintf("answer longer than %d bytes: passed on unchecked", maxAnswer)}})
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return nil
	}
	resp.Body.Close()
	ex.body, ex.checked = body, true
	resp.Body = io.NopCloser(bytes.NewReader(body))
	relocate(resp, ex.up)
	err = p.contract.ValidateResponse(ex.c.Request(), ex.reqBody, resp.StatusCode, resp.Header, body)
	if errors.Is(err, openapi.ErrNoRoute) {
		return nil // noted once, as the request's violation
	}
	vs := openapi.Findings("response", err)
	p.note(ex.c, vs)
	if p.cfg.Strict && len(vs) > 0 {
		ex.rejected = vs
		return &strictRefusal{v: vs[0]}
	}
	return nil
}

// relocate makes a redirect to the upstream itself a relative one, so the
// client stays on the proxy.
func relocate(resp *http.Response, up Upstream) {
	loc := resp.Header.Get("Location")
	base := strings.TrimSuffix(up.URL.String(), "/")
	if rest, ok := strings.CutPrefix(loc, base); ok && (rest == "" || strings.HasPrefix(rest, "/") || strings.HasPrefix(rest, "?")) {
		if rest == "" || rest[0] == '?' {
			rest = "/" + rest
		}
		resp.Header.Set("Location", rest)
	}
}

// note journals violations with the exchange and logs each on one line.
func (p *Proxy) note(c echo.Context, vs []openapi.Finding) {
	if len(vs) == 0 {
		return
	}
	req := c.Request()
	out := make([]state.Violation, len(vs))
	for i, v := range vs {
		out[i] = state.Violation(v)
		p.log.Warn("contract violation", "panel", simhttp.Panel(c), "method", req.Method, "path", req.URL.Path,
			"in", v.In, "part", v.Part, "pointer", v.Pointer, "expected", v.Expected, "actual", v.Actual, "reason", v.Message)
	}
	simhttp.AddViolations(c, out...)
}

// record writes the exchange to the recording directory, if any. Without
// one the answer is still masked once, so the masker learns the tokens it
// hands out before they appear in later paths and headers of the journal.
func (p *Proxy) record(ex *exchange) {
	if !ex.checked {
		return
	}
	if p.recorder == nil {
		p.masker.Header(ex.header)
		p.masker.Body(ex.header.Get("Content-Type"), ex.body)
		return
	}
	if err := p.recorder.Write(ex); err != nil {
		p.log.Error("recording failed", "dir", p.cfg.Record, "err", err)
	}
}
