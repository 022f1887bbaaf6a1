package main

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	// A command name may hold spaces and parentheses.
	line := "4242 (a) b (c) S 17 4242 4242 0 -1 4194304 100 0 0 0 7 3 20 10 20 0 1 0 5 0 0\n"
	st, ok := parseProcStat([]byte(line))
	if !ok || st.ppid != 17 || st.ticks != 7+3+20+10 {
		t.Errorf("parseProcStat = %+v, %v; want ppid 17, 40 ticks", st, ok)
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 1 2 3", "1 (x) S p 1 1 0 -1 0 0 0 0 0 1 1 1 1"} {
		if _, ok := parseProcStat([]byte(bad)); ok {
			t.Errorf("parseProcStat(%q) accepted", bad)
		}
	}
}

// Other work is every process that is neither below the benchmark nor a
// kernel thread; its CPU is counted from the first read to the second.
func TestOthers(t *testing.T) {
	procs := map[int]procStat{
		1:   {ppid: 0, ticks: 5},   // init: other work
		2:   {ppid: 0, ticks: 9},   // kthreadd
		3:   {ppid: 2, ticks: 9},   // a kernel thread
		10:  {ppid: 1, ticks: 100}, // the shell that ran the benchmark
		11:  {ppid: 10, ticks: 1},  // the benchmark
		12:  {ppid: 11, ticks: 50}, // its child
		13:  {ppid: 12, ticks: 50}, // and grandchild
		20:  {ppid: 1, ticks: 70},  // someone else's work
		30:  {ppid: 31, ticks: 4},  // a parent not seen (gone meanwhile)
		40:  {ppid: 41, ticks: 1},  // pids reused into a cycle
		41:  {ppid: 40, ticks: 1},
		100: {ppid: 20, ticks: 3},
	}
	got := others(procs, 11)
	for _, pid := range []int{2, 3, 11, 12, 13} {
		if _, ok := got[pid]; ok {
			t.Errorf("pid %d counted as other work", pid)
		}
	}
	for _, pid := range []int{1, 10, 20, 30, 40, 41, 100} {
		if got[pid] != procs[pid].ticks {
			t.Errorf("pid %d: %d ticks, want %d", pid, got[pid], procs[pid].ticks)
		}
	}

	t0 := time.Unix(1000, 0)
	start := cpuSnap{at: t0, ticks: map[int]uint64{1: 5, 20: 70, 21: 500}}
	end := cpuSnap{at: t0.Add(2 * time.Second), ticks: map[int]uint64{1: 5, 20: 170, 22: 60, 21: 20}}
	// 100 ticks of pid 20, 60 of the new pid 22, 20 of pid 21 reused: 1.8 s in 2 s.
	if got := end.othersSince(start); got < 0.899 || got > 0.901 {
		t.Errorf("othersSince = %v, want 0.9 cores", got)
	}
	if got := end.othersSince(cpuSnap{at: t0}); got != -1 {
		t.Errorf("othersSince an unread start = %v, want -1", got)
	}
	if !unreliable(-1) || !unreliable(OthersLimit+0.01) || unreliable(OthersLimit) || unreliable(0) {
		t.Error("unreliable: above OthersLimit or unknown, and only then")
	}
}

// On this machine: the test's own child is not other work, a process
// that left its tree (a shell's background job whose shell has exited) is.
func TestOthersSnapshot(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = child.Process.Kill(); _ = child.Wait() })
	out, err := exec.Command("sh", "-c", "sleep 30 >/dev/null 2>&1 & echo $!").Output()
	if err != nil {
		t.Fatal(err)
	}
	orphan, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("sh printed %q", out)
	}
	t.Cleanup(func() { _ = syscall.Kill(orphan, syscall.SIGKILL) })

	s := othersSnapshot()
	if s.ticks == nil {
		t.Fatal("/proc not read")
	}
	for _, pid := range []int{os.Getpid(), child.Process.Pid, 2} {
		if _, ok := s.ticks[pid]; ok {
			t.Errorf("pid %d (the test, its child, kthreadd) counted as other work", pid)
		}
	}
	if _, ok := s.ticks[orphan]; !ok {
		t.Errorf("pid %d, a process outside the test's tree, not counted as other work", orphan)
	}
	if got := othersSnapshot().othersSince(s); got < 0 {
		t.Errorf("othersSince = %v, want a figure", got)
	}
}
