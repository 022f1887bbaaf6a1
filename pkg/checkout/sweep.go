package checkout

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A new clone is made in a hidden folder of the basedir, .NAME.clone-*,
// holding the clone and an owner file the run keeps an flock on until it
// ends. The kernel drops the flock when the run dies, however it dies, so
// the next run can tell a killed run's folders from a live run's.
const (
	clonePrefix = "."           // + NAME + cloneInfix + random
	cloneInfix  = ".clone-"     //
	ownerFile   = ".owner.lock" // inside the temporary folder
	// orphanAge is how old a temporary folder without an owner file must be
	// to be swept: one younger may be a live run's, made a moment ago.
	orphanAge = time.Minute
)

// isCloneDir reports whether a basedir entry is a temporary clone folder.
func isCloneDir(name string) bool {
	return strings.HasPrefix(name, clonePrefix) && strings.Contains(name, cloneInfix)
}

// makeCloneDir makes the temporary folder of a new clone of name and takes
// its owner lock. close releases the lock (the folder is removed apart).
func makeCloneDir(base, name string) (dir string, close func(), err error) {
	dir, err = os.MkdirTemp(base, clonePrefix+name+cloneInfix)
	if err != nil {
		return "", nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, ownerFile), os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err == nil {
		err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		os.RemoveAll(dir)
		return "", nil, fmt.Errorf("making %s: %w", dir, err)
	}
	return dir, func() { f.Close() }, nil
}

// sweep removes the temporary clone folders that interrupted runs left in
// the basedir: those whose owner lock is free (its run is gone), and old
// ones without an owner file. A live run's folders are left alone. It
// returns the names removed.
func sweep(base string) ([]string, error) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if !e.IsDir() || !isCloneDir(e.Name()) {
			continue
		}
		dir := filepath.Join(base, e.Name())
		if !abandoned(dir) {
			continue
		}
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e.Name())
	}
	return removed, errors.Join(errs...)
}

func abandoned(dir string) bool {
	f, err := os.OpenFile(filepath.Join(dir, ownerFile), os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if errors.Is(err, os.ErrNotExist) {
		fi, err := os.Lstat(dir)
		return err == nil && time.Since(fi.ModTime()) > orphanAge
	}
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return false // held: a live run's
	}
	return true
}
