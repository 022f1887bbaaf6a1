package tags

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// ManifestBranch is the branch of the manifest repo that holds every
// deploy's manifest as manifests/<TAG>.
const ManifestBranch = "deploy-manifests"

// ManifestPath is where a tag's manifest lives on ManifestBranch.
func ManifestPath(tag string) string { return "manifests/" + tag }

// RecordManifest commits m as manifests/<TAG> on the deploy-manifests
// branch of the repo at dir, using a private index, so the repo's work
// tree, index and HEAD are untouched. The branch moves by compare-and-swap
// and only forward. If the file is already there with the same content it
// does nothing.
func RecordManifest(ctx context.Context, g *git.Runner, dir, tag string, m manifest.Manifest) error {
	ref := "refs/heads/" + ManifestBranch
	path := ManifestPath(tag)
	objs, err := g.Resolve(ctx, dir, ref+"^{commit}", ref+":"+path)
	if err != nil {
		return err
	}
	parent, existing := objs[0], objs[1]
	out, err := g.Do(ctx, git.Call{Dir: dir, Args: []string{"hash-object", "-w", "--stdin"}, Stdin: strings.NewReader(m.String())})
	if err != nil {
		return err
	}
	blob := strings.TrimSpace(string(out))
	if !existing.Missing {
		if existing.Oid == blob {
			return nil
		}
		return fmt.Errorf("%s on branch %s already holds a different manifest", path, ManifestBranch)
	}
	tmp, err := os.MkdirTemp("", "deploytag-index-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	index := []string{"GIT_INDEX_FILE=" + filepath.Join(tmp, "index")}
	if !parent.Missing {
		if _, err := g.Do(ctx, git.Call{Dir: dir, Args: []string{"read-tree", parent.Oid}, Env: index}); err != nil {
			return err
		}
	}
	if _, err := g.Do(ctx, git.Call{Dir: dir, Args: []string{"update-index", "--add", "--cacheinfo", "100644," + blob + "," + path}, Env: index}); err != nil {
		return err
	}
	out, err = g.Do(ctx, git.Call{Dir: dir, Args: []string{"write-tree"}, Env: index})
	if err != nil {
		return err
	}
	tree := strings.TrimSpace(string(out))
	args := []string{"commit-tree", "-m", "deploy manifest " + tag}
	if !parent.Missing {
		args = append(args, "-p", parent.Oid)
	}
	out, err = g.Run(ctx, dir, append(args, tree)...)
	if err != nil {
		return err
	}
	commit := strings.TrimSpace(string(out))
	old := parent.Oid
	if parent.Missing {
		old = strings.Repeat("0", len(commit))
	}
	_, err = g.Do(ctx, git.Call{Dir: dir, Args: []string{"update-ref", "-m", "deploytag: manifest " + tag, ref, commit, old}, Trust: git.TrustHooks, Outlive: true})
	return err
}

// ReadManifest reads manifests/<TAG> from the deploy-manifests branch of
// the repo at dir (a remote-tracking ref may be given as branchRef).
func ReadManifest(ctx context.Context, g *git.Runner, dir, branchRef, tag string) (manifest.Manifest, error) {
	if branchRef == "" {
		branchRef = "refs/heads/" + ManifestBranch
	}
	out, err := g.Run(ctx, dir, "cat-file", "blob", branchRef+":"+ManifestPath(tag))
	if err != nil {
		return nil, err
	}
	return manifest.Parse(strings.NewReader(string(out)), branchRef+":"+ManifestPath(tag))
}
