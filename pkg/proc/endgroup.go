package proc

import (
	"syscall"
	"time"
)

// Grace is how long a process group asked to end (SIGTERM) has before it
// is killed (SIGKILL).
const Grace = 2 * time.Second

// EndGroup ends the process group pgid: SIGTERM first, so that every git
// in it removes its own lock files on the way out (git's signal handlers
// clean up its locks and temporary files; SIGKILL would leave them, and
// a receive-pack of a local remote, which runs in the group of the push
// that started it, would leave refs/tags/TAG.lock behind for every later
// push); SIGKILL for whatever is still there after Grace.
func EndGroup(pgid int) {
	if syscall.Kill(-pgid, syscall.SIGTERM) != nil {
		return // no such group: nothing left
	}
	for deadline := time.Now().Add(Grace); time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		if syscall.Kill(-pgid, 0) != nil {
			return
		}
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}
