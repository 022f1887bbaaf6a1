// Package deploy is the deploy workflow: settle the tag (check an
// existing one, or make one with the tag_for_deploy flow), push it, export
// the release into the environment's root, run the environment's command
// from it, switch current and log, one deploy at a time per root.
package deploy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/release"
	"github.com/deploytag/deploytag/pkg/tags"
)

// PushFunc pushes tag to the remotes of repos. It is called before
// anything is deployed; if it fails nothing is.
type PushFunc func(ctx context.Context, tag string, repos []basedir.Repo) error

// Options say what to deploy where.
type Options struct {
	Environment string // checked by the caller against names.ValidEnvironment
	Basedir     string
	Root        string // the environment's root, made on demand

	// Tag, when set, is the existing tag to deploy (checked by the caller
	// against names.ValidTagName); no tag is created. Otherwise a new
	// tag is made by the tag_for_deploy flow with Tagging.
	Tag     string
	Tagging tags.DeployOptions

	// Push, when set, pushes the tag before anything is deployed. Nil
	// means this environment does not push (push = false, --no-push).
	Push PushFunc

	Command []string // run from the release (or Workdir in it); none if empty
	Workdir string   // relative to the release, checked by config.ValidWorkdir
	Env     []string // the environment the command starts from
	Keep    int      // releases kept; 0 keeps all

	// Restart runs after every switch of current, from the live release
	// (or Workdir in it); Check after it, every CheckInterval until it
	// exits 0 or CheckTimeout passes. When either fails, current goes
	// back to the release live before, which is restarted.
	Restart, Check              []string
	CheckTimeout, CheckInterval time.Duration

	// Build runs where a release is made (a deploy from the repos, an
	// artifact), in the staged release (or Workdir in it), before its
	// proof is sealed: what it adds is recorded in the proof, and signed
	// with the ssh key at SignBuild when set. Shared are paths of the
	// release (REPO/PATH, a folder's ending in /) made links into
	// <root>/shared/ wherever the release is installed.
	Build     []string
	SignBuild string
	Shared    []string

	// ExportAttributes names the repos whose releases honour export-ignore
	// and export-subst (deploy.toml's export_attributes); every other repo
	// is exported as its tree, byte for byte.
	ExportAttributes []string

	// Artifact, when set, receives the release as an artifact (package
	// artifact) instead of deploying it here: nothing is switched.
	Artifact io.Writer
	// Verify checks a release against its own proof, for FromArtifact
	// and Switch.
	Verify VerifyFunc

	DryRun      bool
	Jobs        int
	LockTimeout time.Duration

	User, Host string
	Now        func() time.Time

	// Stderr receives the command's output and the messages below.
	Stderr io.Writer
	// Notef and Warnf print "deploy: ..." and "deploy: warning: ..." lines.
	Notef, Warnf func(format string, args ...any)
	// Progress, when set, is told as each repo is exported (tagging and
	// pushing report through Tagging.Progress and Push).
	Progress progress.Reporter
}

// Result is what a deploy did, or for a dry run would do.
type Result struct {
	Tag      string
	Manifest manifest.Manifest
	Root     string
	Release  string // <root>/releases/<TAG>
	Created  bool   // the tag came from the tag_for_deploy flow of this run
	Pushed   bool
	Outcome  place.Outcome
	Previous string // the tag live before, if any
	Pruned   []string
}

// Run deploys. Bad input (a tag missing somewhere, a dirty work tree, a
// repo not in the basedir) is found before anything is made or locked.
// Every attempt that gets as far as the root's lock is logged in
// deploys.log, failed or not.
func Run(ctx context.Context, g *network.Client, o Options) (Result, error) {
	o.defaults()
	res := Result{Root: o.Root}
	var repos []basedir.Repo
	switch {
	case o.Tag != "":
		t, err := CheckTag(ctx, g.Runner, o.Basedir, o.Tag, o.Tagging.ManifestRepo, o.Jobs)
		if err != nil {
			return Result{}, err
		}
		res.Tag, res.Manifest, repos = t.Tag, t.Manifest, t.Repos
	case o.DryRun:
		d, err := tags.PlanForDeploy(ctx, g.Runner, o.Tagging)
		if err != nil {
			return Result{}, err
		}
		res.Tag, res.Manifest, repos = d.Tag, d.Manifest, o.Tagging.Repos
	default:
		d, err := tags.ForDeploy(ctx, g.Runner, o.Tagging)
		if err != nil {
			return Result{}, err
		}
		res.Tag, res.Manifest, repos, res.Created = d.Tag, d.Manifest, o.Tagging.Repos, true
	}
	if abs, err := filepath.Abs(o.Root); err == nil {
		res.Root = abs
	}
	res.Release = filepath.Join(res.Root, place.ReleasesDir, res.Tag)
	if o.DryRun {
		return res, nil
	}
	var err error
	if o.Artifact != nil {
		res.Root, res.Release = "", ""
		err = o.writeArtifact(ctx, g, &res, repos)
	} else {
		err = o.deploy(ctx, g, &res, repos)
	}
	if err != nil && res.Created && !fail.OnlyUnrecorded(err) {
		err = &CreatedError{Err: err, Tag: res.Tag}
	}
	return res, err
}

func (o *Options) defaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	if o.Notef == nil {
		o.Notef = func(string, ...any) {}
	}
	if o.Warnf == nil {
		o.Warnf = func(string, ...any) {}
	}
	if o.Jobs < 1 {
		o.Jobs = 1
	}
	if o.CheckTimeout <= 0 {
		o.CheckTimeout = config.DefaultCheckTimeout
	}
	if o.CheckInterval <= 0 {
		o.CheckInterval = config.DefaultCheckInterval
	}
}

// CreatedError is a deploy that failed after it created its tag: the tag
// stays in the repos, and once the cause is fixed the deploy can be
// retried with it.
type CreatedError struct {
	Err error
	Tag string
	// Retry, when set, is the command that retries the deploy with Tag,
	// named in the hint (the command line words it).
	Retry string
}

func (e *CreatedError) Error() string {
	return fmt.Sprintf("deploying %s: %v", e.Tag, e.Err)
}
func (e *CreatedError) Unwrap() error { return e.Err }
func (e *CreatedError) Hint() string {
	h := fmt.Sprintf("tag %s stays in the repos", e.Tag)
	if e.Retry != "" {
		h += "; once the cause is fixed, retry with: " + e.Retry
	}
	if inner := fail.Hint(e.Err); inner != "" {
		h += "; " + inner
	}
	return h
}

// CheckExportAttributes refuses a name in deploy.toml's export_attributes
// that is no repo of the basedir dir, as an unknown name in repos is
// refused: a typo would otherwise drop a repo's export rules in silence.
func CheckExportAttributes(dir string, c *config.Config) error {
	_, err := basedir.Named(dir, c.ExportAttributes)
	if err == nil {
		return nil
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for i, e := range errs {
		errs[i] = fmt.Errorf("%s: export_attributes: %w", c.File, e)
	}
	return errors.Join(errs...)
}

// deploy takes the root's lock, does the steps after the tag is settled
// and logs the outcome, failed or not, before letting the next deploy in.
func (o *Options) deploy(ctx context.Context, g *network.Client, res *Result, repos []basedir.Repo) error {
	return o.underLock(ctx, res, "deploying "+res.Tag, func(root *place.Root) error {
		return o.locked(ctx, g, root, res, repos)
	}, func(error) bool { return true })
}

// join is errors.Join that returns a lone error as itself, so its wrappers
// (hints, repo names) stay visible to the caller.
func join(errs ...error) error {
	var nonNil []error
	for _, e := range errs {
		if e != nil {
			nonNil = append(nonNil, e)
		}
	}
	if len(nonNil) == 1 {
		return nonNil[0]
	}
	return errors.Join(nonNil...)
}

// pushThenSources pushes res.Tag when o.Push is set, a failure saying
// what it left undone (undone), and returns the sources of the release.
func (o *Options) pushThenSources(ctx context.Context, res *Result, repos []basedir.Repo, undone string) ([]release.Source, error) {
	if o.Push != nil {
		if err := o.Push(ctx, res.Tag, repos); err != nil {
			return nil, fmt.Errorf("pushing %s (%s): %w", res.Tag, undone, err)
		}
		res.Pushed = true
	}
	return sources(res, repos, o.ExportAttributes)
}

// locked pushes, builds and installs the release, runs the command and
// switches current. The lock is held.
func (o *Options) locked(ctx context.Context, g *network.Client, root *place.Root, res *Result, repos []basedir.Repo) error {
	if err := root.CanSwitch(); err != nil {
		return fmt.Errorf("%w; nothing deployed", err)
	}
	srcs, err := o.pushThenSources(ctx, res, repos, "nothing deployed")
	if err != nil {
		return err
	}
	var outcome place.Outcome
	if keptIntact(ctx, g.Runner, root, res.Tag, res.Manifest, srcs, o.Jobs, o.Shared) {
		// A rollback to a release still on disk: checked against its
		// proof and the repos, switched to without exporting it again.
		var err error
		if res.Release, err = root.Reuse(res.Tag); err != nil {
			return err
		}
		outcome = place.Intact
	} else {
		tmp, err := release.Build(ctx, g, root, res.Tag, res.Manifest, srcs, release.Options{Jobs: o.Jobs, Progress: o.Progress, Warnf: o.Warnf})
		if err != nil {
			return fmt.Errorf("exporting %s: %w", res.Tag, fail.DiskFull(err, root.Dir))
		}
		if err := join(o.runBuild(ctx, tmp, res), o.linkShared(root, tmp, res.Manifest)); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		res.Release, outcome, err = root.Install(tmp, res.Tag)
		if err != nil {
			os.RemoveAll(tmp)
			return fmt.Errorf("installing release %s: %w", res.Tag, err)
		}
	}
	res.Outcome = outcome
	if outcome == place.Restored {
		o.Warnf("release %s differed from the tag (edited by hand?): restored the tagged files", res.Tag)
	}
	if outcome == place.Intact { // kept: its links made again, as configured now
		if err := o.linkShared(root, res.Release, res.Manifest); err != nil {
			return err
		}
	}
	if err := o.stageCommand(ctx, res); err != nil {
		return err
	}
	return o.switchTo(ctx, root, res)
}

// stageCommand runs the environment's command, if any, and fails when it
// changed the release.
func (o *Options) stageCommand(ctx context.Context, res *Result) error {
	if len(o.Command) == 0 {
		return nil
	}
	return o.commandChanged(res.Release, func() error { return o.runCommand(ctx, res) })
}

// runCommand runs the environment's command from the release (or its
// workdir) with the deploy's variables set, its output on Stderr.
func (o *Options) runCommand(ctx context.Context, res *Result) error {
	dir := res.Release
	if o.Workdir != "" {
		if err := insideDir(res.Release, o.Workdir); err != nil {
			return err
		}
		dir = filepath.Join(res.Release, o.Workdir)
	}
	cmd := o.child(ctx, o.Command, dir,
		"DEPLOY_TAG="+res.Tag,
		"DEPLOY_ENVIRONMENT="+o.Environment,
		"DEPLOY_RELEASE="+res.Release,
		"DEPLOY_MANIFEST="+filepath.Join(res.Release, place.ManifestFile),
	)
	cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
	if err := cmd.Run(); !ran(cmd, err) {
		return fmt.Errorf("command %s failed: %w (current left at the previous release)", strings.Join(o.Command, " "), err)
	}
	return nil
}

// insideDir checks that rel names a real folder under dir, through real
// folders only: a symlink in the release is never followed.
func insideDir(dir, rel string) error {
	p := dir
	for _, part := range strings.Split(filepath.Clean(rel), string(filepath.Separator)) {
		p = filepath.Join(p, part)
		fi, err := os.Lstat(p)
		if err != nil || !fi.IsDir() {
			return fmt.Errorf("workdir %s is not a folder in the release", rel)
		}
	}
	return nil
}
