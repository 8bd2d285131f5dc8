package panelsimtc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"time"

	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// HostOverrideEnv is testcontainers' variable naming the address published
// ports are reached on. When it is set, panelsimtc uses it as it is.
const HostOverrideEnv = "TESTCONTAINERS_HOST_OVERRIDE"

// host is where the container's published ports are reached, and why:
// the reason goes into the error when panelsim is not reached there.
type host struct {
	addr string
	why  string
}

// hostEnv is what the choice of host looks at; tests give a fake one.
type hostEnv struct {
	// lookupEnv reads the process environment (os.LookupEnv).
	lookupEnv func(string) (string, bool)
	// daemonURL is how the Docker client reaches the engine
	// (unix:///var/run/docker.sock, tcp://docker:2376, ...).
	daemonURL string
	// inContainer reports whether this process runs in a container
	// (/.dockerenv or /run/.containerenv exists).
	inContainer bool
	// bridgeGateway is the gateway of the engine's default bridge network.
	bridgeGateway func(context.Context) (netip.Addr, error)
	// localAddrs are the addresses of this network namespace's interfaces.
	localAddrs func() ([]netip.Addr, error)
}

// chooseHost decides where published ports are reached, without touching
// the network beyond asking the engine about its bridge:
//
//   - an explicit TESTCONTAINERS_HOST_OVERRIDE always wins;
//   - an engine reached over TCP (DOCKER_HOST=tcp://docker:2376, the usual
//     Docker-in-Docker service) publishes on that host;
//   - an engine on a local socket seen from outside any container
//     publishes on this machine: the loopback;
//   - inside a container, an engine on a local socket is either this
//     container's own (Docker-in-Docker in one container, or a CI runner
//     whose engine shares its network namespace: an interface here holds
//     the bridge's gateway address, and published ports are on the
//     loopback) or the host's socket mounted in (the container is on the
//     bridge and reaches published ports through the gateway).
//
// testcontainers-go itself picks the gateway for every socket case inside
// a container, which times out when the engine is this container's own.
func chooseHost(ctx context.Context, e hostEnv) host {
	if v, ok := e.lookupEnv(HostOverrideEnv); ok && v != "" {
		return host{v, "set by " + HostOverrideEnv}
	}
	u, err := url.Parse(e.daemonURL)
	if err == nil && (u.Scheme == "tcp" || u.Scheme == "http" || u.Scheme == "https") && u.Hostname() != "" {
		return host{u.Hostname(), "the Docker engine is reached at " + e.daemonURL}
	}
	if !e.inContainer {
		return host{"127.0.0.1", "the Docker engine is on this machine (" + e.daemonURL + ")"}
	}
	gw, err := e.bridgeGateway(ctx)
	if err != nil {
		return host{"127.0.0.1", fmt.Sprintf("in a container with the engine on a local socket; the bridge's gateway is unknown (%v)", err)}
	}
	addrs, err := e.localAddrs()
	if err == nil {
		for _, a := range addrs {
			if a.Unmap() == gw.Unmap() {
				return host{"127.0.0.1", "in a container whose network namespace holds the Docker bridge's gateway " + gw.String() + ": the engine runs here"}
			}
		}
	}
	return host{gw.String(), "in a container on the Docker bridge (the host's engine socket mounted in): published ports are on the gateway"}
}

// detectHost gathers the real environment and chooses; lookupEnv is
// os.LookupEnv outside tests.
func detectHost(ctx context.Context, lookupEnv func(string) (string, bool)) (host, error) {
	p, err := testcontainers.NewDockerProvider()
	if err != nil {
		return host{}, fmt.Errorf("panelsimtc: docker: %w", err)
	}
	defer p.Close()
	return chooseHost(ctx, hostEnv{
		lookupEnv:   lookupEnv,
		daemonURL:   p.Client().DaemonHost(),
		inContainer: fileExists("/.dockerenv") || fileExists("/run/.containerenv"),
		bridgeGateway: func(ctx context.Context) (netip.Addr, error) {
			res, err := p.Client().NetworkInspect(ctx, "bridge", client.NetworkInspectOptions{})
			if err != nil {
				return netip.Addr{}, err
			}
			return bridgeGateway(res.Network.IPAM.Config)
		},
		localAddrs: interfaceAddrs,
	}), nil
}

// bridgeGateway is the gateway of the bridge network: the one IPAM
// names, or else (Docker Engine 20.10 leaves it out for the default
// bridge) the first address of its subnet, which docker0 takes.
func bridgeGateway(cfgs []network.IPAMConfig) (netip.Addr, error) {
	for _, c := range cfgs {
		if c.Gateway.IsValid() {
			return c.Gateway, nil
		}
	}
	for _, c := range cfgs {
		if c.Subnet.IsValid() {
			return c.Subnet.Masked().Addr().Next(), nil
		}
	}
	return netip.Addr{}, errors.New("the bridge network has neither a gateway nor a subnet")
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func interfaceAddrs() ([]netip.Addr, error) {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		if p, err := netip.ParsePrefix(a.String()); err == nil {
			out = append(out, p.Addr())
		}
	}
	return out, nil
}

// healthWait is Run's wait strategy: /_panelsim/health answering 200 on
// the chosen host. It fails at once when the container exits, and on a
// timeout it names the address it tried and how to change it.
type healthWait struct {
	host    host
	timeout time.Duration
	poll    time.Duration
	client  *http.Client
}

var _ wait.Strategy = (*healthWait)(nil)

func (w *healthWait) WaitUntilReady(ctx context.Context, target wait.StrategyTarget) error {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	url, last := "", error(nil)
	for {
		if st, err := target.State(ctx); err == nil && !st.Running {
			return fmt.Errorf("panelsim stopped before it was ready (status %s, exit code %d)", st.Status, st.ExitCode)
		}
		if url == "" {
			if p, err := target.MappedPort(ctx, Port); err == nil {
				url = "http://" + net.JoinHostPort(w.host.addr, p.Port()) + "/_panelsim/health"
			} else {
				last = err
			}
		}
		if url != "" {
			last = w.probe(ctx, url)
			if last == nil {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return w.notReady(url, last)
		case <-time.After(w.poll):
		}
	}
}

func (w *healthWait) probe(ctx context.Context, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

func (w *healthWait) notReady(url string, last error) error {
	if url == "" {
		return fmt.Errorf("panelsim's port %s was not published within %s: %v", Port, w.timeout, last)
	}
	return fmt.Errorf("panelsim did not answer %s within %s (last error: %v); host %s was chosen because %s; "+
		"if published ports are reachable on another address from here, set %s to it (e.g. %s=127.0.0.1)",
		url, w.timeout, last, w.host.addr, w.host.why, HostOverrideEnv, HostOverrideEnv)
}
