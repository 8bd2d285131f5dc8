package ispmgr

import (
	"net/http"
	"net/url"
	"sort"

	"github.com/panelsim/panelsim/openapi"
)

// Dispatch tells the contract how a call is read: the function is func,
// and the parameters come from the query and a POST form (urlencoded,
// text/plain or multipart) exactly as the handler reads them, so
// --validate checks each function's own parameters.
func (*Panel) Dispatch() *openapi.Dispatch {
	return &openapi.Dispatch{Read: func(r *http.Request, body []byte) (string, url.Values, error) {
		p := paramsOf(r, body)
		return p.Get("func"), p.Values(), nil
	}}
}

// Dispatched lists the functions each product serves (func=auth
// included), for the check that the spec describes every one of them and
// nothing else.
func (*Panel) Dispatched() map[string][]string {
	out := map[string][]string{}
	for path, mgr := range map[string]string{"/ispmgr": mgrISP, "/ipmgr": mgrIP} {
		names := []string{"auth"}
		for name := range funcs(mgr) {
			names = append(names, name)
		}
		sort.Strings(names)
		out[path] = names
	}
	return out
}
