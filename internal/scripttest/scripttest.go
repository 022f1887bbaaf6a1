// Package scripttest runs the testscript files of the deploytag binaries in
// a sealed git world: a HOME of its own with a fixed identity, no system
// config, fixed commit dates (so commit hashes and tags are the same on
// every run), and every binary of the suite, built from the current
// sources once per go test run (SharedBuild), on PATH. A binary's tests
// are
//
//	func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }
//
//	func TestScript(t *testing.T) { scripttest.Run(t, scripttest.Params("testdata/script")) }
//
// Every script has $BINDIR (the binaries) and $GUARD (the remote guard
// hook, scripts/guard-deploy-tags of this module) set.
//
// Every script needs git: Main fails without it. A script that needs
// another program says so at its top with need (internal/testneed):
// missing, the script is skipped with a line naming it, or fails with
// CI=true or DEPLOYTAG_TEST_ALL=1. No script uses [exec:...] conditions
// or skip for that.
//
// Extra script commands:
//
//	need PROG...               skip (or fail: see above) unless every PROG is on PATH
//	stdout2env NAME            set $NAME to the last stdout, trimmed
//	mkrepos DIR NAME...        make DIR/NAME repos, one commit each
//	commit DIR [MSG]           change DIR/CHANGES and commit it
//	mkremotes DIR NAME...      give DIR/NAME a bare origin in $WORK/remotes/NAME.git, pushed
//	gitdaemon BASE VAR         serve BASE over git:// on 127.0.0.1 (push enabled); $VAR=host:port
//	hanglistener VAR           a TCP listener that accepts and never answers; $VAR=host:port
//	sshd NAME                  an OpenSSH sshd on 127.0.0.1 (internal/sshtest); see sshdCmd
//	sshd stop|restart NAME     stop or restart it
//	githttp NAME ROOT [tls]    smart HTTP(S) with basic auth for the repos under ROOT; see githttpCmd
//	githttp fail NAME PREFIX STATUS, githttp stop NAME
//
// and, for the standard place, so that the tools reading releases can be
// tested before and besides the deploy tool:
//
//	mkrelease ROOT BASEDIR TAG [ENV [TIME]]  export TAG from BASEDIR's repos (git archive)
//	                                         into ROOT/releases/TAG, write DEPLOY_TAG,
//	                                         DEPLOY_MANIFEST and DEPLOY_PROOF (from git's own
//	                                         objects, see releasetest.WriteProof), switch
//	                                         ROOT/current, log it
//	freeport VAR                             $VAR = a free 127.0.0.1 port
//	httpget URL                              GET URL (waiting for the server to listen);
//	                                         body to stdout, "STATUS content-type" to stderr
//	metrics FILE                             parse FILE (stdout: the last output) with
//	                                         Prometheus' text-format parser, print what it
//	                                         read (MetricsText)
package scripttest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/internal/githttp"
	"github.com/deploytag/deploytag/internal/testneed"
)

// binDir holds the binaries and moduleRoot the module, once Main ran.
var binDir, moduleRoot string

// Main builds every binary of the suite (once per version of the sources,
// shared by every test package of a go test run: see SharedBuild), runs
// the tests and returns their exit code. Call it from TestMain.
func Main(m *testing.M) int {
	if reason, _ := testneed.Check("", "git"); reason != "" {
		fmt.Fprintln(os.Stderr, "scripttest:", reason)
		return 1
	}
	dir, err := SharedBuild()
	if err == nil {
		moduleRoot, err = ModuleRoot()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = dir
	return m.Run()
}

// SharedBuild returns a folder holding every binary of the suite built
// from the module's current sources. The folder is named by a hash of
// those sources (and of the Go release and build settings), under
// os.TempDir(), so the test packages of one go test run, which run as
// separate processes, build the binaries once between them; a lock makes
// the others wait for the first. Folders not used for two hours are
// removed.
func SharedBuild() (string, error) {
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	key, err := sourceKey(root)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(os.TempDir(), "deploytag-bin-"+key)
	lock, err := os.OpenFile(dir+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	now := time.Now()
	// dir.complete, beside dir (which holds only the binaries), says the
	// build in dir finished.
	if _, err := os.Stat(dir + ".complete"); err == nil {
		_ = os.Chtimes(dir, now, now) // in use: not pruned
		return dir, nil
	}
	pruneBuilds(dir, now)
	tmp, err := os.MkdirTemp(os.TempDir(), "deploytag-bin-tmp-")
	if err != nil {
		return "", err
	}
	if err := Build(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return dir, os.WriteFile(dir+".complete", nil, 0o644)
}

// sourceKey hashes what the binaries may be built from: every file under
// root but tests, test data and hidden folders (by path and content, so
// an embedded file counts too), the Go release and the environment that
// changes a build.
func sourceKey(root string) (string, error) {
	h := sha256.New()
	fmt.Fprintln(h, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	for _, v := range []string{"GOFLAGS", "CGO_ENABLED", "GOEXPERIMENT", "GOAMD64", "GOTOOLCHAIN"} {
		fmt.Fprintf(h, "%s=%s\n", v, os.Getenv(v))
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, "_test.go") || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fmt.Fprintf(h, "%s %d\n", rel, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:20], nil
}

// pruneBuilds removes the shared builds beside keep that no test run has
// used for two hours (a run touches its folder when it starts).
func pruneBuilds(keep string, now time.Time) {
	old, _ := filepath.Glob(filepath.Join(filepath.Dir(keep), "deploytag-bin-*"))
	stale := func(p string) bool {
		fi, err := os.Stat(p)
		return p != keep && err == nil && fi.IsDir() && now.Sub(fi.ModTime()) > 2*time.Hour
	}
	for _, p := range old {
		if !stale(p) {
			continue
		}
		// Under its lock, and looked at again: a run that took the lock
		// first has touched it.
		lock, err := os.OpenFile(p+".lock", os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			continue
		}
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil && stale(p) {
			os.Remove(p + ".complete")
			os.RemoveAll(p)
			os.Remove(p + ".lock")
		}
		lock.Close()
	}
}

// Build compiles ./cmd/... of the module into dir.
func Build(dir string) error {
	root, err := ModuleRoot()
	if err != nil {
		return err
	}
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/...")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the binaries: %v\n%s", err, out)
	}
	return nil
}

// ModuleRoot finds the folder holding go.mod, walking up from the working
// directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

// BinDir is where Main built the binaries.
func BinDir() string { return binDir }

// Params returns the testscript parameters for the scripts in dir.
func Params(dir string) testscript.Params {
	return testscript.Params{
		Dir:                 dir,
		Setup:               Setup,
		Cmds:                Commands(),
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       os.Getenv("UPDATE_SCRIPTS") != "",
	}
}

// Run runs the scripts p names (Params, with any commands a package
// adds), failing at once if Main did not build the binaries.
func Run(t *testing.T, p testscript.Params) {
	t.Helper()
	if binDir == "" {
		t.Fatal("scripttest.Main was not called from TestMain")
	}
	testscript.Run(t, p)
}

// FixedDate is the author and committer date of every commit in scripts.
const FixedDate = "2026-11-25T12:00:00Z"

// GitConfig is the sealed world's ~/.gitconfig.
const GitConfig = `[user]
	name = Deploy Tester
	email = tester@example.com
[init]
	defaultBranch = main
[tag]
	gpgSign = false
[commit]
	gpgSign = false
[advice]
	detachedHead = false
[protocol "file"]
	allow = always
[safe]
	directory = *
`

// tKey holds a script's testscript.T in its Values, for need.
type tKey struct{}

// Setup seals a script's environment.
func Setup(env *testscript.Env) error {
	env.Values[tKey{}] = env.T()
	home := filepath.Join(env.WorkDir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(home, ".gitconfig"), []byte(GitConfig), 0o644); err != nil {
		return err
	}
	for _, kv := range [][2]string{
		{"HOME", home},
		{"XDG_CONFIG_HOME", filepath.Join(home, ".config")},
		{"XDG_STATE_HOME", filepath.Join(env.WorkDir, "state")},
		{"GIT_CONFIG_NOSYSTEM", "1"},
		{"GIT_TERMINAL_PROMPT", "0"},
		{"LC_ALL", "C"},
		{"TZ", "UTC"},
		{"GIT_AUTHOR_DATE", FixedDate},
		{"GIT_COMMITTER_DATE", FixedDate},
		{"PATH", binDir + string(os.PathListSeparator) + env.Getenv("PATH")},
		{"BINDIR", binDir},
		{"GUARD", filepath.Join(moduleRoot, "scripts", "guard-deploy-tags")},
		// Scripts compare stderr exactly: a step that a loaded machine
		// makes last ten seconds must not gain a progress line. A script
		// about progress sets its own interval.
		{cmdline.ProgressEveryVar, "1h"},
	} {
		env.Setenv(kv[0], kv[1])
	}
	return nil
}

// Commands returns the extra script commands.
func Commands() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"need":         need,
		"stdout2env":   stdout2env,
		"mkrepos":      mkrepos,
		"commit":       commit,
		"mkremotes":    mkremotes,
		"gitdaemon":    gitdaemon,
		"hanglistener": hanglistener,
		"sshd":         sshdCmd,
		"githttp":      githttpCmd,
		"mkrelease":    mkrelease,
		"forgerecord":  forgerecord,
		"freeport":     freeport,
		"httpget":      httpget,
		"metrics":      metricsCmd,
	}
}

// need PROG...: the script goes on only if every PROG is on the script's
// PATH; else it is skipped with testneed's one-line reason, or fails
// with it (CI=true, DEPLOYTAG_TEST_ALL=1, or git missing).
func need(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: need PROG...")
	}
	reason, fail := testneed.Check(ts.Getenv("PATH"), args...)
	switch {
	case reason == "":
	case fail:
		ts.Fatalf("%s", reason)
	default:
		t, ok := ts.Value(tKey{}).(testscript.T)
		if !ok {
			ts.Fatalf("need: the script was not set up by scripttest.Setup")
		}
		t.Skip(reason)
	}
}

func stdout2env(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: stdout2env NAME")
	}
	ts.Setenv(args[0], strings.TrimSpace(ts.ReadFile("stdout")))
}

// Git runs git in dir within the script's environment and fails the script
// on error.
func Git(ts *testscript.TestScript, dir string, args ...string) string {
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = scriptEnv(ts)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		ts.Fatalf("git %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return string(out)
}

func scriptEnv(ts *testscript.TestScript) []string {
	var env []string
	for _, k := range []string{"HOME", "PATH", "GIT_CONFIG_NOSYSTEM", "GIT_TERMINAL_PROMPT", "LC_ALL", "TZ",
		"GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE", "TMPDIR", "XDG_CONFIG_HOME"} {
		env = append(env, k+"="+ts.Getenv(k))
	}
	return env
}

func mkrepos(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mkrepos DIR NAME...")
	}
	base := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(base, 0o755))
	for _, name := range args[1:] {
		dir := filepath.Join(base, name)
		Git(ts, base, "init", "-q", dir)
		ts.Check(os.WriteFile(filepath.Join(dir, "README"), []byte("this is "+name+"\n"), 0o644))
		Git(ts, dir, "add", "README")
		Git(ts, dir, "commit", "-q", "-m", "start "+name)
	}
}

func commit(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 || len(args) > 2 {
		ts.Fatalf("usage: commit DIR [MSG]")
	}
	dir := ts.MkAbs(args[0])
	msg := "change"
	if len(args) == 2 {
		msg = args[1]
	}
	f := filepath.Join(dir, "CHANGES")
	b, _ := os.ReadFile(f)
	b = append(b, []byte(msg+"\n")...)
	ts.Check(os.WriteFile(f, b, 0o644))
	Git(ts, dir, "add", "CHANGES")
	Git(ts, dir, "commit", "-q", "-m", msg)
}

func mkremotes(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: mkremotes DIR NAME...")
	}
	base := ts.MkAbs(args[0])
	remotes := ts.MkAbs("remotes")
	ts.Check(os.MkdirAll(remotes, 0o755))
	for _, name := range args[1:] {
		bare := filepath.Join(remotes, name+".git")
		Git(ts, remotes, "init", "-q", "--bare", bare)
		dir := filepath.Join(base, name)
		Git(ts, dir, "remote", "add", "origin", bare)
		Git(ts, dir, "push", "-q", "origin", "HEAD:refs/heads/main")
	}
}

func gitdaemon(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: gitdaemon BASE VAR")
	}
	base := ts.MkAbs(args[0])
	port := freePort(ts)
	cmd := exec.Command("git", "daemon", "--reuseaddr", "--listen=127.0.0.1", fmt.Sprintf("--port=%d", port),
		"--base-path="+base, "--export-all", "--enable=receive-pack", "--informative-errors", base)
	cmd.Env = scriptEnv(ts)
	// "git daemon" runs git-daemon as a child: kill the whole group, or
	// that child outlives the script, still listening.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	ts.Check(cmd.Start())
	ts.Defer(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			ts.Fatalf("git daemon did not start on %s", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Setenv(args[1], addr)
}

func freePort(ts *testscript.TestScript) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func hanglistener(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hanglistener VAR")
	}
	addr, stop, err := githttp.Hang()
	ts.Check(err)
	ts.Defer(stop)
	ts.Setenv(args[0], addr)
}
