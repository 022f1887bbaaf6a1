package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/proof"
)

// module is one [submodule "NAME"] of a .gitmodules file.
type module struct {
	name, path, url string
}

// submodules fills the folder of each gitlink the tree held with the
// submodule's tree at the recorded commit, recursively. gitDir is the git
// directory of this tree's repo (where its modules live) and workTree its
// work tree, if it has one ("" otherwise). A commit that cannot be had is
// recorded as a problem naming path and commit.
func (t *treeExport) submodules(ctx context.Context, gitDir, workTree string) error {
	if len(t.links) == 0 {
		return nil
	}
	mods, err := readGitmodules(ctx, t.g.Runner, t.dir, t.commit)
	if err != nil {
		return err
	}
	for _, l := range t.links {
		full := t.prefix + l.Path
		t.rec.record.Submodules = append(t.rec.record.Submodules, proof.Submodule{Path: full, Commit: l.Oid})
		m, ok := mods[l.Path]
		if !ok {
			t.rec.problem("submodule %s at commit %s has no entry in the .gitmodules of commit %s", full, l.Oid, t.commit)
			continue
		}
		subWork := ""
		if workTree != "" {
			subWork = filepath.Join(workTree, filepath.FromSlash(l.Path))
		}
		dir, err := t.submoduleRepo(ctx, gitDir, subWork, m, l.Oid)
		if err != nil {
			t.rec.problem("%v", Unavailable(full, l.Oid, err))
			continue
		}
		if err := t.exportSubmodule(ctx, dir, subWork, full, l); err != nil {
			return err
		}
	}
	return nil
}

// exportSubmodule writes the submodule at l into its folder, then its own
// submodules.
func (t *treeExport) exportSubmodule(ctx context.Context, dir, subWork, full string, l git.TreeEntry) error {
	ctx, stop := context.WithCancelCause(ctx) // see Export
	defer stop(nil)
	cf, err := t.g.CatFile(ctx, dir)
	if err != nil {
		return err
	}
	h, raw, err := cf.Object(l.Oid)
	if err == nil && (h.Missing || h.Type != "commit") {
		err = fmt.Errorf("submodule %s: commit %s is missing", full, l.Oid)
	}
	if err == nil {
		t.rec.mu.Lock()
		t.rec.objects[l.Oid] = raw
		t.rec.mu.Unlock()
		var tree string
		tree, err = commitTree(raw)
		sub := &treeExport{
			g: t.g, dir: dir, commit: l.Oid, tree: tree, cf: cf, stop: stop, rec: t.rec, proof: t.proof, chmod: t.chmod, pr: t.pr,
			dest:   filepath.Join(t.dest, filepath.FromSlash(l.Path)),
			prefix: full + "/",
			lfsDir: lfsObjects(dir),
		}
		if err == nil {
			err = sub.run(ctx)
		}
		if err == nil {
			err = sub.submodules(ctx, dir, subWork)
		}
	}
	return errors.Join(err, cf.Close())
}

// submoduleRepo finds a git directory holding commit for submodule m: the
// repo's own modules/<name> (where "git submodule" keeps it), the
// submodule work tree's .git, or deploytag's own fetch of it
// (<git dir>/deploytag/modules/<name>). Only when none has the commit is
// it fetched from the submodule's URL (the repo's config, else
// .gitmodules).
func (t *treeExport) submoduleRepo(ctx context.Context, gitDir, subWork string, m module, commit string) (string, error) {
	if !safePath(m.name) {
		return "", fmt.Errorf("submodule name %q is not a plain path", m.name)
	}
	var candidates []string
	own := filepath.Join(gitDir, "modules", filepath.FromSlash(m.name))
	if isGitDir(own) {
		candidates = append(candidates, own)
	}
	if subWork != "" {
		if d, _, err := git.GitDir(subWork); err == nil && isGitDir(d) && d != own {
			candidates = append(candidates, d)
		}
	}
	private := filepath.Join(gitDir, "deploytag", "modules", filepath.FromSlash(m.name))
	if isGitDir(private) {
		candidates = append(candidates, private)
	}
	for _, d := range candidates {
		if hasCommit(ctx, t.g.Runner, d, commit) {
			return d, nil
		}
	}
	url, err := submoduleURL(ctx, t.g.Runner, t.dir, m)
	if err != nil {
		return "", err
	}
	into := private
	if len(candidates) > 0 {
		into = candidates[0]
	} else if _, err := t.g.Do(ctx, git.Call{Args: []string{"init", "--quiet", "--bare", "--object-format=" + objectFormat(commit), "--", into}}); err != nil {
		return "", err
	}
	if err := fetchCommit(ctx, t.g, into, url, commit); err != nil {
		return "", err
	}
	return into, nil
}

// submoduleURL is the URL to fetch submodule m of the repo at dir from:
// the repo's submodule.<name>.url if set, else .gitmodules', a relative
// one resolved against the repo's origin (or, without one, its own
// folder).
func submoduleURL(ctx context.Context, g *git.Runner, dir string, m module) (string, error) {
	url := m.url
	if out, err := g.Run(ctx, dir, "config", "--get", "--end-of-options", "submodule."+m.name+".url"); err == nil {
		url = strings.TrimSpace(string(out))
	}
	if url == "" {
		return "", fmt.Errorf("no URL for submodule %s", m.name)
	}
	if strings.HasPrefix(url, "-") {
		return "", fmt.Errorf("submodule %s: URL %q starts with '-'", m.name, url)
	}
	if !strings.HasPrefix(url, "./") && !strings.HasPrefix(url, "../") {
		return url, nil
	}
	base := ""
	if u, err := g.RemoteURL(ctx, dir, "origin"); err == nil {
		base = u
	} else {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return "", err
		}
		base = abs
	}
	return resolveRelativeURL(base, url), nil
}

// resolveRelativeURL resolves a submodule URL starting with ./ or ../
// against the superproject's URL as git does: each ../ drops one path
// element of base.
func resolveRelativeURL(base, rel string) string {
	base = strings.TrimSuffix(base, "/")
	for {
		switch {
		case strings.HasPrefix(rel, "./"):
			rel = rel[2:]
			continue
		case strings.HasPrefix(rel, "../"):
			rel = rel[3:]
			if i := strings.LastIndexAny(base, "/:"); i >= 0 {
				sep := base[i]
				base = base[:i]
				if sep == ':' {
					base += ":"
					return base + rel
				}
			}
			continue
		}
		break
	}
	return base + "/" + rel
}

// fetchCommit fetches commit from url into the git directory dir:
// pkg/network's FetchCommit (by its id, then what the server advertises, into
// a namespace of deploytag's own; the network policy throughout).
func fetchCommit(ctx context.Context, g *network.Client, dir, url, commit string) error {
	return g.FetchCommit(ctx, dir, url, commit)
}

func hasCommit(ctx context.Context, g *git.Runner, dir, commit string) bool {
	objs, err := g.Resolve(ctx, dir, commit+"^{commit}")
	return err == nil && len(objs) == 1 && !objs[0].Missing && objs[0].Oid == commit
}

// isGitDir reports whether dir looks like a git directory.
func isGitDir(dir string) bool {
	for _, f := range []string{"HEAD", "objects"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			return false
		}
	}
	return true
}

// readGitmodules reads the .gitmodules of commit, by submodule path.
func readGitmodules(ctx context.Context, g *git.Runner, dir, commit string) (map[string]module, error) {
	out, err := g.Run(ctx, dir, "config", "-z", "--blob", commit+":.gitmodules", "--list")
	if err != nil {
		if objs, rerr := g.Resolve(ctx, dir, commit+":.gitmodules"); rerr == nil && objs[0].Missing {
			return map[string]module{}, nil
		}
		return nil, fmt.Errorf("reading .gitmodules of %s: %w", commit, err)
	}
	return parseGitmodules(out), nil
}

// parseGitmodules reads "git config -z --list" output of a .gitmodules
// file ("KEY LF VALUE NUL" records) into modules by path.
func parseGitmodules(out []byte) map[string]module {
	byName := map[string]*module{}
	for _, rec := range strings.Split(string(out), "\x00") {
		key, val, _ := strings.Cut(rec, "\n")
		rest, ok := strings.CutPrefix(key, "submodule.")
		if !ok {
			continue
		}
		i := strings.LastIndexByte(rest, '.')
		if i < 0 {
			continue
		}
		name, field := rest[:i], rest[i+1:]
		m := byName[name]
		if m == nil {
			m = &module{name: name}
			byName[name] = m
		}
		switch field {
		case "path":
			m.path = path.Clean(val)
		case "url":
			m.url = val
		}
	}
	mods := map[string]module{}
	for _, m := range byName {
		if m.path != "" {
			mods[m.path] = *m
		}
	}
	return mods
}
