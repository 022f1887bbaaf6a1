package proc

import "syscall"

// sysProcAttr puts a child in a session of its own (no terminal, its own
// process group to kill) and has the kernel kill it with SIGKILL when this
// process dies, SIGKILL included. The child's own children (git's
// git-remote-https, its ssh) are not bound so: the watchdog ends their
// group (see watchdog.go).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
}

// outliveProcAttr is sysProcAttr for a child that must finish even if
// this process dies (Cmd.Outlive).
func outliveProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
