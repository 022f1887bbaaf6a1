package live

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// ServeAddr completes a --serve address: a bare port or ":PORT" binds to
// 127.0.0.1, never to every interface by accident.
func ServeAddr(addr string) (string, error) {
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
// called with the address bound once the server listens.
func Serve(ctx context.Context, addr string, h http.Handler, ready func(addr string)) error {
	l, err := net.Listen("tcp", addr)
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
