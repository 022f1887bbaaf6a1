package release

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/deploytag/deploytag/pkg/basedir"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/manifest"
)

// Source is one repo to export: its work tree (for its objects) and the
// commit to export.
type Source struct {
	Name   string
	Path   string
	Commit string
}

// Build exports every source at its commit into a new hidden folder under
// releases/, adds DEPLOY_TAG and DEPLOY_MANIFEST at its top and returns the
// folder. Repos are exported in parallel, at most jobs at once, each by
// one "git archive" streamed into the folder; one repo's failure never
// stops or blames the others, and every failure names its repo. On error
// the folder is removed. Call it with the lock held.
func (r *Root) Build(ctx context.Context, g *git.Runner, tag string, m manifest.Manifest, srcs []Source, jobs int) (string, error) {
	tmp, err := os.MkdirTemp(r.path(ReleasesDir), tmpPrefix+tag+"-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	fan := basedir.Fanout{Jobs: jobs, Step: "exporting", Progress: r.Progress}
	err = fan.Each(ctx, len(srcs), func(i int) string { return srcs[i].Name }, func(ctx context.Context, i int) error {
		s := srcs[i]
		return Export(ctx, g, s.Path, s.Commit, filepath.Join(tmp, s.Name))
	})
	if err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := writeNew(filepath.Join(tmp, TagFile), tag+"\n"); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := writeNew(filepath.Join(tmp, ManifestFile), m.String()); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := FixModes(tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// FixModes gives every folder and file under dir (dir included) the mode
// a release has whatever the umask: folders 0755, files 0644, files git
// marks executable (any x bit) 0755. Symlinks are left as they are and
// never followed. Only entries whose mode differs are changed.
func FixModes(dir string) error { return walkModes(dir, true) }

// ModesOK reports whether every folder and file under dir has the mode
// FixModes gives it.
func ModesOK(dir string) bool { return walkModes(dir, false) == nil }

var errMode = errors.New("mode differs")

func walkModes(dir string, fix bool) error {
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
		if fi.Mode().Perm() == want && fi.Mode()&(fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) == 0 {
			return nil
		}
		if !fix {
			return errMode
		}
		return os.Chmod(p, want)
	})
}

func writeNew(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	if err != nil {
		return err
	}
	_, err = f.WriteString(content)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Export writes the tree of commit in the repo at dir into dest, a folder
// that must not exist yet, by streaming "git archive --format=tar" into
// the file system. It writes only under dest: entries that would climb out
// of it or pass through a symlink are refused.
func Export(ctx context.Context, g *git.Runner, dir, commit, dest string) error {
	if err := os.Mkdir(dest, 0o755); err != nil {
		return err
	}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := g.Archive(ctx, dir, commit, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	err := Extract(pr, dest)
	if err == nil {
		// git pads the archive past its end marker; read it all so git
		// exits cleanly.
		_, err = io.Copy(io.Discard, pr)
	}
	// Closing the reader makes any further write by git fail, so git ends.
	pr.CloseWithError(errors.New("extraction stopped"))
	gerr := <-done
	if err != nil {
		return err
	}
	return gerr
}

// Extract unpacks a tar stream into the folder dest, which must exist.
// Only folders, regular files (mode 0644 or 0755) and symlinks are made;
// symlinks are made as they are and never followed. An entry whose path is
// not local (absolute, or climbing with ..), passes through a symlink or
// exists twice is an error.
func Extract(r io.Reader, dest string) error {
	tr := tar.NewReader(r)
	dirs := map[string]bool{".": true}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the archive: %w", err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			continue // git's commit id comment
		}
		name := strings.TrimSuffix(h.Name, "/")
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q is not a path inside the release", h.Name)
		}
		rel := filepath.Clean(name)
		if err := mkdirs(dest, filepath.Dir(rel), dirs); err != nil {
			return err
		}
		p := filepath.Join(dest, rel)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := mkdirs(dest, rel, dirs); err != nil {
				return err
			}
		case tar.TypeReg:
			mode := os.FileMode(0o644)
			if h.Mode&0o111 != 0 {
				mode = 0o755
			}
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, tr)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			if err := os.Chmod(p, mode); err != nil { // past the umask
				return err
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, p); err != nil {
				return err
			}
		default:
			return fmt.Errorf("archive entry %q has unsupported type %q", h.Name, h.Typeflag)
		}
	}
}

// mkdirs makes each missing folder of rel under dest, refusing to pass
// through anything that is not a real folder.
func mkdirs(dest, rel string, known map[string]bool) error {
	if known[rel] {
		return nil
	}
	if parent := filepath.Dir(rel); !known[parent] {
		if err := mkdirs(dest, parent, known); err != nil {
			return err
		}
	}
	p := filepath.Join(dest, rel)
	if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("archive path %s passes through something that is not a folder", rel)
	}
	if err := os.Chmod(p, 0o755); err != nil {
		return err
	}
	known[rel] = true
	return nil
}
