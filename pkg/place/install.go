package place

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Outcome says what Install found under the tag's name.
type Outcome int

const (
	Fresh    Outcome = iota // no release of the tag existed
	Intact                  // the existing release equalled the tag
	Restored                // the existing release differed and was replaced
)

// Install puts the release put together in tmp (by pkg/release's Build, or
// unpacked from an artifact) under releases/<TAG>.
// If a release of the tag is already there and equals tmp, it is kept and
// tmp removed; if it differs (edited by hand) or is not a real folder, it
// is replaced by tmp. It returns the release's path. Call it with the lock
// held.
func (r *Root) Install(tmp, tag string) (string, Outcome, error) {
	final := r.ReleasePath(tag)
	fi, err := os.Lstat(final)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.Rename(tmp, final); err != nil {
			return "", 0, err
		}
		return final, Fresh, touch(final)
	case err != nil:
		return "", 0, err
	}
	if fi.IsDir() {
		same, err := SameTree(tmp, final)
		if err != nil {
			return "", 0, err
		}
		if same {
			if err := os.RemoveAll(tmp); err != nil {
				return "", 0, err
			}
			return final, Intact, touch(final)
		}
	}
	// Swap the new release in atomically where the system can, so a live
	// release being restored never goes missing, even for a moment.
	if err := exchange(tmp, final); err == nil {
		if err := os.RemoveAll(tmp); err != nil {
			return "", 0, err
		}
		return final, Restored, touch(final)
	}
	old, err := os.MkdirTemp(r.path(ReleasesDir), oldPrefix+tag+"-")
	if err != nil {
		return "", 0, err
	}
	// Move the stale release (or whatever stands there; a symlink is moved
	// as itself) aside, put the new one in place, then drop the old one.
	aside := filepath.Join(old, "release")
	if err := os.Rename(final, aside); err != nil {
		os.RemoveAll(old)
		return "", 0, err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", 0, errors.Join(err, os.Rename(aside, final))
	}
	if err := os.RemoveAll(old); err != nil {
		return "", 0, err
	}
	return final, Restored, touch(final)
}

// touch marks a release as the latest deployed, which pruning reads.
func touch(dir string) error {
	now := time.Now()
	return os.Chtimes(dir, now, now)
}

// SameTree reports whether the folders a and b hold the same entries:
// same paths, types, executable bits, file contents and symlink targets.
// Symlinks are compared, never followed.
func SameTree(a, b string) (bool, error) {
	na, nb := 0, 0
	differ := errors.New("differ")
	err := filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		na++
		rel, _ := filepath.Rel(a, p)
		q := filepath.Join(b, rel)
		fa, err := os.Lstat(p)
		if err != nil {
			return err
		}
		fb, err := os.Lstat(q)
		if errors.Is(err, os.ErrNotExist) {
			return differ
		} else if err != nil {
			return err
		}
		if fa.Mode().Type() != fb.Mode().Type() {
			return differ
		}
		if fa.Mode()&fs.ModeSymlink == 0 && fa.Mode().Perm() != fb.Mode().Perm() {
			return differ // e.g. a folder left 0700 by an older deploy
		}
		switch {
		case fa.Mode()&fs.ModeSymlink != 0:
			ta, err1 := os.Readlink(p)
			tb, err2 := os.Readlink(q)
			if err := errors.Join(err1, err2); err != nil {
				return err
			}
			if ta != tb {
				return differ
			}
		case fa.Mode().IsRegular():
			if fa.Mode()&0o111 != fb.Mode()&0o111 || fa.Size() != fb.Size() {
				return differ
			}
			same, err := sameContent(p, q)
			if err != nil {
				return err
			}
			if !same {
				return differ
			}
		}
		return nil
	})
	if errors.Is(err, differ) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	err = filepath.WalkDir(b, func(_ string, _ fs.DirEntry, err error) error {
		nb++
		return err
	})
	if err != nil {
		return false, err
	}
	return na == nb, nil
}

func sameContent(a, b string) (bool, error) {
	fa, err := os.Open(a)
	if err != nil {
		return false, err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return false, err
	}
	defer fb.Close()
	ra, rb := bufio.NewReaderSize(fa, 64<<10), bufio.NewReaderSize(fb, 64<<10)
	bufA, bufB := make([]byte, 32<<10), make([]byte, 32<<10)
	for {
		n, errA := io.ReadFull(ra, bufA)
		m, errB := io.ReadFull(rb, bufB)
		if n != m || !bytes.Equal(bufA[:n], bufB[:m]) {
			return false, nil
		}
		if errors.Is(errA, io.EOF) || errors.Is(errA, io.ErrUnexpectedEOF) {
			return errors.Is(errB, io.EOF) || errors.Is(errB, io.ErrUnexpectedEOF), nil
		}
		if errA != nil {
			return false, fmt.Errorf("reading %s: %w", a, errA)
		}
		if errB != nil {
			return false, fmt.Errorf("reading %s: %w", b, errB)
		}
	}
}
