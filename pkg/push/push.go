// Package push publishes a tag to the remotes of many repos, in parallel
// and safely: every repo is checked before anything is pushed, only
// refs/tags/<TAG> (and, for the manifest repo, its deploy-manifests branch)
// is pushed, nothing is ever forced, and each remote's own report of the
// ref is what counts as confirmation. A tag already on a remote at the same
// object is success; a tag there at another object is left alone and that
// repo fails. Every network step has a deadline, after which git and every
// process it started are gone, and credentials in remote URLs never reach
// a message.
package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/config"
	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/redact"
	"github.com/deploytag/deploytag/pkg/tags"
)

// Options say what to push where.
type Options struct {
	Tag          string         // already grammar-checked
	Repos        []basedir.Repo // the repos whose tag is pushed
	Remote       string         // e.g. "origin"; "" means network.DefaultRemote
	Timeout      time.Duration  // deadline of each network step; 0 means network.DefaultTimeout
	Jobs         int            // repos pushed at once; less than 1 means 1
	ManifestRepo string         // name of the repo whose deploy-manifests branch is pushed too ("" = none)
	// OnPushed is called, one call at a time, as each repo's remote
	// confirms the tag.
	OnPushed func(repo string)
	// Out, when set, gets the name of each repo whose remote confirms the
	// tag and a newline, as it is confirmed (push_tag's output); the first
	// error writing it is returned once the pushes end.
	Out io.Writer
	// Progress, when set, is told as each repo's push ends.
	Progress progress.Reporter
	// HookSaid, when set, gets each line that something other than git
	// printed on git push's stdout (the pre-push hook: git-lfs's meter),
	// with its repo, one call at a time and a repo's lines together. Such
	// lines are never read as the push's result.
	HookSaid func(repo, line string)

	saidAll func(repo string, lines []string) // HookSaid for each line, under Push's lock
}

// target is one repo that passed preflight.
type target struct {
	repo    basedir.Repo
	local   string   // object refs/tags/TAG names here
	commit  string   // the commit it names, "" until asked for
	branch  bool     // push the deploy-manifests branch too
	url     string   // the remote's first push URL
	ssh     string   // core.sshCommand, "" when unset
	secrets []string // credentials in the remote's URLs, never printed
	// lsRemote is where to ask for the remote's tag: the remote's name, or
	// its push URLs when they differ from the URLs it fetches from.
	lsRemote []string
}

// Push preflights every repo (tag present locally, remote configured),
// naming every failing repo before anything is pushed; then pushes
// refs/tags/<Tag> (never forced, never --tags) to each remote in parallel,
// bounded by Jobs. Already on the remote at the same object is success;
// pointing elsewhere fails that repo, naming repo, remote and both objects,
// and the others still go. It returns errors.Join of per-repo errors
// (*basedir.RepoError).
func Push(ctx context.Context, g *network.Client, o Options) error {
	if len(o.Repos) == 0 {
		return errors.New("no repos to push")
	}
	if o.Remote == "" {
		o.Remote = network.DefaultRemote
	}
	if err := config.ValidRemote(o.Remote); err != nil {
		return err
	}
	if o.Timeout <= 0 {
		o.Timeout = network.DefaultTimeout
	}
	o.Jobs = max(o.Jobs, 1)
	targets, err := preflight(ctx, g, o)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	var werr error
	o.saidAll = func(repo string, lines []string) {
		if o.HookSaid == nil || len(lines) == 0 {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, l := range lines {
			o.HookSaid(repo, l)
		}
	}
	fan := basedir.Fanout{Jobs: o.Jobs, Step: "pushing", Progress: o.Progress}
	err = fan.Each(ctx, len(targets), func(i int) string { return targets[i].repo.Name }, func(ctx context.Context, i int) error {
		pushed, err := pushOne(ctx, g, o, targets[i])
		if !pushed {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if o.OnPushed != nil {
			o.OnPushed(targets[i].repo.Name)
		}
		if o.Out != nil && werr == nil {
			_, werr = fmt.Fprintln(o.Out, targets[i].repo.Name)
		}
		return err
	})
	if err != nil {
		return err
	}
	return werr
}

// preflight checks every repo, in parallel and without the network, and
// returns the targets or every problem found.
func preflight(ctx context.Context, g *network.Client, o Options) ([]target, error) {
	targets := make([]target, len(o.Repos))
	err := basedir.Fanout{Jobs: o.Jobs}.Each(ctx, len(o.Repos), func(i int) string { return o.Repos[i].Name }, func(ctx context.Context, i int) error {
		var err error
		targets[i], err = check(ctx, g, o, o.Repos[i])
		return err
	})
	if err != nil {
		return nil, err
	}
	return targets, nil
}

func check(ctx context.Context, g *network.Client, o Options, r basedir.Repo) (target, error) {
	t := target{repo: r}
	ref := "refs/tags/" + o.Tag
	var errs []error
	// The tag's object, read from the ref files where they answer for
	// certain (no process); its commit is only named if the remote has
	// the tag elsewhere, and is asked for then.
	if oid, ok := git.ReadRef(r.Path, ref); ok && r.Name != o.ManifestRepo {
		t.local = oid
	} else {
		revs := []string{ref, ref + "^{commit}"}
		if r.Name == o.ManifestRepo {
			revs = append(revs, "refs/heads/"+tags.ManifestBranch)
		}
		objs, err := g.Resolve(ctx, r.Path, revs...)
		if err != nil {
			return t, err
		}
		if objs[0].Missing {
			errs = append(errs, fmt.Errorf("no tag %s here to push", o.Tag))
		}
		t.local, t.commit = objs[0].Oid, objs[1].Oid
		t.branch = len(objs) > 2 && !objs[2].Missing
	}
	rc, err := g.RemoteConfig(ctx, r.Path, o.Remote)
	switch {
	case err != nil:
		errs = append(errs, err)
	case len(rc.Push) == 0:
		errs = append(errs, fmt.Errorf("no remote %q to push to", o.Remote))
	}
	t.secrets = redact.Secrets(append(slices.Clone(rc.Push), rc.Fetch...)...)
	t.lsRemote = []string{o.Remote}
	if !slices.Equal(rc.Push, rc.Fetch) {
		t.lsRemote = rc.Push
	}
	if len(rc.Push) > 0 {
		t.url = rc.Push[0]
	}
	t.ssh = rc.SSHCommand
	return t, joinFor(r.Name, errs)
}

// joinFor joins errs, each naming repo (a wrapper around a join would hide
// the repo from the report, which prints a join's errors one per line).
func joinFor(repo string, errs []error) error {
	for i, err := range errs {
		errs[i] = basedir.Wrap(repo, err)
	}
	return errors.Join(errs...)
}

// redact hides credentials: those of the remote's URLs wherever they
// appear (git prints some without their scheme), then any URL's.
func (t target) redact(s string) string {
	return redact.Hide(s, t.secrets)
}

// PushCall is the push of one repo: only the tag (and the manifest
// branch), never forced, no other tags, no submodules.
func PushCall(dir, remote, tag string, branch bool) network.Call {
	ref := "refs/tags/" + tag
	c := network.Call{Dir: dir, Remote: remote, Args: []string{"--porcelain", "--no-follow-tags", "--recurse-submodules=no"},
		Refs: []string{ref + ":" + ref}}
	if branch {
		b := "refs/heads/" + tags.ManifestBranch
		c.Refs = append(c.Refs, b+":"+b)
	}
	return c
}

// pushOne pushes one repo and reports whether its remote confirmed the tag,
// with the error of whatever failed (the tag or the branch).
func pushOne(ctx context.Context, g *network.Client, o Options, t target) (bool, error) {
	c := PushCall(t.repo.Path, o.Remote, o.Tag, t.branch)
	c.URL, c.SSHCommand, c.Timeout = t.url, t.ssh, o.Timeout
	out, runErr := g.Push(ctx, c)
	if runErr != nil {
		var ge *git.Error
		if errors.As(runErr, &ge) {
			out = ge.Stdout
		}
	}
	statuses, others := ParsePorcelain(out)
	for i, l := range others {
		others[i] = t.redact(l)
	}
	o.saidAll(t.repo.Name, others)
	if timedOut(runErr) {
		return false, t.netError(o, "push", runErr)
	}
	ref := "refs/tags/" + o.Tag
	pushed := false
	var errs []error
	switch outcome, st := Judge(statuses, ref); outcome {
	case Confirmed:
		pushed = true
	case Exists:
		ok, err := t.elsewhere(ctx, g, o)
		pushed = ok
		errs = append(errs, err)
	case Rejected:
		errs = append(errs, t.hinted(fmt.Errorf("remote %s refused tag %s: %s", o.Remote, o.Tag, describe(st)), runErr))
	default:
		errs = append(errs, t.netError(o, "push", runErr))
	}
	if t.branch && pushed {
		b := "refs/heads/" + tags.ManifestBranch
		if outcome, st := Judge(statuses, b); outcome != Confirmed {
			err := fmt.Errorf("remote %s refused branch %s: %s", o.Remote, tags.ManifestBranch, describe(st))
			if outcome == Unreported {
				err = t.netError(o, "push", runErr)
			}
			errs = append(errs, t.hinted(err, runErr))
		}
	}
	return pushed, joinFor(t.repo.Name, errs)
}

// elsewhere finds out, with ls-remote, where the remote's tag points after
// the remote refused ours because one of that name exists. It confirms the
// tag if the remote has it at our object after all.
func (t target) elsewhere(ctx context.Context, g *network.Client, o Options) (bool, error) {
	ref := "refs/tags/" + o.Tag
	for _, where := range t.lsRemote {
		url := where
		if where == o.Remote {
			url = t.url
		}
		out, err := g.LsRemote(ctx, network.Call{Dir: t.repo.Path, Remote: where, URL: url, Refs: []string{ref, ref + "^{}"},
			SSHCommand: t.ssh, Timeout: o.Timeout})
		if err != nil {
			return false, t.netError(o, "ls-remote", err)
		}
		refs, err := git.ParseLsRemote(out)
		if err != nil {
			return false, errors.New(t.redact(err.Error()))
		}
		i := slices.IndexFunc(refs, func(r git.Ref) bool { return r.Name == ref })
		switch {
		case i < 0:
			return false, fmt.Errorf("remote %s refused tag %s: it says the tag exists, but does not list it", o.Remote, o.Tag)
		case refs[i].Oid != t.local:
			if t.commit == "" {
				if objs, err := g.Resolve(ctx, t.repo.Path, t.local+"^{commit}"); err == nil && !objs[0].Missing {
					t.commit = objs[0].Oid
				}
			}
			return false, fmt.Errorf("tag %s on remote %s is %s, not %s as here; left unchanged, tags are never moved",
				o.Tag, o.Remote, object(refs[i].Oid, refs[i].Target()), object(t.local, t.commit))
		}
	}
	return true, nil
}

// object names an object and, when it is an annotated tag, its commit.
func object(oid, commit string) string {
	if commit == "" || commit == oid {
		return oid
	}
	return fmt.Sprintf("%s (commit %s)", oid, commit)
}

func describe(st RefStatus) string {
	if st.Reason == "" {
		return st.Summary
	}
	return st.Summary + " " + st.Reason
}

func timedOut(err error) bool { return errors.Is(err, context.DeadlineExceeded) }

// netError describes a network step that failed without a per-ref report.
func (t target) netError(o Options, step string, err error) error {
	var ne *network.Error
	if errors.As(err, &ne) && !errors.Is(err, context.Canceled) {
		return ne
	}
	switch {
	case timedOut(err):
		return fmt.Errorf("%s to remote %s timed out after %s", step, o.Remote, o.Timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s to remote %s interrupted", step, o.Remote)
	case err == nil:
		return fmt.Errorf("%s to remote %s: git did not report tag %s", step, o.Remote, o.Tag)
	}
	msg := reason(git.Stderr(err))
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("%s to remote %s failed: %s", step, o.Remote, t.redact(msg))
}

// reason picks the line of git's stderr that says what went wrong: the
// first "fatal:" or "error:" line, else the first line.
func reason(stderr string) string {
	var first string
	for _, l := range strings.Split(stderr, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if first == "" {
			first = l
		}
		for _, p := range []string{"fatal: ", "error: "} {
			if s, ok := strings.CutPrefix(l, p); ok {
				return s
			}
		}
	}
	return first
}

// hinted attaches what the remote said ("remote: ..." lines, e.g. a hook's
// reason) to err, as a hint.
func (t target) hinted(err, runErr error) error {
	var said []string
	for _, l := range strings.Split(git.Stderr(runErr), "\n") {
		if s, ok := strings.CutPrefix(l, "remote: "); ok && strings.TrimSpace(s) != "" {
			said = append(said, strings.TrimSpace(s))
		}
	}
	if len(said) == 0 {
		return err
	}
	return fail.WithHint(err, "the remote said: "+t.redact(strings.Join(said, " / ")))
}
