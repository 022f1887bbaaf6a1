package tags

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/versionwarn"
)

// DeployOptions configure ForDeploy.
type DeployOptions struct {
	Repos      []basedir.Repo
	Prefix     string
	Time       time.Time // zero means now
	Sign       bool
	AllowDirty bool
	// DirtyOverride, when set, names what tags the committed code of a
	// work tree with uncommitted changes anyway (the command line's
	// --allow-dirty), in the hint that refuses one.
	DirtyOverride string
	Jobs          int
	// ManifestRepo, when set, names one of Repos on whose deploy-manifests
	// branch the manifest is committed as manifests/<TAG>.
	ManifestRepo string
	// Warnf receives warnings (untracked files, dirty trees allowed).
	Warnf func(format string, args ...any)
	// Progress, when set, is told as each repo is read, checked and tagged.
	Progress progress.Reporter
	// LockTimeout and Waiting: see Options.
	LockTimeout time.Duration
	Waiting     func(repo string)
	// VersionWarnings, once the tag is applied, warns (Warnf) of each file
	// of a work tree that could make the deploy tag the code's version
	// (versionwarn.WorkTree): tag_for_deploy's check, as a deploy's export
	// makes it on the release.
	VersionWarnings bool
}

// Deployed is what ForDeploy made.
type Deployed struct {
	Tag      string
	Manifest manifest.Manifest
	Result   Result
}

// ForDeploy is tag_for_deploy: it reads every repo's HEAD and status,
// refuses uncommitted changes to tracked files (naming every such repo)
// unless AllowDirty, warns about untracked files, names a new deploy tag
// after the HEADs and the time, applies it to every repo all or nothing,
// and records the manifest on the manifest repo's branch if configured.
func ForDeploy(ctx context.Context, g *git.Runner, o DeployOptions) (Deployed, error) {
	warnf := o.Warnf
	if warnf == nil {
		warnf = func(string, ...any) {}
	}
	var mrepo *basedir.Repo
	for i := range o.Repos {
		if o.Repos[i].Name == o.ManifestRepo {
			mrepo = &o.Repos[i]
		}
	}
	if o.ManifestRepo != "" && mrepo == nil {
		return Deployed{}, fmt.Errorf("manifest_repo %q is not one of the repos deployed", o.ManifestRepo)
	}
	m, err := statuses(ctx, g, o, warnf)
	if err != nil {
		return Deployed{}, err
	}
	at := o.Time
	if at.IsZero() {
		at = time.Now()
	}
	t, err := names.New(o.Prefix, at, m.Hash())
	if err != nil {
		return Deployed{}, err
	}
	d := Deployed{Tag: t.String(), Manifest: m}
	// One tagging run at a time over these repos: the checks see every
	// earlier run settled, its rollback included.
	locks, err := Lock(ctx, o.Repos, o.LockTimeout, o.Waiting)
	if err != nil {
		return Deployed{}, err
	}
	defer locks.Unlock()
	plan, err := Check(ctx, g, Options{Tag: d.Tag, Repos: o.Repos, Commits: m, Sign: o.Sign, Jobs: o.Jobs, Progress: o.Progress, CommitsRead: true})
	if err != nil {
		return Deployed{}, err
	}
	if d.Result, err = plan.Apply(ctx, g); err != nil {
		return Deployed{}, err
	}
	if mrepo != nil {
		if err := RecordManifest(ctx, g, mrepo.Path, d.Tag, m); err != nil {
			err = basedir.Wrap(mrepo.Name, fmt.Errorf("recording the manifest: %w", err))
			return Deployed{}, errors.Join(err, plan.Rollback(ctx, g, d.Result))
		}
	}
	if o.VersionWarnings {
		for _, r := range o.Repos {
			for _, w := range versionwarn.WorkTree(r.Path, o.Prefix) {
				warnf("%s (%s)", w, r.Name)
			}
		}
	}
	return d, nil
}

func statuses(ctx context.Context, g *git.Runner, o DeployOptions, warnf func(string, ...any)) (manifest.Manifest, error) {
	sts := make([]git.Status, len(o.Repos))
	errs := make([]error, len(o.Repos))
	// Each repo's failure is kept beside the checks below, so that every
	// problem of every repo is reported together. Progress stops before
	// any warning is printed.
	fan := basedir.Fanout{Jobs: o.Jobs, Step: "reading", Progress: o.Progress}
	err := fan.Each(ctx, len(o.Repos), func(i int) string { return o.Repos[i].Name }, func(ctx context.Context, i int) error {
		st, err := g.Status(ctx, o.Repos[i].Path)
		sts[i], errs[i] = st, basedir.Wrap(o.Repos[i].Name, err)
		return nil
	})
	if err != nil {
		return nil, err
	}
	entries := make([]manifest.Entry, 0, len(o.Repos))
	for i, r := range o.Repos {
		st := sts[i]
		switch {
		case errs[i] != nil:
			continue
		case st.Head == "":
			errs[i] = basedir.Errorf(r.Name, "HEAD has no commit yet (unborn branch)")
			continue
		case len(st.Changed) > 0 && !o.AllowDirty:
			errs[i] = dirtyError(r.Name, st.Changed, o.DirtyOverride)
		case len(st.Changed) > 0:
			warnf("deploying the committed code of %s, which has uncommitted changes to %s", r.Name, list(st.Changed))
		}
		if len(st.Untracked) > 0 {
			warnf("untracked files are not deployed (%s): %s", r.Name, list(st.Untracked))
		}
		entries = append(entries, manifest.Entry{Name: r.Name, Commit: st.Head})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return manifest.New(entries...)
}

type dirtyErr struct {
	error
	override string // DeployOptions.DirtyOverride
}

func (e dirtyErr) Unwrap() error { return e.error }

func (e dirtyErr) Hint() string {
	if e.override == "" {
		return "commit or stash the changes"
	}
	return "commit or stash the changes, or pass " + e.override + " to tag the committed code anyway"
}

func dirtyError(repo string, paths []string, override string) error {
	return dirtyErr{basedir.Errorf(repo, "uncommitted changes to tracked files: %s", list(paths)), override}
}

func list(paths []string) string {
	const n = 3
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}
