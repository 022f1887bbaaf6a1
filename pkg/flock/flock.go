// Package flock takes exclusive flock(2) locks on files, waiting while
// another holds one. The kernel lets go of a lock when its holder dies,
// so a killed run never blocks the next. The release lock of a root and
// the tagging lock of a repo are both taken here.
package flock

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// ErrHeld is what Wait returns when the lock was still held at the
// deadline.
var ErrHeld = errors.New("lock held")

// Open opens the lock file at path for Wait, made if missing, never
// through a symlink.
func Open(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o644)
}

// Wait takes an exclusive lock on f. While another holds it, Wait calls
// held (when set) and tries again every poll, until ctx ends (ctx.Err()
// is returned) or the deadline passes (ErrHeld). Any other failure of
// flock is returned as it is.
func Wait(ctx context.Context, f *os.File, deadline time.Time, poll time.Duration, held func()) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			return err
		}
		if held != nil {
			held()
		}
		if !time.Now().Before(deadline) {
			return ErrHeld
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(poll, time.Until(deadline)+time.Millisecond)):
		}
	}
}
