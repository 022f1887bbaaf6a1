package sshtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ssh(t *testing.T, s *Server, args ...string) (string, error) {
	t.Helper()
	argv := append([]string{"-F", "/dev/null"}, s.SSHOptions()...)
	argv = append(argv, "-p", strings.TrimPrefix(s.Addr(), s.Host+":"), s.User+"@"+s.Host)
	cmd := exec.Command("ssh", append(argv, args...)...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// Three hosts at once, each with its own HOME, reached with strict host-key
// checking; a git clone over one of them through the ssh command.
func TestFleet(t *testing.T) {
	t.Parallel()
	var servers []*Server
	for _, alias := range []string{"web1", "web2", "db1"} {
		servers = append(servers, New(t, Options{Alias: alias}))
	}
	for _, s := range servers {
		out, err := ssh(t, s, "echo $HOME")
		if err != nil || out != s.Root {
			t.Fatalf("%s: HOME %q (%v), want %q", s.Alias, out, err, s.Root)
		}
	}
	cfg := filepath.Join(t.TempDir(), "ssh_config")
	sshCmd, err := WriteConfig(cfg, "", servers...)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range servers {
		out, err := exec.Command("sh", "-c", sshCmd+" "+s.Alias+" 'echo $HOME'").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != s.Root {
			t.Fatalf("%s through the config: %q (%v)", s.Alias, out, err)
		}
	}

	bare := filepath.Join(servers[0].Root, "repo.git")
	if out, err := exec.Command("git", "init", "-q", "--bare", bare).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	clone := exec.Command("git", "clone", "-q", servers[0].URL(bare), filepath.Join(t.TempDir(), "c"))
	clone.Env = append(os.Environ(), "GIT_SSH_COMMAND="+servers[0].SSHCommand())
	if out, err := clone.CombinedOutput(); err != nil {
		t.Fatalf("clone over ssh: %v: %s", err, out)
	}
}

// Host-key checking is on: a server whose key is not in known_hosts is
// refused.
func TestHostKeyChecked(t *testing.T) {
	t.Parallel()
	a, b := New(t, Options{}), New(t, Options{})
	a.KnownHosts = b.KnownHosts // b's file names b's port, not a's
	out, err := ssh(t, a, "true")
	if err == nil || !strings.Contains(out, "Host key verification failed") {
		t.Fatalf("unknown host key accepted: %q (%v)", out, err)
	}
}

// Stop ends the processes of open sessions too, and says so if one lives.
func TestStopEndsSessions(t *testing.T) {
	t.Parallel()
	s, err := Start(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	argv := append([]string{"-F", "/dev/null"}, s.SSHOptions()...)
	argv = append(argv, "-p", strings.TrimPrefix(s.Addr(), s.Host+":"), s.User+"@"+s.Host, "sleep 300")
	client := exec.Command("ssh", argv...)
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = client.Process.Kill(); _ = client.Wait() }()
	var below []int
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		below = Descendants(s.PID())
		if hasSleep(below) {
			break
		}
	}
	if !hasSleep(below) {
		t.Fatalf("no session started: %s", s.Log())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, p := range append(below, s.PID()) {
		if Alive(p) {
			t.Errorf("process %d outlived Stop", p)
		}
	}
}

func hasSleep(pids []int) bool {
	for _, p := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(p) + "/cmdline")
		if strings.HasPrefix(string(b), "sleep") {
			return true
		}
	}
	return false
}
