package git

import "syscall"

// sysProcAttr puts a child in a session of its own (no terminal, its own
// process group to kill) and has the kernel kill it with SIGKILL when this
// process dies, SIGKILL included. The child's own children are not bound
// so: git's ssh talks through a shared connection whose master is bound
// (see mux.go) and ends when it does; a git-remote-http gives up once its
// server stalls for the deadline (http.lowSpeedTime).
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL}
}

// outliveProcAttr is sysProcAttr for a child that must finish even if
// this process dies (Call.Outlive).
func outliveProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setsid: true}
}
