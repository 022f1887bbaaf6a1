package cmdline

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/network"
)

// The flags several binaries share, defined once. Precedence is flag, then
// the environment variable, then deploy.toml.
var (
	BasedirFlag = Completes(Dirs, &cli.StringFlag{Name: "basedir", Value: ".", EnvVars: []string{"DEPLOYTAG_BASEDIR"},
		Usage: "folder whose sub-folders are the repos", TakesFile: true})
	ConfigFlag = &cli.StringFlag{Name: "config", EnvVars: []string{"DEPLOYTAG_CONFIG"},
		Usage: "config file (default: BASEDIR/deploy.toml if present)", TakesFile: true}
	JobsFlag = &cli.IntFlag{Name: "jobs", Aliases: []string{"j"}, Value: DefaultJobs(), EnvVars: []string{"DEPLOYTAG_JOBS"},
		Usage: "repos worked on at once", DefaultText: "4 per CPU, at most 16"}
	JSONFlag    = &cli.BoolFlag{Name: "json", Usage: "print one JSON record instead of lines"}
	TimeoutFlag = &cli.DurationFlag{Name: "timeout", Value: network.DefaultTimeout, EnvVars: []string{"DEPLOYTAG_TIMEOUT"},
		Usage: "deadline for each network step of one repo (push, fetch, clone, ls-remote), not for the whole run"}
	RemoteFlag = &cli.StringFlag{Name: "remote", EnvVars: []string{"DEPLOYTAG_REMOTE"},
		Usage: "git remote to use (default: config remote, else " + network.DefaultRemote + ")"}
	PrefixFlag = &cli.StringFlag{Name: "prefix", EnvVars: []string{"DEPLOYTAG_PREFIX"},
		Usage: "deploy tag prefix (default: config prefix, else " + names.DefaultPrefix + ")"}
	TimeFlag  = &cli.StringFlag{Name: "time", Usage: "time of the tag in RFC 3339, e.g. 2026-11-25T14:25:01Z (default: now)"}
	SignFlag  = &cli.BoolFlag{Name: "sign", Usage: "sign the tags (gpg or ssh, as git is configured)"}
	QuietFlag = &cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, EnvVars: []string{"DEPLOYTAG_QUIET"},
		Usage: "print no warnings and no progress (errors always print)"}
)

// AllowDirtyFlag is --allow-dirty: a new tag tags the committed code of a
// work tree with uncommitted changes to tracked files (tag_for_deploy,
// deploy); usage says when. DirtyOverride names it in the hint that
// refuses such a tree.
func AllowDirtyFlag(usage string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: allowDirtyName, Usage: usage}
}

const allowDirtyName = "allow-dirty"

// DirtyOverride is --allow-dirty as the hint of a refused dirty tree
// names it (tags.DeployOptions.DirtyOverride).
const DirtyOverride = "--" + allowDirtyName

// SignedFlag is --signed: a tag's signature must verify (verify_deploy_tag,
// deploy); usage says where.
func SignedFlag(usage string) *cli.BoolFlag {
	return &cli.BoolFlag{Name: "signed", Usage: usage}
}

// AllowedSignersFlag is --allowed-signers FILE, the ssh allowed-signers
// file --signed checks against, else the config's allowed_signers; usage
// says what it checks.
func AllowedSignersFlag(usage string) *cli.StringFlag {
	return &cli.StringFlag{Name: allowedSignersName, TakesFile: true, Usage: usage}
}

const allowedSignersName = "allowed-signers"

// SignersHint says how the operator gives an allowed-signers file, for
// the message of an ssh signature checked without one
// (sigcheck.Options.SignersHint).
const SignersHint = "--" + allowedSignersName + ", or allowed_signers in the config"

// DefaultJobs is the default bound on repos worked on at once: git work is
// mostly waiting on processes and disks, so a few per core.
func DefaultJobs() int { return min(4*runtime.NumCPU(), 16) }

// Env is what an Action needs to do its work: a git runner (and the same
// with the network policy), the loaded config, the basedir and the
// streams.
type Env struct {
	Name    string
	Git     *git.Runner
	Net     *network.Client // Git with the network policy, for the steps that reach remotes
	Config  *config.Config
	Basedir string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Quiet   bool

	Jobs    int           // --jobs, checked (DefaultJobs when the tool has none)
	Timeout time.Duration // --timeout, checked, when the tool has it
	Time    time.Time     // --time, or now, when the tool has it
	Remote  string        // --remote, else the config's, else origin, when the tool has it
	Prefix  string        // --prefix, else the config's, else DEPLOY, when the tool has it
	Sign    bool          // --sign, else the config's sign, when the tool has it
}

// Setup reads the common flags of c: the basedir (from --basedir when the
// App has it), the config file, tracing, and makes a git runner. It checks
// and reads, once for every tool, each shared flag the App declares:
// --jobs into Jobs, --timeout into Timeout, --time into Time, --quiet
// into Quiet (a bad value is a usage error, found before git is looked
// for), and, with the config, --remote, --prefix and --sign into Remote,
// Prefix and Sign.
func Setup(c *cli.Context) (*Env, error) { return setup(c, basedirOf(c), true) }

// SetupIn is Setup with the basedir given.
func SetupIn(c *cli.Context, dir string) (*Env, error) { return setup(c, dir, true) }

// SetupFiles is Setup for a tool that can do its work without git (a
// release checked on a host with no repos): the same basedir, flags and
// config, and no git runner.
func SetupFiles(c *cli.Context) (*Env, error) { return setup(c, basedirOf(c), false) }

// SetupIf is Setup when need is true; else, for a tool that can do its
// work from plain files alone (show_deploy_tag asking for a tag), an Env
// with no git runner and an empty config, with --jobs checked and
// --quiet read: neither git nor deploy.toml is looked for.
func SetupIf(c *cli.Context, need bool) (*Env, error) {
	if need {
		return Setup(c)
	}
	jobs, err := Jobs(c)
	if err != nil {
		return nil, err
	}
	return &Env{Name: c.App.Name, Stdin: c.App.Reader, Stdout: c.App.Writer, Stderr: c.App.ErrWriter, Config: &config.Config{},
		Quiet: c.Bool(QuietFlag.Name), Jobs: jobs}, nil
}

func basedirOf(c *cli.Context) string {
	if hasFlag(c, BasedirFlag.Name) {
		return c.String(BasedirFlag.Name)
	}
	return "."
}

func setup(c *cli.Context, dir string, withGit bool) (*Env, error) {
	if dir == "" {
		return nil, Usagef("empty basedir")
	}
	e := &Env{Name: c.App.Name, Basedir: filepath.Clean(dir), Stdin: c.App.Reader, Stdout: c.App.Writer, Stderr: c.App.ErrWriter,
		Jobs: DefaultJobs()}
	var err error
	if hasFlag(c, QuietFlag.Name) {
		e.Quiet = c.Bool(QuietFlag.Name)
	}
	if declares(c, JobsFlag) {
		if e.Jobs, err = Jobs(c); err != nil {
			return nil, err
		}
	}
	if declares(c, TimeoutFlag) {
		if e.Timeout, err = Timeout(c); err != nil {
			return nil, err
		}
	}
	if declares(c, TimeFlag) {
		if e.Time, err = Time(c); err != nil {
			return nil, err
		}
	}
	if withGit {
		opts := git.Options{}
		if os.Getenv("DEPLOYTAG_TRACE") != "" {
			opts.Trace = e.Stderr
		}
		g, err := git.New(c.Context, opts)
		if err != nil {
			return nil, err
		}
		no := network.Options{}
		if declares(c, TimeoutFlag) {
			no.MoreTime = "--" + TimeoutFlag.Name
		}
		e.Git, e.Net = g, network.New(g, no)
		OnExit(c.App, e.Net.Close)
	}
	path, required := filepath.Join(e.Basedir, config.FileName), false
	if hasFlag(c, ConfigFlag.Name) && c.String(ConfigFlag.Name) != "" {
		path, required = c.String(ConfigFlag.Name), true
	}
	if e.Config, err = config.Load(path, required); err != nil {
		return nil, err
	}
	if declares(c, RemoteFlag) {
		if e.Remote, err = e.remoteFlag(c); err != nil {
			return nil, err
		}
	}
	if declares(c, PrefixFlag) {
		if e.Prefix, err = e.prefixFlag(c); err != nil {
			return nil, err
		}
	}
	if declares(c, SignFlag) {
		e.Sign = e.signFlag(c)
	}
	return e, nil
}

// declares reports whether the App declares this very flag (not merely
// one of the same name, as list_deploy_tags's boolean --remote).
func declares(c *cli.Context, f cli.Flag) bool {
	for _, g := range c.App.Flags {
		if g == f {
			return true
		}
	}
	return false
}

func hasFlag(c *cli.Context, name string) bool {
	for _, f := range c.App.Flags {
		for _, n := range f.Names() {
			if n == name {
				return true
			}
		}
	}
	return false
}

// Warnf prints "NAME: warning: ..." unless --quiet.
func (e *Env) Warnf(format string, args ...any) {
	if e.Quiet {
		return
	}
	fmt.Fprintf(e.Stderr, "%s: warning: %s\n", e.Name, fmt.Sprintf(format, args...))
}

// Notef prints "NAME: ..." (a note, such as waiting for a lock) unless
// --quiet.
func (e *Env) Notef(format string, args ...any) {
	if e.Quiet {
		return
	}
	fmt.Fprintf(e.Stderr, "%s: %s\n", e.Name, fmt.Sprintf(format, args...))
}

// remoteFlag returns --remote, else the config's remote, else origin.
func (e *Env) remoteFlag(c *cli.Context) (string, error) {
	if c.IsSet(RemoteFlag.Name) {
		return e.RemoteName(c.String(RemoteFlag.Name))
	}
	return e.RemoteName("")
}

// RemoteName returns name if not empty (checked against the grammar; an
// empty value, e.g. DEPLOYTAG_REMOTE= in the environment, counts as
// unset), else the config's remote, else origin. Tools whose --remote is
// not a name (list_deploy_tags) pass $DEPLOYTAG_REMOTE through RemoteEnv.
func (e *Env) RemoteName(name string) (string, error) {
	switch {
	case name != "":
		return name, Usage(config.ValidRemote(name))
	case e.Config.Remote != "":
		return e.Config.Remote, nil
	}
	return network.DefaultRemote, nil
}

// RemoteEnv is the remote named by $DEPLOYTAG_REMOTE, else the config's,
// else origin.
func (e *Env) RemoteEnv() (string, error) {
	return e.RemoteName(os.Getenv(RemoteFlag.EnvVars[0]))
}

// prefixFlag returns --prefix, else the config's prefix, else DEPLOY.
func (e *Env) prefixFlag(c *cli.Context) (string, error) {
	if c.IsSet(PrefixFlag.Name) && c.String(PrefixFlag.Name) != "" {
		p := c.String(PrefixFlag.Name)
		return p, Usage(names.ValidPrefix(p))
	}
	if e.Config.Prefix != "" {
		return e.Config.Prefix, nil
	}
	return names.DefaultPrefix, nil
}

// signFlag returns --sign, else the config's sign.
func (e *Env) signFlag(c *cli.Context) bool {
	if c.IsSet(SignFlag.Name) {
		return c.Bool(SignFlag.Name)
	}
	return e.Config.Sign
}

// Jobs returns --jobs, checked.
func Jobs(c *cli.Context) (int, error) {
	n := c.Int(JobsFlag.Name)
	if n < 1 || n > 256 {
		return 0, Usagef("--jobs must be between 1 and 256, not %d", n)
	}
	return n, nil
}

// Timeout returns --timeout, checked: the one place that says what a
// timeout must be.
func Timeout(c *cli.Context) (time.Duration, error) {
	d := c.Duration(TimeoutFlag.Name)
	if d <= 0 {
		return 0, Usagef("--timeout must be positive, not %s", d)
	}
	return d, nil
}

// Time returns --time parsed, or now.
func Time(c *cli.Context) (time.Time, error) {
	if !c.IsSet(TimeFlag.Name) {
		return time.Now().UTC(), nil
	}
	t, err := names.ParseTime(c.String(TimeFlag.Name))
	return t, Usage(err)
}

// TagArg returns the first operand, the TAG a tool needs, checked
// against the tag grammar (a usage error when missing or malformed).
func TagArg(c *cli.Context) (string, error) {
	if c.NArg() < 1 {
		return "", Usagef("missing TAG")
	}
	tag := c.Args().First()
	return tag, TagOperand(tag)
}

// Repos selects the repos to work on: operands (REPO names or paths, "-"
// reading more from stdin), else the config's repos, else every repo of
// the basedir.
func (e *Env) Repos(operands []string) ([]basedir.Repo, error) {
	return basedir.Select(e.Basedir, e.Config.Repos, operands, e.Stdin)
}

// TagOperand checks a tag operand against the tag grammar (usage error).
func TagOperand(tag string) error {
	return Usage(names.ValidTagName(tag))
}
