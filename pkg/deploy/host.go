package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/artifact"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/redact"
)

// VerifyFunc checks the release in the folder dir, of tag, against its own
// proof (DEPLOY_PROOF), with no repos and no git, and its tag's signature
// when the host requires one; an error says what does not match. written,
// when not nil, holds the blob ids of the files as they were written just
// before (artifact.Unpack), which it may take instead of reading them.
// shared are the shared paths the host makes (Options.Shared): a shared
// link the proof records beyond them is a difference (none for an
// artifact, whose links are made once it is installed).
type VerifyFunc func(ctx context.Context, dir, tag string, written *gitobj.Written, shared []string) error

// Artifact is a release artifact to install on this host.
type Artifact struct {
	R    io.Reader
	Name string // for messages: the file, or "stdin"
	// SHA256, when set, is the hex SHA-256 the artifact's bytes must have.
	SHA256 string
	// Stage installs the release and runs the command but leaves current
	// alone, for a later Switch.
	Stage bool
}

// ErrChecksum is returned for an artifact whose bytes do not hash to the
// SHA-256 it was shipped with.
var ErrChecksum = errors.New("artifact checksum mismatch")

// FromArtifact installs the release an artifact holds, on a host that
// needs no repos and no git: under the root's lock it checks that the
// root can take a new current link (place.CanSwitch), unpacks the
// artifact into a hidden folder under releases/, checks its SHA-256 (when
// given), verifies the release against its own proof (o.Verify), and only
// then renames it to releases/<TAG> (a release of the tag already there
// is kept if equal, else replaced), runs the environment's command,
// switches current (unless a.Stage), and prunes. A failure at any step
// leaves current as it was and no release of the artifact under a tag's
// name, unless it verified. Every attempt is logged in deploys.log except
// a successful stage: the deploy happens at the switch.
func FromArtifact(ctx context.Context, o Options, a Artifact) (Result, error) {
	o.defaults()
	if o.Verify == nil {
		return Result{}, errors.New("no verifier for releases from artifacts")
	}
	res := Result{}
	err := o.underLock(ctx, &res, "installing an artifact", func(root *place.Root) error {
		return o.fromArtifact(ctx, root, &res, a)
	}, func(err error) bool { return err != nil || !a.Stage })
	return res, err
}

func (o *Options) fromArtifact(ctx context.Context, root *place.Root, res *Result, a Artifact) error {
	// Everything the switch needs is checked before anything is installed
	// or run: a host that staged can switch.
	if err := root.CanSwitch(); err != nil {
		return fmt.Errorf("%w; nothing installed", err)
	}
	tmp, err := root.MkTemp("artifact")
	if err != nil {
		return err
	}
	installed := false
	defer func() {
		if !installed {
			os.RemoveAll(tmp)
		}
	}()
	// An interrupt (SIGINT, SIGTERM, SIGHUP cancel ctx) stops a read
	// that waits on a stalled sender: closing a pipe or file unblocks it.
	stop := context.AfterFunc(ctx, func() {
		if c, ok := a.R.(io.Closer); ok {
			c.Close()
		}
	})
	defer stop()
	h := sha256.New()
	pr := progress.Or(o.Progress)
	pr.Start("unpacking", 0)
	// Each file is hashed as it is written, so the check against the
	// proof below need not read it again.
	written := gitobj.NewWritten()
	tag, err := artifact.Unpack(io.TeeReader(progress.CountingReader(pr, ctxReader{ctx, a.R}), h), tmp, artifact.Limits{}, written)
	pr.Stop()
	res.Tag = tag // on failure too, when the artifact got as far as naming it
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("unpacking %s: %w", a.Name, context.Cause(ctx))
		}
		return fmt.Errorf("unpacking %s: %w", a.Name, fail.DiskFull(err, root.Dir))
	}
	if got := hex.EncodeToString(h.Sum(nil)); a.SHA256 != "" && !strings.EqualFold(got, a.SHA256) {
		return fmt.Errorf("%w: %s has sha256 %s, not %s (damaged in transit?); nothing installed", ErrChecksum, a.Name, got, strings.ToLower(a.SHA256))
	}
	if err := o.Verify(ctx, tmp, tag, written, nil); err != nil {
		return fmt.Errorf("release %s in %s does not verify; nothing installed: %w", tag, a.Name, err)
	}
	res.Release = tmp
	if err := o.readManifest(res); err != nil {
		return err
	}
	if err := o.linkShared(root, tmp, res.Manifest); err != nil {
		return err
	}
	var outcome place.Outcome
	res.Release, outcome, err = root.Install(tmp, tag)
	if err != nil {
		return fmt.Errorf("installing release %s: %w", tag, err)
	}
	installed = true
	res.Outcome = outcome
	if outcome == place.Restored {
		o.Warnf("release %s differed from the artifact (edited by hand?): restored it", tag)
	}
	if err := o.stageCommand(ctx, res); err != nil {
		return err
	}
	if a.Stage {
		res.Previous, _ = root.Live()
		return nil
	}
	return o.switchTo(ctx, root, res)
}

// Switch points current at a release kept under the root, after
// verifying it again against its own proof: tag, or with tag "" (a
// rollback) the newest kept release that was live before the current one
// and that no rollback left (place.Lineage: a second rollback goes one
// further back, never back to the release the first one left). With
// o.DryRun it checks that the root can take the new link, verifies and
// changes nothing. The environment's command is not run
// again: it ran when the release was staged.
func Switch(ctx context.Context, o Options, tag string) (Result, error) {
	o.defaults()
	if o.Verify == nil {
		return Result{}, errors.New("no verifier for releases")
	}
	res := Result{Tag: tag}
	what := "switching to " + tag
	if tag == "" {
		what = "rolling back"
		// Found before the lock as well, so that a rollback that cannot
		// get the lock is recorded with the tag it tried.
		res.Tag = rollbackTarget(o.Root)
	}
	err := o.underLock(ctx, &res, what, func(root *place.Root) error {
		if err := root.CanSwitch(); err != nil {
			return fmt.Errorf("not switched: %w", err)
		}
		live, _ := root.Live()
		if tag == "" {
			prev, ok, err := root.Previous()
			res.Tag = prev
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("nothing to roll back to: no release deployed before %s is kept in %s", orNone(live), root.Dir)
			}
		}
		if !root.Kept(res.Tag) {
			return fmt.Errorf("release %s is not kept in %s; ship its artifact again", res.Tag, root.Dir)
		}
		res.Release = root.ReleasePath(res.Tag)
		if err := o.Verify(ctx, res.Release, res.Tag, nil, o.Shared); err != nil {
			return fmt.Errorf("release %s does not verify; not switched: %w", res.Tag, err)
		}
		if err := o.readManifest(&res); err != nil {
			return err
		}
		if o.DryRun {
			res.Previous = live
			return nil
		}
		return o.switchTo(ctx, root, &res)
	}, func(error) bool { return !o.DryRun })
	return res, err
}

// rollbackTarget is the release a rollback in the root at dir would go to
// now, read without the lock, or "" when none is found.
func rollbackTarget(dir string) string {
	root, err := place.Open(dir)
	if err != nil {
		return ""
	}
	prev, ok, err := root.Previous()
	if err != nil || !ok {
		return ""
	}
	return prev
}

// ctxReader fails every read once ctx ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, context.Cause(c.ctx)
	}
	return c.r.Read(p)
}

func orNone(tag string) string {
	if tag == "" {
		return "(none live)"
	}
	return tag
}

// switchTo switches current to res.Tag, restarts and checks it (comeUp:
// on failure current goes back), and once it is up prunes, keeping the new
// live release, the one a rollback from it would go to, and the one live
// until now (or, when that was this tag already, the one live before it).
func (o *Options) switchTo(ctx context.Context, root *place.Root, res *Result) error {
	res.Previous, _ = root.Live()
	var back string
	if l, err := root.Lineage(); err == nil {
		back, _ = root.Back(l.Then(res.Tag))
	}
	before, _ := root.Before(res.Tag)
	if err := root.Switch(res.Tag); err != nil {
		return err
	}
	if err := o.comeUp(ctx, root, res); err != nil {
		return err
	}
	pruned, err := root.Prune(o.Keep, res.Tag, back, res.Previous, before)
	res.Pruned = pruned
	if err != nil {
		o.Warnf("pruning old releases: %v", err)
	}
	return nil
}

// readManifest fills res.Manifest from the release's DEPLOY_MANIFEST.
func (o *Options) readManifest(res *Result) error {
	p := filepath.Join(res.Release, place.ManifestFile)
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return fmt.Errorf("reading the manifest of %s: %w", res.Tag, err)
	}
	defer f.Close()
	m, err := manifest.Parse(f, p)
	if err != nil {
		return err
	}
	res.Manifest = m
	return nil
}

// underLock opens the root, takes its lock, removes what an interrupted
// deploy left, runs fn and, when log says so, logs the outcome.
func (o *Options) underLock(ctx context.Context, res *Result, what string, fn func(*place.Root) error, log func(error) bool) error {
	root, err := place.Open(o.Root)
	if err != nil {
		return err
	}
	res.Root = root.Dir
	history, err := root.OpenLog()
	if err != nil {
		return err
	}
	defer history.Close()
	history.Warnf = o.Warnf
	logged := func(err error) error {
		// Every record names its tag: an attempt that failed before any
		// tag was known (a rollback with nothing to roll back to, an
		// artifact unreadable from its start) changed nothing and is not
		// recorded; its error is reported all the same.
		if !log(err) || res.Tag == "" {
			return err
		}
		entry := place.NewEntry(o.Now(), o.Environment, res.Tag, o.User, o.Host, err)
		var rb *RolledBackError
		if errors.As(err, &rb) {
			entry.Outcome, entry.CheckOutput = place.OutcomeRolledBack, redact.Credentials(rb.Output)
		}
		lerr := history.Append(entry)
		if lerr == nil {
			return err
		}
		lerr = fail.DiskFull(lerr, root.Dir)
		if err != nil {
			return join(err, lerr)
		}
		// The work is done (current switched): say so, and that its
		// record is missing.
		hint := fmt.Sprintf("current names %s as deployed; only its line in %s is missing", res.Tag, place.LogFile)
		if h := fail.Hint(lerr); h != "" {
			hint += "; " + h
		}
		return &fail.Unrecorded{Err: fail.WithHint(fmt.Errorf("%s is live, but %s could not record it: %w", res.Tag, place.LogFile, lerr), hint)}
	}
	holder := fmt.Sprintf("pid %d, %s@%s, %s since %s", os.Getpid(), o.User, o.Host, what, o.Now().UTC().Format(time.RFC3339))
	lock, err := root.Lock(ctx, o.LockTimeout, holder, func(h string) {
		if h == "" {
			h = "another deploy"
		}
		o.Notef("waiting for the lock on %s (held by %s)", root.Dir, h)
	})
	if err != nil {
		return logged(err)
	}
	err = root.Clean()
	if err != nil {
		err = fmt.Errorf("removing what an interrupted deploy left: %w", err)
	} else {
		err = fn(root)
	}
	if res.Release == "" && res.Tag != "" {
		res.Release = filepath.Join(root.Dir, place.ReleasesDir, res.Tag)
	}
	return join(logged(err), lock.Unlock())
}
