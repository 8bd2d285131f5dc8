package panelsimtc

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/network"
)

// fakeEnv is a machine for chooseHost: no real engine, no network.
type fakeEnv struct {
	env         map[string]string
	daemon      string
	inContainer bool
	gateway     string // "" : the engine does not say
	local       []string
}

func (f fakeEnv) hostEnv() hostEnv {
	return hostEnv{
		lookupEnv: func(k string) (string, bool) { v, ok := f.env[k]; return v, ok },
		daemonURL: f.daemon, inContainer: f.inContainer,
		bridgeGateway: func(context.Context) (netip.Addr, error) {
			if f.gateway == "" {
				return netip.Addr{}, errors.New("no bridge network")
			}
			return netip.MustParseAddr(f.gateway), nil
		},
		localAddrs: func() ([]netip.Addr, error) {
			var out []netip.Addr
			for _, a := range f.local {
				out = append(out, netip.MustParseAddr(a))
			}
			return out, nil
		},
	}
}

func TestChooseHost(t *testing.T) {
	const sock = "unix:///var/run/docker.sock"
	for _, c := range []struct {
		name string
		env  fakeEnv
		want string
		why  string
	}{
		{"a plain host", fakeEnv{daemon: sock, gateway: "172.17.0.1", local: []string{"127.0.0.1", "172.17.0.1"}}, "127.0.0.1", "on this machine"},
		{"Docker Desktop", fakeEnv{daemon: "unix:///Users/me/.docker/run/docker.sock"}, "127.0.0.1", "on this machine"},
		{"a CI container with the engine in its network namespace", fakeEnv{daemon: sock, inContainer: true, gateway: "172.17.0.1", local: []string{"127.0.0.1", "10.0.0.5", "172.17.0.1"}}, "127.0.0.1", "the engine runs here"},
		{"Docker-in-Docker in one container, IPv6 bridge", fakeEnv{daemon: sock, inContainer: true, gateway: "fd00::1", local: []string{"::1", "fd00::1"}}, "127.0.0.1", "the engine runs here"},
		{"the host's socket mounted into a container", fakeEnv{daemon: sock, inContainer: true, gateway: "172.17.0.1", local: []string{"127.0.0.1", "172.17.0.3"}}, "172.17.0.1", "gateway"},
		{"a Docker-in-Docker service over TCP", fakeEnv{daemon: "tcp://docker:2376", inContainer: true, gateway: "172.17.0.1"}, "docker", "tcp://docker:2376"},
		{"a remote engine", fakeEnv{daemon: "tcp://10.1.2.3:2375"}, "10.1.2.3", "tcp://10.1.2.3:2375"},
		{"a container whose engine will not say its bridge", fakeEnv{daemon: sock, inContainer: true}, "127.0.0.1", "gateway is unknown"},
		{"an explicit override wins over everything", fakeEnv{env: map[string]string{HostOverrideEnv: "192.0.2.7"}, daemon: sock, inContainer: true, gateway: "172.17.0.1", local: []string{"172.17.0.1"}}, "192.0.2.7", HostOverrideEnv},
		{"an override wins over TCP too", fakeEnv{env: map[string]string{HostOverrideEnv: "127.0.0.1"}, daemon: "tcp://docker:2376"}, "127.0.0.1", HostOverrideEnv},
		{"an empty override is no override", fakeEnv{env: map[string]string{HostOverrideEnv: ""}, daemon: sock, inContainer: true, gateway: "172.17.0.1", local: []string{"172.17.0.2"}}, "172.17.0.1", "gateway"},
	} {
		h := chooseHost(context.Background(), c.env.hostEnv())
		if h.addr != c.want || !strings.Contains(h.why, c.why) {
			t.Errorf("%s: %+v, want %s because …%s…", c.name, h, c.want, c.why)
		}
	}
}

func TestNotReadyNamesTheAddressAndTheVariable(t *testing.T) {
	w := &healthWait{host: host{"172.17.0.1", "in a container on the Docker bridge"}, timeout: StartupTimeout}
	msg := w.notReady("http://172.17.0.1:32768/_panelsim/health", errors.New("i/o timeout")).Error()
	for _, want := range []string{"http://172.17.0.1:32768/_panelsim/health", "i/o timeout", "on the Docker bridge", HostOverrideEnv + "="} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error lacks %q: %s", want, msg)
		}
	}
}

func TestBridgeGatewayWithoutIPAMGateway(t *testing.T) {
	// Docker Engine 20.10's default bridge: a subnet, no gateway.
	got, err := bridgeGateway([]network.IPAMConfig{{Subnet: netip.MustParsePrefix("172.17.0.0/16")}})
	if err != nil || got.String() != "172.17.0.1" {
		t.Fatalf("%v %v", got, err)
	}
	got, err = bridgeGateway([]network.IPAMConfig{{Subnet: netip.MustParsePrefix("10.9.0.0/24"), Gateway: netip.MustParseAddr("10.9.0.254")}})
	if err != nil || got.String() != "10.9.0.254" {
		t.Fatalf("%v %v", got, err)
	}
	if _, err := bridgeGateway(nil); err == nil {
		t.Fatal("a gateway from nothing")
	}
}
