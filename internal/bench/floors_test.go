package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseSummary(t *testing.T) {
	raw := `% time     seconds  usecs/call     calls    errors syscall
------ ----------- ----------- --------- --------- ----------------
 40.00    0.000040           4        10           read
 30.00    0.000030           3        12         4 openat
 20.00    0.000020          20         1           execve
------ ----------- ----------- --------- --------- ----------------
100.00    0.000090           3        23         4 total
`
	got, err := parseSummary([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"read": 10, "openat": 12, "execve": 1, "total": 23}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if _, err := parseSummary([]byte(raw[:200])); err == nil {
		t.Error("a summary without its total is an error")
	}
}

func TestExecName(t *testing.T) {
	for _, tc := range []struct{ line, want string }{
		{`execve("/usr/bin/git", ["git", "-C", "/tmp/a b", "-c", "x=y", "push", "-q", "origin", "T"], 0x7ffd /* 20 vars */) = 0`, "git push"},
		{`execve("/usr/lib/git-core/git", ["git", "pack-objects", "--all-progress-implied"], 0x55 /* 3 vars */) = 0`, "git pack-objects"},
		{`execve("/usr/lib/git-core/git-receive-pack", ["git-receive-pack", "/srv/r.git"], 0x1 /* 9 vars */) = 0`, "git receive-pack"},
		{`execve("/usr/bin/git", ["git", "--version"], 0x1 /* 9 vars */) = 0`, "git"},
		{`execve("/bin/sh", ["sh", "-c", "git-receive-pack '/x'"], 0x1 /* 9 vars */) = 0`, "sh"},
		{`execve("/work/bin/push_tag", ["/work/bin/push_tag", "--basedir", "b", "T"], 0x1 /* 9 vars */) = 0`, "push_tag"},
		{`execve("/usr/bin/ssh", ["ssh", "-o", "SendEnv=\"GIT_PROTOCOL\"", "forge", "git-receive-pack '/x'"], 0x1 /* 9 vars */) = 0`, "ssh"},
		{`execve("/usr/local/bin/git", ["git", "push"], 0x1 /* 9 vars */) = -1 ENOENT (No such file or directory)`, ""},
		{`+++ exited with 0 +++`, ""},
	} {
		got, ok := execName(tc.line)
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("execName(%q) = %q, %v; want %q", tc.line, got, ok, tc.want)
		}
	}
}

func TestQuoted(t *testing.T) {
	got := quoted(`execve("/a", ["x\"y", "b\\c", ""], 0x1) = 0`)
	want := []string{"/a", `x"y`, `b\c`, ""}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// One more unit's cost is the difference between the sizes over the
// difference of the sizes; the fixed cost is the rest.
func TestDiffFixedTop(t *testing.T) {
	a := map[string]int{"git push": 10, "git version": 1, "push_tag": 1, "git cat-file": 10}
	b := map[string]int{"git push": 40, "git version": 1, "push_tag": 1, "git config": 30}
	per := diff(a, b, 10, 40)
	want := map[string]float64{"git push": 1, "git version": 0, "push_tag": 0, "git config": 1, "git cat-file": -1.0 / 3}
	if !reflect.DeepEqual(per, want) {
		t.Errorf("diff = %v, want %v", per, want)
	}
	f := fixed(a, per, 10)
	if f["git push"] != 0 || f["git version"] != 1 || f["push_tag"] != 1 {
		t.Errorf("fixed = %v", f)
	}
	if got := top(map[string]float64{"openat": 7.5, "close": 7.5, "write": 12, "read": 0.01, "total": 40}, 3, 0.05); got != "write 12, close 7.50, openat 7.50" {
		t.Errorf("top = %q", got)
	}
	if got := sum(map[string]float64{"a": 1, "b": 2.5, "total": 100}); got != 3.5 {
		t.Errorf("sum = %v", got)
	}
	for v, want := range map[float64]string{3: "3", 0.333: "0.33", 123.4: "123", -2: "-2"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

// The counts report: per case, per side, one line (and one for the
// server's share where traced), the per-unit figures from the two sizes.
func TestFloorsReport(t *testing.T) {
	c := &floorCase{title: "push_tag vs the loops, one real sshd", unit: "repo"}
	res := floorResult{c: c, sizes: [2]int{5, 20}, rows: []floorRow{
		{side: "push_tag", counts: [2]count{
			{cpu: 100 * time.Millisecond, execs: map[string]int{"push_tag": 1, "git push": 5, "ssh": 6},
				syscalls: map[string]int{"total": 1000, "read": 200},
				srvExecs: map[string]int{"sshd": 2, "git receive-pack": 5}, srvSyscalls: map[string]int{"total": 500}, srvCPU: 50 * time.Millisecond},
			{cpu: 400 * time.Millisecond, execs: map[string]int{"push_tag": 1, "git push": 20, "ssh": 21},
				syscalls: map[string]int{"total": 4000, "read": 800},
				srvExecs: map[string]int{"sshd": 2, "git receive-pack": 20}, srvSyscalls: map[string]int{"total": 3500}, srvCPU: 650 * time.Millisecond},
		}},
		{side: "xargs -P4 git push", err: "exit status 1\nmore"},
	}}
	got := floorsReport([]floorResult{res, {c: &floorCase{title: "broken", unit: "file"}, sizes: [2]int{1, 2}, err: "no repo"}}, false)
	for _, want := range []string{
		"### push_tag vs the loops, one real sshd (5 and 20 repos)\n",
		"| push_tag | 2 | git push 1, ssh 1 | 200 | read 40 | 20.00 | 2, 0, 0 |\n",
		"| push_tag: the server (sshd and below) | 1 | git receive-pack 1 | 200 |  | 40.00 | 2, -500, -150 |\n",
		"| xargs -P4 git push | FAILED: exit status 1 more | | | | | |\n",
		"### broken (1 and 2 files)\n\nFAILED: no repo\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks\n%s\n%s", want, got)
		}
	}
}

func TestParseChildCPU(t *testing.T) {
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
	stat := "123 (sshd: a (b)) S 1 123 123 0 -1 4194560 100 200 0 0 5 6 250 38 20 0 1 0"
	if got := parseChildCPU(stat); got != 2880*time.Millisecond {
		t.Errorf("got %v, want 2.88s", got)
	}
	if got := parseChildCPU("garbage"); got != 0 {
		t.Errorf("garbage gives %v", got)
	}
}
