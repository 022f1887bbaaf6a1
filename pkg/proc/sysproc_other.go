//go:build !linux

package proc

import "syscall"

// sysProcAttr puts a child in a session of its own (no terminal, its own
// process group to kill on timeout or interrupt). Outside Linux there is
// no parent-death signal: the watchdog (see watchdog.go) kills the group
// of every child when this process dies, SIGKILL included.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}

// outliveProcAttr is sysProcAttr for a child that must finish even if
// this process dies (Cmd.Outlive).
func outliveProcAttr() *syscall.SysProcAttr { return sysProcAttr() }
