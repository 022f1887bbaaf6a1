// Package sshtest starts Debian's OpenSSH sshd for tests: on 127.0.0.1, on
// a free port, as the current user, with a host key, an authorized client
// key and an sshd_config of its own in a folder the test owns. It gives
// back what a client needs (a known_hosts file, the client key, the port, an
// ssh command and an ssh config block), and host-key checking stays on.
// Several servers may run at once, each independent: its own keys, port
// and Root, the HOME of every session on it (a "host's" own folder).
//
// Stop (or the test's cleanup, with New) kills the server and every
// process it started, by PID, and checks they are gone.
//
// Run as root, sshd needs its privilege separation folder /run/sshd; Start
// makes it when missing, as Debian's service would.
package sshtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/testneed"
)

// SSHD is the server binary the tests drive.
const SSHD = testneed.SSHD

// Options tune a server; the zero value is a plain one.
type Options struct {
	// Alias is the Host name of the server in Config; "" means "sshtest".
	Alias string
	// MaxStartups and MaxSessions set the sshd options of those names
	// when not empty or zero (sshd's defaults are 10:30:100 and 10).
	MaxStartups string
	MaxSessions int
	// Extra is appended to sshd_config.
	Extra string
}

// Server is one running sshd.
type Server struct {
	Alias string
	Host  string // always 127.0.0.1
	Port  int
	User  string // the current user, the only one allowed in
	// Dir holds sshd_config, the keys, known_hosts and sshd.log.
	Dir string
	// Root is HOME of every session on this server; it starts empty.
	Root string
	// KnownHosts is a known_hosts file naming only this server's host key.
	KnownHosts string
	// ClientKey is the private key authorized on this server.
	ClientKey string
	// HostKeyLine is this server's known_hosts line.
	HostKeyLine string

	cmd  *exec.Cmd
	done chan struct{}
}

// New starts a server in a temporary folder of t and stops it at cleanup,
// failing the test if any of its processes survives. Without sshd, ssh
// or ssh-keygen the test is skipped, or fails, as testneed.Need decides.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	testneed.Need(t, "sshd", "ssh", "ssh-keygen")
	s, err := Start(t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// Start starts a server whose files live in dir (which should be empty).
func Start(dir string, opts Options) (*Server, error) {
	if _, err := os.Stat(SSHD); err != nil {
		return nil, fmt.Errorf("sshtest: %s not found (Debian: apt-get install openssh-server)", SSHD)
	}
	if os.Geteuid() == 0 {
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return nil, fmt.Errorf("sshtest: privilege separation folder: %w", err)
		}
	}
	u, err := user.Current()
	if err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	s := &Server{Alias: opts.Alias, Host: "127.0.0.1", User: u.Username, Dir: dir, Root: filepath.Join(dir, "root"),
		KnownHosts: filepath.Join(dir, "known_hosts"), ClientKey: filepath.Join(dir, "client_key")}
	if s.Alias == "" {
		s.Alias = "sshtest"
	}
	if err := os.MkdirAll(s.Root, 0o755); err != nil {
		return nil, err
	}
	hostKey := filepath.Join(dir, "host_key")
	for _, k := range []string{hostKey, s.ClientKey} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "sshtest", "-f", k).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("sshtest: ssh-keygen: %v: %s", err, out)
		}
	}
	pub, err := os.ReadFile(s.ClientKey + ".pub")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600); err != nil {
		return nil, err
	}
	hostPub, err := os.ReadFile(hostKey + ".pub")
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(hostPub))
	if len(f) < 2 {
		return nil, fmt.Errorf("sshtest: malformed %s.pub", hostKey)
	}

	// A free port can be taken by another test between our probe and
	// sshd's bind: try a few.
	for attempt := 0; ; attempt++ {
		s.Port, err = freePort()
		if err != nil {
			return nil, err
		}
		s.HostKeyLine = fmt.Sprintf("[%s]:%d %s %s", s.Host, s.Port, f[0], f[1])
		if err := os.WriteFile(s.KnownHosts, []byte(s.HostKeyLine+"\n"), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(s.sshdConfig(hostKey, opts)), 0o644); err != nil {
			return nil, err
		}
		err = s.start()
		if err == nil || attempt == 4 || !strings.Contains(err.Error(), "in use") {
			return s, err
		}
	}
}

func (s *Server) sshdConfig(hostKey string, opts Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Port %d\nListenAddress %s\n", s.Port, s.Host)
	fmt.Fprintf(&b, "HostKey %s\n", hostKey)
	fmt.Fprintf(&b, "PidFile none\n")
	fmt.Fprintf(&b, "AuthorizedKeysFile %s\n", filepath.Join(s.Dir, "authorized_keys"))
	fmt.Fprintf(&b, "AllowUsers %s\n", s.User)
	// Keys only; the temporary folder is world-writable, so no StrictModes.
	b.WriteString("PubkeyAuthentication yes\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n")
	b.WriteString("UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\n")
	b.WriteString("Subsystem sftp internal-sftp\nLogLevel VERBOSE\n")
	// The marker lets Stop find a session's processes even after they
	// lost their parent (a push whose client died, its hook still waiting).
	fmt.Fprintf(&b, "SetEnv HOME=%s %s\n", s.Root, s.marker())
	if opts.MaxStartups != "" {
		fmt.Fprintf(&b, "MaxStartups %s\n", opts.MaxStartups)
	}
	if opts.MaxSessions > 0 {
		fmt.Fprintf(&b, "MaxSessions %d\n", opts.MaxSessions)
	}
	b.WriteString(opts.Extra)
	return b.String()
}

func (s *Server) start() error {
	log, err := os.Create(s.LogPath())
	if err != nil {
		return err
	}
	defer log.Close()
	cmd := exec.Command(SSHD, "-D", "-e", "-f", filepath.Join(s.Dir, "sshd_config"))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	if err := cmd.Start(); err != nil {
		return err
	}
	s.cmd = cmd
	s.done = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(s.LogPath())
		if bytes.Contains(b, []byte("Server listening on")) {
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("sshtest: sshd exited: %s", bytes.TrimSpace(b))
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return fmt.Errorf("sshtest: sshd did not start: %s", bytes.TrimSpace(b))
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, strconv.Itoa(s.Port)) }

// LogPath is sshd's log (its stderr, LogLevel VERBOSE).
func (s *Server) LogPath() string { return filepath.Join(s.Dir, "sshd.log") }

// Log returns what sshd logged so far.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.LogPath())
	return string(b)
}

// PID is the listening sshd's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// URL is the ssh:// URL of path (absolute) on this server, by address.
func (s *Server) URL(path string) string {
	return fmt.Sprintf("ssh://%s@%s%s", s.User, s.Addr(), path)
}

// AliasURL is the ssh:// URL of path through the Host alias of Config.
func (s *Server) AliasURL(path string) string {
	return "ssh://" + s.Alias + path
}

// SSHOptions are the ssh client options that reach this server with its
// key and known_hosts: strict host-key checking, no other identity, no
// prompt. They do not name the port (URLs do).
func (s *Server) SSHOptions() []string {
	return []string{
		"-i", s.ClientKey,
		"-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile=" + s.KnownHosts,
		"-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes",
		"-o", "BatchMode=yes",
	}
}

// SSHCommand is a GIT_SSH_COMMAND for this server that reads no ssh
// config ("-F /dev/null") besides SSHOptions.
func (s *Server) SSHCommand() string {
	return "ssh -F /dev/null " + strings.Join(quoteAll(s.SSHOptions()), " ")
}

// Config is the ssh config block naming this server by its Alias.
func (s *Server) Config() string {
	return fmt.Sprintf("Host %s\n\tHostName %s\n\tPort %d\n\tUser %s\n\tIdentityFile %s\n\tIdentitiesOnly yes\n"+
		"\tUserKnownHostsFile %s\n\tGlobalKnownHostsFile /dev/null\n\tStrictHostKeyChecking yes\n\tBatchMode yes\n",
		s.Alias, s.Host, s.Port, s.User, s.ClientKey, s.KnownHosts)
}

// WriteConfig writes an ssh config file holding the blocks of servers, a
// block for their address (127.0.0.1, with every server's key and
// known_hosts, so ssh://user@127.0.0.1:PORT URLs work too), then extra
// (e.g. "Host *\n\tControlMaster auto\n"), and returns the
// GIT_SSH_COMMAND that uses it: "ssh -F FILE".
func WriteConfig(file, extra string, servers ...*Server) (string, error) {
	var b strings.Builder
	var keys, known []string
	for _, s := range servers {
		b.WriteString(s.Config())
		keys = append(keys, "\tIdentityFile "+s.ClientKey+"\n")
		known = append(known, s.KnownHosts)
	}
	if len(servers) > 0 {
		fmt.Fprintf(&b, "Host %s\n%s\tIdentitiesOnly yes\n\tUserKnownHostsFile %s\n\tGlobalKnownHostsFile /dev/null\n"+
			"\tStrictHostKeyChecking yes\n\tBatchMode yes\n", servers[0].Host, strings.Join(keys, ""), strings.Join(known, " "))
	}
	b.WriteString(extra)
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		return "", err
	}
	return "ssh -F " + quote(file), nil
}

func quoteAll(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = quote(a)
	}
	return out
}

func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Stop kills sshd and every process it started (one per connection, and
// the commands of their sessions), by PID, and returns an error naming any
// that is still alive after five seconds. Stopping twice is harmless.
func (s *Server) Stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	pid := s.cmd.Process.Pid
	procs := append([]int{pid}, Descendants(pid)...)
	procs = append(procs, Marked(s.marker())...)
	for _, p := range procs {
		_ = syscall.Kill(p, syscall.SIGKILL)
	}
	<-s.done
	deadline := time.Now().Add(5 * time.Second)
	for {
		var alive []int
		for _, p := range procs {
			if Alive(p) {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sshtest: sshd on port %d left processes %v running", s.Port, alive)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Descendants returns the ids of every living process below pid, read from
// /proc (Linux).
func Descendants(pid int) []int {
	children := map[int][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, _, err := stat(p); err == nil {
			children[pp] = append(children[pp], p)
		}
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// marker is the NAME=VALUE that every session of this server carries in
// its environment.
func (s *Server) marker() string { return "DEPLOYTAG_SSHTEST=" + s.Dir }

// Marked returns the ids of the living processes whose environment holds
// the entry env (NAME=VALUE), read from /proc (Linux): the processes of a
// server's sessions, orphaned ones included.
func Marked(env string) []int {
	return Processes("environ", func(b []byte) bool {
		for _, kv := range bytes.Split(b, []byte{0}) {
			if string(kv) == env {
				return true
			}
		}
		return false
	})
}

// Processes returns the ids of the living processes, this one aside,
// whose /proc/PID/<file> (environ, cmdline) match accepts (Linux).
func Processes(file string, match func([]byte) bool) []int {
	var out []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil || p == os.Getpid() {
			continue
		}
		if b, err := os.ReadFile(filepath.Join("/proc", e.Name(), file)); err == nil && match(b) {
			out = append(out, p)
		}
	}
	return out
}

// Alive reports whether process pid exists and is not a zombie.
func Alive(pid int) bool {
	_, state, err := stat(pid)
	return err == nil && state != "Z" && state != "X"
}

// stat reads the parent and the state of pid from /proc/PID/stat.
func stat(pid int) (ppid int, state string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, "", err
	}
	// "PID (COMM) STATE PPID ...": COMM may hold spaces and parentheses.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, "", errors.New("malformed stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, "", errors.New("malformed stat")
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0], err
}

// Restart stops the server and its processes, then starts it again on the
// same port with the same keys (a host that went down and came back).
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}
