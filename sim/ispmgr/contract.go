package ispmgr

import (
	"net/http"
	"net/url"

	"github.com/panelsim/panelsim/openapi"
)

// Dispatch tells the contract how a call is read: the function is func,
// and the parameters come from the query and a POST form (urlencoded,
// text/plain or multipart) exactly as the handler reads them, so
// --validate checks each function's own parameters.
func (*Panel) Dispatch() *openapi.Dispatch {
	return &openapi.Dispatch{
		Operation: func(r *http.Request, body []byte) string { return paramsOf(r, body).Get("func") },
		Params: func(r *http.Request, body []byte) (url.Values, error) {
			p := paramsOf(r, body)
			out := url.Values{}
			for _, k := range p.Names() {
				out.Set(k, p.Get(k))
			}
			return out, nil
		},
	}
}
