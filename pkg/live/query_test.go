package live_test

import (
	"testing"

	"github.com/deploytag/deploytag/pkg/live"
)

func TestQueryCheck(t *testing.T) {
	for _, tc := range []struct {
		q        live.Query
		err      string
		wantAddr string
	}{
		{live.Query{}, "", ""},
		{live.Query{Paths: []string{"."}, JSON: true}, "", ""},
		{live.Query{Roots: []string{"r"}, Serve: true, Addr: "8099"}, "", "127.0.0.1:8099"},
		{live.Query{All: true, Roots: []string{"a", "b"}}, "", ""},
		{live.Query{All: true, Paths: []string{"."}}, "--all takes no PATH", ""},
		{live.Query{All: true, Environment: "qa"}, "give --all or --environment, not both", ""},
		{live.Query{Roots: []string{"a", "b"}}, "--root given 2 times: only --all serves several roots", ""},
		{live.Query{Paths: []string{"a", "b"}}, "too many operands: want at most one PATH", ""},
		{live.Query{Paths: []string{"a"}, Environment: "qa"}, "give PATH or --environment/--root, not both", ""},
		{live.Query{Paths: []string{"a"}, Roots: []string{"r"}}, "give PATH or --environment/--root, not both", ""},
		{live.Query{Serve: true, Addr: "8099", JSON: true}, "give --serve or --json, not both", ""},
		{live.Query{Serve: true, Addr: "nonsense"}, "invalid address nonsense: want HOST:PORT, e.g. 127.0.0.1:8080", ""},
	} {
		q := tc.q
		err := q.Check()
		if got := errString(err); got != tc.err || q.Addr != tc.wantAddr && tc.err == "" && q.Serve {
			t.Errorf("%+v: Check() = %q, Addr %q; want %q, %q", tc.q, got, q.Addr, tc.err, tc.wantAddr)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
