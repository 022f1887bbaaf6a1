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
)

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
