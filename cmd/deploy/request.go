package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/deploy"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/sigcheck"
)

// request is a deploy as its command line asks for it: deploy's own flags
// as given, before anything is read or run. check says whether the
// command line makes sense; do carries it out.
type request struct {
	Operands    []string // deploy takes none
	Environment string
	Tag         string // an existing tag to deploy; none makes one
	NoPush      bool
	DryRun      bool
	JSON        bool
	AllowDirty  bool
	LockTimeout time.Duration
	Keep        int // releases kept, when Given["keep"]; else the environment's keep

	Artifact     string // write the release to this file (- for stdout) instead of deploying it
	FromArtifact string // on a host: deploy the release in this artifact (- for stdin)
	SHA256       string // with FromArtifact: the artifact's SHA-256, in hex
	Stage        bool   // with FromArtifact: everything but the switch
	Switch       string // on a host: switch to the kept release of this tag
	Rollback     bool   // on a host: switch to the release live before

	// Signed, on a host, requires the release's tag (every repo's copy in
	// its proof) to be signed by a key AllowedSigners (else the config's
	// allowed_signers) allows, or by a key of the gpg keyring.
	Signed         bool
	AllowedSigners string

	// SignBuild, where a release is made, signs its build record with
	// this ssh key; SignedBuild, on a host, requires a signed one.
	SignBuild   string
	SignedBuild bool

	// Given names (without dashes) the flags given on the command line,
	// whatever their value: an empty --tag is a bad tag, not no tag. A
	// flag set only by its environment variable ($DEPLOYTAG_PREFIX,
	// $DEPLOYTAG_REMOTE) is a default, not given, and never conflicts
	// (cmdline.Given).
	Given map[string]bool
}

// The flags that choose a mode other than a deploy from the repos, and
// the flags that need the repos.
var (
	modeFlags  = []string{"artifact", "from-artifact", "switch", "rollback"}
	tagMakers  = []string{"prefix", "sign", "allow-dirty", "time"}
	repoFlags  = []string{"tag", "no-push", "prefix", "sign", "allow-dirty", "time", "remote"}
	hostOnlyOf = []string{"stage", "sha256"}
	signedOf   = []string{"signed", "allowed-signers", "signed-build"}
)

var sha256RE = regexp.MustCompile(`^[0-9a-fA-F]{64}$`)

// given returns those of names that r.Given holds, in the order given.
func (r request) given(names ...string) []string {
	var set []string
	for _, n := range names {
		if r.Given[n] {
			set = append(set, n)
		}
	}
	return set
}

// onHost reports whether r runs on a host with no repos and no git:
// --from-artifact, --switch or --rollback.
func (r request) onHost() bool {
	return r.Given["from-artifact"] || r.Given["switch"] || r.Given["rollback"]
}

// check returns a *fail.UsageError (exit status 2) for a command line
// that is wrong in itself: an operand, no --environment or one outside
// its grammar, a negative --keep or --lock-timeout, a bad tag name, or
// flags that cannot go together. It reads nothing and runs nothing.
func (r request) check() error {
	switch {
	case len(r.Operands) > 0:
		return fail.Usagef("unexpected operand %q: deploy takes flags only", r.Operands[0])
	case !r.Given["environment"]:
		return fail.Usagef("--environment is required")
	}
	if err := names.ValidEnvironment(r.Environment); err != nil {
		return fail.Usage(err)
	}
	if r.Keep < 0 {
		return fail.Usagef("--keep must be 0 (keep all) or more, not %d", r.Keep)
	}
	if r.LockTimeout < 0 {
		return fail.Usagef("--lock-timeout must not be negative, not %s", r.LockTimeout)
	}
	if err := r.checkModes(); err != nil || r.onHost() {
		return err
	}
	if r.Given["tag"] {
		if err := names.ValidTagName(r.Tag); err != nil {
			return fail.Usage(err)
		}
		if set := r.given(tagMakers...); len(set) > 0 {
			return fail.Usagef("--%s makes a new tag; it cannot go with --tag", set[0])
		}
	}
	if r.Given["artifact"] {
		switch {
		case r.Artifact == "":
			return fail.Usagef("--artifact is empty")
		case r.DryRun || r.JSON:
			return fail.Usagef("--artifact writes a file; it cannot go with --dry-run or --json")
		}
	}
	return nil
}

// checkModes checks the flags of the modes that run on a host from an
// artifact or a kept release: one mode at a time, and none of the flags
// that need repos.
func (r request) checkModes() error {
	modes := r.given(modeFlags...)
	if len(modes) > 1 {
		return fail.Usagef("--%s and --%s cannot go together", modes[0], modes[1])
	}
	if set := r.given(hostOnlyOf...); len(set) > 0 && !r.Given["from-artifact"] {
		return fail.Usagef("--%s goes with --from-artifact", set[0])
	}
	if set := r.given(signedOf...); len(set) > 0 && !r.onHost() {
		return fail.Usagef("--%s goes with --from-artifact, --switch or --rollback", set[0])
	}
	switch {
	case r.Given["allowed-signers"] && r.AllowedSigners == "":
		return fail.Usagef("--allowed-signers is empty")
	case r.Given["allowed-signers"] && !r.Signed && !r.SignedBuild:
		return fail.Usagef("--allowed-signers goes with --signed or --signed-build")
	case r.Given["sign-build"] && r.SignBuild == "":
		return fail.Usagef("--sign-build is empty")
	case r.Given["sign-build"] && r.onHost():
		return fail.Usagef("--sign-build signs where the release is made; it cannot go with --%s (that never builds)", r.given(modeFlags...)[0])
	}
	if !r.onHost() {
		return nil
	}
	if set := r.given(repoFlags...); len(set) > 0 {
		return fail.Usagef("--%s needs the repos; it cannot go with --%s", set[0], modes[0])
	}
	switch {
	case r.Given["from-artifact"] && r.FromArtifact == "":
		return fail.Usagef("--from-artifact is empty")
	case r.Given["from-artifact"] && r.DryRun:
		return fail.Usagef("--dry-run goes with --switch or --rollback, not --from-artifact")
	case r.Given["sha256"] && !sha256RE.MatchString(r.SHA256):
		return fail.Usagef("--sha256 %q is not 64 hex digits", r.SHA256)
	case r.Given["switch"]:
		return fail.Usage(names.ValidTagName(r.Switch))
	}
	return nil
}

// do carries out a checked request with e (the shared flags and
// deploy.toml as internal/cmdline reads them) in the environment's root,
// and writes its result on stdout: the tag (or the artifact's bytes, with
// --artifact -), the plan of a dry run, or the JSON record.
func (r request) do(ctx context.Context, e *cmdline.Env, root string) error {
	ecfg, err := e.Config.LookupEnvironment(r.Environment)
	if err != nil {
		return err
	}
	o := deploy.Options{
		Environment: r.Environment, Root: root, Command: ecfg.Command, Workdir: ecfg.Workdir, Keep: ecfg.Keep, Env: os.Environ(),
		Restart: ecfg.Restart, Check: ecfg.Check, CheckTimeout: ecfg.Timeout(), CheckInterval: ecfg.Interval(),
		Build: ecfg.Build, Shared: ecfg.Shared, SignBuild: r.SignBuild,
		Jobs: e.Jobs, User: cmdline.UserName(), Host: cmdline.HostName(), Stderr: e.Stderr, Warnf: e.Warnf, DryRun: r.DryRun,
		LockTimeout: r.LockTimeout, Progress: e.Progress(),
		Notef: func(f string, a ...any) { fmt.Fprintf(e.Stderr, "deploy: "+f+"\n", a...) },
	}
	if r.Given["keep"] {
		o.Keep = r.Keep
	}
	if r.onHost() {
		return r.doOnHost(ctx, e, o)
	}
	if err := deploy.CheckExportAttributes(e.Basedir, e.Config); err != nil {
		return err
	}
	o.Basedir, o.Tag, o.ExportAttributes = e.Basedir, r.Tag, e.Config.ExportAttributes
	if r.Tag == "" {
		repos, err := basedir.Select(e.Basedir, e.Config.Repos, nil, nil)
		if err != nil {
			return err
		}
		o.Tagging = taggingOptions(e, repos, r.AllowDirty)
	}
	o.Tagging.ManifestRepo = e.Config.ManifestRepo
	if ecfg.Pushes() && !r.NoPush {
		o.Push = deploy.Pusher(e.Net, pushOptions(e))
	}
	if r.Artifact != "" {
		res, err := deploy.RunToArtifact(ctx, e.Net, o, r.Artifact, e.Stdout)
		if err != nil || r.Artifact == "-" {
			return retryHint(err)
		}
		return writeResult(e.Stdout, res, o, false)
	}
	res, err := deploy.Run(ctx, e.Net, o)
	if err != nil && !fail.OnlyUnrecorded(err) {
		return retryHint(err)
	}
	if o.DryRun && !r.JSON {
		_, err = io.WriteString(e.Stdout, res.Plan(o))
		return err
	}
	return done(writeResult(e.Stdout, res, o, r.JSON), err)
}

// retryHint names, in the hint of a deploy that failed after it made its
// tag, the command line that retries it with that tag.
func retryHint(err error) error {
	var ce *deploy.CreatedError
	if errors.As(err, &ce) {
		ce.Retry = "deploy --" + tagFlag.Name + " " + ce.Tag
	}
	return err
}

// done is what a deploy whose switch happened returns: the error writing
// its result, else unrecorded (nil, or the *fail.Unrecorded saying that
// deploys.log could not record it, after the result was printed as on
// success).
func done(werr, unrecorded error) error {
	if werr != nil {
		return werr
	}
	return unrecorded
}

// writeResult prints what deploy prints on stdout: with asJSON the
// record (deploy.WriteJSON), else the tag and a newline.
func writeResult(w io.Writer, res deploy.Result, o deploy.Options, asJSON bool) error {
	if asJSON {
		return deploy.WriteJSON(w, res, o)
	}
	_, err := w.Write([]byte(res.Tag + "\n"))
	return err
}

// doOnHost deploys from an artifact, or switches to a kept release, with
// no repos and no git.
func (r request) doOnHost(ctx context.Context, e *cmdline.Env, o deploy.Options) error {
	signers := e.Config.AllowedSigners
	if r.Given["allowed-signers"] {
		signers = r.AllowedSigners
	}
	ecfg, err := e.Config.LookupEnvironment(r.Environment)
	if err != nil {
		return err
	}
	o.Verify = deploy.ProofVerifier(e.Jobs, r.Signed, r.SignedBuild || ecfg.SignedBuild,
		sigcheck.Options{AllowedSigners: signers, SignersHint: cmdline.SignersHint}, o.Progress)
	var res deploy.Result
	if r.Given["from-artifact"] {
		res, err = fromArtifact(ctx, o, deploy.Artifact{Name: r.FromArtifact, SHA256: r.SHA256, Stage: r.Stage}, e.Stdin)
	} else {
		res, err = deploy.Switch(ctx, o, r.Switch)
	}
	if err != nil && !fail.OnlyUnrecorded(err) {
		return err
	}
	o.Tag = res.Tag // given by the artifact or the operator, never made here
	if r.Rollback && r.DryRun && !r.JSON {
		_, err := fmt.Fprintf(e.Stdout, "%s -> %s\n", res.Previous, res.Tag)
		return err
	}
	return done(writeResult(e.Stdout, res, o, r.JSON), err)
}

// fromArtifact is deploy.FromArtifact reading a.Name: "-" is stdin (named
// "stdin" in messages), any other name a file.
func fromArtifact(ctx context.Context, o deploy.Options, a deploy.Artifact, stdin io.Reader) (deploy.Result, error) {
	if a.Name == "-" {
		a.Name, a.R = "stdin", stdin
		return deploy.FromArtifact(ctx, o, a)
	}
	f, err := os.Open(a.Name)
	if err != nil {
		return deploy.Result{}, err
	}
	defer f.Close()
	a.R = f
	return deploy.FromArtifact(ctx, o, a)
}
