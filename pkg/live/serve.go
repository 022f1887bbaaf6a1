package live

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServeAddr completes a --serve address: a bare port or ":PORT" binds to
// 127.0.0.1, never to every interface by accident. An empty address is
// refused, never taken for a port picked at random.
func ServeAddr(addr string) (string, error) {
	if addr == "" {
		return "", errors.New("empty address: want HOST:PORT, e.g. 127.0.0.1:8080")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		if _, perr := net.LookupPort("tcp", addr); perr == nil {
			return net.JoinHostPort("127.0.0.1", addr), nil
		}
		return "", errors.New("invalid address " + addr + ": want HOST:PORT, e.g. 127.0.0.1:8080")
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// Serve serves h on addr until ctx is done, then shuts down gracefully,
// letting requests in flight finish (for at most five seconds). ready is
// called with the address bound once the server listens. It binds
// exactly what addr says: an IPv4 address (0.0.0.0 included) on IPv4
// alone, an IPv6 one ([::] included) on IPv6 alone, a host name on the
// first address it resolves to.
func Serve(ctx context.Context, addr string, h http.Handler, ready func(addr string)) error {
	l, err := net.Listen(network(addr), addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	if ready != nil {
		ready(l.Addr().String())
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// network is the network Listen takes addr on: "tcp4" for an IPv4
// address, "tcp6" for an IPv6 one (Go's "tcp" would take 0.0.0.0 for
// every address of both families), "tcp" for a host name.
func network(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return "tcp"
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		return "tcp"
	case ip.To4() != nil:
		return "tcp4"
	}
	return "tcp6"
}
