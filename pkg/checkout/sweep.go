package checkout

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// A new clone is made in a hidden folder of the basedir, .NAME.clone-RAND,
// whose owner file .NAME.clone-RAND.owner beside it is made and flocked
// first, and kept locked until the run has removed the folder. The kernel
// drops the flock when the run dies, however it dies, so the next run can
// tell a killed run's folders from a live run's, with no moment where a
// live run's folder has no held owner.
const (
	clonePrefix = "."       // + NAME + cloneInfix + random
	cloneInfix  = ".clone-" //
	ownerSuffix = ".owner"  // the owner file: the folder's name + this
	// orphanAge is how old a temporary folder without an owner file (left
	// by an older version) must be to be swept.
	orphanAge = time.Minute
)

// isCloneDir reports whether a basedir entry is a temporary clone folder
// or its owner file.
func isCloneDir(name string) bool {
	return strings.HasPrefix(name, clonePrefix) && strings.Contains(name, cloneInfix)
}

// makeCloneDir makes the temporary folder of a new clone of name, its owner
// file locked first. done removes the folder, then the owner file, then
// releases the lock.
func makeCloneDir(base, name string) (dir string, done func(), err error) {
	for tries := 0; ; tries++ {
		var rnd [6]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return "", nil, err
		}
		dir = filepath.Join(base, clonePrefix+name+cloneInfix+hex.EncodeToString(rnd[:]))
		owner := dir + ownerSuffix
		f, err := os.OpenFile(owner, os.O_RDWR|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		if errors.Is(err, os.ErrExist) && tries < 10 {
			continue
		}
		if err != nil {
			return "", nil, fmt.Errorf("making %s: %w", owner, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			os.Remove(owner)
			return "", nil, fmt.Errorf("locking %s: %w", owner, err)
		}
		if err := os.Mkdir(dir, 0o700); err != nil {
			os.Remove(owner)
			f.Close()
			return "", nil, err
		}
		return dir, func() {
			_ = os.RemoveAll(dir)
			_ = os.Remove(owner)
			f.Close()
		}, nil
	}
}

// sweep removes the temporary clone folders (and owner files) that
// interrupted runs left in the basedir: those whose owner lock is free (its
// run is gone), and old folders without an owner file. A live run's are
// left alone. It returns the names of the folders removed.
func sweep(base string) ([]string, error) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		name := e.Name()
		if !isCloneDir(name) {
			continue
		}
		p := filepath.Join(base, name)
		if owner, ok := strings.CutSuffix(name, ownerSuffix); ok {
			// An owner file alone: its run died before making the folder,
			// or after removing it.
			if _, err := os.Lstat(filepath.Join(base, owner)); errors.Is(err, os.ErrNotExist) && free(p) {
				_ = os.Remove(p)
			}
			continue
		}
		if !e.IsDir() || !abandoned(p) {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			errs = append(errs, err)
			continue
		}
		_ = os.Remove(p + ownerSuffix)
		removed = append(removed, name)
	}
	return removed, errors.Join(errs...)
}

// abandoned reports whether the clone folder dir belongs to no live run.
func abandoned(dir string) bool {
	if _, err := os.Lstat(dir + ownerSuffix); errors.Is(err, os.ErrNotExist) {
		fi, err := os.Lstat(dir)
		return err == nil && time.Since(fi.ModTime()) > orphanAge
	}
	return free(dir + ownerSuffix)
}

// free reports whether nobody holds the flock on the owner file at path.
func free(path string) bool {
	f, err := os.OpenFile(path, os.O_RDWR|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) == nil
}
