package main

import (
	"bufio"
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/internal/sshtest"
)

// -floors: what each side of each goal does per repo or per file, counted
// rather than timed, so that it holds on a loaded machine. Each side runs
// at two sizes, three times at each: once plain (its CPU time, from the
// rusage of it and what it waited for), once under `strace -f -c` (every
// syscall of it and of every process it started, counted by name) and
// once under `strace -ff -e trace=execve` (every program it ran, git's
// subcommands named). For push_tag over ssh, the sshd on 127.0.0.1 is
// traced too (strace -p, following the processes of every session), so
// the server's share of one push is counted as well. What one more repo or
// file costs is the difference between the two sizes over the difference
// of the sizes (the fixed cost of a run falls out); the fixed cost is what
// remains at the smaller size. With -perf, the larger size runs once more
// under `perf record`, and the share of CPU samples by process and
// kernel/user, and by function for our tool, is listed: where the time
// goes. Counts of syscalls and processes do not depend on the load;
// CPU times and sample shares do, a little.

// floorCase is one case counted: two or three sides at two sizes.
type floorCase struct {
	title             string
	unit              string // "repo" or "file"
	goals             []string
	sizes, quickSizes [2]int
	// setup prepares the sides at size n; server, when not 0, is a
	// process to trace alongside each side (sshd).
	setup func(b *Bench, n int) (sides []fside, server int, err error)
}

// fside is one side: its name and a command for one run.
type fside struct {
	name string
	run  sideFunc
}

// count is what one run of one side did.
type count struct {
	cpu      time.Duration
	syscalls map[string]int // by name, successful or not; "total" too
	execs    map[string]int // programs run, by name ("git push", "ssh", ...)
	// The same on the server, for the ssh case; its CPU time is that of
	// the connections that ended (sshd and below).
	srvCPU      time.Duration
	srvSyscalls map[string]int
	srvExecs    map[string]int
}

// floorRow is one side of one case: its counts at the two sizes.
type floorRow struct {
	side   string
	counts [2]count
	err    string
}

// floorResult is one case counted.
type floorResult struct {
	c     *floorCase
	sizes [2]int
	rows  []floorRow
	perf  []perfRow
	err   string
}

// perfRow is where one side's CPU samples fell.
type perfRow struct {
	side  string
	byDSO []string // "45.1% git [kernel.kallsyms]", the top ones
	bySym []string // the top functions
	err   string
}

func (b *Bench) floorCases() []*floorCase {
	return []*floorCase{
		{title: "push_tag vs `xargs -P4 git push`, file remotes", unit: "repo", goals: []string{GoalPushFile},
			sizes: [2]int{10, 40}, quickSizes: [2]int{3, 6}, setup: b.basedirSides("push_tag", "file", "xargs -P4 git push")},
		{title: "push_tag vs the loops, one real sshd", unit: "repo", goals: []string{GoalPushSSH, GoalPushSSHCM},
			sizes: [2]int{5, 20}, quickSizes: [2]int{2, 4}, setup: b.sshFloorSides},
		{title: "tag_for_deploy vs the careful loop", unit: "repo", goals: []string{GoalTag},
			sizes: [2]int{10, 40}, quickSizes: [2]int{3, 6}, setup: b.basedirSides("tag_for_deploy", "", "careful loop")},
		{title: "deploy's export vs `git archive | tar -x`, random files", unit: "file", goals: []string{GoalExport},
			sizes: [2]int{500, 2000}, quickSizes: [2]int{100, 200}, setup: b.pairSides(&exportCase)},
		{title: "deploy's export vs `git archive | tar -x`, 0.1–40 KiB files", unit: "file", goals: []string{GoalExportMix},
			sizes: [2]int{500, 2000}, quickSizes: [2]int{100, 200}, setup: b.pairSides(&exportMixedCase)},
		{title: "`deploy --from-artifact` vs `tar -x; sha1sum`, random files", unit: "file", goals: []string{GoalUnpack},
			sizes: [2]int{500, 2000}, quickSizes: [2]int{100, 200}, setup: b.pairSides(&unpackCase)},
		{title: "`deploy --from-artifact` vs `tar -x; sha1sum`, 0.1–40 KiB files", unit: "file", goals: []string{GoalUnpackMix},
			sizes: [2]int{500, 2000}, quickSizes: [2]int{100, 200}, setup: b.pairSides(&unpackMixedCase)},
		{title: "verify_deploy_tag --root vs `find | xargs sha1sum`, random files", unit: "file", goals: []string{GoalVerifyHost},
			sizes: [2]int{500, 2000}, quickSizes: [2]int{100, 200}, setup: b.pairSides(&releaseCase)},
	}
}

// basedirSides: the tool and one baseline of a basedir Case, on a fixture
// of n repos with 200 tags.
func (b *Bench) basedirSides(tool, variant, baseline string) func(b *Bench, n int) ([]fside, int, error) {
	return func(b *Bench, n int) ([]fside, int, error) {
		var c *Case
		for i := range cases {
			if cases[i].Tool == tool && cases[i].Variant == variant {
				c = &cases[i]
			}
		}
		if c == nil {
			return nil, 0, fmt.Errorf("no case %s %s", tool, variant)
		}
		f, err := b.fixture(n, 200)
		if err != nil {
			return nil, 0, err
		}
		sides := []*side{{label: c.name(), f: f, c: c}}
		for i := range c.Baselines {
			if c.Baselines[i].Name == baseline {
				sides = append(sides, &side{label: baseline, f: f, c: c, bl: &c.Baselines[i]})
			}
		}
		var out []fside
		for _, s := range sides {
			out = append(out, fside{name: s.label, run: func() (*exec.Cmd, func()) {
				v, err := b.fresh(s.f)
				if err == nil && s.c.Tagged {
					err = b.run1(b.cmd(filepath.Join(b.bin, "tag_repos"), "--basedir", s.f.Base, v.tag))
				}
				if err != nil {
					return b.cmd("sh", "-c", "echo \"$1\" >&2; exit 1", "sh", err.Error()), nil
				}
				return b.command(s, v), func() { os.RemoveAll(v.out) }
			}})
		}
		return out, 0, nil
	}
}

// pairSides: the two sides of a file case on its repo of n files.
func (b *Bench) pairSides(c *pairCase) func(b *Bench, n int) ([]fside, int, error) {
	return func(b *Bench, n int) ([]fside, int, error) {
		big, err := b.bigRepo(c.kind, n)
		if err != nil {
			return nil, 0, err
		}
		s, err := c.sides(b, big)
		if err != nil {
			return nil, 0, err
		}
		return []fside{{c.names[0], s[0]}, {c.names[1], s[1]}}, 0, nil
	}
}

// sshFloorSides: the three sides of the ssh case on n repos; sshd is
// started the first time and stopped at the end of -floors.
func (b *Bench) sshFloorSides(_ *Bench, n int) ([]fside, int, error) {
	if b.floorSSH == nil {
		st, err := b.startSSH(filepath.Join(b.tmp, "ssh-floors"))
		if err != nil {
			return nil, 0, err
		}
		b.floorSSH = st
	}
	st := b.floorSSH
	base, names, err := b.sshRepos(st.srv, filepath.Join(st.dir, fmt.Sprintf("n%d", n)), n)
	if err != nil {
		return nil, 0, err
	}
	var out []fside
	for _, s := range st.sides(b, base, names) {
		out = append(out, fside{name: s.name, run: func() (*exec.Cmd, func()) {
			tag, err := b.newTag(base, names)
			if err != nil {
				return b.cmd("sh", "-c", "echo \"$1\" >&2; exit 1", "sh", err.Error()), nil
			}
			return s.cmd(tag), nil
		}})
	}
	return out, st.srv.PID(), nil
}

// floors counts every case (those whose title contains only) and writes
// the tables into out, between floorsStart and floorsEnd.
func (b *Bench) floors(only, out string, withPerf bool) error {
	for _, p := range []string{"strace"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("-floors needs %s on PATH", p)
		}
	}
	if withPerf {
		if _, err := exec.LookPath("perf"); err != nil {
			return fmt.Errorf("-perf needs perf on PATH")
		}
	}
	defer func() {
		if b.floorSSH != nil {
			b.floorSSH.stop(b)
		}
	}()
	var results []floorResult
	for _, c := range b.floorCases() {
		if only != "" && !strings.Contains(c.title, only) {
			continue
		}
		if b.ctx.Err() != nil {
			break
		}
		results = append(results, b.floorCase(c, withPerf))
	}
	text := floorsReport(results, b.quick)
	fmt.Print(text)
	if out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	return spliceSection(out, floorsStart, floorsEnd, floorsStart+"\n"+text+floorsEnd+"\n")
}

// The generated part of FLOORS.md.
const (
	floorsStart = "<!-- floors: written by internal/bench -floors (make floors) -->"
	floorsEnd   = "<!-- /floors -->"
)

func (b *Bench) floorCase(c *floorCase, withPerf bool) floorResult {
	r := floorResult{c: c, sizes: c.sizes}
	if b.quick {
		r.sizes = c.quickSizes
	}
	b.logf("floors: %s at %d and %d %ss", c.title, r.sizes[0], r.sizes[1], c.unit)
	byName := map[string]*floorRow{}
	for k, n := range r.sizes {
		sides, server, err := c.setup(b, n)
		if err != nil {
			r.err = err.Error()
			return r
		}
		for _, s := range sides {
			row := byName[s.name]
			if row == nil {
				row = &floorRow{side: s.name}
				byName[s.name] = row
				r.rows = append(r.rows, *row)
			}
			if row.err != "" {
				continue
			}
			cnt, err := b.countSide(s, server)
			if err != nil {
				row.err = err.Error()
				continue
			}
			row.counts[k] = cnt
			if withPerf && k == 1 {
				r.perf = append(r.perf, b.perfSide(s))
			}
		}
	}
	for i := range r.rows {
		r.rows[i] = *byName[r.rows[i].side]
	}
	return r
}

// countSide runs one side plain, under strace -c and under strace for its
// execs, tracing server too when not 0.
func (b *Bench) countSide(s fside, server int) (count, error) {
	var c count
	dir, err := os.MkdirTemp(b.tmp, "strace-")
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(dir)
	// Plain: the CPU time, and the server's.
	srvBefore := childCPU(server)
	cmd, done := s.run()
	_, err = wall(cmd, s.name)
	if done != nil {
		done()
	}
	if err != nil {
		return c, err
	}
	c.cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if server != 0 {
		if err := idle(server); err != nil {
			return c, err
		}
		c.srvCPU = childCPU(server) - srvBefore
	}

	// Syscalls.
	sum, srvSum := filepath.Join(dir, "summary"), filepath.Join(dir, "server-summary")
	if err := b.traced(s, server, []string{"-f", "-c", "-o", sum}, []string{"-f", "-c", "-o", srvSum}); err != nil {
		return c, err
	}
	if c.syscalls, err = readSummary(sum); err != nil {
		return c, err
	}
	if server != 0 {
		if c.srvSyscalls, err = readSummary(srvSum); err != nil {
			return c, err
		}
	}

	// Programs run.
	ex, srvEx := filepath.Join(dir, "exec", "t"), filepath.Join(dir, "server-exec", "t")
	for _, d := range []string{ex, srvEx} {
		if err := os.MkdirAll(filepath.Dir(d), 0o755); err != nil {
			return c, err
		}
	}
	execArgs := func(o string) []string {
		return []string{"-ff", "-qq", "-e", "trace=execve,execveat", "-e", "signal=none", "-s", "512", "-o", o}
	}
	if err := b.traced(s, server, execArgs(ex), execArgs(srvEx)); err != nil {
		return c, err
	}
	if c.execs, err = readExecs(filepath.Dir(ex)); err != nil {
		return c, err
	}
	if server != 0 {
		if c.srvExecs, err = readExecs(filepath.Dir(srvEx)); err != nil {
			return c, err
		}
	}
	return c, nil
}

// traced runs one side under strace with args, and with server not 0,
// server traced with serverArgs from before the side starts until it
// ended.
func (b *Bench) traced(s fside, server int, args, serverArgs []string) error {
	cmd, done := s.run()
	if done != nil {
		defer done()
	}
	if server != 0 {
		stop, err := b.attach(server, serverArgs)
		if err != nil {
			return err
		}
		defer func() { _ = stop() }()
	}
	cmd.Args = append(append(append([]string{"strace"}, args...), "--"), cmd.Args...)
	strace, err := exec.LookPath("strace")
	if err != nil {
		return err
	}
	cmd.Path = strace
	_, err = wall(cmd, s.name+" under strace")
	return err
}

// attach traces pid (and every process it starts from then on) with
// strace args until stop, which detaches strace and waits for it to have
// written its output.
func (b *Bench) attach(pid int, args []string) (stop func() error, err error) {
	cmd := exec.Command("strace", append(slices.Clone(args), "-p", strconv.Itoa(pid))...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	stop = func() error {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case err := <-waited:
			if err != nil && !strings.Contains(err.Error(), "interrupt") {
				return fmt.Errorf("strace -p %d: %v: %s", pid, err, firstLines(stderr.String(), 3))
			}
			return nil
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-waited
			return fmt.Errorf("strace -p %d did not stop", pid)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if tracerPid(pid) == cmd.Process.Pid {
			return stop, nil
		}
		select {
		case err := <-waited:
			return nil, fmt.Errorf("strace -p %d ended: %v: %s", pid, err, firstLines(stderr.String(), 3))
		default:
		}
		if time.Now().After(deadline) {
			_ = stop()
			return nil, fmt.Errorf("strace -p %d did not attach: %s", pid, firstLines(stderr.String(), 3))
		}
	}
}

// childCPU is the user+system time of the ended children of pid (and
// theirs, as each waited for them), from /proc/PID/stat; 0 for pid 0.
func childCPU(pid int) time.Duration {
	if pid == 0 {
		return 0
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	return parseChildCPU(string(raw))
}

// parseChildCPU reads cutime and cstime (fields 16 and 17, in clock ticks
// of 1/100 s on Linux) from a /proc/PID/stat line.
func parseChildCPU(stat string) time.Duration {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3, the state
	if len(f) < 15 {
		return 0
	}
	cu, err1 := strconv.ParseInt(f[13], 10, 64)
	cs, err2 := strconv.ParseInt(f[14], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(cu+cs) * 10 * time.Millisecond
}

// idle waits until pid has no child left (sshd: every connection ended).
func idle(pid int) error {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if len(sshtest.Descendants(pid)) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the connections to sshd %d did not end", pid)
		}
	}
}

// tracerPid reads the TracerPid of pid from /proc (0: none or unknown).
func tracerPid(pid int) int {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, "TracerPid:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

func readSummary(file string) (map[string]int, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return parseSummary(raw)
}

// parseSummary reads the table of strace -c: calls by syscall name, and
// "total". Lines that are not rows of the table are skipped; a table with
// no total line is an error (strace was cut short).
func parseSummary(raw []byte) (map[string]int, error) {
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		// % time, seconds, usecs/call, calls, [errors,] syscall
		if len(f) != 5 && len(f) != 6 {
			continue
		}
		if _, err := strconv.ParseFloat(f[0], 64); err != nil {
			continue
		}
		n, err := strconv.Atoi(f[3])
		if err != nil {
			continue
		}
		out[f[len(f)-1]] += n
	}
	if _, ok := out["total"]; !ok {
		return nil, fmt.Errorf("no total in strace's summary: %q", firstLines(string(raw), 3))
	}
	return out, nil
}

// readExecs reads the per-process files of strace -ff -e trace=execve in
// dir and counts the programs that were run.
func readExecs(dir string) (map[string]int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, e := range ents {
		raw, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		for _, l := range strings.Split(string(raw), "\n") {
			if name, ok := execName(l); ok {
				out[name]++
			}
		}
	}
	return out, nil
}

// execName names the program a successful execve line of strace ran:
// the base name of the file, and for git its subcommand ("git push",
// "git receive-pack" for git-receive-pack).
func execName(line string) (string, bool) {
	i := strings.Index(line, "execve(")
	if i < 0 {
		i = strings.Index(line, "execveat(")
	}
	if i < 0 || !strings.HasSuffix(strings.TrimSpace(line), "= 0") {
		return "", false
	}
	strs := quoted(line[i:])
	if len(strs) == 0 {
		return "", false
	}
	prog := filepath.Base(strs[0])
	if strings.HasPrefix(line[i:], "execveat(") && len(strs) > 0 {
		prog = filepath.Base(strs[0])
	}
	if sub, ok := strings.CutPrefix(prog, "git-"); ok {
		return "git " + sub, true
	}
	if prog != "git" {
		return prog, true
	}
	args := strs[1:]
	if len(args) > 0 {
		args = args[1:] // argv[0]
	}
	for j := 0; j < len(args); j++ {
		switch a := args[j]; {
		case a == "-C" || a == "-c" || a == "--git-dir" || a == "--work-tree" || a == "--namespace":
			j++
		case strings.HasPrefix(a, "-"):
		default:
			return "git " + a, true
		}
	}
	return "git", true
}

// quoted returns the C-quoted strings of an strace line, in order,
// unescaped only as far as \" and \\ (enough for names).
func quoted(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if s[i] != '"' {
			continue
		}
		var b strings.Builder
		j := i + 1
		for ; j < len(s) && s[j] != '"'; j++ {
			if s[j] == '\\' && j+1 < len(s) {
				j++
			}
			b.WriteByte(s[j])
		}
		out = append(out, b.String())
		i = j
	}
	return out
}

// perfSide runs one side once under perf record and reads where its CPU
// samples fell.
func (b *Bench) perfSide(s fside) perfRow {
	r := perfRow{side: s.name}
	data := filepath.Join(b.tmp, "perf.data")
	defer os.Remove(data)
	cmd, done := s.run()
	if done != nil {
		defer done()
	}
	perf, err := exec.LookPath("perf")
	if err != nil {
		r.err = err.Error()
		return r
	}
	cmd.Args = append([]string{"perf", "record", "-q", "-F", "997", "-g", "-o", data, "--"}, cmd.Args...)
	cmd.Path = perf
	if _, err := wall(cmd, s.name+" under perf"); err != nil {
		r.err = err.Error()
		return r
	}
	report := func(sort string, n int) ([]string, error) {
		out, err := exec.Command(perf, "report", "-i", data, "--stdio", "--no-children", "-q", "-g", "none",
			"--percent-limit", "1", "--sort", sort).Output()
		if err != nil {
			return nil, err
		}
		return perfLines(out, n), nil
	}
	if r.byDSO, err = report("comm,dso", 10); err == nil {
		r.bySym, err = report("comm,sym", 15)
	}
	if err != nil {
		r.err = err.Error()
	}
	return r
}

// perfLines keeps the first n rows of a perf report, spaces squeezed.
func perfLines(out []byte, n int) []string {
	var rows []string
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" || strings.HasPrefix(l, "#") || !strings.Contains(l, "%") {
			continue
		}
		rows = append(rows, l)
		if len(rows) == n {
			break
		}
	}
	return rows
}

// diff is what one more unit costs between the two sizes, per name: the
// counts at the larger size less those at the smaller, over the
// difference of the sizes.
func diff(a, b map[string]int, na, nb int) map[string]float64 {
	out := map[string]float64{}
	for k := range maps.Keys(b) {
		out[k] = float64(b[k]-a[k]) / float64(nb-na)
	}
	for k := range maps.Keys(a) {
		if _, ok := b[k]; !ok {
			out[k] = float64(-a[k]) / float64(nb-na)
		}
	}
	return out
}

// fixed is what a run costs whatever its size: the count at the smaller
// size less its size times the cost of one more unit.
func fixed(a map[string]int, per map[string]float64, na int) map[string]float64 {
	out := map[string]float64{}
	for k, v := range a {
		out[k] = float64(v) - per[k]*float64(na)
	}
	return out
}

// top lists the n largest entries of m, without "total", as "name 1.5",
// largest first (ties by name); entries below min are left out.
func top(m map[string]float64, n int, minimum float64) string {
	keys := slices.Collect(maps.Keys(m))
	keys = slices.DeleteFunc(keys, func(k string) bool { return k == "total" || m[k] < minimum })
	slices.SortFunc(keys, func(x, y string) int {
		if m[x] != m[y] {
			if m[x] > m[y] {
				return -1
			}
			return 1
		}
		return strings.Compare(x, y)
	})
	if len(keys) > n {
		keys = keys[:n]
	}
	var p []string
	for _, k := range keys {
		p = append(p, fmt.Sprintf("%s %s", k, num(m[k])))
	}
	return strings.Join(p, ", ")
}

// sum adds every entry but "total".
func sum(m map[string]float64) float64 {
	var t float64
	for k, v := range m {
		if k != "total" {
			t += v
		}
	}
	return t
}

// num prints a count per unit: whole numbers plainly, others with two
// significant decimals.
func num(v float64) string {
	switch {
	case v == float64(int64(v)):
		return strconv.FormatInt(int64(v), 10)
	case v >= 10 || v <= -10:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

// floorsReport renders every case counted.
func floorsReport(results []floorResult, quick bool) string {
	var s strings.Builder
	s.WriteString("## Counts per repo and per file\n\n")
	fmt.Fprintf(&s, "Made by `make floors` (`go run ./internal/bench -floors`), %s; %s.\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), gitVersion())
	s.WriteString("Each side ran at two sizes: once plain (CPU: user+system of it and the processes it waited for),\n" +
		"once under `strace -f -c` (syscalls of it and everything it started) and once under\n" +
		"`strace -ff -e trace=execve` (programs run). \"Per unit\" is the difference between the two sizes over\n" +
		"the difference of the sizes: what one more repo or file costs; \"fixed\" is the rest, paid once a run.\n" +
		"Counts do not depend on the machine's load; CPU times do, somewhat.\n")
	if quick {
		s.WriteString("\n**-quick**: tiny sizes, to try the harness; the fixed costs blur the per-unit figures.\n")
	}
	for _, r := range results {
		fmt.Fprintf(&s, "\n### %s (%d and %d %ss)\n\n", r.c.title, r.sizes[0], r.sizes[1], r.c.unit)
		if r.err != "" {
			fmt.Fprintf(&s, "FAILED: %s\n", strings.ReplaceAll(firstLines(r.err, 3), "\n", " "))
			continue
		}
		u := r.c.unit
		fmt.Fprintf(&s, "| side | processes per %s | programs per %s | syscalls per %s | the most frequent per %s | CPU ms per %s | fixed: processes, syscalls, CPU ms |\n", u, u, u, u, u)
		s.WriteString("|---|---:|---|---:|---|---:|---|\n")
		for _, row := range r.rows {
			if row.err != "" {
				fmt.Fprintf(&s, "| %s | FAILED: %s | | | | | |\n", cell(row.side), cell(strings.ReplaceAll(firstLines(row.err, 2), "\n", " ")))
				continue
			}
			a, b := row.counts[0], row.counts[1]
			writeFloorRow(&s, row.side, a.execs, b.execs, a.syscalls, b.syscalls, r.sizes, &[2]time.Duration{a.cpu, b.cpu})
			if a.srvSyscalls != nil {
				writeFloorRow(&s, row.side+": the server (sshd and below)", a.srvExecs, b.srvExecs, a.srvSyscalls, b.srvSyscalls, r.sizes,
					&[2]time.Duration{a.srvCPU, b.srvCPU})
			}
		}
		for _, p := range r.perf {
			fmt.Fprintf(&s, "\nWhere the CPU samples of %s fell (perf record -g, %d %ss, by process and object; then by function):\n\n", p.side, r.sizes[1], u)
			if p.err != "" {
				fmt.Fprintf(&s, "    FAILED: %s\n", firstLines(p.err, 1))
				continue
			}
			for _, l := range p.byDSO {
				s.WriteString("    " + l + "\n")
			}
			s.WriteString("\n")
			for _, l := range p.bySym {
				s.WriteString("    " + l + "\n")
			}
		}
	}
	return s.String()
}

func writeFloorRow(s *strings.Builder, side string, ea, eb, sa, sb map[string]int, sizes [2]int, cpu *[2]time.Duration) {
	execs := diff(ea, eb, sizes[0], sizes[1])
	sys := diff(sa, sb, sizes[0], sizes[1])
	fe, fs := fixed(ea, execs, sizes[0]), fixed(sa, sys, sizes[0])
	cpuPer, cpuFixed := "", ""
	if cpu != nil {
		per := float64((cpu[1] - cpu[0]).Microseconds()) / 1000 / float64(sizes[1]-sizes[0])
		cpuPer = fmt.Sprintf("%.2f", per)
		cpuFixed = fmt.Sprintf(", %.0f", float64(cpu[0].Microseconds())/1000-per*float64(sizes[0]))
	}
	fmt.Fprintf(s, "| %s | %s | %s | %s | %s | %s | %s, %s%s |\n", cell(side), num(sum(execs)), cell(top(execs, 14, 0.05)),
		num(sys["total"]), top(sys, 8, 0.05), cpuPer, num(sum(fe)), num(fs["total"]), cpuFixed)
}

func gitVersion() string {
	out, err := exec.Command("git", "version").Output()
	if err != nil {
		return "git version unknown"
	}
	return strings.TrimSpace(string(out))
}
