package git

import "syscall"

// sysProcAttr puts a child in a session of its own (no terminal, its own
// process group to kill) and, for a network step (dieWithParent), has the
// kernel kill it with SIGKILL when this process dies, SIGKILL included. A
// local git is let finish instead: killed part-way, a "git tag" or
// "git checkout" would leave a lock file (refs/tags/T.lock, index.lock)
// that blocks every rerun; it ends on its own in moments. The child's own children are not bound
// so: git's ssh talks through a shared connection whose master is bound
// (see mux.go) and ends when it does; a git-remote-http gives up once its
// server stalls for the deadline (http.lowSpeedTime).
func sysProcAttr(dieWithParent bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Setsid: true}
	if dieWithParent {
		a.Pdeathsig = syscall.SIGKILL
	}
	return a
}
