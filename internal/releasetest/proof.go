// Package releasetest makes releases by hand, for the tests of the tools
// and packages that check releases: a repo's files as the export leaves
// them (Unarchive) and their proof (WriteProof), or a whole release in
// its root (Make), which internal/scripttest's mkrelease and the benchmark
// (internal/bench) use.
package releasetest

import (
	"fmt"
	"strings"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
)

// Git runs git in one repo and returns its stdout untouched.
type Git func(args ...string) ([]byte, error)

// WriteProof writes the proof of one plain repo (no submodules, no LFS,
// no export rules) of a release built by hand, from git's own output:
// the raw tag and commit objects, the tree, and every tree object. It
// makes DEPLOY_PROOF first if the release has none.
func WriteProof(git Git, release, repo, tag string) error {
	if err := proof.Init(release); err != nil && !strings.Contains(err.Error(), "file exists") {
		return err
	}
	out, err := git("rev-parse", "--show-object-format")
	if err != nil {
		return err
	}
	f := gitobj.Format(strings.TrimSpace(string(out)))
	r := proof.Repo{Name: repo, Record: proof.Record{ObjectFormat: string(f)}, Objects: map[string][]byte{}}
	if r.Tag, err = git("cat-file", "tag", "refs/tags/"+tag); err != nil {
		return err
	}
	if r.Commit, err = git("cat-file", "commit", "refs/tags/"+tag+"^{commit}"); err != nil {
		return err
	}
	if out, err = git("rev-parse", "refs/tags/"+tag+"^{tree}"); err != nil {
		return err
	}
	r.Tree = strings.TrimSpace(string(out))
	if out, err = git("ls-tree", "-r", "-t", "--format=%(objecttype) %(objectname)", "refs/tags/"+tag); err != nil {
		return err
	}
	trees := []string{r.Tree}
	for _, l := range strings.Split(string(out), "\n") {
		if h, ok := strings.CutPrefix(l, "tree "); ok {
			trees = append(trees, h)
		}
	}
	for _, h := range trees {
		raw, err := git("cat-file", "tree", h)
		if err != nil {
			return err
		}
		if gitobj.HashBytes(f, gitobj.TypeTree, raw) != h {
			return fmt.Errorf("tree %s does not hash to its name", h)
		}
		r.Objects[h] = raw
	}
	return proof.Write(release, r)
}
