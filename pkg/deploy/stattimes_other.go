//go:build !linux

package deploy

import "syscall"

// statTimes is st's modification and change times (darwin and the BSDs
// name them Mtimespec and Ctimespec).
func statTimes(st *syscall.Stat_t) (mtime, ctime syscall.Timespec) {
	return st.Mtimespec, st.Ctimespec
}
