package main

import (
	"net/http"
	"testing"
)

// PANELSIM_CONTROL_TOKEN (or --control-token) guards the control plane of
// the binary; health stays open for container wait strategies.
func TestControlTokenFromTheEnvironment(t *testing.T) {
	addr, _, stop := start(t, map[string]string{"PANELSIM_CONTROL_TOKEN": "tok"}, "--addr", "127.0.0.1:0")
	defer stop()
	for path, want := range map[string]int{"/_panelsim/health": 200, "/_panelsim/clock": 401, "/_panelsim/requests": 401} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/_panelsim/clock", nil)
	req.Header.Set("Authorization", "Bearer tok")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("with the token: %d", resp.StatusCode)
	}
}
