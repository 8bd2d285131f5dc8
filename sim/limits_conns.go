package sim

import (
	"log/slog"
	"net"
	"sync"
)

// Listener wraps ln so that one client IP holds at most
// l.MaxConnsPerClient connections at once (ln itself when there is no
// cap).
//
// A connection past the cap is closed as soon as it is accepted, before a
// byte is read or written, rather than answered 503: that costs no
// goroutine, no read deadline and no write to a client that may never read,
// and it is the same for HTTP and HTTPS (the cap sits beneath TLS, so no
// handshake is spent on a refused connection). The client sees its
// connection closed; logger warns once each time an address reaches the
// cap, so the reason is in the log. Connections are counted from accept to
// close, idle keep-alive ones included, which is what a client hoarding
// connections holds.
func (l ConnLimits) Listener(ln net.Listener, logger *slog.Logger) net.Listener {
	limit := l.withDefaults().MaxConnsPerClient
	if limit < 0 {
		return ln
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &clientCapListener{Listener: ln, max: limit, logger: logger, open: map[string]*clientConns{}}
}

// clientCapListener counts the open connections of each client address.
type clientCapListener struct {
	net.Listener
	max    int
	logger *slog.Logger

	mu   sync.Mutex
	open map[string]*clientConns // only addresses with a connection open
}

// clientConns is one address's open connections; refused says a refusal
// has been logged since the address was last under the cap.
type clientConns struct {
	n       int
	refused bool
}

// Accept returns the next connection within its client's cap, closing
// those past it.
func (l *clientCapListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := clientIP(c.RemoteAddr())
		if l.admit(ip) {
			return &countedConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		_ = c.Close()
	}
}

func (l *clientCapListener) admit(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	cc := l.open[ip]
	if cc == nil {
		cc = &clientConns{}
		l.open[ip] = cc
	}
	if cc.n < l.max {
		cc.n++
		cc.refused = false
		return true
	}
	if !cc.refused {
		cc.refused = true
		l.logger.Warn("a client holds the most connections allowed; closing its new ones until some close",
			"client", ip, "max_conns_per_client", l.max)
	}
	return false
}

func (l *clientCapListener) release(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if cc := l.open[ip]; cc != nil {
		if cc.n--; cc.n <= 0 {
			delete(l.open, ip) // the map holds only addresses with connections open
		}
	}
}

// clientIP is the address a connection comes from, without its port.
func clientIP(a net.Addr) string {
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}

// countedConn gives its client's slot back on its first Close.
type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

// CloseWrite passes through, so net/http can still half-close a TCP
// connection it is done with (it looks for the method on the connection).
func (c *countedConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}
