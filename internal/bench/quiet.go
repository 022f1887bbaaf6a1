package main

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
	"time"
)

// A benchmark's own processes raise the load average (xargs -P4 on two
// cores is a load of four), so the load cannot say whether something
// else shared the machine while a row was measured. What can: the CPU
// time taken by processes that are not the benchmark's, read from /proc
// at the start and the end of the row. The benchmark makes itself its
// children's subreaper (main), so a process it started that goes to the
// background (a ControlMaster, a daemon) stays in its tree. Those orphans
// are not waited for while the benchmark runs (a wait for any child would
// take the exit of a command os/exec is about to wait for): they stay
// zombies, a few hundred in a full run, until the benchmark exits.

// OthersLimit is the CPU, in cores on average over a measurement, that
// other work may take before the measurement is marked unreliable: a
// tenth of the 2-core machine.
const OthersLimit = 0.2

// clockTicks is the kernel's USER_HZ, the unit of /proc/PID/stat's times:
// 100 on every Linux this runs on.
const clockTicks = 100

// cpuSnap is the CPU time, in clock ticks, taken so far by each process
// outside the benchmark's tree (itself and its descendants) and outside
// the kernel's own threads: its own time and that of the children it has
// waited for.
type cpuSnap struct {
	at    time.Time
	ticks map[int]uint64 // by pid; nil when /proc could not be read
}

// procStat is what othersSnapshot reads of one process.
type procStat struct {
	ppid  int
	ticks uint64 // utime + stime + cutime + cstime
}

// parseProcStat reads /proc/PID/stat's parent and times; the command
// name, in parentheses, may hold spaces and parentheses itself.
func parseProcStat(b []byte) (procStat, bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return procStat{}, false
	}
	// After the name: state ppid pgrp session tty tpgid flags minflt
	// cminflt majflt cmajflt utime stime cutime cstime ...
	f := bytes.Fields(b[i+1:])
	if len(f) < 15 {
		return procStat{}, false
	}
	ppid, err := strconv.Atoi(string(f[1]))
	if err != nil {
		return procStat{}, false
	}
	var st procStat
	st.ppid = ppid
	for _, s := range f[11:15] {
		v, err := strconv.ParseUint(string(s), 10, 64)
		if err != nil {
			return procStat{}, false
		}
		st.ticks += v
	}
	return st, true
}

// othersSnapshot reads the CPU time of every process that is neither the
// benchmark's nor the kernel's.
func othersSnapshot() cpuSnap {
	s := cpuSnap{at: time.Now()}
	dir, err := os.ReadDir("/proc")
	if err != nil {
		return s
	}
	procs := map[int]procStat{}
	for _, e := range dir {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue // gone meanwhile
		}
		if st, ok := parseProcStat(b); ok {
			procs[pid] = st
		}
	}
	s.ticks = others(procs, os.Getpid())
	return s
}

// others keeps the processes of procs that are not self, not below self,
// and not kernel threads (kthreadd, pid 2, and its children), with their
// CPU ticks.
func others(procs map[int]procStat, self int) map[int]uint64 {
	ours := map[int]bool{}
	var mine func(pid int) bool
	mine = func(pid int) bool {
		if v, ok := ours[pid]; ok {
			return v
		}
		ours[pid] = false // a cycle (pids reused while read) ends here
		st, ok := procs[pid]
		v := pid == self || pid == 2 || ok && pid > 2 && mine(st.ppid)
		ours[pid] = v
		return v
	}
	out := map[int]uint64{}
	for pid, st := range procs {
		if !mine(pid) {
			out[pid] = st.ticks
		}
	}
	return out
}

// othersSince is the CPU, in cores on average, that other work took
// between start and s, or -1 when either could not be read. A process
// new since start counts whole; one gone since is counted by the parent
// that waited for it.
func (s cpuSnap) othersSince(start cpuSnap) float64 {
	wall := s.at.Sub(start.at).Seconds()
	if s.ticks == nil || start.ticks == nil || wall <= 0 {
		return -1
	}
	var ticks uint64
	for pid, t := range s.ticks {
		if t0 := start.ticks[pid]; t >= t0 {
			ticks += t - t0
		} else {
			ticks += t // the pid was reused
		}
	}
	return float64(ticks) / clockTicks / wall
}

// watch is one measurement's view of the machine: the load average at its
// start, and what other work took meanwhile.
type watch struct {
	load load
	cpu  cpuSnap
}

func startWatch() watch { return watch{load: load1(), cpu: othersSnapshot()} }

// stop returns the load averages at the start and now, and the cores
// other work took on average in between (-1: unknown).
func (w watch) stop() (loads [2]load, others float64) {
	return [2]load{w.load, load1()}, othersSnapshot().othersSince(w.cpu)
}

// unreliable says whether a measurement during which other work took
// these cores is too noisy to judge a goal by.
func unreliable(others float64) bool { return others < 0 || others > OthersLimit }

// othersText is how a measurement's other work reads in the tables.
func othersText(others float64) string {
	if others < 0 {
		return "others ?"
	}
	return "others " + strconv.FormatFloat(others, 'f', 2, 64) + " cores"
}

// becomeSubreaper makes the benchmark the parent of every orphan below it
// (PR_SET_CHILD_SUBREAPER), so what its children put in the background
// still counts as its own work.
func becomeSubreaper() {
	const prSetChildSubreaper = 36
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}
