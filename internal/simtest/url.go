package simtest

import (
	"net/http"
	"testing"
)

// NewURL makes a client for any panelsim-shaped server at base (a proxy,
// a server started by the binary), checking answers against every contract
// panelsim ships.
func NewURL(t testing.TB, base string) *Client {
	return &Client{
		t: t, base: base, contract: Contract(t), headers: http.Header{},
		hc: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
}
