package release

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/place"
)

// Lock is the held deploy lock of a root: an flock on <root>/deploy.lock,
// which the kernel releases if the holder dies, so a killed deploy never
// blocks the next one.
type Lock struct {
	f *os.File
}

// lockPoll is how often a waiting deploy tries the lock again.
const lockPoll = 50 * time.Millisecond

// ErrLockTimeout is returned when the lock stayed held for the whole
// timeout.
var ErrLockTimeout = errors.New("another deploy holds the lock")

// Lock takes the root's lock. If another deploy holds it, waiting is
// called once with what the holder wrote (who and what it deploys), then
// Lock waits until the lock is free, ctx ends or timeout passes. holder
// is written into the lock file for the next waiter to read.
func (r *Root) Lock(ctx context.Context, timeout time.Duration, holder string, waiting func(holder string)) (*Lock, error) {
	path := r.path(place.LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the lock: %w", noFollowErr(path, err))
	}
	deadline := time.Now().Add(timeout)
	told := false
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if !told && waiting != nil {
			b, _ := io.ReadAll(io.LimitReader(f, 512))
			_, _ = f.Seek(0, io.SeekStart)
			waiting(strings.TrimSpace(string(b)))
			told = true
		}
		if !time.Now().Before(deadline) {
			f.Close()
			return nil, fmt.Errorf("%w on %s; gave up after %s", ErrLockTimeout, r.Dir, timeout)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for the lock on %s: %w", r.Dir, ctx.Err())
		case <-time.After(min(lockPoll, time.Until(deadline)+time.Millisecond)):
		}
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(holder+"\n"), 0)
	}
	return &Lock{f: f}, nil
}

// Unlock lets the next deploy in.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	_ = l.f.Truncate(0)
	err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// noFollowErr turns the ELOOP of an O_NOFOLLOW open of a symlink into a
// message saying so.
func noFollowErr(path string, err error) error {
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("%s is a symlink; refusing to follow it out of the root", path)
	}
	return err
}
