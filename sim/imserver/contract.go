package imserver

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"

	"github.com/panelsim/panelsim/openapi"
)

// Dispatch tells the contract how the gateway reads a request: the command
// is cmd, and the parameters are merged from the query, a form body, json=
// and a JSON body exactly as the handler merges them, so --validate checks
// each command's own parameters wherever the client put them.
func (*Panel) Dispatch() *openapi.Dispatch {
	return &openapi.Dispatch{Read: func(r *http.Request, body []byte) (string, url.Values, error) {
		// A request the gateway cannot read still names its command, as
		// the journal does (Operation).
		p, err := parseParams(r.URL.RawQuery, r.Header.Get("Content-Type"), body)
		cmd, _, _ := p.str("cmd")
		if err != nil {
			return cmd, nil, err
		}
		return cmd, p.text(), nil
	}}
}

// text renders the parameters as CGI text: JSON scalars as the handler
// reads them, arrays and objects as JSON text.
func (p params) text() url.Values {
	out := url.Values{}
	for k, v := range p {
		switch t := v.(type) {
		case nil:
			out.Set(k, "")
		case string, json.Number, bool:
			s, _, _ := p.str(k)
			out.Set(k, s)
		default:
			b, _ := json.Marshal(t)
			out.Set(k, string(b))
		}
	}
	return out
}

// Dispatched lists the commands the gateway serves, for the check that
// the spec describes every one of them and nothing else.
func (*Panel) Dispatched() map[string][]string {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	return map[string][]string{"/api": names}
}
