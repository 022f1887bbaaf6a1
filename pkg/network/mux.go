package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/deploytag/deploytag/pkg/proc"
)

// DefaultHostJobs bounds the network steps running at once against one
// host. It stays below OpenSSH's defaults of MaxStartups (10 connections
// not yet logged in, beyond which sshd starts dropping new ones) and
// MaxSessions (10 sessions over one shared connection), and well below
// what forges allow one client.
const DefaultHostJobs = 8

// netState is what a Client's network verbs share during one run: the
// per-host bound, each host's verdict once one is known, and the ssh
// connection kept open to each host.
type netState struct {
	hostJobs int

	mu       sync.Mutex
	sem      map[Host]chan struct{}
	verdicts map[Host]*Error
	masters  map[string]*hostMasters // by ssh command and host
	dir      string                  // private folder of the control sockets
	seq      int
	closed   bool
}

// master is one ssh connection that the network steps to a host share
// (OpenSSH's ControlMaster), or the reason there is none.
type master struct {
	ready chan struct{}
	opts  string    // ssh options that use it; "" when not shared
	err   *Error    // the host's verdict when it could not connect
	cmd   *proc.Cmd // the running master, or nil
	done  chan struct{}
}

func (cl *Client) net() *netState {
	cl.once.Do(func() {
		cl.st = &netState{hostJobs: cl.hostJobs, sem: map[Host]chan struct{}{},
			verdicts: map[Host]*Error{}, masters: map[string]*hostMasters{}}
	})
	return cl.st
}

func (n *netState) verdict(h Host) *Error {
	if h.Name == "" {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.verdicts[h]
}

func (n *netState) setVerdict(h Host, e *Error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.verdicts[h] == nil {
		v := *e
		v.Host = h.String()
		n.verdicts[h] = &v
	}
}

// acquire waits for one of the host's slots; local paths have no bound.
func (n *netState) acquire(ctx context.Context, h Host) (func(), error) {
	if h.Name == "" {
		return func() {}, nil
	}
	key := Host{Scheme: h.Scheme, Name: strings.ToLower(h.Name), Port: h.Port}
	n.mu.Lock()
	sem := n.sem[key]
	if sem == nil {
		sem = make(chan struct{}, n.hostJobs)
		n.sem[key] = sem
	}
	n.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// A host's steps share at most MastersPerHost ssh connections, a new one
// opened only while every open one carries SessionsPerMaster steps: one
// master is a single process that does the crypto of every session it
// carries, so a second spreads that work over another core, and a run of
// a few steps still logs in once. Both stay within OpenSSH's defaults
// (MaxSessions 10 per connection, MaxStartups 10).
const (
	MastersPerHost    = 2
	SessionsPerMaster = 4
)

// hostMasters are the masters of one ssh command and host, and how many
// steps each carries now.
type hostMasters struct {
	ms     []*master
	active []int
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// ok reports whether m is open and shared (not failed, not left to the
// user's config), without waiting.
func (m *master) ok() bool {
	return isClosed(m.ready) && m.err == nil && m.opts != ""
}

// mux returns the ssh options that make a step share one of the host's
// connections, opening it on first use, and the function to call when
// the step ends. It returns "" (each step connects on its own) when the
// user's ssh config already decides about connection sharing
// (ControlMaster or ControlPath set), and the host's verdict when the
// first connection cannot be made: every step to that host then fails at
// once with the same cause. A second connection that cannot be made is
// no verdict: its steps share the first.
func (n *netState) mux(ctx context.Context, cl *Client, h Host, ssh sshCmd, timeout time.Duration) (string, func(), *Error) {
	key := ssh.cmd + "\x00" + h.String()
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return "", func() {}, nil
	}
	hm := n.masters[key]
	if hm == nil {
		hm = &hostMasters{}
		n.masters[key] = hm
	}
	// A step that would crowd the first connection while it is still
	// being opened waits to learn whether a second can be added.
	for len(hm.ms) == 1 && hm.active[0] >= SessionsPerMaster && !isClosed(hm.ms[0].ready) {
		first := hm.ms[0]
		n.mu.Unlock()
		select {
		case <-first.ready:
		case <-ctx.Done():
			return "", func() {}, &Error{Kind: KindInterrupted, Err: ctx.Err()}
		}
		n.mu.Lock()
	}
	i := -1
	for j := range hm.ms {
		if i < 0 || hm.active[j] < hm.active[i] {
			i = j
		}
	}
	opening := false
	if i < 0 || hm.active[i] >= SessionsPerMaster && len(hm.ms) < MastersPerHost && hm.ms[0].ok() {
		hm.ms = append(hm.ms, &master{ready: make(chan struct{})})
		hm.active = append(hm.active, 0)
		i, opening = len(hm.ms)-1, true
	}
	hm.active[i]++
	m := hm.ms[i]
	n.mu.Unlock()
	release := func() {
		n.mu.Lock()
		hm.active[i]--
		n.mu.Unlock()
	}
	if opening {
		m.opts, m.err = n.open(ctx, cl, h, ssh, timeout, m)
		if m.err != nil && (m.err.Kind == KindOther || i > 0) {
			// Not a verdict on the host (a server that refuses sessions
			// without a command, say; or one connection more than it
			// takes): each step connects on its own, or shares the
			// first connection.
			m.opts, m.err = "", nil
		}
		if m.err != nil {
			m.err.Host = h.String()
		}
		close(m.ready)
	} else {
		select {
		case <-m.ready:
		case <-ctx.Done():
			release()
			return "", func() {}, &Error{Kind: KindInterrupted, Err: ctx.Err()}
		}
	}
	if i > 0 && m.opts == "" { // hm.ms[0] was ok when this one was opened
		release()
		n.mu.Lock()
		i, m = 0, hm.ms[0]
		hm.active[0]++
		n.mu.Unlock()
	}
	return m.opts, release, m.err
}

// sshTarget is "[-p PORT] [-l USER] HOST" as git gives them to ssh, so
// that the shared connection's socket (%C: a hash of host, port and user)
// is the one git's ssh looks for.
func sshTarget(h Host) string {
	t := ""
	if h.Port != "" {
		t += "-p " + shellQuote(h.Port) + " "
	}
	if h.User != "" {
		t += "-l " + shellQuote(h.User) + " "
	}
	return t + "-- " + shellQuote(h.Name)
}

func (n *netState) open(ctx context.Context, cl *Client, h Host, ssh sshCmd, timeout time.Duration, m *master) (string, *Error) {
	// Does the user's own config decide? (ssh -G prints the options it
	// would use, without connecting.)
	gctx, gcancel := context.WithTimeout(ctx, min(timeout, 5*time.Second))
	defer gcancel()
	g := proc.Command(gctx, "sh", "-c", "exec "+ssh.cmd+" -G "+sshTarget(h))
	g.Env = cl.Env()
	g.Cancel = func() error { return syscall.Kill(-g.Process.Pid, syscall.SIGKILL) }
	g.WaitDelay = time.Second
	out, err := g.Output()
	if err != nil {
		return "", nil // not an ssh that knows -G: leave it be
	}
	for _, l := range strings.Split(string(out), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
		if (k == "controlmaster" && v != "false") || (k == "controlpath" && v != "none") {
			return "", nil
		}
	}

	n.mu.Lock()
	if n.dir == "" {
		// A socket's path must fit in about 100 bytes: a short folder.
		// Its name carries our pid, so a later run can sweep the folder
		// a killed run left (see sweep).
		prefix := fmt.Sprintf("%s%d-", controlPrefix, os.Getpid())
		dir, err := os.MkdirTemp("", prefix)
		if err == nil && len(dir) > 60 {
			os.Remove(dir)
			dir, err = os.MkdirTemp("/tmp", prefix)
		}
		if err != nil {
			n.mu.Unlock()
			return "", nil
		}
		sweep(filepath.Dir(dir))
		n.dir = dir
	}
	dir := n.dir
	n.seq++
	// One socket per master, named by us: git's ssh is pointed at the
	// socket of its own host, so no %C hashing is needed.
	sock := filepath.Join(dir, fmt.Sprintf("m%d", n.seq))
	n.mu.Unlock()
	opts := " -o ControlPath=" + shellQuote(sock)

	// The master: ssh -N in the foreground, a child of this process that
	// dies with it (see sysProcAttr), ended by Close.
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var stderr bytes.Buffer
	line := ssh.cmd + " -o BatchMode=yes -o ControlMaster=yes -o ControlPersist=no" + opts + " -N " + sshTarget(h)
	cl.Trace(line)
	// Not bound to ctx, which is the first step's: the master lives until
	// Close, with the watchdog as every child (pkg/proc).
	cmd := proc.Command(context.Background(), "sh", "-c", "exec "+line)
	cmd.Env = cl.Env()
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return "", nil
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	for {
		// The socket appears once the master has logged in.
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			m.cmd, m.done = cmd, exited
			return opts + " -o ControlMaster=no", nil
		}
		select {
		case <-exited:
			e := &Error{Err: errors.New("ssh exited")}
			e.Kind, e.Cause = Classify(stderr.String())
			if e.Cause == "" {
				e.Cause = "ssh to " + h.String() + " exited without a word"
			}
			return "", e
		case <-ctx.Done():
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Process.Kill()
			<-exited
			e := &Error{Err: ctx.Err(), Timeout: timeout}
			if errors.Is(ctx.Err(), context.Canceled) {
				e.Kind = KindInterrupted
				return "", e
			}
			e.Kind, e.Cause = Classify(stderr.String())
			if e.Kind != KindOther {
				return "", e
			}
			e.Kind, e.Cause = KindTimeout, ""
			return "", e
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Close ends every shared ssh connection the client opened and removes
// their private folder. Steps started after Close connect on their own.
func (cl *Client) Close() error {
	if cl.st == nil {
		return nil
	}
	n := cl.st
	n.mu.Lock()
	n.closed = true
	var masters []*master
	for _, hm := range n.masters {
		masters = append(masters, hm.ms...)
	}
	n.masters = map[string]*hostMasters{}
	dir := n.dir
	n.mu.Unlock()
	for _, m := range masters {
		<-m.ready
		if m.cmd != nil && m.cmd.Process != nil {
			_ = m.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-m.done:
			case <-time.After(2 * time.Second):
				_ = m.cmd.Process.Kill()
				<-m.done
			}
		}
	}
	if dir != "" {
		return os.RemoveAll(dir)
	}
	return nil
}

// controlPrefix starts the name of a run's control folder, followed by
// the run's pid.
const controlPrefix = "deploytag-ssh-"

// sweep removes the control folders in parent left by runs that no longer
// live (killed with SIGKILL, their masters gone with them): only folders
// of this user, named by a pid that no process has, holding nothing but
// sockets.
func sweep(parent string) {
	ents, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), controlPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		if fi, err := os.Lstat(dir); err != nil || !owned(fi) {
			continue
		}
		socks, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		clean := true
		for _, s := range socks {
			if s.Type()&os.ModeSocket == 0 {
				clean = false
			}
		}
		if clean {
			for _, s := range socks {
				_ = os.Remove(filepath.Join(dir, s.Name()))
			}
			_ = os.Remove(dir)
		}
	}
}

// owned reports whether this user owns fi.
func owned(fi os.FileInfo) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
