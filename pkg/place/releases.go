package place

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Hidden names inside the root, beside the names above.
const (
	tmpPrefix     = ".tmp-"     // releases/.tmp-<TAG>-*: a release being built
	oldPrefix     = ".old-"     // releases/.old-<TAG>-*: a release being replaced
	currentPrefix = ".current-" // <root>/.current-*: the next current symlink
)

// Root is the standard place of one environment.
type Root struct {
	Dir string // absolute
}

// Open makes the root and its releases folder if needed. The root itself
// may be a symlink the operator made; releases/ inside it must be a real
// folder. Every folder it makes (the root, those missing on the way to it,
// releases/) is 0755 whatever the umask, so the app's user can reach
// current; a folder that was there keeps its mode.
func Open(dir string) (*Root, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := mkdirAllOpen(abs); err != nil {
		return nil, fmt.Errorf("making the root: %w", err)
	}
	r := &Root{Dir: abs}
	if err := mkdirNoFollow(r.path(ReleasesDir)); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Root) path(elem ...string) string {
	return filepath.Join(append([]string{r.Dir}, elem...)...)
}

// ReleasePath is where the release of tag lives.
func (r *Root) ReleasePath(tag string) string { return r.path(ReleasesDir, tag) }

// mkdirAllOpen makes dir and each missing folder on the way to it, as
// os.MkdirAll does, but each one 0755 past the umask.
func mkdirAllOpen(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case err == nil && fi.IsDir():
		return nil
	case err == nil:
		return &os.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
	case !errors.Is(err, os.ErrNotExist):
		return err
	}
	if parent := filepath.Dir(dir); parent != dir {
		if err := mkdirAllOpen(parent); err != nil {
			return err
		}
	}
	return mkdirOpen(dir)
}

// mkdirOpen makes dir 0755 past the umask; one that another process made
// in the meantime is left as it is.
func mkdirOpen(dir string) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil
		}
		return err
	}
	return os.Chmod(dir, 0o755)
}

// mkdirNoFollow makes dir (0755 past the umask) unless it exists as a real
// folder; a symlink or a file there is an error.
func mkdirNoFollow(dir string) error {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := mkdirOpen(dir); err != nil {
			return err
		}
		return mkdirNoFollow(dir)
	case err != nil:
		return err
	case fi.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is a symlink; refusing to follow it out of the root", dir)
	case !fi.IsDir():
		return fmt.Errorf("%s is not a folder", dir)
	}
	return nil
}

// Clean removes what an interrupted deploy left: releases being built or
// replaced and a current symlink not yet renamed into place. Call it with
// the lock held.
func (r *Root) Clean() error {
	var errs []error
	rm := func(dir, prefix string) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), prefix) {
				// RemoveAll removes a symlink itself, never what it names.
				if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	rm(r.path(ReleasesDir), tmpPrefix)
	rm(r.path(ReleasesDir), oldPrefix)
	rm(r.Dir, currentPrefix)
	return errors.Join(errs...)
}

// MkTemp makes a new hidden folder under releases/ for a release being
// put together (by Build, or unpacked from an artifact), named after
// name; Clean removes it if the deploy is interrupted. Call it with the
// lock held.
func (r *Root) MkTemp(name string) (string, error) {
	tmp, err := os.MkdirTemp(r.path(ReleasesDir), tmpPrefix+name+"-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	return tmp, nil
}

// Kept reports whether releases/<TAG> is a release folder of this root (a
// real folder, not a symlink).
func (r *Root) Kept(tag string) bool {
	fi, err := os.Lstat(r.ReleasePath(tag))
	return err == nil && fi.IsDir()
}
