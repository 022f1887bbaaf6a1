package release

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

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
