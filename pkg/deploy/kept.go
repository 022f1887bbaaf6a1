package deploy

import (
	"context"
	"os"
	"path/filepath"
	"slices"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/release"
	"github.com/deploytag/deploytag/pkg/verify"
)

// keptIntact reports whether the release of tag already on disk is exactly
// the tag: a real folder holding DEPLOY_TAG and DEPLOY_MANIFEST as Build
// writes them, a folder per repo and nothing else at its top (bar the
// reserved names), each repo's folder hashing to its commit's git tree,
// and every mode as Build gives it. Any doubt says no, and the caller
// exports the tag again, which also restores a release edited by hand.
func keptIntact(ctx context.Context, g *git.Runner, root *release.Root, tag string, m manifest.Manifest, srcs []release.Source) bool {
	dir := root.ReleasePath(tag)
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return false
	}
	if b, err := os.ReadFile(filepath.Join(dir, place.TagFile)); err != nil || string(b) != tag+"\n" {
		return false
	}
	if b, err := os.ReadFile(filepath.Join(dir, place.ManifestFile)); err != nil || string(b) != m.String() {
		return false
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	names := map[string]bool{}
	for _, s := range srcs {
		names[s.Name] = true
	}
	for _, e := range ents {
		switch {
		case names[e.Name()]:
			if !e.IsDir() {
				return false
			}
			delete(names, e.Name())
		case slices.Contains(manifest.ReservedNames, e.Name()):
		default:
			return false
		}
	}
	if len(names) > 0 || !release.ModesOK(dir) {
		return false
	}
	for _, s := range srcs {
		objs, err := g.Resolve(ctx, s.Path, s.Commit+"^{tree}")
		if err != nil || objs[0].Missing {
			return false
		}
		d, err := verify.CompareTree(ctx, g, s.Path, filepath.Join(dir, s.Name), objs[0].Oid)
		if err != nil || d.Tree != objs[0].Oid {
			return false
		}
	}
	return true
}
