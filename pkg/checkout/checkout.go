// Package checkout makes a basedir match a deploy tag, the way a developer
// rebuilds an environment from nothing but its tag.
//
// Run finds the tag's manifest (see findManifest), then works in two
// phases. The preflight looks at every repo of the manifest before any
// repo moves: an existing repo must have no uncommitted changes to tracked
// files, its remote must have the tag, the tag must be annotated and point
// at the manifest's commit, and checking it out must not overwrite
// untracked files. A missing repo is cloned in the preflight, into a
// hidden temporary folder inside the basedir, and checked out there. Only
// when every repo passes does the second phase move anything: existing
// repos are checked out detached at the tag's commit and the new clones
// are renamed into place. A failed preflight removes its temporary clones,
// so the basedir's repos are as they were (tags fetched stay: a fetched
// tag is the remote's, and tags never move).
//
// Every network step (fetch, clone) goes through pkg/network:
// its own deadline, only the allowed transports (never ext::), ssh in
// batch mode, never a prompt. Tags are fetched with a
// non-forcing refspec, so a local tag of the same name at another object
// is never replaced: that repo fails. Nothing is ever checked out with
// --force, so uncommitted work is never lost.
package checkout

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
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/redact"
	"github.com/deploytag/deploytag/pkg/tags"
)

// DefaultMaxRepos is Options.MaxRepos when 0.
const DefaultMaxRepos = 1000

// Options say which tag to check out where.
type Options struct {
	Basedir string
	Tag     string // checked by the caller with names.ValidTagName
	// URLTemplate gives the URL of a missing repo, {name} standing for its
	// name; checked by the caller with ValidURLTemplate. Empty: derived
	// from the remote URL of the first existing repo (by name) that has one.
	URLTemplate  string
	ManifestFile string // read the manifest from this file ("-": Stdin) instead of looking for it
	Stdin        io.Reader
	// MaxRepos bounds the repos a manifest may name (DefaultMaxRepos when
	// 0): a larger one is refused before anything is fetched or cloned.
	MaxRepos     int
	ManifestRepo string   // deploy.toml's manifest_repo
	Repos        []string // deploy.toml's repos: more places to look for the tag
	// Sources are the REPO operands: repos of the deploy to read the tag's
	// manifest from, at their URLs, when the basedir and deploy.toml do
	// not say where (an empty folder and a URL template); tried in order.
	Sources []string
	Remote  string // checked by the caller with config.ValidRemote
	// Flags are the command line's names for the settings above that a
	// message or hint may tell the operator to give or raise.
	Flags   Flags
	Timeout time.Duration
	Jobs    int
	Warnf   func(format string, args ...any)
	// Progress, when set, is told as each repo is fetched (or cloned) and
	// checked out.
	Progress progress.Reporter
}

// Result is what Run did.
type Result struct {
	Manifest manifest.Manifest
	Source   string   // where the manifest was read
	Repos    []string // every repo of the manifest, now detached at its commit
	Cloned   []string // the repos this run cloned
}

// repoPlan is one repo of the manifest as the preflight found it.
type repoPlan struct {
	name, path, commit string
	tmpDir             string  // temporary parent of a new clone, removed at the end
	done               func()  // removes tmpDir and releases its owner lock
	moved              bool    // the second phase is done for it
	clone              string  // the new clone inside tmpDir, renamed to path
	at                 bool    // already detached at commit
	units              []*unit // the repo and its submodules, to fill once it moved
}

type work struct {
	g        *network.Client
	o        Options
	existing []basedir.Repo
	template string // o.URLTemplate, or derived
	tmplErr  error  // why no template could be derived
	lfsState
}

// Flags are how the operator gives three of Options' settings (the
// command line's flags: "--manifest", "--url-template", "--max-repos"),
// named in the messages and hints that ask for them; one left empty is
// named in plain words.
type Flags struct {
	Manifest, URLTemplate, MaxRepos string
}

// name is flag, or what when the caller named no flag.
func name(flag, what string) string {
	if flag == "" {
		return what
	}
	return flag
}

// Run makes every repo of the tag's manifest exist in the basedir,
// detached at the commit the manifest records, or changes no repo.
func Run(ctx context.Context, g *network.Client, o Options) (Result, error) {
	if o.Remote == "" {
		o.Remote = network.DefaultRemote
	}
	if o.Timeout <= 0 {
		o.Timeout = network.DefaultTimeout
	}
	if o.Warnf == nil {
		o.Warnf = func(string, ...any) {}
	}
	if o.MaxRepos <= 0 {
		o.MaxRepos = DefaultMaxRepos
	}
	w := &work{g: g, o: o}
	if err := w.scan(ctx); err != nil {
		return Result{}, err
	}
	// What interrupted runs left: their temporary clones.
	if _, err := sweep(o.Basedir); err != nil {
		o.Warnf("removing what an interrupted checkout left: %v", err)
	}
	m, source, err := w.findManifest(ctx)
	if err != nil {
		return Result{}, err
	}
	if err := w.plausible(m); err != nil {
		return Result{}, err
	}
	res := Result{Manifest: m, Source: source}
	inManifest := map[string]bool{}
	for _, e := range m {
		inManifest[e.Name] = true
	}
	for _, r := range w.existing {
		if !inManifest[r.Name] {
			o.Warnf("%s is not in the manifest of %s; left as it is", r.Name, o.Tag)
		}
	}

	plans := make([]*repoPlan, len(m))
	for i, e := range m {
		plans[i] = &repoPlan{name: e.Name, path: filepath.Join(o.Basedir, e.Name), commit: e.Commit}
	}
	defer func() {
		for _, p := range plans {
			if p.done != nil {
				p.done() // removes tmpDir, then releases its owner
			}
		}
	}()
	if err := w.step(ctx, "fetching", plans, w.preflight); err != nil {
		return Result{}, err
	}
	if err := w.step(ctx, "checking out", plans, w.move); err != nil {
		return Result{}, errors.Join(err, partial(o.Tag, plans))
	}
	for _, p := range plans {
		res.Repos = append(res.Repos, p.name)
		if p.clone != "" {
			res.Cloned = append(res.Cloned, p.name)
		}
	}
	return res, nil
}

// step runs f on every plan, at most Jobs at once, reporting progress as
// the named step, and joins every failure, each naming its repo; one
// repo's failure never stops or blames the others.
func (w *work) step(ctx context.Context, name string, plans []*repoPlan, f func(context.Context, *repoPlan) error) error {
	fan := basedir.Fanout{Jobs: w.o.Jobs, Step: name, Progress: w.o.Progress}
	return fan.Each(ctx, len(plans), func(i int) string { return plans[i].name }, func(ctx context.Context, i int) error {
		return wrapAll(plans[i].name, f(ctx, plans[i]))
	})
}

// scan lists the repos already in the basedir and settles the URL template.
func (w *work) scan(ctx context.Context) error {
	fi, err := os.Stat(w.o.Basedir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("basedir %s does not exist", w.o.Basedir)
	case err != nil:
		return fmt.Errorf("basedir: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("basedir %s is not a folder", w.o.Basedir)
	}
	// The manifest says which repos there are; a work tree outside the
	// name grammar cannot be one of them.
	if repos, err := basedir.Discover(w.o.Basedir); err == nil || basedir.OnlyNotTaken(err) {
		w.existing = repos
	}
	w.template = w.o.URLTemplate
	if w.template != "" {
		return nil
	}
	w.tmplErr = errors.New("no " + name(w.o.Flags.URLTemplate, "URL template") + " given, and no repo in the basedir has a remote " + w.o.Remote + " to derive one from")
	for _, r := range w.existing {
		url, err := w.g.RemoteURL(ctx, r.Path, w.o.Remote)
		if err != nil {
			continue
		}
		if w.template, err = DeriveTemplate(url); err != nil {
			w.tmplErr = basedir.Wrap(r.Name, err)
		}
		return nil
	}
	return nil
}

func (w *work) has(name string) (basedir.Repo, bool) {
	for _, r := range w.existing {
		if r.Name == name {
			return r, true
		}
	}
	return basedir.Repo{}, false
}

// preflight checks one repo, or clones it into a temporary folder.
func (w *work) preflight(ctx context.Context, p *repoPlan) error {
	if basedir.IsWorkTree(p.path) {
		return w.checkExisting(ctx, p)
	}
	if _, err := os.Lstat(p.path); err == nil {
		return fmt.Errorf("%s is in the way: it is not a git work tree", p.path)
	}
	return w.cloneMissing(ctx, p)
}

func (w *work) checkExisting(ctx context.Context, p *repoPlan) error {
	st, err := w.g.Status(ctx, p.path)
	if err != nil {
		return err
	}
	var errs []error
	if len(st.Changed) > 0 {
		errs = append(errs, dirtyErr{fmt.Errorf("uncommitted changes to tracked files: %s", list(st.Changed))})
	}
	if err := w.fetchTag(ctx, p.path); err != nil {
		errs = append(errs, err)
	} else if err := w.verifyTag(ctx, p, p.path); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	if err := w.prepare(ctx, p, p.path); err != nil {
		return err
	}
	if st.Head == p.commit {
		// Same commit: moving HEAD touches no file. Is it already detached?
		_, err := w.g.Run(ctx, p.path, "symbolic-ref", "-q", "HEAD")
		switch git.ExitCode(err) {
		case 0:
		case 1:
			p.at = true
		default:
			return err
		}
		return nil
	}
	if st.Head == "" {
		return nil // unborn: there is nothing to compare the tag's tree with
	}
	// A dry run of the checkout: would it overwrite untracked files?
	// It locks the index while it looks, so once started it runs to its
	// end, interrupt or kill: cut part-way it would leave index.lock.
	_, err = w.g.Do(context.WithoutCancel(ctx), git.Call{Dir: p.path, Args: []string{"read-tree", "-n", "-m", "-u", "--exclude-per-directory=.gitignore", "HEAD", p.commit}, Outlive: true})
	if err != nil {
		return fmt.Errorf("checking out %s would fail: %s", short(p.commit), reason(err))
	}
	return nil
}

func (w *work) cloneMissing(ctx context.Context, p *repoPlan) error {
	if w.template == "" {
		return fmt.Errorf("not in the basedir and cannot be cloned: %w", w.tmplErr)
	}
	url := Expand(w.template, p.name)
	dir, done, err := makeCloneDir(w.o.Basedir, p.name)
	if err != nil {
		return err
	}
	p.tmpDir, p.done = dir, done
	clone, err := filepath.Abs(filepath.Join(dir, p.name))
	if err != nil {
		return err
	}
	_, err = w.net(ctx, w.g.Clone, network.Call{Remote: url, Args: []string{"--quiet", "--no-checkout", "--origin", w.o.Remote},
		Refs: []string{clone}})
	if err != nil {
		return w.netError("cloning "+url, err)
	}
	if err := w.fetchTag(ctx, clone); err != nil {
		return err
	}
	if err := w.verifyTag(ctx, p, clone); err != nil {
		return err
	}
	if _, err := w.g.Do(ctx, git.Call{Dir: clone, Args: []string{"checkout", "--quiet", "--detach", p.commit, "--"}, Env: skipSmudge}); err != nil {
		return fmt.Errorf("checking out %s in the new clone: %s", short(p.commit), reason(err))
	}
	p.clone = clone
	return w.prepare(ctx, p, clone)
}

// move is the second phase: check an existing repo out, or put a new
// clone in place.
func (w *work) move(ctx context.Context, p *repoPlan) error {
	switch {
	case p.clone != "":
		if _, err := os.Lstat(p.path); err == nil {
			return fmt.Errorf("%s appeared while cloning; the clone was dropped", p.path)
		}
		if err := os.Rename(p.clone, p.path); err != nil {
			return err
		}
	case !p.at:
		// A started checkout runs to its end even if this tool is killed:
		// cut part-way, it would leave files changed and index.lock behind,
		// and no rerun could finish (the repo would look dirty).
		if _, err := w.g.Do(context.WithoutCancel(ctx), git.Call{Dir: p.path, Args: []string{"checkout", "--quiet", "--detach", p.commit, "--"}, Env: skipSmudge, Outlive: true}); err != nil {
			return fmt.Errorf("checking out %s: %s", short(p.commit), reason(err))
		}
	}
	p.moved = true
	return w.fill(ctx, p)
}

// skipSmudge keeps a git-lfs the user's config runs as a filter from
// fetching during a checkout, with no deadline: LFS content is fetched in
// the preflight and written by fill.
var skipSmudge = []string{"GIT_LFS_SKIP_SMUDGE=1"}

// partialErr names, after a failure of the second phase, exactly which
// repos are at the tag and which are not yet.
type partialErr struct {
	tag          string
	moved, still []string
}

func (e *partialErr) Error() string {
	moved := "none"
	if len(e.moved) > 0 {
		moved = strings.Join(e.moved, ", ")
	}
	return fmt.Sprintf("checked out at %s before the failure: %s; not yet: %s", e.tag, moved, strings.Join(e.still, ", "))
}

func (e *partialErr) Hint() string {
	return "fix the cause and run again: the rerun finishes the job"
}

func partial(tag string, plans []*repoPlan) error {
	e := &partialErr{tag: tag}
	for _, p := range plans {
		if p.moved {
			e.moved = append(e.moved, p.name)
		} else {
			e.still = append(e.still, p.name)
		}
	}
	if len(e.still) == 0 {
		return nil
	}
	return e
}

// plausible refuses, before anything is fetched or cloned, a manifest
// naming more repos than MaxRepos, and any URL of a repo to clone that is
// outside the URL grammar.
func (w *work) plausible(m manifest.Manifest) error {
	var missing []string
	for _, e := range m {
		if !basedir.IsWorkTree(filepath.Join(w.o.Basedir, e.Name)) {
			missing = append(missing, e.Name)
		}
	}
	if len(m) > w.o.MaxRepos {
		return &tooManyErr{n: len(m), max: w.o.MaxRepos, clone: missing, flag: w.o.Flags.MaxRepos}
	}
	if len(missing) == 0 || w.template == "" {
		return nil
	}
	var errs []error
	for _, n := range missing {
		if err := ValidURLTemplate(Expand(w.template, n) + Placeholder); err != nil {
			errs = append(errs, basedir.Errorf(n, "no clone: %v", err))
		}
	}
	return errors.Join(errs...)
}

type tooManyErr struct {
	n, max int
	clone  []string
	flag   string // Flags.MaxRepos
}

func (e *tooManyErr) Error() string {
	return fmt.Sprintf("the manifest names %d repos, more than %s %d; nothing was fetched or cloned (%d would be cloned: %s)", e.n, name(e.flag, "the limit of"), e.max, len(e.clone), list(e.clone))
}
func (e *tooManyErr) Hint() string {
	return "if that many is right, raise " + name(e.flag, "the limit")
}

// net runs a network verb of pkg/network (which applies the policy)
// with the deadline, and the URL and ssh command the remote's config
// gives, read in one git process.
func (w *work) net(ctx context.Context, verb func(context.Context, network.Call) ([]byte, error), c network.Call) ([]byte, error) {
	rc, err := w.g.RemoteConfig(ctx, c.Dir, c.Remote)
	if err != nil {
		return nil, err
	}
	if len(rc.Fetch) > 0 {
		c.URL = rc.Fetch[0]
	}
	c.SSHCommand, c.Timeout = rc.SSHCommand, w.o.Timeout
	return verb(ctx, c)
}

// fetchTag fetches refs/tags/TAG from the repo's remote without forcing:
// a local tag at another object makes it fail.
func (w *work) fetchTag(ctx context.Context, dir string) error {
	return w.fetchTagFrom(ctx, dir, w.o.Remote)
}

func (w *work) fetchTagFrom(ctx context.Context, dir, from string, extra ...string) error {
	ref := "refs/tags/" + w.o.Tag
	args := append([]string{"--no-tags", "--no-recurse-submodules"}, extra...)
	_, err := w.net(ctx, w.g.Fetch, network.Call{Dir: dir, Remote: from, Args: args, Refs: []string{ref + ":" + ref}})
	if err == nil {
		return nil
	}
	what := "remote " + from
	if from == w.o.Remote {
		if url, uerr := w.g.RemoteURL(ctx, dir, from); uerr == nil {
			what += " (" + url + ")"
		} else if errors.Is(uerr, git.ErrNoRemote) {
			return fmt.Errorf("no remote %s to fetch tag %s from", from, w.o.Tag)
		}
	}
	se := git.Stderr(err)
	switch {
	case strings.Contains(se, "couldn't find remote ref"):
		return fmt.Errorf("%s has no tag %s", redact.Credentials(what), w.o.Tag)
	case strings.Contains(se, "would clobber existing tag") || strings.Contains(se, "[rejected]"):
		return fmt.Errorf("tag %s here is not the one on %s; tags are never moved", w.o.Tag, redact.Credentials(what))
	}
	return w.netError("fetching tag "+w.o.Tag+" from "+what, err)
}

// verifyTag checks the copy of the tag in dir (a repo of the basedir or
// a new clone of it): annotated, recording a manifest, at commit.
func (w *work) verifyTag(ctx context.Context, p *repoPlan, dir string) error {
	c, _ := tags.ReadCopy(ctx, w.g.Runner, basedir.Repo{Name: p.name, Path: dir}, w.o.Tag)
	return errors.Join(c.Problems(p.commit)...)
}

// netError words a failed network step, saying when it timed out, with
// the cause ssh, git or the server gave and what to do about it.
func (w *work) netError(what string, err error) error {
	what = redact.Credentials(what)
	var ne *network.Error
	if errors.As(err, &ne) && ne.Kind != network.KindTimeout && ne.Kind != network.KindInterrupted {
		return fail.WithHint(fmt.Errorf("%s: %s", what, ne.Cause), ne.Hint())
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s timed out after %s", what, w.o.Timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s interrupted", what)
	}
	return fmt.Errorf("%s: %s", what, reason(err))
}

// reason picks the telling line of git's stderr.
func reason(err error) string {
	var msg string
	for _, line := range strings.Split(git.Stderr(err), "\n") {
		line = strings.TrimSpace(line)
		if s, ok := strings.CutPrefix(line, "fatal: "); ok {
			msg = s
			break
		}
		if s, ok := strings.CutPrefix(line, "error: "); ok && msg == "" {
			msg = s
		}
	}
	if msg == "" {
		var ge *git.Error
		if errors.As(err, &ge) {
			msg = strings.TrimSpace(strings.SplitN(strings.TrimSpace(ge.Stderr), "\n", 2)[0])
		}
		if msg == "" {
			msg = err.Error()
		}
	}
	return redact.Credentials(msg)
}

// wrapAll names repo in err, or in each error of a join, so that each
// line printed names its repo.
func wrapAll(repo string, err error) error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return basedir.Wrap(repo, err)
	}
	var errs []error
	for _, e := range j.Unwrap() {
		errs = append(errs, wrapAll(repo, e))
	}
	return errors.Join(errs...)
}

type dirtyErr struct{ error }

func (e dirtyErr) Unwrap() error { return e.error }
func (dirtyErr) Hint() string {
	return "commit or stash the changes and run again; no repo was checked out"
}

func list(paths []string) string {
	const n = 3
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}

func short(oid string) string { return oid[:min(12, len(oid))] }
