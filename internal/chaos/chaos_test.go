// Package chaos is the chaos suite: it drives the built binaries over real
// repos, kills them with SIGKILL at random moments, reruns them, and checks
// every invariant of docs/invariants.md after each rerun; it also runs two
// of each at once. Randomness is seeded; the seed is printed, and
// CHAOS_SEED=N replays a run. Every other iteration sends SIGINT instead,
// and the tool must end by itself saying so, never "context canceled". CHAOS_N sets the iterations per tool (a few
// by default, for make test; make chaos N=... runs long). It prints its
// figures: iterations, kills that landed mid-run, invariants checked and
// how many broke. A run that should end by itself and outlives its
// deadline (execWithin) has hung, and fails the suite.
package chaos

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/pkg/verify"
)

var (
	seed  int64
	iters = 3
	fig   struct{ iterations, kills, landed, invariants, broken atomic.Int64 }
)

func TestMain(m *testing.M) {
	seed = time.Now().UnixNano()
	if s := os.Getenv("CHAOS_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			fmt.Fprintln(os.Stderr, "CHAOS_SEED:", err)
			os.Exit(2)
		}
		seed = n
	}
	if s := os.Getenv("CHAOS_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			fmt.Fprintln(os.Stderr, "CHAOS_N: want a positive number, not", s)
			os.Exit(2)
		}
		iters = n
	}
	fmt.Printf("chaos: seed %d (CHAOS_SEED=%d replays it), %d iterations per tool\n", seed, seed, iters)
	code := scripttest.Main(m)
	fmt.Printf("chaos: iterations %d, kills and interrupts %d (landed mid-run %d), invariants checked %d, broken: %d\n",
		fig.iterations.Load(), fig.kills.Load(), fig.landed.Load(), fig.invariants.Load(), fig.broken.Load())
	os.Exit(code)
}

// world is one scenario's sealed git environment and random source.
type world struct {
	t   *testing.T
	env []string
	rng *rand.Rand
	mu  sync.Mutex
	run atomic.Int64
}

func newWorld(t *testing.T, salt int64) *world {
	t.Parallel()
	return &world{t: t, env: gittest.Env(t), rng: rand.New(rand.NewSource(seed + salt))}
}

func (w *world) git(dir string, args ...string) string {
	w.t.Helper()
	return gittest.Git(w.t, w.env, dir, args...)
}

// check counts one invariant checked, and a broken one as a failure.
func (w *world) check(ok bool, format string, args ...any) {
	w.t.Helper()
	fig.invariants.Add(1)
	if !ok {
		fig.broken.Add(1)
		w.t.Errorf("BROKEN: "+format, args...)
	}
}

// delay is a random moment in [0, max).
func (w *world) delay(max time.Duration) time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return time.Duration(w.rng.Int63n(int64(max) + 1))
}

func (w *world) intn(n int) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rng.Intn(n)
}

type result struct {
	stdout, stderr string
	code           int
	took           time.Duration
	hung           bool // outlived its deadline (execWithin)
}

// command makes a run of tool; every process it starts carries a marker in
// its environment, so the ones a killed tool left behind can be found.
func (w *world) command(dir, tool string, args ...string) (*exec.Cmd, string, *bytes.Buffer, *bytes.Buffer) {
	marker := fmt.Sprintf("DEPLOYTAG_CHAOS_RUN=%s-%d-%d", w.t.Name(), os.Getpid(), w.run.Add(1))
	cmd := exec.Command(filepath.Join(scripttest.BinDir(), tool), args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), w.env...), marker)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	return cmd, marker, &out, &errb
}

// exec runs tool to its end.
func (w *world) exec(dir, tool string, args ...string) result {
	w.t.Helper()
	cmd, marker, out, errb := w.command(dir, tool, args...)
	start := time.Now()
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start)}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("%s: %v", tool, err)
	}
	w.drain(marker)
	return r
}

// execWithin runs tool to its end, or for at most deadline: a run that
// outlives it has hung, fails the test, and is killed with all it started.
func (w *world) execWithin(deadline time.Duration, dir, tool string, args ...string) result {
	w.t.Helper()
	cmd, marker, out, errb := w.command(dir, tool, args...)
	start := time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	hung := false
	select {
	case err = <-done:
	case <-time.After(deadline):
		hung = true
		for _, p := range marked(marker) {
			_ = syscall.Kill(p, syscall.SIGKILL)
		}
		_ = cmd.Process.Kill()
		err = <-done
		w.check(false, "%s %s outlived its deadline of %s: hung (stderr: %s)", tool, strings.Join(args, " "), deadline, errb.String())
	}
	r := result{stdout: out.String(), stderr: errb.String(), took: time.Since(start), hung: hung}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		w.t.Fatalf("%s: %v", tool, err)
	}
	w.drain(marker)
	return r
}

// signal starts tool (see command) and sends it sig after a random moment
// up to max; sent says whether the signal found the process.
func (w *world) signal(max time.Duration, sig syscall.Signal, dir, tool string, args ...string) (cmd *exec.Cmd, marker string, errb *bytes.Buffer, sent bool) {
	w.t.Helper()
	cmd, marker, _, errb = w.command(dir, tool, args...)
	if err := cmd.Start(); err != nil {
		w.t.Fatal(err)
	}
	time.Sleep(w.delay(max))
	fig.kills.Add(1)
	return cmd, marker, errb, cmd.Process.Signal(sig) == nil
}

// kill runs tool and kills it with SIGKILL after a random moment up to
// max; it reports whether the kill landed before the tool ended. What the
// tool started is let run to its end, as after a real kill -9 (and killed
// by PID if it outlives 20 seconds).
func (w *world) kill(max time.Duration, dir, tool string, args ...string) bool {
	w.t.Helper()
	cmd, marker, _, landed := w.signal(max, syscall.SIGKILL, dir, tool, args...)
	_ = cmd.Wait()
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !st.Signaled() {
		landed = false
	}
	if landed {
		fig.landed.Add(1)
	}
	w.t.Logf("%s killed after at most %s: landed mid-run %v", tool, max, landed)
	w.drain(marker)
	return landed
}

// interrupt runs tool and sends it SIGINT after a random moment up to
// max: it must end by itself, exit 0 (done before the signal) or 1, and
// say "interrupted" or the like, never Go's "context canceled", never a
// panic.
func (w *world) interrupt(max time.Duration, dir, tool string, args ...string) {
	w.t.Helper()
	cmd, marker, errb, sent := w.signal(max, syscall.SIGINT, dir, tool, args...)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		<-done
		w.check(false, "%s did not end within 30s of SIGINT", tool)
	}
	code := cmd.ProcessState.ExitCode()
	if sent && code != 0 {
		fig.landed.Add(1)
	}
	// A signal that comes before the Go runtime has set up its handler
	// (the first moments of the process) ends it as any program: silently.
	early := false
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && st.Signaled() && st.Signal() == syscall.SIGINT && errb.Len() == 0 {
		early = true
	}
	w.check(code == 0 || code == 1 || early, "%s after SIGINT: exit %d: %s", tool, code, errb.String())
	w.check(!strings.Contains(errb.String(), "context canceled") && !strings.Contains(errb.String(), "panic"), "%s after SIGINT says: %s", tool, errb.String())
	w.t.Logf("%s interrupted after at most %s: exit %d", tool, max, code)
	w.drain(marker)
}

// drain waits until no process carrying marker is left, then kills any
// that outlived the wait, by PID.
func (w *world) drain(marker string) {
	w.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		pids := marked(marker)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range pids {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			w.t.Errorf("processes outlived their tool by 20s: %v", pids)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func marked(marker string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err == nil && bytes.Contains(b, []byte("\x00"+marker+"\x00")) || bytes.HasPrefix(b, []byte(marker+"\x00")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// both runs two tools at once and returns their results.
func (w *world) both(a, b func() result) (result, result) {
	var ra, rb result
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); ra = a() }()
	go func() { defer wg.Done(); rb = b() }()
	wg.Wait()
	return ra, rb
}

// repos makes n repos in a new basedir, each with one commit.
func (w *world) repos(n int) (string, []string) {
	var names []string
	for i := 0; i < n; i++ {
		names = append(names, fmt.Sprintf("r%02d", i))
	}
	return gittest.Repos(w.t, w.env, names...), names
}

func (w *world) commit(repo, what string) {
	w.t.Helper()
	if err := os.WriteFile(filepath.Join(repo, "CHANGES"), []byte(what+"\n"), 0o644); err != nil {
		w.t.Fatal(err)
	}
	w.git(repo, "add", "CHANGES")
	w.git(repo, "commit", "-q", "-m", what)
}

// tagState is every tag of a repo: name -> "object peeled-commit" (or
// "lightweight object"), read with the HEAD of branch main in one git call.
func (w *world) tagState(repo string) map[string]string {
	tags, _ := w.state(repo)
	return tags
}

func (w *world) state(repo string) (tags map[string]string, head string) {
	w.t.Helper()
	out := w.git(repo, "for-each-ref", "--format=%(refname) %(objecttype) %(objectname) %(*objectname)", "refs/tags", "refs/heads/main")
	tags = map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) >= 3 && f[0] == "refs/heads/main":
			head = f[2]
		case len(f) == 4 && f[1] == "tag":
			tags[strings.TrimPrefix(f[0], "refs/tags/")] = f[2] + " " + f[3]
		case len(f) >= 3:
			tags[strings.TrimPrefix(f[0], "refs/tags/")] = "lightweight " + f[2]
		}
	}
	return tags, head
}

// repoState is one repo's tags and HEAD.
type repoState struct {
	tags map[string]string
	head string
}

// snapshot reads every repo's state, a few git processes at a time.
func (w *world) snapshot(base string, names []string) map[string]repoState {
	out := make(map[string]repoState, len(names))
	var mu sync.Mutex
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, n := range names {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			tags, head := w.state(filepath.Join(base, n))
			mu.Lock()
			out[n] = repoState{tags, head}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// locksLeft lists the git lock files (*.lock) under dir.
func locksLeft(dir string) []string {
	var found []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".lock") {
			found = append(found, p)
		}
		return nil
	})
	return found
}

// flockFree reports whether nobody holds an flock on path (or it is absent).
func flockFree(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return os.IsNotExist(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	return true
}

// tagInvariants checks the repos against every tag reported so far
// (known: tag -> repo -> "object commit"): each repo has exactly the known
// tags, annotated, each at the object first seen (tags only at intended
// commits, never moved or deleted), and no lock file is left.
func (w *world) tagInvariants(base string, names []string, snap map[string]repoState, known map[string]map[string]string) {
	w.t.Helper()
	for _, n := range names {
		repo := filepath.Join(base, n)
		have := snap[n].tags
		for tag, at := range have {
			want, ok := known[tag][n]
			w.check(ok, "%s: tag %s (%s) was never reported", n, tag, at)
			w.check(!ok || want == at, "%s: tag %s is at %s, was %s", n, tag, at, want)
		}
		for tag, byRepo := range known {
			if _, ok := byRepo[n]; ok {
				_, there := have[tag]
				w.check(there, "%s: reported tag %s is gone", n, tag)
			}
		}
		w.check(len(locksLeft(filepath.Join(repo, ".git"))) == 0, "%s: lock files left: %v", n, locksLeft(filepath.Join(repo, ".git")))
		w.check(flockFree(filepath.Join(repo, ".git", "deploytag-tagging.flock")), "%s: the tagging lock is still held", n)
	}
}

// learn records tag as reported in every repo, at the object it has there,
// and checks it is at the repo's HEAD.
func (w *world) learn(names []string, snap map[string]repoState, tag string, known map[string]map[string]string) {
	w.t.Helper()
	if known[tag] == nil {
		known[tag] = map[string]string{}
	}
	for _, n := range names {
		tags, head := snap[n].tags, snap[n].head
		at, ok := tags[tag]
		w.check(ok && strings.HasSuffix(at, " "+head) && !strings.HasPrefix(at, "lightweight"), "%s: reported tag %s is %q, want an annotated tag of HEAD %s", n, tag, at, head)
		if prev, seen := known[tag][n]; !seen {
			known[tag][n] = at
		} else {
			w.check(prev == at, "%s: tag %s moved from %s to %s", n, tag, prev, at)
		}
	}
}

// tag_for_deploy over 50 repos: kill, rerun, check; then two at once.
func TestChaosTagForDeploy(t *testing.T) {
	w := newWorld(t, 1)
	base, names := w.repos(50)
	known := map[string]map[string]string{}
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	warm := w.exec(base, "tag_for_deploy", "--time", at.Format(time.RFC3339))
	w.check(warm.code == 0, "tag_for_deploy: exit %d: %s", warm.code, warm.stderr)
	w.learn(names, w.snapshot(base, names), strings.TrimSpace(warm.stdout), known)
	max := warm.took + warm.took/5
	for i := 1; i <= iters; i++ {
		fig.iterations.Add(1)
		w.commit(filepath.Join(base, names[w.intn(len(names))]), fmt.Sprintf("tag %d", i))
		tm := at.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		if i%2 == 0 {
			w.interrupt(max, base, "tag_for_deploy", "--time", tm)
		} else {
			w.kill(max, base, "tag_for_deploy", "--time", tm)
		}
		snap := w.snapshot(base, names)
		w.tagInvariants(base, names, snap, knownWithPartial(w, names, snap, known))
		r := w.exec(base, "tag_for_deploy", "--time", tm)
		w.check(r.code == 0 && strings.HasPrefix(r.stdout, "DEPLOY_"), "rerun of tag_for_deploy: exit %d, %q, %s", r.code, r.stdout, r.stderr)
		snap = w.snapshot(base, names)
		w.learn(names, snap, strings.TrimSpace(r.stdout), known)
		w.tagInvariants(base, names, snap, known)
	}
	// two at once, the same code and time: both succeed with the same tag
	fig.iterations.Add(1)
	w.commit(filepath.Join(base, names[0]), "two at once")
	tm := at.Add(time.Hour).Format(time.RFC3339)
	run := func() result { return w.exec(base, "tag_for_deploy", "--time", tm) }
	ra, rb := w.both(run, run)
	w.check(ra.code == 0 && rb.code == 0 && ra.stdout == rb.stdout, "two tag_for_deploy at once: exit %d %q %s / exit %d %q %s", ra.code, ra.stdout, ra.stderr, rb.code, rb.stdout, rb.stderr)
	snap := w.snapshot(base, names)
	w.learn(names, snap, strings.TrimSpace(ra.stdout), known)
	w.tagInvariants(base, names, snap, known)
}

// knownWithPartial accepts, after a kill, the tag the killed run was making
// (found in some repos, at HEAD) as reported where it stands; everything
// else must be as known. It returns the widened map.
func knownWithPartial(w *world, names []string, snap map[string]repoState, known map[string]map[string]string) map[string]map[string]string {
	wide := map[string]map[string]string{}
	for tag, m := range known {
		wide[tag] = m
	}
	for _, n := range names {
		tags, head := snap[n].tags, snap[n].head
		for tag, at := range tags {
			if _, ok := known[tag]; ok {
				continue
			}
			w.check(strings.HasSuffix(at, " "+head), "%s: the killed run left tag %s at %s, not at HEAD %s", n, tag, at, head)
			if wide[tag] == nil {
				wide[tag] = map[string]string{}
			}
			wide[tag][n] = at
		}
	}
	return wide
}

// deploy alternating two tags into one root (keep = 1): kill, check that
// current is a complete release, rerun, check; then two at once.
func TestChaosDeploy(t *testing.T) {
	w := newWorld(t, 2)
	base, names := w.repos(4)
	root := filepath.Join(t.TempDir(), "root")
	cfg := fmt.Sprintf("[environments.chaos]\nroot = %q\npush = false\nkeep = 1\n", root)
	if err := os.WriteFile(filepath.Join(base, "deploy.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	w.git(base, "init", "-q", filepath.Join(t.TempDir(), "unused")) // basedir itself stays no repo
	var tags []string
	for i := 0; i < 2; i++ {
		w.commit(filepath.Join(base, names[i]), fmt.Sprintf("deploy %d", i))
		r := w.exec(base, "tag_for_deploy", "--time", fmt.Sprintf("2026-11-25T1%d:00:00Z", i))
		if r.code != 0 {
			t.Fatalf("tag_for_deploy: %s", r.stderr)
		}
		tags = append(tags, strings.TrimSpace(r.stdout))
	}
	deploy := func(tag string) result {
		return w.exec(base, "deploy", "--environment", "chaos", "--tag", tag)
	}
	warm := deploy(tags[0])
	w.check(warm.code == 0, "deploy: exit %d: %s", warm.code, warm.stderr)
	w.releaseInvariants(base, root, tags[0], tags, true)
	max := warm.took + warm.took/5
	for i := 1; i <= iters; i++ {
		fig.iterations.Add(1)
		tag := tags[i%2]
		if i%2 == 0 {
			w.interrupt(max, base, "deploy", "--environment", "chaos", "--tag", tag)
		} else {
			w.kill(max, base, "deploy", "--environment", "chaos", "--tag", tag)
		}
		w.currentComplete(base, root, tags)
		r := deploy(tag)
		w.check(r.code == 0 && strings.TrimSpace(r.stdout) == tag, "rerun of deploy %s: exit %d %q %s", tag, r.code, r.stdout, r.stderr)
		w.releaseInvariants(base, root, tag, tags, true)
	}
	fig.iterations.Add(1)
	ra, rb := w.both(func() result { return deploy(tags[0]) }, func() result { return deploy(tags[1]) })
	w.check(ra.code == 0 && rb.code == 0, "two deploys at once: exit %d %s / exit %d %s", ra.code, ra.stderr, rb.code, rb.stderr)
	live, _ := os.Readlink(filepath.Join(root, "current"))
	w.releaseInvariants(base, root, filepath.Base(live), tags, true)
}

// deploy of a tag whose one repo fails early in a long export (a blob
// missing after 1,000 files, 4,000 more to come: the schedule that once
// hung deploy for good, holding deploy.lock) beside repos that export
// well, with --jobs drawn at random: each run must end, within a
// deadline, exit 1 naming the repo and the blob, leave the live release
// as it was and deploy.lock free; every other run is interrupted at a
// random moment instead and must end by itself. At least 20 runs.
func TestChaosDeployFailingExport(t *testing.T) {
	w := newWorld(t, 5)
	base, _ := w.repos(3)
	root := filepath.Join(t.TempDir(), "root")
	cfg := fmt.Sprintf("[environments.chaos]\nroot = %q\npush = false\n", root)
	if err := os.WriteFile(filepath.Join(base, "deploy.toml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	good := w.exec(base, "tag_for_deploy", "--time", "2026-11-25T10:00:00Z")
	if good.code != 0 {
		t.Fatal(good.stderr)
	}
	tag := strings.TrimSpace(good.stdout)
	if r := w.exec(base, "deploy", "--environment", "chaos", "--tag", tag); r.code != 0 {
		t.Fatal(r.stderr)
	}
	_, missing := gittest.LongBrokenRepo(t, w.env, filepath.Join(base, "long"))
	broken := w.exec(base, "tag_for_deploy", "--allow-dirty", "--time", "2026-11-25T11:00:00Z")
	if broken.code != 0 {
		t.Fatal(broken.stderr)
	}
	bad := strings.TrimSpace(broken.stdout)
	args := func() []string {
		return []string{"--environment", "chaos", "--tag", bad, "--jobs", strconv.Itoa(1 + w.intn(4))}
	}
	runs := max(iters, 20)
	var max time.Duration
	for i := 1; i <= runs; i++ {
		fig.iterations.Add(1)
		if i%2 == 0 && max > 0 {
			w.interrupt(max, base, "deploy", args()...)
		} else {
			r := w.execWithin(time.Minute, base, "deploy", args()...)
			if r.hung {
				return // one hang is the verdict
			}
			w.check(r.code == 1 && strings.Contains(r.stderr, "long") && strings.Contains(r.stderr, missing), "deploy of a repo missing a blob: exit %d, stderr %s", r.code, r.stderr)
			max = r.took
		}
		live, _ := os.Readlink(filepath.Join(root, "current"))
		w.check(live == filepath.Join("releases", tag), "current -> %q after a failed deploy, want releases/%s", live, tag)
		w.check(flockFree(filepath.Join(root, "deploy.lock")), "deploy.lock is still held")
	}
}

// currentComplete checks that current, if there, names a release of a
// known tag that verify_deploy_tag finds exactly the tag.
func (w *world) currentComplete(base, root string, tags []string) {
	w.t.Helper()
	live, err := os.Readlink(filepath.Join(root, "current"))
	if os.IsNotExist(err) {
		return
	}
	tag := filepath.Base(live)
	w.check(err == nil && live == filepath.Join("releases", tag) && contains(tags, tag), "current -> %q (%v)", live, err)
	b, err := os.ReadFile(filepath.Join(root, "current", "DEPLOY_TAG"))
	w.check(err == nil && string(b) == tag+"\n", "current/DEPLOY_TAG = %q (%v), want %s", b, err, tag)
	m := w.exec(base, "deploy_manifest", "--tag", tag)
	b, err = os.ReadFile(filepath.Join(root, "current", "DEPLOY_MANIFEST"))
	w.check(m.code == 0 && err == nil && string(b) == m.stdout, "current/DEPLOY_MANIFEST = %q (%v), want %q", b, err, m.stdout)
	// each repo's folder is exactly its tagged tree (git tree hash)
	g := gittest.Runner(w.t, w.env)
	for _, l := range strings.Split(strings.TrimSpace(m.stdout), "\n") {
		n := strings.Fields(l)[0]
		tree := w.git(filepath.Join(base, n), "rev-parse", tag+"^{tree}")
		d, err := verify.CompareTree(context.Background(), g, filepath.Join(base, n), filepath.Join(root, "current", n), tree)
		w.check(err == nil && d.Tree == tree, "live release %s, repo %s: tree %s, want %s (%v; edited %v added %v deleted %v)", tag, n, d.Tree, tree, err, d.Edited, d.Added, d.Deleted)
	}
}

// releaseInvariants checks the root after a successful deploy of tag.
func (w *world) releaseInvariants(base, root, tag string, tags []string, settled bool) {
	w.t.Helper()
	live, _ := os.Readlink(filepath.Join(root, "current"))
	w.check(live == filepath.Join("releases", tag), "current -> %q, want releases/%s", live, tag)
	w.currentComplete(base, root, tags)
	// no leftovers of an interrupted deploy
	var left []string
	ents, _ := os.ReadDir(filepath.Join(root, "releases"))
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			left = append(left, e.Name())
		}
	}
	ents, _ = os.ReadDir(root)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			left = append(left, e.Name())
		}
	}
	w.check(len(left) == 0, "leftovers after a successful deploy: %v", left)
	// the live release and the one before it are kept (keep = 1)
	for _, t := range tags {
		if _, err := os.Stat(filepath.Join(root, "releases", t)); err != nil && w.deployedOK(root, t) {
			w.check(false, "release %s, live or the one before, was pruned", t)
		}
	}
	// deploys.log: every line a whole entry
	b, err := os.ReadFile(filepath.Join(root, "deploys.log"))
	lines := strings.Split(string(b), "\n")
	w.check(err == nil && len(b) > 0 && b[len(b)-1] == '\n', "deploys.log does not end in a newline (%v)", err)
	for i, l := range lines[:len(lines)-1] {
		var e map[string]any
		w.check(json.Unmarshal([]byte(l), &e) == nil && e["tag"] != nil && e["outcome"] != nil, "deploys.log:%d is no entry: %q", i+1, l)
	}
	w.check(flockFree(filepath.Join(root, "deploy.lock")), "deploy.lock is still held")
}

// deployedOK reports whether deploys.log records a successful deploy of tag.
func (w *world) deployedOK(root, tag string) bool {
	b, _ := os.ReadFile(filepath.Join(root, "deploys.log"))
	return bytes.Contains(b, []byte(`"tag":"`+tag+`","user"`)) && bytes.Contains(b, []byte(`"outcome":"ok"`))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// remotes gives each repo of base a bare origin under dir.
func (w *world) remotes(base, dir string, names []string) {
	for _, n := range names {
		bare := filepath.Join(dir, n+".git")
		w.git(base, "clone", "-q", "--bare", filepath.Join(base, n), bare)
		w.git(filepath.Join(base, n), "remote", "add", "origin", bare)
	}
}

// checkout_deploy_tag into a fresh folder: kill, rerun, check; then two at
// once into the same fresh folder.
func TestChaosCheckout(t *testing.T) {
	w := newWorld(t, 3)
	base, names := w.repos(5)
	remotes := t.TempDir()
	r := w.exec(base, "tag_for_deploy", "--time", "2026-11-25T10:00:00Z")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	tag := strings.TrimSpace(r.stdout)
	w.remotes(base, remotes, names)
	m := w.exec(base, "deploy_manifest", "--tag", tag)
	manifest := filepath.Join(t.TempDir(), "manifest")
	if err := os.WriteFile(manifest, []byte(m.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	tmpl := remotes + "/{name}.git"
	checkout := func(dir string) result {
		return w.exec(dir, "checkout_deploy_tag", "--manifest", manifest, "--url-template", tmpl, tag)
	}
	fresh := func() string {
		d := filepath.Join(t.TempDir(), "fresh")
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	d := fresh()
	warm := checkout(d)
	w.check(warm.code == 0, "checkout: exit %d: %s", warm.code, warm.stderr)
	w.checkoutInvariants(base, d, names, tag)
	max := warm.took + warm.took/5
	for i := 1; i <= iters; i++ {
		fig.iterations.Add(1)
		d := fresh()
		if i%2 == 0 {
			w.interrupt(max, d, "checkout_deploy_tag", "--manifest", manifest, "--url-template", tmpl, tag)
		} else {
			w.kill(max, d, "checkout_deploy_tag", "--manifest", manifest, "--url-template", tmpl, tag)
		}
		r := checkout(d)
		w.check(r.code == 0, "rerun of checkout: exit %d: %s", r.code, r.stderr)
		w.checkoutInvariants(base, d, names, tag)
	}
	// an existing basedir moved between two tags: the checkouts of the
	// second phase are killed too
	for _, n := range names {
		w.commit(filepath.Join(base, n), "second")
	}
	r = w.exec(base, "tag_for_deploy", "--time", "2026-11-25T11:00:00Z")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	tag2 := strings.TrimSpace(r.stdout)
	for _, n := range names {
		w.git(filepath.Join(base, n), "push", "-q", "origin", "refs/tags/"+tag2)
	}
	m2 := filepath.Join(t.TempDir(), "manifest2")
	if err := os.WriteFile(m2, []byte(w.exec(base, "deploy_manifest", "--tag", tag2).stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	d = fresh()
	if r := checkout(d); r.code != 0 {
		t.Fatal(r.stderr)
	}
	for i := 1; i <= iters; i++ {
		fig.iterations.Add(1)
		tg, mf := tag2, m2
		if i%2 == 0 {
			tg, mf = tag, manifest
		}
		w.kill(max, d, "checkout_deploy_tag", "--manifest", mf, "--url-template", tmpl, tg)
		r := w.exec(d, "checkout_deploy_tag", "--manifest", mf, "--url-template", tmpl, tg)
		w.check(r.code == 0, "rerun of checkout %s in an existing basedir: exit %d: %s", tg, r.code, r.stderr)
		w.checkoutInvariants(base, d, names, tg)
	}
	fig.iterations.Add(1)
	d = fresh()
	ra, rb := w.both(func() result { return checkout(d) }, func() result { return checkout(d) })
	w.check(ra.code <= 1 && rb.code <= 1 && (ra.code == 0 || rb.code == 0), "two checkouts at once: exit %d %s / exit %d %s", ra.code, ra.stderr, rb.code, rb.stderr)
	r = checkout(d)
	w.check(r.code == 0, "checkout after two at once: exit %d: %s", r.code, r.stderr)
	w.checkoutInvariants(base, d, names, tag)
}

func (w *world) checkoutInvariants(base, dir string, names []string, tag string) {
	w.t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	sort.Strings(got)
	w.check(strings.Join(got, " ") == strings.Join(names, " "), "the folder holds %v, want exactly %v (no leftovers)", got, names)
	for _, n := range names {
		repo := filepath.Join(dir, n)
		if _, err := os.Stat(repo); err != nil {
			w.check(false, "%s missing", n)
			continue
		}
		want := w.git(filepath.Join(base, n), "rev-parse", tag+"^{commit}")
		w.check(w.git(repo, "rev-parse", "HEAD") == want, "%s is not at %s", n, tag)
		w.check(w.git(repo, "status", "--porcelain") == "", "%s is not clean", n)
		w.check(len(locksLeft(filepath.Join(repo, ".git"))) == 0, "%s: lock files left: %v", n, locksLeft(filepath.Join(repo, ".git")))
	}
}

// push_tag to a slow remote (a pre-receive hook that takes its time):
// kill, rerun, check; then two at once.
func TestChaosPush(t *testing.T) {
	w := newWorld(t, 4)
	base, names := w.repos(5)
	remotes := t.TempDir()
	w.remotes(base, remotes, names)
	hook := "#!/bin/sh\ncat >/dev/null\nsleep 0.1\n"
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(remotes, n+".git", "hooks", "pre-receive"), []byte(hook), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	known := map[string]map[string]string{}
	newTag := func(i int) string {
		tag := fmt.Sprintf("P%d", i)
		r := w.exec(base, "tag_repos", tag)
		if r.code != 0 {
			t.Fatal(r.stderr)
		}
		w.learn(names, w.snapshot(base, names), tag, known)
		return tag
	}
	push := func(tag string) result { return w.exec(base, "push_tag", tag) }
	warm := push(newTag(0))
	w.check(warm.code == 0, "push_tag: exit %d: %s", warm.code, warm.stderr)
	w.remoteInvariants(remotes, names, known)
	max := warm.took + warm.took/5
	for i := 1; i <= iters; i++ {
		fig.iterations.Add(1)
		tag := newTag(i)
		if i%2 == 0 {
			w.interrupt(max, base, "push_tag", tag)
		} else {
			w.kill(max, base, "push_tag", tag)
		}
		w.remoteInvariants(remotes, names, knownUpTo(known, tag, false))
		r := push(tag)
		w.check(r.code == 0, "rerun of push_tag: exit %d: %s", r.code, r.stderr)
		w.remoteInvariants(remotes, names, known)
	}
	fig.iterations.Add(1)
	tag := newTag(iters + 1)
	ra, rb := w.both(func() result { return push(tag) }, func() result { return push(tag) })
	w.check(ra.code <= 1 && rb.code <= 1, "two pushes at once: exit %d %s / exit %d %s", ra.code, ra.stderr, rb.code, rb.stderr)
	r := push(tag)
	w.check(r.code == 0, "push after two at once: exit %d: %s", r.code, r.stderr)
	w.remoteInvariants(remotes, names, known)
}

// knownUpTo is known with tag optional (a killed push may or may not have
// pushed it).
func knownUpTo(known map[string]map[string]string, tag string, _ bool) map[string]map[string]string {
	out := map[string]map[string]string{}
	for t, m := range known {
		if t != tag {
			out[t] = m
		}
	}
	out["?"+tag] = known[tag]
	return out
}

// remoteInvariants checks each bare remote: every tag there is known and at
// the object pushed (a "?" entry may be absent), every known tag is there,
// and no lock file is left.
func (w *world) remoteInvariants(remotes string, names []string, known map[string]map[string]string) {
	w.t.Helper()
	for _, n := range names {
		bare := filepath.Join(remotes, n+".git")
		have := w.tagState(bare)
		for tag, at := range have {
			want, ok := known[tag][n]
			if !ok {
				want, ok = known["?"+tag][n]
			}
			w.check(ok && want == at, "remote %s: tag %s at %s, want %q", n, tag, at, want)
		}
		for tag, byRepo := range known {
			if strings.HasPrefix(tag, "?") {
				continue
			}
			_, there := have[tag]
			w.check(there || byRepo[n] == "", "remote %s lacks pushed tag %s", n, tag)
		}
		w.check(len(locksLeft(bare)) == 0, "remote %s: lock files left: %v", n, locksLeft(bare))
	}
}
