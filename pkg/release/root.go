// Package release keeps the standard place of an environment: a root
// folder holding every exported release, the "current" symlink to the live
// one, a lock that lets one deploy at a time in, and deploys.log.
//
//	<root>/
//	  current -> releases/<TAG>      the live release (a relative symlink)
//	  releases/<TAG>/DEPLOY_TAG      the tag and a newline
//	  releases/<TAG>/DEPLOY_MANIFEST the manifest of the tag
//	  releases/<TAG>/<repo>/...      each repo exported from git at the tag
//	  deploys.log                    one JSON line per deploy attempt
//	  deploy.lock                    held while a deploy runs
//
// A release is built in a hidden temporary folder under releases/ and
// renamed to its tag's name only when complete, so a crash never leaves a
// half-built release under a tag's name. Nothing is written outside the
// root, and no symlink found inside the root is ever followed out of it:
// paths the package writes are checked with Lstat and opened O_NOFOLLOW.
package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
)

// Hidden names inside the root (the others are pkg/place's).
const (
	tmpPrefix     = ".tmp-"     // releases/.tmp-<TAG>-*: a release being built
	oldPrefix     = ".old-"     // releases/.old-<TAG>-*: a release being replaced
	currentPrefix = ".current-" // <root>/.current-*: the next current symlink
)

// Root is the standard place of one environment.
type Root struct {
	Dir string // absolute
	// Progress, when set, is told as Build exports each repo.
	Progress progress.Reporter
	// Warnf, when set, is told what Build finds worth a warning.
	Warnf func(format string, args ...any)
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
	if err := mkdirNoFollow(r.path(place.ReleasesDir)); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Root) path(elem ...string) string {
	return filepath.Join(append([]string{r.Dir}, elem...)...)
}

// ReleasePath is where the release of tag lives.
func (r *Root) ReleasePath(tag string) string { return r.path(place.ReleasesDir, tag) }

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
	rm(r.path(place.ReleasesDir), tmpPrefix)
	rm(r.path(place.ReleasesDir), oldPrefix)
	rm(r.Dir, currentPrefix)
	return errors.Join(errs...)
}

// MkTemp makes a new hidden folder under releases/ for a release being
// put together (by Build, or unpacked from an artifact), named after
// name; Clean removes it if the deploy is interrupted. Call it with the
// lock held.
func (r *Root) MkTemp(name string) (string, error) {
	tmp, err := os.MkdirTemp(r.path(place.ReleasesDir), tmpPrefix+name+"-")
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
