package fail

import (
	"errors"
	"fmt"
	"syscall"
)

// Unrecorded is work that was done whose record could not be written: a
// deploy switched current, but deploys.log could not take its line. The
// tool still prints its result, reports the error and exits with a status
// of its own (internal/cmdline ExitUnrecorded), so that a fleet runner counts
// the host as switched.
type Unrecorded struct{ Err error }

func (e *Unrecorded) Error() string { return e.Err.Error() }
func (e *Unrecorded) Unwrap() error { return e.Err }

// OnlyUnrecorded reports whether err is not nil and every error in it
// (each of a join's, recursively) is an *Unrecorded: the work was done,
// and only its record is missing.
func OnlyUnrecorded(err error) bool {
	if err == nil {
		return false
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if e != nil && !OnlyUnrecorded(e) {
				return false
			}
		}
		return true
	}
	var u *Unrecorded
	return errors.As(err, &u)
}

// DiskFull calls a full disk a full disk: when err is a write that found
// no space left (ENOSPC, or EDQUOT, a quota reached) it says so, with a
// hint naming where to free space; any other err is returned as it is.
func DiskFull(err error, where string) error {
	if !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EDQUOT) {
		return err
	}
	return WithHint(fmt.Errorf("the disk is full: %w", err), "free some space on the disk holding "+where+", then run it again")
}
