package place

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/flock"
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
	path := r.path(LockFile)
	f, err := flock.Open(path)
	if err != nil {
		return nil, fmt.Errorf("opening the lock: %w", noFollowErr(path, err))
	}
	told := false
	err = flock.Wait(ctx, f, time.Now().Add(timeout), lockPoll, func() {
		if !told && waiting != nil {
			b, _ := io.ReadAll(io.LimitReader(f, 512))
			_, _ = f.Seek(0, io.SeekStart)
			waiting(strings.TrimSpace(string(b)))
			told = true
		}
	})
	if err != nil {
		f.Close()
		switch {
		case errors.Is(err, flock.ErrHeld):
			return nil, fmt.Errorf("%w on %s; gave up after %s", ErrLockTimeout, r.Dir, timeout)
		case ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return nil, fmt.Errorf("waiting for the lock on %s: %w", r.Dir, err)
		default:
			return nil, fmt.Errorf("locking %s: %w", path, err)
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
