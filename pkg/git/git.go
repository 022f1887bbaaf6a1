// Package git runs the system git as a subprocess. It is the only place in
// deploytag that starts git: every call goes through a Runner, which runs
// "git -C DIR ARGS..." with a context and a deadline, a cleaned environment
// (LC_ALL=C, GIT_TERMINAL_PROMPT=0, no inherited GIT_DIR and friends), the
// arguments that keep a repo's own programs from running (Trust,
// SafeArgs), never through a shell, and as a child bound to the tool
// (pkg/proc: its own process group, ended when the call's context ends
// and when the tool ends, however it ends).
package git

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/Masterminds/semver/v3"

	"github.com/deploytag/deploytag/pkg/proc"
	"github.com/deploytag/deploytag/pkg/redact"
)

// MinVersion is the oldest git the tools accept. 2.25 is the first with
// "--end-of-options" understood everywhere we use it.
var MinVersion = semver.MustParse("2.25.0")

// DefaultTimeout bounds a local git call that has no deadline of its own.
const DefaultTimeout = 2 * time.Minute

// Sentinel errors for outcomes callers act on.
var (
	ErrNotInstalled = errors.New("git is not installed or not on PATH")
	ErrNotARepo     = errors.New("not a git repository")
	ErrTagExists    = errors.New("tag already exists")
	ErrNoRemote     = errors.New("no such remote")
)

// Error is a git invocation that failed. Its message is
// "git SUBCOMMAND in DIR: FIRST STDERR LINE".
type Error struct {
	Args     []string // the arguments after "git -C DIR"
	Dir      string
	ExitCode int // -1 when git did not exit on its own
	Stderr   string
	Err      error // the underlying error, e.g. context.DeadlineExceeded

	// Stdout is what git printed on stdout before failing, e.g. the
	// per-ref report of "push --porcelain".
	Stdout []byte
}

func (e *Error) Error() string {
	sub := "command"
	for i := 0; i < len(e.Args); i++ {
		a := e.Args[i]
		if a == "-c" || a == "-C" {
			i++ // skip the option's value
			continue
		}
		if !strings.HasPrefix(a, "-") {
			sub = a
			break
		}
	}
	msg := firstLine(e.Stderr)
	switch {
	case errors.Is(e.Err, context.DeadlineExceeded):
		msg = "timed out"
	case errors.Is(e.Err, context.Canceled):
		msg = "interrupted"
	case msg == "" && e.Err != nil:
		msg = e.Err.Error()
	}
	return fmt.Sprintf("git %s in %s: %s", sub, e.Dir, redact.Credentials(msg))
}

func (e *Error) Unwrap() error { return e.Err }

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(s, "fatal: ")
	s = strings.TrimPrefix(s, "error: ")
	return strings.TrimSpace(s)
}

// Runner runs git. The zero value is not usable; call New.
type Runner struct {
	path    string
	env     []string
	trace   io.Writer
	timeout time.Duration

	traceMu sync.Mutex
}

// Options configure a Runner.
type Options struct {
	// Trace, when set, receives each git argv and its directory.
	Trace io.Writer
	// Timeout bounds every call that has no earlier deadline; 0 means DefaultTimeout.
	Timeout time.Duration
	// Env is the environment to start from; nil means os.Environ().
	Env []string
}

var (
	versionOnce sync.Map // git path -> error from the version check
)

// New finds git on PATH, checks its version once per process, and returns a Runner.
func New(ctx context.Context, opts Options) (*Runner, error) {
	path, err := exec.LookPath("git")
	if err != nil {
		return nil, ErrNotInstalled
	}
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	r := &Runner{path: path, env: cleanEnv(env), trace: opts.Trace, timeout: opts.Timeout}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	if v, ok := versionOnce.Load(path); ok {
		if v != nil {
			return nil, v.(error)
		}
		return r, nil
	}
	out, err := r.Run(ctx, "", "version")
	if err == nil {
		err = CheckVersion(string(out))
	}
	if err != nil {
		versionOnce.Store(path, err)
		return nil, err
	}
	versionOnce.Store(path, nil)
	return r, nil
}

// CheckVersion parses the output of "git version" and refuses a git older
// than MinVersion, showing the version found.
func CheckVersion(out string) error {
	v, err := ParseVersion(out)
	if err != nil {
		return err
	}
	if v.LessThan(MinVersion) {
		return fmt.Errorf("git %s is too old: deploytag needs git %s or newer", v, MinVersion)
	}
	return nil
}

// ParseVersion reads "git version 2.39.5" (or "2.39.3 (Apple Git-146)",
// "2.41.0.windows.1") into a semantic version.
func ParseVersion(out string) (*semver.Version, error) {
	f := strings.Fields(out)
	if len(f) < 3 || f[0] != "git" || f[1] != "version" {
		return nil, fmt.Errorf("cannot parse git version %q", strings.TrimSpace(out))
	}
	parts := strings.SplitN(f[2], ".", 4)
	if len(parts) > 3 {
		parts = parts[:3]
	}
	v, err := semver.StrictNewVersion(strings.Join(parts, "."))
	if err != nil {
		v, err = semver.NewVersion(strings.Join(parts, "."))
	}
	if err != nil {
		return nil, fmt.Errorf("cannot parse git version %q", strings.TrimSpace(out))
	}
	return v, nil
}

// cleanEnv drops variables that would point git at another repository or
// make it prompt, then pins the locale and turns prompting off.
func cleanEnv(in []string) []string {
	drop := map[string]bool{
		"GIT_DIR": true, "GIT_WORK_TREE": true, "GIT_INDEX_FILE": true,
		"GIT_PREFIX": true, "GIT_COMMON_DIR": true, "GIT_OBJECT_DIRECTORY": true,
		"GIT_ALTERNATE_OBJECT_DIRECTORIES": true, "GIT_NAMESPACE": true,
		"LC_ALL": true, "GIT_TERMINAL_PROMPT": true,
		"GIT_ASKPASS": true, "SSH_ASKPASS": true, "SSH_ASKPASS_REQUIRE": true,
	}
	out := make([]string, 0, len(in)+4)
	for _, kv := range in {
		k, _, _ := strings.Cut(kv, "=")
		if drop[k] {
			continue
		}
		out = append(out, kv)
	}
	// An empty GIT_ASKPASS stops git from running core.askPass or
	// SSH_ASKPASS; ssh is told never to ask either. Together with the new
	// session in Do (no controlling terminal), nothing can prompt.
	return append(out,
		"LC_ALL=C",
		"GIT_TERMINAL_PROMPT=0",
		"GIT_ASKPASS=",
		"SSH_ASKPASS_REQUIRE=never",
	)
}

// Call is one git invocation.
type Call struct {
	Dir     string        // passed as "-C Dir"; empty runs without -C
	Args    []string      // everything after "git -C Dir"
	Stdin   io.Reader     // optional
	Env     []string      // extra variables, e.g. GIT_INDEX_FILE for one call
	Timeout time.Duration // 0 means the Runner's timeout
	// Stdout, when set, receives git's output as it comes (Do then
	// returns nil bytes), e.g. to stream a large output.
	Stdout io.Writer
	// Outlive lets a short local write run to its end even if this
	// process dies (SIGKILL): cut short, "git tag" or "update-ref" would
	// leave a lock file that blocks every later run.
	Outlive bool
	// Trust is what the call may run from the repo's own config; the
	// zero value, for calls that only read, runs none of it (SafeArgs).
	Trust Trust
}

// Run runs git with args in dir and returns its stdout.
func (r *Runner) Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return r.Do(ctx, Call{Dir: dir, Args: args})
}

// command builds the git command for argv as every call runs it: a
// child bound to this process (pkg/proc: a session of its own whose
// group ends when ctx ends, killed with this process, watched), with the
// cleaned environment, traced. Do adds its own stdio and, for a call
// that must outlive this process, unbinds it; startStream adds pipes.
func (r *Runner) command(ctx context.Context, argv []string) *proc.Cmd {
	r.Trace("git " + strings.Join(argv, " "))
	cmd := proc.Command(ctx, r.path, argv...)
	cmd.Env = r.env
	return cmd
}

// Trace writes "+ LINE" (redacted) to the runner's trace, if it has one:
// each command a run starts, for DEPLOYTAG_TRACE.
func (r *Runner) Trace(line string) {
	if r.trace == nil {
		return
	}
	r.traceMu.Lock()
	fmt.Fprintf(r.trace, "+ %s\n", redact.Credentials(line))
	r.traceMu.Unlock()
}

// Env is the environment every call starts from: the caller's, cleaned
// (see New).
func (r *Runner) Env() []string { return r.env }

// Timeout bounds every call that has no deadline of its own.
func (r *Runner) Timeout() time.Duration { return r.timeout }

// Do runs one call and returns its stdout. On failure it returns *Error.
func (r *Runner) Do(ctx context.Context, c Call) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = r.timeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	drivers := repoDrivers(c.Dir)
	if c.Trust&TrustFilters == 0 {
		for _, d := range drivers {
			if strings.ContainsAny(d, "=\n") {
				return nil, &Error{Args: c.Args, Dir: c.Dir, ExitCode: -1,
					Err: fmt.Errorf("the repo's config defines filter driver %q, which cannot be turned off for reading", d)}
			}
		}
	}
	argv := append(SafeArgs(c.Trust, drivers), Argv(c.Dir, c.Args)...)
	cmd := r.command(ctx, argv)
	if len(c.Env) > 0 {
		cmd.Env = append(append([]string(nil), r.env...), c.Env...)
	}
	cmd.Stdin = c.Stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	if c.Stdout != nil {
		cmd.Stdout = c.Stdout
	}
	cmd.Stderr = &stderr
	// git gets a session of its own: it has no terminal to prompt on, and
	// on timeout or cancel its whole process group (git and any ssh or
	// helper it started) is ended. When this process dies, however it
	// dies, git is killed (Linux: the parent-death signal) and so is its
	// group (the watchdog), unless the call must outlive it.
	if c.Outlive {
		cmd.Outlive()
	}
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	e := &Error{Args: c.Args, Dir: c.Dir, ExitCode: -1, Stderr: stderr.String(), Err: err}
	e.Stdout = stdout.Bytes()
	if ctx.Err() != nil {
		e.Err = ctx.Err()
		return nil, e
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		e.ExitCode = ee.ExitCode()
	}
	return nil, e
}

// Argv builds the argument list after the git binary.
func Argv(dir string, args []string) []string {
	if dir == "" {
		return append([]string(nil), args...)
	}
	return append([]string{"-C", dir}, args...)
}

// ExitCode returns the exit code carried by a *Error, or -1.
func ExitCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.ExitCode
	}
	return -1
}

// Stderr returns the stderr carried by a *Error.
func Stderr(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Stderr
	}
	return ""
}
