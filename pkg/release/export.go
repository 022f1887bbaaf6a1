// Package release makes a release: one deploy tag's code exported from
// git byte for byte, every repo of its manifest at the tagged commit (the
// tree walked with one ls-tree and one cat-file per repo, Git LFS content,
// submodules, and export attributes on opt-in), with the proof that lets
// a host with no git check it (pkg/proof). Where releases are kept, which
// one is live and who may change them is pkg/place's.
package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/proof"
)

// Source is one repo to export: its work tree (for its objects) and the
// commit to export.
type Source struct {
	Name   string
	Path   string
	Commit string
	// ExportAttributes applies the tagged tree's export-ignore and
	// export-subst attributes, as "git archive" does, and records what
	// they changed in the proof. Off, the release is the tree byte for
	// byte.
	ExportAttributes bool
}

// Options say how Build works.
type Options struct {
	Jobs int // repos exported at once
	// Progress, when set, is told as each repo is exported.
	Progress progress.Reporter
	// Warnf, when set, is told what Build finds worth a warning.
	Warnf func(format string, args ...any)
}

// Build exports every source at its commit into a new hidden folder under
// root's releases/ (root.MkTemp), adds DEPLOY_TAG, DEPLOY_MANIFEST and
// DEPLOY_PROOF at its top and returns the folder, for root.Install. Repos
// are exported in parallel, at most o.Jobs at once (see Export). Every
// repo that cannot be exported exactly is named, with every file or
// submodule at fault; on error the folder is removed. Call it with the
// root's lock held.
func Build(ctx context.Context, g *network.Client, root *place.Root, tag string, m manifest.Manifest, srcs []Source, o Options) (string, error) {
	tmp, err := root.MkTemp(tag)
	if err != nil {
		return "", err
	}
	fail := func(err error) (string, error) {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := proof.Init(tmp); err != nil {
		return fail(err)
	}
	warnings := make([][]string, len(srcs))
	err = basedir.Fanout{Jobs: o.Jobs, Step: "exporting", Progress: o.Progress}.Each(ctx, len(srcs),
		func(i int) string { return srcs[i].Name },
		func(ctx context.Context, i int) error {
			w, err := export(ctx, g, tag, srcs[i], tmp, o.Progress)
			warnings[i] = w
			return err
		})
	if o.Warnf != nil {
		for i, ws := range warnings {
			for _, w := range ws {
				o.Warnf("%s (%s)", w, srcs[i].Name)
			}
		}
	}
	if err != nil {
		return fail(err)
	}
	if err := writeNew(filepath.Join(tmp, place.TagFile), tag+"\n"); err != nil {
		return fail(err)
	}
	if err := writeNew(filepath.Join(tmp, place.ManifestFile), m.String()); err != nil {
		return fail(err)
	}
	// No walk over the modes afterwards: Export gives every folder and file
	// its mode as it makes it, past the umask.
	return tmp, nil
}

// ModesOK reports whether every folder and file under dir (dir included)
// has the mode a release has whatever the umask: folders 0755, files 0644,
// files git marks executable (any x bit) 0755, no setuid, setgid or sticky
// bit. Symlinks are not followed.
func ModesOK(dir string) bool {
	return filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		var want fs.FileMode
		switch {
		case fi.IsDir():
			want = 0o755
		case fi.Mode().IsRegular() && fi.Mode()&0o111 != 0:
			want = 0o755
		case fi.Mode().IsRegular():
			want = 0o644
		default:
			return fmt.Errorf("%s is neither a file, a folder nor a symlink", p)
		}
		if fi.Mode().Perm() != want || fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) != 0 {
			return errMode
		}
		return nil
	}) == nil
}

var errMode = errors.New("mode differs")

func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Chmod(0o644) // past the umask
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Export writes the repo s at its commit into release/<name>/, a folder
// that must not exist yet, and its proof into release/DEPLOY_PROOF/<name>/
// (which proof.Init made): the raw tag object of tag (which must be
// annotated and name s.Commit), the raw commit, its tree and record.json.
//
// The files are the tagged tree's blobs as stored (no filter, no eol
// conversion, whatever the repo's config says), 0755 for git's 100755 and
// 0644 for 100644, symlinks as they are (never followed), folders 0755;
// gitlinks are filled with the submodule's files at the recorded commit,
// recursively; Git LFS pointers become the content they name. Objects
// come from one "git cat-file --batch" per repo (and per submodule),
// listed by one "git ls-tree", and files are written in parallel.
//
// It returns warnings for the operator (an export-subst placeholder that
// names the deploy tag is rewritten, not warned about).
func Export(ctx context.Context, g *network.Client, tag string, s Source, release string) ([]string, error) {
	return export(ctx, g, tag, s, release, nil)
}

// export is Export, telling pr of each file written (progress.Files).
func export(ctx context.Context, g *network.Client, tag string, s Source, release string, pr progress.Reporter) ([]string, error) {
	dest := filepath.Join(release, s.Name)
	if err := os.Mkdir(dest, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(dest, 0o755); err != nil {
		return nil, err
	}
	_, common, err := git.GitDir(s.Path)
	if err != nil {
		return nil, err
	}
	// git's cat-file lives in the export's own context, which the export
	// cancels on its first failure: git is then killed and nothing waits
	// on its pipes (see git.CatFile).
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	cf, err := g.CatFile(ctx, s.Path)
	if err != nil {
		return nil, err
	}
	rr := &repoRecord{record: proof.Record{ObjectFormat: objectFormat(s.Commit)}, objects: map[string][]byte{}}
	tagRaw, commitRaw, tree, err := readTagAndCommit(cf, tag, s.Commit)
	t := &treeExport{
		g: g, dir: s.Path, commit: s.Commit, tree: tree, dest: dest, cf: cf, stop: stop, lfsDir: lfsObjects(common), rec: rr,
		proof:     proofDest{release: release, repo: s.Name, format: gitobj.Format(rr.record.ObjectFormat)},
		tagPrefix: tagPrefix(tag),
		pr:        progress.Or(pr),
		chmod:     place.UmaskStrips(),
	}
	if err == nil && s.ExportAttributes {
		rr.record.Export = &proof.Export{}
		t.attrs, err = loadExportAttrs(ctx, g.Runner, s.Path, s.Commit, commitRaw, rr)
	}
	if err == nil {
		err = t.run(ctx)
	}
	if err == nil {
		err = t.attrs.writeBlobs(t.proof)
	}
	if err == nil {
		err = t.submodules(ctx, common, s.Path)
	}
	if cerr := cf.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return rr.warnings, err
	}
	if err := problemsError(s.Name, rr.problems); err != nil {
		return rr.warnings, err
	}
	return rr.warnings, proof.Write(release, proof.Repo{
		Name: s.Name, Tag: tagRaw, Commit: commitRaw, Tree: tree, Record: rr.record, Objects: rr.objects,
	})
}

// readTagAndCommit reads the raw annotated tag object of tag, checks it
// names commit, and reads the raw commit and its tree.
func readTagAndCommit(cf *git.CatFile, tag, commit string) (tagRaw, commitRaw []byte, tree string, err error) {
	h, tagRaw, err := cf.Object("refs/tags/" + tag)
	switch {
	case err != nil:
		return nil, nil, "", err
	case h.Missing:
		return nil, nil, "", fmt.Errorf("tag %s is missing", tag)
	case h.Type != "tag":
		return nil, nil, "", fmt.Errorf("tag %s is a lightweight tag, not a deploy tag", tag)
	case !bytes.HasPrefix(tagRaw, []byte("object "+commit+"\ntype commit\n")):
		return nil, nil, "", fmt.Errorf("tag %s does not name commit %s", tag, commit)
	}
	h, commitRaw, err = cf.Object(commit)
	switch {
	case err != nil:
		return nil, nil, "", err
	case h.Missing || h.Type != "commit":
		return nil, nil, "", fmt.Errorf("commit %s is missing", commit)
	}
	tree, err = commitTree(commitRaw)
	return tagRaw, commitRaw, tree, err
}

// commitTree reads the tree line that opens a raw commit object.
func commitTree(raw []byte) (string, error) {
	line, _, _ := bytes.Cut(raw, []byte("\n"))
	t, ok := bytes.CutPrefix(line, []byte("tree "))
	if !ok || !git.IsOid(string(t)) {
		return "", errors.New("commit object has no tree line")
	}
	return string(t), nil
}

// tagPrefix is the prefix of a deploy tag (DEPLOY of DEPLOY_20261125_...).
func tagPrefix(tag string) string {
	p, _, _ := strings.Cut(tag, "_")
	return p
}

func objectFormat(oid string) string {
	if len(oid) == 64 {
		return "sha256"
	}
	return "sha1"
}

func lfsObjects(gitDir string) string { return filepath.Join(gitDir, "lfs", "objects") }
