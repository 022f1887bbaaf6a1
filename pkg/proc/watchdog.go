package proc

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// The watchdog ends what this process started when this process ends,
// however it ends, SIGKILL included. Every child Command starts has
// a process group of its own (a session), and the kernel's parent-death
// signal (Linux) reaches only the child itself: git dies with the tool,
// but not what git started in turn. A git-remote-https whose server
// stalls its TLS handshake is such a grandchild: curl waits up to its
// connect timeout (300 s) whatever http.lowSpeedTime says, its URL in
// ps all along.
//
// So the process groups of the children are also told, as they start and
// end, to one small shell per tool process, in a session of its own,
// whose stdin is a pipe only this process holds (close-on-exec). When
// this process ends, the kernel closes the pipe; the shell reads the end
// of its input and ends every group still listed (SIGTERM, then
// SIGKILL). Outside Linux, where there is no parent-death signal, it is
// the only guard. A group is listed from its start to the moment its
// leader has been waited for (and, when it was cut short, the whole group
// ended); a child that must outlive the tool (Cmd.Outlive) is never
// listed.
var watchdog struct {
	once sync.Once
	mu   sync.Mutex
	w    *os.File // nil when no shell could be started
}

// watchdogScript keeps the listed groups in g, " 12 34 ", and ends them
// all at the end of its input: SIGTERM, so that git removes its lock files
// (a local remote's receive-pack runs in the group of its push), then,
// after the same grace as EndGroup's, SIGKILL. Signals meant for the tool's terminal
// group never reach it (its own session); it ignores the rest but
// SIGKILL.
// Its first line names it in ps.
const watchdogScript = `: deploytag watchdog: ends the children of its tool when the tool ends
trap '' INT HUP TERM QUIT
g=' '
while read -r op p; do
	case $op in
	+) g="$g$p " ;;
	-) case $g in *" $p "*) g="${g%%" $p "*} ${g#*" $p "}" ;; esac ;;
	esac
done
[ "$g" = ' ' ] && exit 0
for p in $g; do kill -TERM "-$p" 2>/dev/null; done
sleep 2
for p in $g; do kill -KILL "-$p" 2>/dev/null; done`

// watch lists the process group of cmd, just started, with the
// watchdog.
func watch(cmd *exec.Cmd) { tellWatchdog('+', cmd) }

// unwatch takes the process group of cmd off the list: its leader has
// been waited for.
func unwatch(cmd *exec.Cmd) { tellWatchdog('-', cmd) }

func tellWatchdog(op byte, cmd *exec.Cmd) {
	watchdog.once.Do(startWatchdog)
	if watchdog.w == nil || cmd.Process == nil {
		return
	}
	watchdog.mu.Lock()
	defer watchdog.mu.Unlock()
	// One short write: whole on the pipe. An error means the shell is
	// gone; the parent-death signal still binds the children.
	_, _ = fmt.Fprintf(watchdog.w, "%c %d\n", op, cmd.Process.Pid)
}

func startWatchdog() {
	r, w, err := os.Pipe()
	if err != nil {
		return
	}
	defer r.Close()
	cmd := exec.Command("/bin/sh", "-c", watchdogScript)
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		w.Close()
		return
	}
	// Reap it when it ends (after this process, in the usual case).
	go func() { _ = cmd.Wait() }()
	watchdog.w = w
}
