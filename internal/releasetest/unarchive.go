package releasetest

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/place"
)

// Make writes the release of tag into root/releases/<tag> as the deploy
// tool leaves it, from the repos of base that carry the tag (git(dir) runs
// git in one of them): the files of each repo of the tag's manifest
// (Unarchive), then DEPLOY_TAG, DEPLOY_MANIFEST and DEPLOY_PROOF
// (WriteProof); then it switches root/current to the release.
func Make(root, base, tag string, git func(dir string) Git) error {
	ents, err := os.ReadDir(base)
	if err != nil {
		return err
	}
	var m manifest.Manifest
	for _, e := range ents {
		dir := filepath.Join(base, e.Name())
		if _, err := os.Stat(filepath.Join(dir, ".git")); err != nil {
			continue
		}
		out, err := git(dir)("tag", "-l", tag)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(out)) == "" {
			continue
		}
		obj, err := git(dir)("cat-file", "tag", "refs/tags/"+tag)
		if err != nil {
			return err
		}
		_, msg, _ := strings.Cut(string(obj), "\n\n")
		if m, err = manifest.ParseTagMessage(tag, msg, tag); err != nil {
			return err
		}
		break
	}
	if m == nil {
		return fmt.Errorf("no repo of %s carries %s", base, tag)
	}
	rel := filepath.Join(root, "releases", tag)
	if err := os.RemoveAll(rel); err != nil {
		return err
	}
	for _, e := range m {
		g := git(filepath.Join(base, e.Name))
		if err := Unarchive(g, "refs/tags/"+tag, filepath.Join(rel, e.Name)); err != nil {
			return err
		}
		if err := WriteProof(g, rel, e.Name, tag); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(rel, place.TagFile), []byte(tag+"\n"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rel, place.ManifestFile), []byte(m.String()), 0o644); err != nil {
		return err
	}
	tmp := filepath.Join(root, ".current.tmp")
	_ = os.Remove(tmp)
	if err := os.Symlink(filepath.Join("releases", tag), tmp); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(root, "current"))
}

// Unarchive writes rev of the repo git runs in into the folder into (made
// if missing) from its "git archive" tar, as the export leaves a plain
// repo: folders 0755, files 0644 or 0755 whatever the umask, symlinks as
// they are.
func Unarchive(git Git, rev, into string) error {
	out, err := git("archive", "--format=tar", rev)
	if err != nil {
		return err
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(h.Name, "/")
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue // git's commit id comment
		}
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q is not a path inside %s", h.Name, into)
		}
		p := filepath.Join(into, name)
		if err := mkdir(filepath.Dir(p)); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = mkdir(p)
		case tar.TypeReg:
			mode := os.FileMode(0o644)
			if h.Mode&0o111 != 0 {
				mode = 0o755
			}
			var b []byte
			if b, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(p, b, mode)
			}
			if err == nil {
				err = os.Chmod(p, mode) // past the umask
			}
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, p)
		default:
			err = fmt.Errorf("archive entry %q has unsupported type %q", h.Name, h.Typeflag)
		}
		if err != nil {
			return err
		}
	}
}

func mkdir(p string) error {
	if err := os.MkdirAll(p, 0o755); err != nil {
		return err
	}
	return os.Chmod(p, 0o755)
}
