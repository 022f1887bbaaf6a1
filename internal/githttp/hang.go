package githttp

import (
	"net"
	"sync"
)

// Hang listens on 127.0.0.1 and accepts connections without ever
// answering, as a hung host does, whatever the protocol (git://, http,
// ssh). It returns the host:port; stop closes the listener and every
// connection.
func Hang() (addr string, stop func(), err error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	stop = func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}
	return l.Addr().String(), stop, nil
}
