// Command bench measures the deploytag tools against the shell loops they
// replace. make bench builds the tools and runs it through scripts/bench.sh;
// it is not part of make test, and not shipped (make build and the release
// build only cmd/).
//
// Its first table is the goals of "faster at git's floor" (goals.go): each
// goal a ratio ours / the loop a user would write, measured at two sizes
// (repos or files) with the cost per repo or per file, paired runs taken
// in turn, medians, the load average at the start and the end of each
// measurement, and the CPU other work took meanwhile (quiet.go; above
// OthersLimit the row is marked unreliable, and so is a run that started
// above UnreliableLoad or during which other work took that much).
//
// It generates basedirs of 12, 100 and 1000 repos, each repo with a short
// history, a bare remote and 200 existing annotated tags (packed), plus a
// 100-repo basedir whose repos carry 10,000 tags. For every Case (cases.go)
// whose binary is built, it runs the tool and each baseline in turn, the
// order rotating from run to run, each run with a fresh tag, and reports
// the medians, their ratio, the tool's peak memory and the git processes
// the tool starts per repo. push_tag over a real sshd is ssh.go.
//
// On repos of many files (pair.go) it verifies a release on its host
// (release.go), exports a repo with deploy against git archive | tar -x
// (export.go) and deploys an artifact against tar -x then sha1sum
// (unpack.go), each at two sizes; -release, -export or -unpack runs those
// cases alone and replaces only their sections of -out. Peak memory of the
// file tools is taken once on a repo of MemFiles files.
//
// -floors counts instead of timing (floors.go): processes, git
// subcommands and syscalls per repo or per file of each side of each goal,
// under strace, and where CPU time goes under perf; counts are valid on a
// loaded machine. It writes its tables into -floors-out.
//
// Usage:
//
//	go run ./internal/bench [-bin bin] [-out bench/RESULTS.md] [-quick] [-keep] [-only TEXT] [-mem]
//	                        [-export] [-release] [-unpack] [-floors [-floors-out bench/FLOORS.md] [-perf]]
package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/internal/gitprocs"
)

// A size is a basedir to generate and how many times each side runs on it.
type size struct{ n, tags, runs int }

func main() {
	bin := flag.String("bin", "bin", "folder holding the built tools")
	out := flag.String("out", "bench/RESULTS.md", "file to write the results to (empty: none; with -quick, none unless given)")
	quick := flag.Bool("quick", false, "small sizes and few runs, to try the harness")
	keep := flag.Bool("keep", false, "keep the generated repos")
	only := flag.String("only", "", "run only the cases whose tool contains this")
	memOnly := flag.Bool("mem", false, "only the peak memory of each tool, once, at 1000 repos and at 10,000 tags")
	exportOnly := flag.Bool("export", false, "only the release export case; replaces its section of -out, keeps the rest")
	releaseOnly := flag.Bool("release", false, "only the release verify case; replaces its section of -out, keeps the rest")
	unpackOnly := flag.Bool("unpack", false, "only the deploy --from-artifact cases; replaces their sections of -out, keeps the rest")
	floors := flag.Bool("floors", false, "count processes and syscalls per repo and per file (strace) instead of timing")
	floorsOut := flag.String("floors-out", "bench/FLOORS.md", "with -floors: the file to write the counts into (empty: none; with -quick, none unless given)")
	withPerf := flag.Bool("perf", false, "with -floors: also sample where CPU time goes, with perf")
	flag.Parse()
	becomeSubreaper()

	sizes := []size{{12, 200, 5}, {100, 200, 5}, {1000, 200, 3}, {100, 10000, 3}}
	if *quick {
		sizes = []size{{12, 200, 3}, {100, 200, 3}, {12, 2000, 3}}
	}
	// Ctrl-C or a kill stops every command started (each in a process
	// group of its own, killed whole), then the daemon and the repos go.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *memOnly {
		sizes = []size{{1000, 200, 1}, {100, 10000, 1}}
	}
	if _, err := os.Stat(timeBin); err != nil {
		fmt.Fprintln(os.Stderr, "bench: GNU time is needed at", timeBin)
		os.Exit(1)
	}
	b, err := newBench(ctx, *bin, *keep)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	b.memOnly, b.quick = *memOnly, *quick
	if *quick && !flagGiven("out") {
		*out = "" // a smoke run's figures judge nothing: printed, not kept
	}
	if *quick && !flagGiven("floors-out") {
		*floorsOut = ""
	}
	switch {
	case *floors:
		err = b.floors(*only, *floorsOut, *withPerf)
	case *exportOnly:
		err = b.runAlone([]*pairCase{&exportCase, &exportMixedCase}, *out)
	case *releaseOnly:
		err = b.runAlone([]*pairCase{&releaseCase}, *out)
	case *unpackOnly:
		err = b.runAlone([]*pairCase{&unpackCase, &unpackMixedCase}, *out)
	default:
		err = b.run(sizes, *only, *out)
	}
	b.close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// flagGiven reports whether the flag was on the command line.
func flagGiven(name string) bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// Bench holds the sealed environment, the git daemon and the results.
type Bench struct {
	ctx        context.Context
	memOnly    bool // -mem
	quick      bool // -quick
	bin, tmp   string
	keep       bool
	env        []string
	daemon     *exec.Cmd
	daemonAddr string
	seq        int // makes every tag, time and folder fresh
	rows       []row
	procs      []string // "tool: git processes per repo" lines
	dash       *dashRow // the what-runs-where server, when measured
	ssh        []sshRow // push_tag over ssh, when measured
	bigs       map[string]*bigRepo
	pairs      [][]pairRow         // the file cases measured, each at its sizes
	mem        []memRow            // the file tools' peak memory
	results    []result            // the goals' results
	floorSSH   *sshSetup           // the sshd of -floors, once started
	fixtures   map[[2]int]*Fixture // by repos and tags, made once
	started    time.Time
	loadStart  string
	load1Start load
	watch      watch // the whole run's
}

func newBench(ctx context.Context, bin string, keep bool) (*Bench, error) {
	bin, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "deploytag-bench-")
	if err != nil {
		return nil, err
	}
	b := &Bench{ctx: ctx, bin: bin, tmp: tmp, keep: keep, started: time.Now(), loadStart: loadavg(), load1Start: load1(), watch: startWatch()}
	home := filepath.Join(tmp, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return nil, err
	}
	gitconfig := "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n" +
		"[tag]\n\tgpgSign = false\n[advice]\n\tdetachedHead = false\n[protocol \"file\"]\n\tallow = always\n"
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(gitconfig), 0o644); err != nil {
		return nil, err
	}
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "PATH" || k == "TMPDIR" || k == "USER" || k == "LOGNAME" {
			b.env = append(b.env, kv)
		}
	}
	b.env = append(b.env, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_STATE_HOME="+filepath.Join(tmp, "state"), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0",
		"LC_ALL=C", "TZ=UTC")
	b.setPath(bin)
	return b, b.startDaemon()
}

// setPath puts dirs before the PATH of the environment.
func (b *Bench) setPath(dirs ...string) {
	for i, kv := range b.env {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			b.env[i] = "PATH=" + strings.Join(append(dirs, p), string(os.PathListSeparator))
		}
	}
}

func (b *Bench) startDaemon() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	b.daemonAddr = fmt.Sprintf("127.0.0.1:%d", port)
	b.daemon = b.cmd("git", "daemon", "--reuseaddr", "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--base-path="+b.tmp, "--export-all", "--enable=receive-pack", "--max-connections=64", b.tmp)
	b.daemon.Env = b.env
	if err := b.daemon.Start(); err != nil {
		return err
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", b.daemonAddr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("git daemon did not start on %s", b.daemonAddr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cmd is a command that dies, with everything it started, when the
// benchmark is interrupted.
func (b *Bench) cmd(name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(b.ctx, name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

func (b *Bench) close() {
	if b.daemon != nil && b.daemon.Process != nil {
		_ = syscall.Kill(-b.daemon.Process.Pid, syscall.SIGKILL) // git daemon and its children
		_ = b.daemon.Wait()
	}
	if b.keep {
		fmt.Fprintln(os.Stderr, "bench: repos kept in", b.tmp)
		return
	}
	os.RemoveAll(b.tmp)
}

func (b *Bench) has(tool string) bool {
	fi, err := os.Stat(filepath.Join(b.bin, tool))
	return err == nil && !fi.IsDir()
}

func (b *Bench) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[%5.0fs] %s\n", time.Since(b.started).Seconds(), fmt.Sprintf(format, args...))
}

// side is one command measured: the tool or a baseline, on a fixture.
type side struct {
	label string
	f     *Fixture
	c     *Case
	bl    *Baseline // nil for the tool
	times []time.Duration
	rss   int64 // peak over the runs, bytes
}

// inv is one invocation's fresh values.
type inv struct{ tag, time, out string }

func (b *Bench) fresh(f *Fixture) (inv, error) {
	b.seq++
	t := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(b.seq) * time.Second)
	v := inv{tag: fmt.Sprintf("BENCH_%d", b.seq), time: t.Format(time.RFC3339), out: filepath.Join(f.Root, "out", fmt.Sprint(b.seq))}
	return v, os.MkdirAll(v.out, 0o755)
}

func (b *Bench) command(s *side, v inv) *exec.Cmd {
	remote := s.c.Remote
	if remote == "" {
		remote = "origin"
	}
	var cmd *exec.Cmd
	if s.bl == nil {
		r := strings.NewReplacer("{base}", s.f.Base, "{tag}", v.tag, "{time}", v.time, "{out}", v.out, "{remote}", remote)
		cmd = b.cmd(filepath.Join(b.bin, s.c.Tool), strings.Fields(r.Replace(s.c.Args))...)
		cmd.Env = b.env
	} else {
		cmd = b.cmd("bash", "-c", s.bl.Script)
		cmd.Env = append(slices.Clone(b.env), "B="+s.f.Base, "T="+v.tag, "TIME="+v.time, "OUT="+v.out, "REMOTE="+remote)
	}
	cmd.Dir = s.f.Root
	return cmd
}

// once runs one side once: prepares its tag if the case needs one, then
// times it. The fresh output folder is removed afterwards.
func (b *Bench) once(s *side) (time.Duration, int64, error) {
	v, err := b.fresh(s.f)
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(v.out)
	if s.c.Tagged {
		if err := b.run1(b.cmd(filepath.Join(b.bin, "tag_repos"), "--basedir", s.f.Base, v.tag)); err != nil {
			return 0, 0, fmt.Errorf("preparing tag %s: %w", v.tag, err)
		}
	}
	return b.timed(b.command(s, v), s.label)
}

func (b *Bench) run1(cmd *exec.Cmd) error {
	cmd.Env = b.env
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %v\n%s", cmd.Args, err, firstLines(string(out), 5))
	}
	return nil
}

// measure runs every side runs times, in turn.
func (b *Bench) measure(sides []*side, runs int) error {
	return b.inTurn(len(sides), runs, 0, func(i int, _ bool) error {
		s := sides[i]
		d, rss, err := b.once(s)
		if err != nil {
			return err
		}
		s.times = append(s.times, d)
		s.rss = max(s.rss, rss)
		return nil
	})
}

// row is one line of the table.
type row struct {
	n, tags       int
	tool, against string
	runs          int
	toolT, baseT  time.Duration
	rss           int64
	target        float64 // 0: none
	err           string
	loads         [2]load // at the start and the end of the measurement
	others        float64 // cores other work took meanwhile (-1: unknown)
}

func (r row) ratio() float64 { return r.toolT.Seconds() / r.baseT.Seconds() }

func (r row) verdict() string {
	switch {
	case r.err != "":
		return "FAILED"
	case r.target == 0:
		return ""
	default:
		return verdict(r.ratio(), r.target)
	}
}

func (c *Case) name() string {
	if c.Variant != "" {
		return c.Tool + " (" + c.Variant + ")"
	}
	return c.Tool
}

func (c *Case) at(n int) bool { return c.Sizes == nil || slices.Contains(c.Sizes, n) }

func (b *Bench) run(sizes []size, only, out string) error {
	var todo []*Case
	for i := range cases {
		c := &cases[i]
		switch {
		case only != "" && !strings.Contains(c.name(), only):
		case !b.has(c.Tool):
			b.logf("skipping %s: %s is not built", c.name(), filepath.Join(b.bin, c.Tool))
		default:
			todo = append(todo, c)
		}
	}
	if len(todo) == 0 {
		sizes = nil // -only named no tool case: no basedirs to generate
	} else if err := b.countProcs(todo); err != nil {
		return err
	}
	fixtures := map[[2]int]*Fixture{}
	for _, sz := range sizes {
		b.logf("generating %d repos with %d tags each", sz.n, sz.tags)
		f, err := b.fixture(sz.n, sz.tags)
		if err != nil {
			return err
		}
		fixtures[[2]int{sz.n, sz.tags}] = f
		for _, c := range todo {
			if err := b.ctx.Err(); err != nil {
				return err
			}
			runs, memOnly := sz.runs, false
			if !c.at(sz.n) || b.memOnly {
				if !b.memOnly && (sz.n != MemTargetAt || sz.tags != 200) {
					continue
				}
				// Too slow to time against its loops here, but its
				// memory at this size has a target: one run, alone.
				runs, memOnly = 1, true
			}
			var sides []*side
			tool := &side{label: c.name(), f: f, c: c}
			sides = append(sides, tool)
			if memOnly {
				sides = append(sides, nil)
			} else if sz.tags == 200 {
				for i := range c.Baselines {
					if bl := &c.Baselines[i]; bl.Sizes == nil || slices.Contains(bl.Sizes, sz.n) {
						sides = append(sides, &side{label: bl.Name, f: f, c: c, bl: bl})
					}
				}
			} else if ref := fixtures[[2]int{sz.n, 200}]; c.Flat && ref != nil {
				sides = append(sides, &side{label: fmt.Sprintf("%s, %d tags", c.name(), ref.Tags), f: ref, c: c})
				// The loops on the same many-tag repos show what git
				// itself costs there.
				for i := range c.Baselines {
					sides = append(sides, &side{label: c.Baselines[i].Name, f: f, c: c, bl: &c.Baselines[i]})
				}
			}
			timed := slices.DeleteFunc(slices.Clone(sides), func(s *side) bool { return s == nil })
			b.logf("  %s: %d sides × %d runs", c.name(), len(timed), runs)
			w := startWatch()
			err := b.measure(timed, runs)
			loads, others := w.stop()
			for _, s := range sides[1:] {
				if s == nil {
					r := row{n: sz.n, tags: sz.tags, tool: c.name(), against: "(peak memory only)", runs: runs,
						toolT: median(tool.times), rss: tool.rss, loads: loads, others: others}
					if err != nil {
						r.err = err.Error()
					}
					b.rows = append(b.rows, r)
					continue
				}
				r := row{n: sz.n, tags: sz.tags, tool: c.name(), against: s.label, runs: sz.runs,
					toolT: median(tool.times), baseT: median(s.times), rss: tool.rss, loads: loads, others: others}
				g := ""
				if s.bl != nil && s.bl.Goal != "" && sz.tags == 200 && slices.Contains(goalByKey(s.bl.Goal).sizes(b.quick), sz.n) {
					g = s.bl.Goal
					r.target = goalByKey(g).target(sz.n, b.quick)
				}
				switch {
				case g != "":
				case s.bl != nil && sz.tags != 200:
				case s.bl != nil && (s.bl.At == nil || slices.Contains(s.bl.At, sz.n)):
					r.target = s.bl.Target
				case s.bl == nil:
					r.target = FlatTarget
				}
				if err != nil {
					r.err = err.Error()
				}
				b.rows = append(b.rows, r)
				if g != "" {
					b.results = append(b.results, result{goal: g, size: sz.n, runs: runs, ours: r.toolT, base: r.baseT,
						rss: r.rss, loadStart: loads[0], loadEnd: loads[1], others: others, err: r.err})
				}
			}
			if err != nil {
				b.logf("  %s failed: %v", c.name(), err)
			}
			for _, r := range b.rows[len(b.rows)-len(sides)+1:] {
				if r.baseT == 0 {
					b.logf("  %s: %.3f s, peak %.1f MiB", r.tool, r.toolT.Seconds(), float64(r.rss)/(1<<20))
					continue
				}
				b.logf("  %s vs %s: %.3f s / %.3f s = %.2f %s", r.tool, r.against, r.toolT.Seconds(), r.baseT.Seconds(), r.ratio(), r.verdict())
			}
		}
	}
	if b.has("show_deploy_tag") && (only == "" || strings.Contains(DashCase, only)) && !b.memOnly {
		row := b.dashBench()
		b.dash = &row
	}
	if b.has("push_tag") && (only == "" || strings.Contains(SSHCase, only)) && !b.memOnly {
		b.ssh = b.sshBench()
	}
	for _, c := range pairCases {
		if b.has(c.tool) && (only == "" || strings.Contains(c.name, only)) && !b.memOnly && b.ctx.Err() == nil {
			rows := b.runPair(c)
			b.pairs = append(b.pairs, rows)
			for _, r := range rows {
				b.results = append(b.results, r.result())
			}
		}
	}
	b.mem = b.memFiles(only)
	report := b.report()
	fmt.Print(report)
	if out == "" {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	// Notes written by people below the marker survive a new run.
	if old, err := os.ReadFile(out); err == nil {
		if i := strings.Index(string(old), notesMarker); i >= 0 {
			report += "\n" + string(old[i:])
		}
	}
	return os.WriteFile(out, []byte(report), 0o644)
}

// notesMarker starts the hand-written part of the results file.
const notesMarker = "<!-- notes: kept by make bench -->"

// countProcs runs each tool once on 3 repos with a logging git first on
// PATH, and records the git subcommands it started in each repo.
func (b *Bench) countProcs(todo []*Case) error {
	f, err := b.fixture(3, 200)
	if err != nil {
		return err
	}
	real, err := exec.LookPath("git")
	if err != nil {
		return err
	}
	real, _ = filepath.Abs(real)
	wrap := filepath.Join(b.tmp, "gitwrap")
	if err := gitprocs.Install(wrap, real); err != nil {
		return err
	}
	log := filepath.Join(b.tmp, "gitprocs.log")
	for _, c := range todo {
		s := &side{label: c.name(), f: f, c: c}
		v, err := b.fresh(f)
		if err != nil {
			return err
		}
		if c.Tagged {
			if err := b.run1(b.cmd(filepath.Join(b.bin, "tag_repos"), "--basedir", f.Base, v.tag)); err != nil {
				return err
			}
		}
		if err := os.WriteFile(log, nil, 0o644); err != nil {
			return err
		}
		cmd := b.command(s, v)
		cmd.Env = append(slices.Clone(cmd.Env), gitprocs.LogVar+"="+log)
		for i, kv := range cmd.Env {
			if p, ok := strings.CutPrefix(kv, "PATH="); ok {
				cmd.Env[i] = "PATH=" + wrap + string(os.PathListSeparator) + p
			}
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			b.procs = append(b.procs, fmt.Sprintf("| %s | failed: %s | |", c.name(), firstLines(string(out), 1)))
			continue
		}
		raw, err := os.ReadFile(log)
		if err != nil {
			return err
		}
		calls, _ := gitprocs.Parse(raw)
		repos, other, err := gitprocs.PerRepo(calls, f.Base)
		if err != nil {
			return err
		}
		per := map[string]bool{}
		for _, cs := range repos {
			per[fmt.Sprintf("%d: %s", len(cs), strings.Join(gitprocs.Subs(cs), ", "))] = true
		}
		b.procs = append(b.procs, fmt.Sprintf("| %s | %s | %d: %s |", c.name(), strings.Join(slices.Sorted(maps.Keys(per)), " / "),
			len(other), strings.Join(gitprocs.Subs(other), ", ")))
		os.RemoveAll(v.out)
	}
	return nil
}

func (b *Bench) table() string {
	var s strings.Builder
	s.WriteString("| repos | tags/repo | tool | against | runs | tool median | baseline median | tool per repo | baseline per repo | ratio | target | tool peak RSS |\n")
	s.WriteString("|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---|---:|\n")
	for _, r := range b.rows {
		r.tool, r.against = cell(r.tool), cell(r.against)
		mem := peak(r.rss, r.n >= MemTargetAt)
		if r.err != "" {
			fmt.Fprintf(&s, "| %d | %d | %s | %s | | | | | | | FAILED: %s | |\n", r.n, r.tags, r.tool, r.against,
				cell(strings.ReplaceAll(firstLines(r.err, 2), "\n", " ")))
			continue
		}
		if r.baseT == 0 {
			fmt.Fprintf(&s, "| %d | %d | %s | %s | %d | %.3f s | | %s | | | | %s |\n", r.n, r.tags, r.tool, r.against,
				r.runs, r.toolT.Seconds(), perUnit(r.toolT, r.n, "repo"), mem)
			continue
		}
		v := r.verdict()
		if v != "" && unreliable(r.others) {
			v += " (unreliable: load " + r.loads[0].String() + " → " + r.loads[1].String() + ", " + othersText(r.others) + ")"
		}
		fmt.Fprintf(&s, "| %d | %d | %s | %s | %d | %.3f s | %.3f s | %s | %s | %.2f | %s | %s |\n", r.n, r.tags, r.tool, r.against,
			r.runs, r.toolT.Seconds(), r.baseT.Seconds(), perUnit(r.toolT, r.n, "repo"), perUnit(r.baseT, r.n, "repo"),
			r.ratio(), v, mem)
	}
	return s.String()
}

// memTable is the peak memory of every tool measured at MemTargetAt repos
// and of the file tools on MemFiles files.
func (b *Bench) memTable() string {
	var s strings.Builder
	s.WriteString("| tool | at | peak RSS | target |\n|---|---|---:|---|\n")
	seen := map[string]bool{}
	for _, r := range b.rows {
		if r.n != MemTargetAt || r.tags != 200 || r.rss == 0 || seen[r.tool] {
			continue
		}
		seen[r.tool] = true
		fmt.Fprintf(&s, "| %s | %d repos | %.1f MiB | %s |\n", cell(r.tool), r.n, float64(r.rss)/(1<<20), memVerdict(r.rss))
	}
	for _, r := range b.mem {
		if r.err != "" {
			fmt.Fprintf(&s, "| %s | %d files | | FAILED: %s |\n", cell(r.name), r.files, cell(firstLines(r.err, 1)))
			continue
		}
		fmt.Fprintf(&s, "| %s | %d files | %.1f MiB | %s |\n", cell(r.name), r.files, float64(r.rss)/(1<<20), memVerdict(r.rss))
	}
	return s.String()
}

func memVerdict(rss int64) string {
	if rss < MemTarget {
		return fmt.Sprintf("< %d MiB met", MemTarget>>20)
	}
	return fmt.Sprintf("< %d MiB MISSED", MemTarget>>20)
}

func (b *Bench) report() string {
	var s strings.Builder
	s.WriteString("# Benchmark results\n\nMade by `make bench` (internal/bench). Each row: the tool and a baseline run in turn\n" +
		"on the same data, the order rotating each run, every run with a fresh tag or folder; medians.\n" +
		"Ratio is tool/baseline (below 1: the tool is faster). Per repo and per file: the median over the size.\n" +
		"Peak RSS is the largest of the tool and the processes it ran (GNU time %M).\n" +
		"The counts behind these times (processes and syscalls per repo and per file) are in FLOORS.md (`make floors`).\n\n")
	s.WriteString("## Machine\n\n")
	for _, l := range machine(b.env, b.loadStart) {
		s.WriteString("- " + l + "\n")
	}
	fmt.Fprintf(&s, "- wall time of the whole run: %s\n", time.Since(b.started).Round(time.Second))
	_, others := b.watch.stop()
	switch {
	case b.load1Start < 0 || float64(b.load1Start) > UnreliableLoad:
		fmt.Fprintf(&s, "- **UNRELIABLE RUN**: the 1-minute load average was %s at the start, above %.1f on %d cores:\n"+
			"  other work shared the CPUs, and the times and ratios below are not the tools'. Re-run on a quiet machine.\n",
			b.load1Start, UnreliableLoad, runtime.NumCPU())
	case unreliable(others):
		fmt.Fprintf(&s, "- **UNRELIABLE RUN**: processes other than the benchmark's took %.2f cores on average (their CPU time in /proc;\n"+
			"  -1: unknown), more than %.1f of %d: the times and ratios below are not the tools'. Re-run on a quiet machine.\n",
			others, OthersLimit, runtime.NumCPU())
	default:
		fmt.Fprintf(&s, "- a quiet machine: the 1-minute load average was at or below %.1f at the start, and processes other than the\n"+
			"  benchmark's took %.2f cores on average over the run (the load during the run is the benchmark's own)\n", UnreliableLoad, others)
	}
	if b.quick {
		s.WriteString("- **-quick**: small sizes and few runs, a smoke run of the harness; no figure here judges a goal\n")
	}
	s.WriteString("\n## Goals: faster at git's floor\n\nEach goal at two sizes; the load average (1 minute) at the start and the end of\n" +
		"each measurement (the benchmark's own processes make most of it), and the CPU that processes other than the\n" +
		"benchmark's took meanwhile, in cores on average: a row where they took more than " + fmt.Sprintf("%.1f", OthersLimit) + " is marked unreliable.\n\n")
	s.WriteString(goalsTable(b.results, b.quick))
	if g := growthTable(b.results); g != "" {
		s.WriteString("\nThe cost of one more repo or file, from the two sizes (the fixed cost of a run left out):\n\n" + g)
	}
	if len(b.rows) > 0 || len(b.mem) > 0 {
		s.WriteString("\n## Peak memory\n\n")
		s.WriteString(b.memTable())
	}
	if len(b.rows) > 0 {
		s.WriteString("\n## Every tool against its loops\n\nRows against the same tool with 200 tags show the cost of 10,000 existing (packed) tags\n" +
			"per repo; the loops there ran on the 10,000-tag repos too.\n\n")
		s.WriteString(b.table())
	}
	if b.dash != nil {
		fmt.Fprintf(&s, "\n## What runs where\n\n`%s`: the median time of one request over %d environments\n"+
			"whose deploys.log each hold %d lines, against the same with %d lines each, both servers\n"+
			"running at once, batches of %d requests alternating between them.\n\n", DashCase, DashEnvs, DashLong, DashShort, dashBatch)
		s.WriteString(b.dash.table())
	}
	if b.ssh != nil {
		fmt.Fprintf(&s, "\n## %s\n\nRepos whose remotes are on one OpenSSH sshd on 127.0.0.1 (internal/sshtest: its own port,\n"+
			"keys and config, host-key checking on, sshd's default MaxStartups and MaxSessions). Three sides in turn,\n"+
			"each run with a fresh tag, medians of %d runs: push_tag (default --jobs; it opens and shares its own\n"+
			"connection), `xargs -P4 git push` (a connection per push), and `xargs -P8 git push` over one\n"+
			"ControlMaster the loop opens first (`ssh -fNM`) and closes after, both counted in its time.\n"+
			"Client CPU: user+system time of the side and the processes it waited for (not sshd's).\n\n", SSHCase, SSHRuns)
		s.WriteString(sshTable(b.ssh))
	}
	for _, rows := range b.pairs {
		if len(rows) > 0 {
			s.WriteString("\n" + block(rows[0].c, rows, b.quick))
		}
	}
	if len(b.procs) > 0 {
		s.WriteString("\n## git processes per repo\n\nCounted by running each tool once on 3 repos with a logging `git` first on PATH\n" +
			"(internal/gitprocs; make test asserts the same counts).\n\n| tool | in each repo | outside the repos |\n|---|---|---|\n")
		for _, p := range b.procs {
			s.WriteString(p + "\n")
		}
	}
	return s.String()
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func machine(env []string, loadStart string) []string {
	model := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	run := func(name string, args ...string) string {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(string(out))
	}
	return []string{
		"date: " + time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		fmt.Sprintf("nproc: %d (%s)", runtime.NumCPU(), model),
		"kernel: " + run("uname", "-sr"),
		run("git", "version"),
		"built with " + runtime.Version(),
		"load average (1, 5, 15 min) at the start: " + loadStart + "; at the end: " + loadavg(),
	}
}

// timeBin is GNU time, which the bench script installs if missing.
const timeBin = "/usr/bin/time"

// inTurn runs each of n sides runs times, the order rotating from run to
// run so that no side always goes first, after warm untimed rounds (the
// page cache). one(i, warm) runs side i once. It stops at the first error
// or when the benchmark is interrupted.
func (b *Bench) inTurn(n, runs, warm int, one func(i int, warm bool) error) error {
	for r := -warm; r < runs; r++ {
		for k := range n {
			if err := b.ctx.Err(); err != nil {
				return err
			}
			if err := one((k+max(r, 0))%n, r < 0); err != nil {
				return err
			}
		}
	}
	return nil
}

// timed runs cmd under GNU time and returns its wall time and peak memory:
// the largest RSS of the command and of what it ran. The rusage of a
// child forked from this (large) Go process would count this process's
// memory too, as Linux reports it.
func (b *Bench) timed(cmd *exec.Cmd, label string) (time.Duration, int64, error) {
	memFile := filepath.Join(b.tmp, "maxrss")
	cmd.Args = append([]string{timeBin, "-f", "%M", "-o", memFile}, cmd.Args...)
	cmd.Path = timeBin
	d, err := wall(cmd, label)
	if err != nil {
		return 0, 0, err
	}
	var kib int64
	if m, err := os.ReadFile(memFile); err == nil {
		fmt.Sscan(string(m), &kib)
	}
	return d, kib * 1024, nil
}

// wall runs cmd and returns its wall time; a failure names label and
// gives the first lines of the command's stderr.
func wall(cmd *exec.Cmd, label string) (time.Duration, error) {
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %w\n%s", label, err, firstLines(stderr.String(), 5))
	}
	return d, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// verdict says whether ratio meets target, and by how much it missed.
func verdict(ratio, target float64) string {
	if ratio <= target {
		return fmt.Sprintf("≤ %.2f met", target)
	}
	return fmt.Sprintf("≤ %.2f MISSED by %.0f%%", target, (ratio/target-1)*100)
}

// peak is a peak memory in MiB, marked when checked is set and it reaches
// MemTarget.
func peak(rss int64, checked bool) string {
	s := fmt.Sprintf("%.1f MiB", float64(rss)/(1<<20))
	if checked && rss >= MemTarget {
		s += fmt.Sprintf(" MISSED (< %d)", MemTarget>>20)
	}
	return s
}

// secs lists durations in seconds.
func secs(ds []time.Duration) string {
	var p []string
	for _, d := range ds {
		p = append(p, fmt.Sprintf("%.2f", d.Seconds()))
	}
	return strings.Join(p, ", ")
}

func firstLines(s string, n int) string {
	l := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	return strings.Join(l[:min(n, len(l))], "\n")
}

// cell escapes a table cell's pipes.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
