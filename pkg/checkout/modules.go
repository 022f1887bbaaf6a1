package checkout

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/redact"
	"github.com/deploytag/deploytag/pkg/release"
)

// A checkout is the release's files with git around them: every
// submodule at its recorded commit, recursively, and every Git LFS file
// with its content. What is fetched for them (submodule commits, LFS
// objects) is fetched in the preflight, into the repo's git directory,
// before any work tree moves; the move then fills the work trees from
// there without the network.
//
// A submodule is kept where git keeps it: its git directory in
// <git dir>/modules/<name> (created bare, then given its work tree as
// "git submodule" does), its work tree a .git file pointing there, and
// submodule.<name>.url in the parent's config, so that git submodule
// and git status treat it as their own.
//
// LFS content needs git-lfs: its objects are fetched with "git lfs
// fetch" and written with "git lfs checkout", which keeps the index
// clean. Without git-lfs, or when an object cannot be had, the file stays
// the pointer git checked out and is named, one error per file: the
// repos are at the tag, but their files are not yet the release's.

// unit is one work tree of a repo: the repo itself, or a submodule of it
// (recursively), with what the preflight found in it.
type unit struct {
	rel    string // the work tree, relative to the repo's ("" for the repo)
	gitRel string // its git directory, relative to the repo's ("" for the repo)
	name   string // the submodule's name ("" for the repo)
	url    string // where the submodule is fetched from
	commit string
	lfs    []release.LFSFile
	parent *unit
}

// lfsAvailable says, once per run, whether git-lfs answers.
func (w *work) lfsAvailable(ctx context.Context) bool {
	w.lfsOnce.Do(func() {
		_, err := w.g.Run(ctx, "", "lfs", "version")
		w.hasLFS = err == nil
	})
	return w.hasLFS
}

// prepare finds, in the work tree top (an existing repo or a new clone)
// at commit, every submodule and LFS file, fetches the submodule commits
// and LFS objects that are not there yet, and records the units to fill
// in p, the repo first, each submodule after its parent.
func (w *work) prepare(ctx context.Context, p *repoPlan, top string) error {
	gitDir, _, err := git.GitDir(top)
	if err != nil {
		return err
	}
	p.units = nil
	var errs []error
	var walk func(u *unit, dir string) error
	walk = func(u *unit, dir string) error {
		p.units = append(p.units, u)
		if err := w.prepareLFS(ctx, u, dir, top); err != nil {
			errs = append(errs, err)
		}
		subs, err := release.Submodules(ctx, w.g.Runner, dir, u.commit)
		if err != nil {
			return err
		}
		for _, s := range subs {
			child := &unit{rel: filepath.Join(u.rel, filepath.FromSlash(s.Path)), gitRel: filepath.Join(u.gitRel, "modules", filepath.FromSlash(s.Name)),
				name: s.Name, url: s.URL, commit: s.Commit, parent: u}
			modDir := filepath.Join(gitDir, child.gitRel)
			if err := w.fetchSubmodule(ctx, modDir, s); err != nil {
				errs = append(errs, release.Unavailable(filepath.ToSlash(child.rel), s.Commit, err))
				continue
			}
			if err := walk(child, modDir); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(&unit{commit: p.commit}, top); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// fetchSubmodule gets s into its git directory through the export's
// fetch (pkg/release, pkg/network's policy, --timeout), and gives a
// new one its URL as origin, as git does, so that its own relative
// submodule URLs resolve against it.
func (w *work) fetchSubmodule(ctx context.Context, modDir string, s release.Submodule) error {
	fresh := !isDir(modDir)
	ctx, cancel := context.WithTimeout(ctx, w.o.Timeout)
	defer cancel()
	if err := release.FetchSubmodule(ctx, w.g, modDir, s); err != nil {
		if fresh {
			_ = os.RemoveAll(modDir)
		}
		var ne *network.Error
		switch {
		case errors.As(err, &ne):
			return err // the URL and the server's words, as the export says them
		case errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("fetch from %s timed out after %s", redact.Credentials(s.URL), w.o.Timeout)
		}
		return errors.New(reason(err))
	}
	if _, err := w.g.RemoteURL(ctx, modDir, "origin"); errors.Is(err, git.ErrNoRemote) {
		if err := w.write(ctx, git.Call{Dir: modDir, Args: []string{"config", "remote.origin.url", s.URL}}); err != nil {
			return err
		}
	}
	return nil
}

// prepareLFS lists u's LFS files (dir is its work tree or git directory)
// and, with git-lfs, fetches the objects its store lacks.
func (w *work) prepareLFS(ctx context.Context, u *unit, dir, top string) error {
	files, err := release.LFSPointers(ctx, w.g.Runner, dir, u.commit)
	if err != nil || len(files) == 0 {
		return err
	}
	u.lfs = files
	if !w.lfsAvailable(ctx) {
		return nil // named after the checkout: the repo still moves
	}
	_, common, err := git.GitDir(filepath.Join(top, u.rel))
	if u.rel != "" || err != nil {
		common = dir
	}
	for _, f := range files {
		if _, err := os.Stat(release.LFSObject(common, f)); err != nil {
			remote := w.o.Remote
			if u.parent != nil {
				remote = "origin"
			}
			// through the network policy: allowed transports, the
			// deadline, no prompt, the host's shared ssh connection,
			// a redacted error naming the remote and its URL
			if _, err := w.net(ctx, w.g.LFSFetch, network.Call{Dir: dir, Remote: remote, Refs: []string{u.commit}}); err != nil {
				w.o.Warnf("%s: %v", where(u), err)
			}
			return nil // what is still missing is named after the checkout
		}
	}
	return nil
}

// fill makes the work trees of p's submodules and LFS files what the
// release holds, once the repo itself is at the tag in p.path.
func (w *work) fill(ctx context.Context, p *repoPlan) error {
	if len(p.units) == 0 {
		return nil
	}
	gitDir, _, err := git.GitDir(p.path)
	if err != nil {
		return err
	}
	var errs []error
	failed := map[*unit]bool{}
	for _, u := range p.units {
		if u.parent != nil && failed[u.parent] {
			failed[u] = true
			continue
		}
		if u.parent != nil {
			if err := w.checkoutSubmodule(ctx, p.path, gitDir, u); err != nil {
				errs = append(errs, fmt.Errorf("submodule %s: %w", filepath.ToSlash(u.rel), err))
				failed[u] = true
				continue
			}
		}
		errs = append(errs, w.fillLFS(ctx, filepath.Join(p.path, u.rel), u)...)
	}
	return errors.Join(errs...)
}

// checkoutSubmodule connects u's git directory to its work tree, as git
// submodule does, and checks it out detached at its commit (never with
// --force: changes in it stop it).
func (w *work) checkoutSubmodule(ctx context.Context, top, gitDir string, u *unit) error {
	wt := filepath.Join(top, u.rel)
	modDir := filepath.Join(gitDir, u.gitRel)
	parentGit := filepath.Join(gitDir, u.parent.gitRel)
	if err := w.write(ctx, git.Call{Dir: parentGit, Args: []string{"config", "submodule." + u.name + ".url", u.url}}); err != nil {
		return err
	}
	if _, _, err := git.GitDir(wt); err != nil {
		if err := os.MkdirAll(wt, 0o755); err != nil {
			return err
		}
		rel, err := filepath.Rel(wt, modDir)
		if err != nil {
			return err
		}
		back, err := filepath.Rel(modDir, wt)
		if err != nil {
			return err
		}
		if err := w.write(ctx, git.Call{Dir: modDir, Args: []string{"config", "core.bare", "false"}}); err != nil {
			return err
		}
		if err := w.write(ctx, git.Call{Dir: modDir, Args: []string{"config", "core.worktree", filepath.ToSlash(back)}}); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(wt, ".git"), []byte("gitdir: "+filepath.ToSlash(rel)+"\n"), 0o644); err != nil {
			return err
		}
	}
	_, err := w.g.Do(context.WithoutCancel(ctx), git.Call{Dir: wt, Args: []string{"checkout", "--quiet", "--detach", u.commit, "--"},
		Env: skipSmudge, Outlive: true, Trust: git.TrustWrites})
	if err != nil {
		return fmt.Errorf("checking out %s: %s", short(u.commit), reason(err))
	}
	return nil
}

// fillLFS writes the content of u's LFS files into the work tree wt with
// git lfs checkout, and names each file that is still a pointer.
func (w *work) fillLFS(ctx context.Context, wt string, u *unit) []error {
	if len(u.lfs) == 0 {
		return nil
	}
	why := "git-lfs is not installed"
	if w.lfsAvailable(ctx) {
		why = "its object could not be had (git lfs fetch)"
		if err := w.lfsInstall(ctx, wt); err != nil {
			why = "git lfs install: " + reason(err)
		} else if _, err := w.g.Do(context.WithoutCancel(ctx), git.Call{Dir: wt, Args: []string{"lfs", "checkout"}, Outlive: true, Trust: git.TrustWrites}); err != nil {
			why = "git lfs checkout: " + reason(err)
		}
	}
	var errs []error
	for _, f := range u.lfs {
		ok, err := release.HasLFSContent(filepath.Join(wt, filepath.FromSlash(f.Path)), f)
		if err != nil {
			errs = append(errs, err)
		} else if !ok {
			errs = append(errs, lfsErr{fmt.Errorf("%s is left a Git LFS pointer (object %s): %s", filepath.ToSlash(filepath.Join(u.rel, filepath.FromSlash(f.Path))), f.Oid, why)})
		}
	}
	return errs
}

// lfsInstall sets git-lfs up in the repo at wt, as git lfs install does
// (its filters, so that git status reads the files git lfs checkout
// writes as unchanged, and its hooks, so that a push uploads new LFS
// objects), unless the repo's config (or the user's) already has the
// filters. Where the repo has hooks of its own that git-lfs will not
// replace, only the filters are set, with a warning.
func (w *work) lfsInstall(ctx context.Context, wt string) error {
	if _, err := w.g.Run(ctx, wt, "config", "--get", "filter.lfs.process"); err == nil {
		return nil
	}
	err := w.write(ctx, git.Call{Dir: wt, Args: []string{"lfs", "install", "--local"}, Trust: git.TrustWrites})
	if err == nil {
		return nil
	}
	if ferr := w.write(ctx, git.Call{Dir: wt, Args: []string{"lfs", "install", "--local", "--skip-repo"}, Trust: git.TrustWrites}); ferr != nil {
		return err
	}
	w.o.Warnf("%s: git-lfs's hooks are not installed (%s): a push of new LFS files from it needs them (git lfs update --manual)", wt, reason(err))
	return nil
}

// write runs c, a short local write to a repo's config or hooks, to its
// end even if this tool is interrupted or killed meanwhile (as checkout
// and read-tree run): cut short, git would leave config.lock behind, and
// every later write of that config would fail, the rerun's included.
func (w *work) write(ctx context.Context, c git.Call) error {
	c.Outlive = true
	_, err := w.g.Do(context.WithoutCancel(ctx), c)
	return err
}

type lfsErr struct{ error }

func (e lfsErr) Unwrap() error { return e.error }
func (lfsErr) Hint() string {
	return "every repo is at the tag, but such a file is not the release's: install git-lfs (its objects must be on the remote's LFS server) and run again"
}

var _ fail.Hinter = lfsErr{}

func where(u *unit) string {
	if u.rel == "" {
		return "LFS files"
	}
	return "submodule " + filepath.ToSlash(u.rel)
}

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// lfsState is the part of work that says whether git-lfs is there.
type lfsState struct {
	lfsOnce sync.Once
	hasLFS  bool
}
