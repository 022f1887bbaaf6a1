package deploy

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/release"
	"github.com/deploytag/deploytag/pkg/verify"
)

// keptIntact reports whether the release of tag already on disk is exactly
// the tag: a real folder holding DEPLOY_TAG and DEPLOY_MANIFEST as Build
// writes them, a folder per repo and nothing else at its top (bar the
// reserved names), every mode as Build gives it, the release verified
// against its own proof as verify_deploy_tag does (every record entry
// against the signed trees, no shared link but the environment's shared
// paths), and the proof holding the repos' own tag and commit objects.
// Any doubt says no, and the caller exports the tag again, which also
// restores a release edited by hand.
func keptIntact(ctx context.Context, g *git.Runner, root *place.Root, tag string, m manifest.Manifest, srcs []release.Source, jobs int, shared []string) bool {
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
	// Checked as verify checks it: every file against the release's own
	// proof, never against a git tree hash alone (a writer of the release
	// can forge a record that makes the hash come out right) ...
	rep, err := verify.Release(ctx, dir, verify.ReleaseOptions{Tag: tag, Jobs: jobs, Links: verify.SharedLinks{Check: true, Paths: shared}})
	if err != nil || !rep.OK {
		return false
	}
	// ... and the proof is the repos' own tag and commit objects.
	rd, err := proof.Open(dir)
	if err != nil {
		return false
	}
	for _, s := range srcs {
		p, err := rd.Repo(s.Name)
		if err != nil {
			return false
		}
		objs, err := g.ReadObjects(ctx, s.Path, "refs/tags/"+tag, s.Commit)
		if err != nil || objs[0].Missing || objs[1].Missing ||
			!bytes.Equal(objs[0].Contents, p.Tag) || !bytes.Equal(objs[1].Contents, p.Commit) {
			return false
		}
	}
	return true
}
