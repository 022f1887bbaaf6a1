package network_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/sshtest"
	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/network"
)

// Steps to one ssh host, run at once, share one login (up to
// SessionsPerMaster of them); Close ends the master and removes its folder. With the user's own ControlMaster in the
// ssh config, the runner starts none.
func TestSSHSharedConnection(t *testing.T) {
	t.Parallel()
	env := gittest.Env(t)
	srv := sshtest.New(t, sshtest.Options{Alias: "forge"})
	for i := range 6 {
		gittest.Git(t, env, srv.Root, "init", "-q", "--bare", fmt.Sprintf("r%d.git", i))
	}
	// What a run killed with SIGKILL left: its folder is swept by the next
	// run; a living process's folder stays.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	stale := filepath.Join(os.TempDir(), fmt.Sprintf("deploytag-ssh-%d-stale", dead.Process.Pid))
	alive := filepath.Join(os.TempDir(), fmt.Sprintf("deploytag-ssh-%d-alive", 1))
	for _, d := range []string{stale, alive} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { os.Remove(stale); os.Remove(alive) })
	for _, userCM := range []bool{false, true} {
		extra := ""
		if userCM {
			extra = "Host forge\n\tControlMaster auto\n\tControlPath " + filepath.Join(srv.Dir, "cm-%C") + "\n"
		}
		sshCmd, err := sshtest.WriteConfig(filepath.Join(t.TempDir(), "ssh_config"), extra, srv)
		if err != nil {
			t.Fatal(err)
		}
		var trace strings.Builder
		var traceMu sync.Mutex
		r, err := git.New(context.Background(), git.Options{Env: append(env, "GIT_SSH_COMMAND="+sshCmd),
			Trace: writerFunc(func(p []byte) (int, error) { traceMu.Lock(); defer traceMu.Unlock(); return trace.Write(p) })})
		if err != nil {
			t.Fatal(err)
		}
		g := network.New(r, network.Options{})
		before := strings.Count(srv.Log(), "Accepted publickey")
		var wg sync.WaitGroup
		errs := make([]error, network.SessionsPerMaster)
		for i := range network.SessionsPerMaster {
			wg.Go(func() {
				_, errs[i] = g.LsRemote(context.Background(), network.Call{Dir: t.TempDir(),
					Remote: srv.AliasURL(filepath.Join(srv.Root, fmt.Sprintf("r%d.git", i))), Timeout: time.Minute})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("user ControlMaster %v: r%d: %v", userCM, i, err)
			}
		}
		logins := strings.Count(srv.Log(), "Accepted publickey") - before
		masters := strings.Count(trace.String(), "ControlMaster=yes")
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
		switch {
		case !userCM && (logins != 1 || masters != 1):
			t.Errorf("%d steps to one host: %d logins, %d masters; want 1 and 1", network.SessionsPerMaster, logins, masters)
		case userCM && masters != 0:
			t.Errorf("with the user's ControlMaster: %d masters started; want none", masters)
		}
		if !userCM {
			if _, err := os.Stat(stale); !os.IsNotExist(err) {
				t.Errorf("a dead run's control folder was not swept: %v", err)
			}
			if _, err := os.Stat(alive); err != nil {
				t.Errorf("a living process's control folder was swept: %v", err)
			}
			dir := ""
			for _, f := range strings.Fields(trace.String()) {
				if p, ok := strings.CutPrefix(f, "ControlPath="); ok {
					dir = filepath.Dir(strings.Trim(p, "'"))
				}
			}
			if dir == "" {
				t.Fatalf("no ControlPath in the trace: %s", trace.String())
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("control folder %s still there after Close: %v", dir, err)
			}
			for _, p := range sshtest.Descendants(os.Getpid()) {
				if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p)); strings.Contains(string(b), "ControlMaster=yes") {
					t.Errorf("master %d still runs after Close", p)
				}
			}
		}
	}
}

// More steps at once than one connection carries open a second (one
// master's crypto is one process, one core), never a third; the steps
// spread over both, and every one succeeds.
func TestSSHSecondMaster(t *testing.T) {
	// not parallel: TestSSHSharedConnection counts every master this
	// process runs
	env := gittest.Env(t)
	srv := sshtest.New(t, sshtest.Options{Alias: "forge"})
	const n = 8 // DefaultHostJobs: all at once
	base := gittest.Repos(t, env, "src")
	src := filepath.Join(base, "src")
	for i := range n {
		bare := fmt.Sprintf("r%d.git", i)
		gittest.Git(t, env, srv.Root, "init", "-q", "--bare", bare)
		// each push lasts a second on the server: all n are under way at once
		gittest.WriteFile(t, filepath.Join(srv.Root, bare), "hooks/pre-receive", "#!/bin/sh\nsleep 1\n", 0o755)
	}
	sshCmd, err := sshtest.WriteConfig(filepath.Join(t.TempDir(), "ssh_config"), "", srv)
	if err != nil {
		t.Fatal(err)
	}
	var trace strings.Builder
	var traceMu sync.Mutex
	r, err := git.New(context.Background(), git.Options{Env: append(env, "GIT_SSH_COMMAND="+sshCmd),
		Trace: writerFunc(func(p []byte) (int, error) { traceMu.Lock(); defer traceMu.Unlock(); return trace.Write(p) })})
	if err != nil {
		t.Fatal(err)
	}
	g := network.New(r, network.Options{})
	defer g.Close()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			url := srv.AliasURL(filepath.Join(srv.Root, fmt.Sprintf("r%d.git", i)))
			_, errs[i] = g.Push(context.Background(), network.Call{Dir: src, Remote: url, URL: url,
				Refs: []string{"HEAD:refs/heads/main"}, Timeout: time.Minute})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("r%d: %v", i, err)
		}
	}
	logins := strings.Count(srv.Log(), "Accepted publickey")
	masters := strings.Count(trace.String(), "ControlMaster=yes")
	if logins != 2 || masters != 2 {
		t.Errorf("%d pushes at once to one host: %d logins, %d masters; want 2 and 2", n, logins, masters)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
