package main

import "testing"

func TestQueryCheck(t *testing.T) {
	for _, tc := range []struct {
		q        query
		err      string
		wantAddr string
	}{
		{query{}, "", ""},
		{query{paths: []string{"."}, json: true}, "", ""},
		{query{roots: []string{"r"}, serve: true, addr: "8099"}, "", "127.0.0.1:8099"},
		{query{all: true, roots: []string{"a", "b"}}, "", ""},
		{query{all: true, paths: []string{"."}}, "--all takes no PATH", ""},
		{query{all: true, environment: "qa"}, "give --all or --environment, not both", ""},
		{query{roots: []string{"a", "b"}}, "--root given 2 times: only --all serves several roots", ""},
		{query{paths: []string{"a", "b"}}, "too many operands: want at most one PATH", ""},
		{query{paths: []string{"a"}, environment: "qa"}, "give PATH or --environment/--root, not both", ""},
		{query{paths: []string{"a"}, roots: []string{"r"}}, "give PATH or --environment/--root, not both", ""},
		{query{serve: true, addr: "8099", json: true}, "give --serve or --json, not both", ""},
		{query{serve: true, addr: "nonsense"}, "invalid address nonsense: want HOST:PORT, e.g. 127.0.0.1:8080", ""},
	} {
		q := tc.q
		err := q.check()
		if got := errString(err); got != tc.err || q.addr != tc.wantAddr && tc.err == "" && q.serve {
			t.Errorf("%+v: check() = %q, addr %q; want %q, %q", tc.q, got, q.addr, tc.err, tc.wantAddr)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
