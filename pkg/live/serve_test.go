package live

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// --serve binds exactly what it is given: 0.0.0.0 takes IPv4 alone, [::]
// IPv6 alone, a bare port 127.0.0.1; an empty address is refused.
func TestServeBindsExactly(t *testing.T) {
	if _, err := ServeAddr(""); err == nil || !strings.Contains(err.Error(), "empty address") {
		t.Errorf(`ServeAddr("") = %v, want an error`, err)
	}
	if got, err := ServeAddr("8080"); got != "127.0.0.1:8080" || err != nil {
		t.Errorf(`ServeAddr("8080") = %q, %v`, got, err)
	}
	for _, tc := range []struct {
		addr       string
		reach, not string // hosts that must, and must not, answer on the port
	}{
		{"0.0.0.0:0", "127.0.0.1", "::1"},
		{"127.0.0.1:0", "127.0.0.1", "::1"},
		{"[::]:0", "::1", "127.0.0.1"},
		{"[::1]:0", "::1", "127.0.0.1"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			bound := make(chan string, 1)
			done := make(chan error, 1)
			h := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {})
			go func() { done <- Serve(ctx, tc.addr, h, func(a string) { bound <- a }) }()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Error(err)
				}
			}()
			var port string
			select {
			case a := <-bound:
				_, port, _ = net.SplitHostPort(a)
			case err := <-done:
				t.Fatalf("Serve(%s): %v", tc.addr, err)
			}
			c, err := net.DialTimeout("tcp", net.JoinHostPort(tc.reach, port), 5*time.Second)
			if err != nil {
				t.Fatalf("%s bound, yet %s does not answer on its port: %v", tc.addr, tc.reach, err)
			}
			c.Close()
			if c, err := net.DialTimeout("tcp", net.JoinHostPort(tc.not, port), 5*time.Second); err == nil {
				c.Close()
				t.Errorf("%s bound, and %s answers on its port too", tc.addr, tc.not)
			}
		})
	}
}
