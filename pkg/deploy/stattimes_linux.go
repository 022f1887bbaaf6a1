package deploy

import "syscall"

// statTimes is st's modification and change times (Linux names them
// Mtim and Ctim).
func statTimes(st *syscall.Stat_t) (mtime, ctime syscall.Timespec) {
	return st.Mtim, st.Ctim
}
