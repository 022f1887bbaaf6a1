package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/internal/sshtest"
	"github.com/deploytag/deploytag/internal/testneed"
)

// fleet is three hosts, each a real sshd on its own 127.0.0.1 port with
// its own host key, client key and root folder, and a control node whose
// basedir holds the repos (each with a bare remote), driven by
// ansible-playbook with the shipped role (ansible/).
type fleet struct {
	t       *testing.T
	work    string
	base    string
	gitEnv  []string
	hosts   []*sshtest.Server
	names   []string
	roots   []string
	tags    []string
	ansible []string // the environment of ansible-playbook
	// fromArchive: the hosts run the deploy the role installed from the
	// release archive, else the one built for the tests.
	fromArchive bool
	stopped     bool // a step stopped: the later ones do not run
}

func newFleet(t *testing.T) *fleet {
	testneed.Need(t, "ansible-playbook", "python3", "sshd", "ssh", "ssh-keygen", "unshare")
	f := &fleet{t: t, work: t.TempDir(), names: []string{"web1", "web2", "web3"}}
	f.gitEnv, _, f.base, _ = gittest.World(t, "api", "web")
	for _, repo := range []string{"api", "web"} {
		bare := filepath.Join(f.work, "remotes", repo+".git")
		gittest.Git(t, f.gitEnv, f.work, "init", "-q", "--bare", bare)
		gittest.Git(t, f.gitEnv, filepath.Join(f.base, repo), "remote", "add", "origin", bare)
	}
	for _, n := range f.names {
		f.hosts = append(f.hosts, sshtest.New(t, sshtest.Options{Alias: n}))
		f.roots = append(f.roots, filepath.Join(f.work, "hosts", n, "srv"))
	}
	// Three tags, each a change to api.
	for i := range 3 {
		if i > 0 {
			os.WriteFile(filepath.Join(f.base, "api", "CHANGES"), []byte(strings.Repeat("change\n", i)), 0o644)
			gittest.Git(t, f.gitEnv, filepath.Join(f.base, "api"), "add", "CHANGES")
			gittest.Git(t, f.gitEnv, filepath.Join(f.base, "api"), "commit", "-q", "-m", "change")
		}
		tag := f.tool("tag_for_deploy", "--time", fmt.Sprintf("2026-11-25T1%d:00:00Z", i), f.base)
		f.tags = append(f.tags, strings.TrimSpace(tag))
	}
	mod, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(f.work, "empty"), 0o755) // the hosts' PATH: no git there
	home := filepath.Join(f.work, "home")
	os.MkdirAll(home, 0o755)
	// Each task opens its own connection (no ControlMaster), one per
	// module run (pipelining), so a host that goes down between two tasks
	// is seen as unreachable at the next one.
	cfg := fmt.Sprintf("[defaults]\nroles_path = %s\nretry_files_enabled = false\nforks = 5\ninternal_poll_interval = 0.05\n"+
		"[ssh_connection]\nssh_args = -o ControlMaster=auto -o ControlPersist=30s\ncontrol_path_dir = %s\ncontrol_path = %%(directory)s/%%%%C\npipelining = true\n", filepath.Join(mod, "ansible", "roles"), filepath.Join(f.work, "cm"))
	if err := os.WriteFile(filepath.Join(f.work, "ansible.cfg"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	f.ansible = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "LC_ALL=C.UTF-8",
		"ANSIBLE_CONFIG=" + filepath.Join(f.work, "ansible.cfg"), "ANSIBLE_NOCOLOR=1", "ANSIBLE_FORCE_COLOR=0"}
	f.ansible = append(f.ansible, "GIT_CONFIG_NOSYSTEM=1")
	return f
}

// tool runs one of the suite's binaries on the control node.
func (f *fleet) tool(name string, args ...string) string {
	f.t.Helper()
	cmd := exec.Command(filepath.Join(scripttest.BinDir(), name), args...)
	cmd.Env = f.gitEnv
	return string(gittest.Output(f.t, cmd))
}

// run is one ansible-playbook run against the fleet.
type run struct {
	bins     map[string]string // a host's deploy, when not the one installed (a wrapper that breaks it)
	vars     map[string]any    // extra vars, over the defaults of play
	playbook string            // default: the shipped deploy.yml
	args     []string          // more arguments: --check, --diff, -f 1, --tags ...
}

// play runs ansible-playbook as r says and returns its output and exit
// status. It runs in a process group of its own, whose id is in
// WORK/ansible.pgid while it runs (for a wrapper that interrupts it).
func (f *fleet) play(r run) (string, int) {
	f.t.Helper()
	var inv strings.Builder
	inv.WriteString("[app]\n")
	for i, h := range f.hosts {
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s "+
			"ansible_ssh_common_args='-o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes' "+
			"ansible_python_interpreter=/usr/bin/python3 deploytag_root=%s deploytag_install_dir=%s",
			f.names[i], h.Host, h.Port, h.User, h.ClientKey, h.KnownHosts, f.roots[i], f.installDir(i))
		if b, ok := r.bins[f.names[i]]; ok {
			fmt.Fprintf(&inv, " deploytag_bin=%s", b)
		} else if !f.fromArchive {
			fmt.Fprintf(&inv, " deploytag_bin=%s", filepath.Join(scripttest.BinDir(), "deploy"))
		} else if r.vars["deploytag_install"] == nil {
			fmt.Fprintf(&inv, " deploytag_bin=%s", f.installed(i))
		}
		inv.WriteString("\n")
	}
	invPath := filepath.Join(f.work, "inventory.ini")
	if err := os.WriteFile(invPath, []byte(inv.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
	all := map[string]any{
		"deploytag_environment": "production",
		"deploytag_basedir":     f.base,
		"deploytag_push":        false,
		"deploytag_keep":        3,
		"deploytag_local_bin":   filepath.Join(scripttest.BinDir(), "deploy"),
		// The hosts' deploy.toml: the command when a release is staged,
		// restart after every switch (a line per restart), a check that
		// fails for the tag written in the root's fail-check (shell
		// builtins only: no grep on the hosts' PATH).
		"deploytag_settings": map[string]any{
			"command":        []string{"/bin/sh", "-c", `echo staged $DEPLOY_TAG >> ../../../staged`},
			"restart":        []string{"/bin/sh", "-c", `echo "$DEPLOY_TAG" >> "$DEPLOY_RELEASE/../../restarts"`},
			"check":          []string{"/bin/sh", "-c", `f="$DEPLOY_RELEASE/../../fail-check"; [ ! -f "$f" ] || { read -r bad < "$f"; [ "$bad" != "$DEPLOY_TAG" ]; }`},
			"check_timeout":  "2s",
			"check_interval": "200ms",
		},
		// No git on the hosts' PATH: deploy needs none there.
		"deploytag_env": map[string]string{"PATH": filepath.Join(f.work, "empty")},
	}
	for k, v := range r.vars {
		all[k] = v
	}
	ev, _ := json.Marshal(all)
	playbook := r.playbook
	if playbook == "" {
		mod, _ := scripttest.ModuleRoot()
		playbook = filepath.Join(mod, "ansible", "deploy.yml")
	}
	cmd := exec.Command("ansible-playbook", append(append([]string{"-i", invPath, "-e", string(ev)}, r.args...), playbook)...)
	cmd.Env = f.ansible
	cmd.Dir = f.work
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	pgid := filepath.Join(f.work, "ansible.pgid")
	os.WriteFile(pgid, []byte(fmt.Sprint(cmd.Process.Pid)), 0o644)
	err := cmd.Wait()
	os.Remove(pgid)
	f.reap()
	f.noArtifacts()
	ps := cmd.ProcessState
	f.t.Logf("ansible-playbook %s: %v, %s (cpu %s on the control node)", strings.Join(r.args, " "), err,
		time.Since(start).Round(time.Millisecond), (ps.UserTime() + ps.SystemTime()).Round(time.Millisecond))
	return out.String(), cmd.ProcessState.ExitCode()
}

// reap ends the run's shared ssh connections (ControlPersist keeps them a
// while for the next task) and fails the test if anything the run started
// is still running then: ansible-playbook and its workers, ssh (a master
// among them, which names its control socket in its title), a deploy on
// a host (whose command line names the host's root).
func (f *fleet) reap() {
	f.t.Helper()
	socks, _ := filepath.Glob(filepath.Join(f.work, "cm", "*"))
	for _, s := range socks {
		_ = exec.Command("ssh", "-o", "ControlPath="+s, "-O", "exit", "fleet").Run()
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		left := naming(f.work + string(filepath.Separator))
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			for _, p := range left {
				_ = syscall.Kill(p, syscall.SIGKILL)
			}
			f.t.Errorf("ansible-playbook left processes %v running", left)
			return
		}
	}
}

// naming returns the ids of the living processes whose command line (or
// title) holds s, read from /proc (Linux).
func naming(s string) []int {
	return sshtest.Processes("cmdline", func(b []byte) bool { return bytes.Contains(b, []byte(s)) })
}

// noArtifacts fails the test if a run, failed or not, left an artifact
// on a host (ROOT/ENV.tar) or on the control node (its cache folder).
func (f *fleet) noArtifacts() {
	f.t.Helper()
	left, _ := filepath.Glob(filepath.Join(f.work, "home", ".cache", "deploytag", "artifacts", "*"))
	for _, r := range f.roots {
		l, _ := filepath.Glob(filepath.Join(r, "*.tar"))
		left = append(left, l...)
	}
	if len(left) > 0 {
		f.t.Errorf("artifacts left after the run: %v", left)
	}
}

// installDir is where the role installs the tools on host i, and
// installed the deploy it installs there.
func (f *fleet) installDir(i int) string { return filepath.Join(f.work, "hosts", f.names[i], "opt") }
func (f *fleet) installed(i int) string {
	return filepath.Join(f.installDir(i), fleetArchive, "deploy")
}

// fleetArchive is the release archive the test installs from: named and
// laid out as make dist names and lays out one (a folder of that name
// holding the tools), with deploy only, and listed in a SHA256SUMS.
const fleetArchive = "deploytag_0.0.1-test_linux_amd64"

func (f *fleet) makeArchive() (archive string) {
	f.t.Helper()
	dir := filepath.Join(f.work, "dist")
	os.MkdirAll(filepath.Join(dir, fleetArchive), 0o755)
	b, err := os.ReadFile(filepath.Join(scripttest.BinDir(), "deploy"))
	if err != nil {
		f.t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, fleetArchive, "deploy"), b, 0o755)
	archive = filepath.Join(dir, fleetArchive+".tar.gz")
	gittest.Output(f.t, exec.Command("tar", "-C", dir, "-czf", archive, fleetArchive))
	sum := gittest.Output(f.t, exec.Command("sha256sum", archive))
	sums := filepath.Join(dir, "SHA256SUMS")
	line := strings.Fields(string(sum))[0] + "  " + filepath.Base(archive) + "\n"
	os.WriteFile(sums, []byte("0000000000000000000000000000000000000000000000000000000000000000  other.deb\n"+line), 0o644)
	return archive
}

// live returns the tag each host's current names.
func (f *fleet) live() []string {
	var tags []string
	for _, r := range f.roots {
		l, _ := os.Readlink(filepath.Join(r, "current"))
		tags = append(tags, filepath.Base(l))
	}
	return tags
}

func (f *fleet) wantLive(what string, tags ...string) {
	f.t.Helper()
	if got := f.live(); !slices.Equal(got, tags) {
		f.t.Errorf("%s: hosts live on %v, want %v", what, got, tags)
	}
}

// wantRestarts checks the tags restarted on host i so far, in order.
func (f *fleet) wantRestarts(i int, tags ...string) {
	f.t.Helper()
	checkFile(f.t, filepath.Join(f.roots[i], "restarts"), strings.Join(tags, "\n")+"\n")
}

// snapshot is what a run that changes nothing must leave as it was on
// every host: current, the releases, the stage and restart records, the
// deploy log.
func (f *fleet) snapshot() string {
	var b strings.Builder
	for i, r := range f.roots {
		l, _ := os.Readlink(filepath.Join(r, "current"))
		ents, _ := os.ReadDir(filepath.Join(r, "releases"))
		fmt.Fprintf(&b, "%s current=%s releases=", f.names[i], l)
		for _, e := range ents {
			fi, _ := e.Info()
			fmt.Fprintf(&b, "%s@%d,", e.Name(), fi.ModTime().UnixNano())
		}
		for _, name := range []string{"../staged", "restarts", "deploys.log"} {
			c, _ := os.ReadFile(filepath.Join(r, name))
			fmt.Fprintf(&b, " %s=%q", name, c)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func all3(tag string) []string { return []string{tag, tag, tag} }

// TestFleetAnsible runs the shipped role (ansible/deploy.yml) with
// ansible-playbook against two fleets at once, each of three real sshd
// hosts: one for the all-or-nothing of the switch, one for the history
// (rollbacks, signatures, refused artifacts). Each fleet's scenarios run
// in turn, each on the state the one before left.
func TestFleetAnsible(t *testing.T) {
	testneed.Need(t, "ansible-playbook", "python3", "sshd", "ssh", "ssh-keygen", "unshare")
	t.Parallel()
	t.Run("switch", func(t *testing.T) {
		t.Parallel()
		fleetSwitch(newFleet(t))
	})
	t.Run("history", func(t *testing.T) {
		t.Parallel()
		fleetHistory(newFleet(t))
	})
}

// step runs one scenario of a fleet as a subtest, on the state the ones
// before left. Once one stops (t.Fatal: a run that should have worked
// did not), the later ones do not run; after an error they do (and so
// do the ones after a step -run leaves out).
func (f *fleet) step(name string, fn func(t *testing.T)) {
	parent := f.t
	if f.stopped {
		return
	}
	ran, done := false, false
	parent.Run(name, func(t *testing.T) {
		ran = true
		f.t = t
		defer func() { f.t = parent }()
		fn(t)
		done = true
	})
	f.stopped = ran && !done
}

// fleetSwitch: the tools installed from a release archive, a rerun that
// changes nothing, --check --diff, serial refused, then a switch that
// fails on one host in each way it can (its root refusing the link, the
// host lost, ansible-playbook interrupted, a check failing): the fleet
// always ends on one release, every host that switched restarted back.
func fleetSwitch(f *fleet) {
	t1, t2, t3 := f.tags[0], f.tags[1], f.tags[2]
	f.fromArchive = true
	archive := f.makeArchive()

	f.step("install_refused", func(t *testing.T) {
		bad := filepath.Join(f.work, "dist", "BADSUMS")
		os.WriteFile(bad, []byte(strings.Repeat("0", 64)+"  "+filepath.Base(archive)+"\n"), 0o644)
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t1,
			"deploytag_install": "archive", "deploytag_install_file": archive, "deploytag_install_sha256sums": bad}})
		if rc == 0 || !strings.Contains(out, "but "+bad+" lists "+strings.Repeat("0", 64)+"; nothing installed, no host changed") {
			t.Errorf("an archive SHA256SUMS does not list: exit %d, want it refused:\n%s", rc, out)
		}
		for i, r := range f.roots {
			if _, err := os.Stat(f.installDir(i)); err == nil {
				t.Errorf("%s: %s made", f.names[i], f.installDir(i))
			}
			if _, err := os.Stat(r); err == nil {
				t.Errorf("%s: %s made", f.names[i], r)
			}
		}
	})

	f.step("deploy", func(t *testing.T) {
		// The environment's build, in the control node's basedir: once
		// per deploy, whatever the number of hosts; its output ships in
		// the artifact.
		builds := filepath.Join(f.work, "builds")
		toml := fmt.Sprintf("[environments.production]\nbuild = [\"/bin/sh\", \"-c\", 'echo \"$DEPLOY_TAG\" > api/BUILT; echo \"$DEPLOY_TAG\" >> %s']\n", builds)
		if err := os.WriteFile(filepath.Join(f.base, "deploy.toml"), []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t1, "deploytag_push": true,
			"deploytag_install": "archive", "deploytag_install_file": archive}})
		if rc != 0 {
			t.Fatalf("deploy %s failed:\n%s", t1, out)
		}
		f.wantLive("deploy", all3(t1)...)
		if !regexp.MustCompile(`TASK \[deploytag : Push the tag to the repos' remotes\] \**\nchanged: \[web1 -> localhost\]`).MatchString(out) {
			t.Errorf("the push is not reported as a change:\n%s", out)
		}
		for _, repo := range []string{"api", "web"} {
			gittest.Git(t, f.gitEnv, filepath.Join(f.work, "remotes", repo+".git"), "rev-parse", "--verify", "refs/tags/"+t1)
		}
		for i, r := range f.roots {
			if strings.TrimSpace(f.tool("show_deploy_tag", "--root", r)) != t1 {
				t.Errorf("%s: show_deploy_tag does not say %s", f.names[i], t1)
			}
			f.tool("verify_deploy_tag", "--root", r, t1) // the release checks against its proof there
			checkFile(t, filepath.Join(r, "current", "api", "BUILT"), t1+"\n")
			checkFile(t, filepath.Join(r, "..", "staged"), "staged "+t1+"\n")
			f.wantRestarts(i, t1)
			if _, err := os.Stat(f.installed(i)); err != nil {
				t.Errorf("%s: deploy not installed: %v", f.names[i], err)
			}
			if b, _ := os.ReadFile(filepath.Join(r, "deploy.toml")); !strings.Contains(string(b), "[environments.production]\nroot = \""+r+"\"\n") {
				t.Errorf("%s: deploy.toml written from the template:\n%s", f.names[i], b)
			}
		}
		checkFile(t, builds, t1+"\n")
		if !strings.Contains(out, "deploytag: switched web1 (none) -> "+t1+", web2 (none) -> "+t1+", web3 (none) -> "+t1+"; every host reachable runs "+t1) {
			t.Errorf("the run does not end saying what it did:\n%s", out)
		}
	})

	f.step("rerun_live", func(t *testing.T) {
		before := f.snapshot()
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t1, "deploytag_push": true}})
		if rc != 0 || !strings.Contains(out, "every host ran it already, nothing changed; every host reachable runs "+t1) {
			t.Fatalf("the rerun of %s: exit %d:\n%s", t1, rc, out)
		}
		if strings.Contains(out, "changed: ") || strings.Count(out, "changed=0") != 3 {
			t.Errorf("the rerun reports a change:\n%s", out)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("the rerun changed the hosts:\n%s\nwas\n%s", after, before)
		}
	})

	f.step("check_diff", func(t *testing.T) {
		before := f.snapshot()
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t2}, args: []string{"--check", "--diff"}})
		if rc != 0 || strings.Count(out, `-    "src": "releases/`+t1+`"`) != 3 || strings.Count(out, `+    "src": "releases/`+t2+`"`) != 3 ||
			!strings.Contains(out, "would switch web1 "+t1+" -> "+t2+", web2 "+t1+" -> "+t2+", web3 "+t1+" -> "+t2) {
			t.Errorf("--check --diff: exit %d, want each host's current link from %s to %s:\n%s", rc, t1, t2, out)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("--check changed the hosts:\n%s\nwas\n%s", after, before)
		}
	})

	f.step("serial_refused", func(t *testing.T) {
		before := f.snapshot()
		serial := filepath.Join(f.work, "serial.yml")
		os.WriteFile(serial, []byte("- hosts: app\n  gather_facts: false\n  serial: 1\n  roles: [deploytag]\n"), 0o644)
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t2}, playbook: serial})
		if rc == 0 || !strings.Contains(out, "runs 1 of its 3 hosts at a time: remove serial from the play") {
			t.Errorf("a play with serial 1: exit %d, want it refused:\n%s", rc, out)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("a refused play changed the hosts:\n%s\nwas\n%s", after, before)
		}
	})

	f.step("root_refuses_link", func(t *testing.T) {
		out, rc := f.play(run{bins: map[string]string{"web3": f.wrapper("ro-root", t2)}, vars: map[string]any{"deploytag_tag": t2}})
		f.wantLive("a switch failed on web3", all3(t1)...)
		if rc == 0 || !strings.Contains(out, "deploying "+t2+" failed: the switch failed on web3") ||
			!strings.Contains(out, "web3: "+t1+" (switch failed: deploy: error: not switched: the root ") ||
			!strings.Contains(out, "web1: "+t1+" (switched; put back on "+t1+")") ||
			!strings.Contains(out, "web2: "+t1+" (switched; put back on "+t1+")") || !strings.Contains(out, "every host reachable runs "+t1) {
			t.Errorf("a switch failed on web3: exit %d, want a failure naming each host:\n%s", rc, out)
		}
		f.wantRestarts(0, t1, t2, t1)
		f.wantRestarts(1, t1, t2, t1)
		f.wantRestarts(2, t1)
	})

	f.step("host_lost", func(t *testing.T) {
		out, rc := f.play(run{bins: map[string]string{"web3": f.wrapper("lost", fmt.Sprint(f.hosts[2].PID()))}, vars: map[string]any{"deploytag_tag": t2}})
		f.wantLive("web3 lost at the switch", all3(t1)...)
		if rc == 0 || !strings.Contains(out, "web3: unreachable (lost during the switch (unreachable))") ||
			!strings.Contains(out, "web1: "+t1+" (switched; put back on "+t1+")") ||
			!strings.Contains(out, "web2: "+t1+" (switched; put back on "+t1+")") {
			t.Errorf("web3 lost at the switch: exit %d, want a failure naming web3 lost:\n%s", rc, out)
		}
		f.wantRestarts(0, t1, t2, t1, t2, t1)
		f.wantRestarts(1, t1, t2, t1, t2, t1)
		f.wantRestarts(2, t1)
		if err := f.hosts[2].Restart(); err != nil {
			t.Fatal(err)
		}
	})

	f.step("interrupted", func(t *testing.T) {
		out, rc := f.play(run{bins: map[string]string{"web2": f.wrapper("interrupt", t2)}, vars: map[string]any{"deploytag_tag": t2}, args: []string{"-f", "1"}})
		if rc != 99 || !strings.Contains(out, "User interrupted execution") {
			t.Fatalf("the interrupted run: exit %d, want 99:\n%s", rc, out)
		}
		f.wantLive("interrupted", t2, t2, t1)
		out, rc = f.play(run{vars: map[string]any{"deploytag_tag": t2}, args: []string{"--tags", "stage"}})
		if rc != 0 || !strings.Contains(out, "staged "+t2+" on web3 (switch with --tags switch)") {
			t.Fatalf("--tags stage: exit %d:\n%s", rc, out)
		}
		f.wantLive("staged", t2, t2, t1)
		out, rc = f.play(run{vars: map[string]any{"deploytag_tag": t2}, args: []string{"--tags", "switch"}})
		if rc != 0 || !strings.Contains(out, "switched web3 "+t1+" -> "+t2+"; every host reachable runs "+t2) {
			t.Fatalf("--tags switch: exit %d:\n%s", rc, out)
		}
		f.wantLive("the rerun", all3(t2)...)
		f.wantRestarts(0, t1, t2, t1, t2, t1, t2)
		f.wantRestarts(1, t1, t2, t1, t2, t1, t2)
		f.wantRestarts(2, t1, t2)
	})

	f.step("check_fails", func(t *testing.T) {
		os.WriteFile(filepath.Join(f.roots[1], "fail-check"), []byte(t3+"\n"), 0o644)
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t3}})
		os.Remove(filepath.Join(f.roots[1], "fail-check"))
		f.wantLive("a check failed on web2", all3(t2)...)
		if rc == 0 || !strings.Contains(out, "the switch failed on web2") ||
			!strings.Contains(out, "web1: "+t2+" (switched; put back on "+t2+")") ||
			!strings.Contains(out, "web3: "+t2+" (switched; put back on "+t2+")") {
			t.Errorf("a check failed on web2: exit %d:\n%s", rc, out)
		}
		f.wantRestarts(0, t1, t2, t1, t2, t1, t2, t3, t2)
		f.wantRestarts(1, t1, t2, t1, t2, t1, t2, t3, t2)
		f.wantRestarts(2, t1, t2, t3, t2)
		if log, _ := os.ReadFile(filepath.Join(f.roots[1], "deploys.log")); !strings.Contains(string(log), `"tag":"`+t3+`","user"`) ||
			!strings.Contains(string(log), `"outcome":"rolled_back"`) {
			t.Errorf("web2's log records no rolled_back %s:\n%s", t3, log)
		}
	})

	f.step("host_down", func(t *testing.T) {
		facts := filepath.Join(f.work, "facts.yml") // a playbook of the user's that gathers facts first
		os.WriteFile(facts, []byte("- hosts: app\n  gather_facts: true\n  roles: [deploytag]\n"), 0o644)
		if err := f.hosts[2].Stop(); err != nil {
			t.Fatal(err)
		}
		before := f.snapshot()
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t3, "deploytag_push": true}, playbook: facts})
		if rc == 0 || !strings.Contains(out, "deploying "+t3+" failed: web3: unreachable") ||
			!strings.Contains(out, "web1: "+t2+"; web2: "+t2+"; web3: unreachable: every host reachable runs "+t2) {
			t.Errorf("a deploy with web3 down: exit %d; want a failure naming web3:\n%s", rc, out)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("a deploy with web3 down changed the hosts:\n%s\nwas\n%s", after, before)
		}
		if strings.Contains(out, "TASK [deploytag : Build the artifact") || strings.Contains(out, "TASK [deploytag : Push the tag") {
			t.Errorf("a deploy with web3 down built or pushed:\n%s", out)
		}
	})
}

// fleetHistory: deploy tool on the hosts already (no install), an
// artifact damaged on its way and a host killed while it unpacks (nothing
// switches, a rerun does), two rollbacks in a row (two releases back),
// signed tags, a switch deploys.log cannot record.
func fleetHistory(f *fleet) {
	t1, t2, t3 := f.tags[0], f.tags[1], f.tags[2]
	f.step("deploy", func(t *testing.T) {
		for _, tag := range []string{t1, t2} {
			if out, rc := f.play(run{vars: map[string]any{"deploytag_tag": tag}}); rc != 0 {
				t.Fatalf("deploy %s failed:\n%s", tag, out)
			}
			f.wantLive("deploy", all3(tag)...)
		}
	})

	f.step("damaged_and_killed", func(t *testing.T) {
		out, rc := f.play(run{bins: map[string]string{"web1": f.wrapper("killed", ""), "web2": f.wrapper("damaged", "")},
			vars: map[string]any{"deploytag_tag": t3}})
		if rc == 0 {
			t.Fatalf("a deploy with a damaged artifact and a killed host succeeded:\n%s", out)
		}
		if !strings.Contains(out, "fatal: [web2]") || !strings.Contains(out, "damaged in transit?); nothing installed") {
			t.Errorf("the output does not name web2's damaged artifact:\n%s", out)
		}
		if !strings.Contains(out, "fatal: [web1]") || !strings.Contains(out, `"rc": 137`) {
			t.Errorf("the output does not name web1 as killed:\n%s", out)
		}
		f.wantLive("damaged and killed", all3(t2)...)
		half, _ := filepath.Glob(filepath.Join(f.roots[0], "releases", ".tmp-*"))
		if len(half) != 1 {
			t.Errorf("web1 was not killed mid-unpack: %v", half)
		}
		for i, r := range f.roots[:2] {
			if _, err := os.Stat(filepath.Join(r, "releases", t3)); err == nil {
				t.Errorf("%s has a release %s from a damaged or cut artifact", f.names[i], t3)
			}
		}
		if out, rc = f.play(run{vars: map[string]any{"deploytag_tag": t3}}); rc != 0 {
			t.Fatalf("the rerun failed:\n%s", out)
		}
		f.wantLive("rerun", all3(t3)...)
	})

	f.step("two_rollbacks", func(t *testing.T) {
		before := f.snapshot()
		out, rc := f.play(run{vars: map[string]any{"deploytag_rollback": true}, args: []string{"--check", "--diff"}})
		if rc != 0 || !strings.Contains(out, "would switch web1 "+t3+" -> "+t2+", web2 "+t3+" -> "+t2+", web3 "+t3+" -> "+t2) {
			t.Errorf("rollback --check: exit %d, want each host's tag to go back to:\n%s", rc, out)
		}
		if after := f.snapshot(); after != before {
			t.Errorf("rollback --check changed the hosts:\n%s\nwas\n%s", after, before)
		}
		for _, want := range []string{t2, t1} {
			if out, rc = f.play(run{vars: map[string]any{"deploytag_rollback": true}}); rc != 0 {
				t.Fatalf("rollback to %s failed:\n%s", want, out)
			}
			f.wantLive("rollback", all3(want)...)
		}
		for i := range f.roots {
			f.wantRestarts(i, t1, t2, t3, t2, t1)
		}
	})

	var t4 string
	f.step("signed", func(t *testing.T) {
		key := filepath.Join(f.work, "signer")
		keygen := testneed.Path(t, "ssh-keygen")
		gittest.Output(t, exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-C", "signer", "-f", key))
		pub, _ := os.ReadFile(key + ".pub")
		signers := filepath.Join(f.work, "allowed_signers")
		os.WriteFile(signers, []byte("deployer@example.com "+string(pub)), 0o644)
		os.Symlink(keygen, filepath.Join(f.work, "empty", "ssh-keygen")) // the hosts' one tool beside deploy
		os.WriteFile(filepath.Join(f.base, "api", "CHANGES"), []byte("signed\n"), 0o644)
		gittest.Git(t, f.gitEnv, filepath.Join(f.base, "api"), "commit", "-q", "-a", "-m", "signed")
		sign := exec.Command(filepath.Join(scripttest.BinDir(), "tag_for_deploy"), "--sign", "--time", "2026-11-25T18:00:00Z", f.base)
		sign.Env = append(append([]string(nil), f.gitEnv...), "GIT_CONFIG_COUNT=2", "GIT_CONFIG_KEY_0=gpg.format", "GIT_CONFIG_VALUE_0=ssh",
			"GIT_CONFIG_KEY_1=user.signingkey", "GIT_CONFIG_VALUE_1="+key+".pub")
		t4 = strings.TrimSpace(string(gittest.Output(t, sign)))
		out, rc := f.play(run{vars: map[string]any{"deploytag_tag": t3, "deploytag_signed": true, "deploytag_allowed_signers": signers}})
		if rc == 0 || strings.Count(out, `nothing installed: api: tag is not signed; web: tag is not signed", "stderr_lines"`) != 3 {
			t.Fatalf("an unsigned tag with deploytag_signed: exit %d; want every host to refuse it:\n%s", rc, out)
		}
		f.wantLive("unsigned refused", all3(t1)...)
		if out, rc = f.play(run{vars: map[string]any{"deploytag_tag": t4, "deploytag_signed": true, "deploytag_allowed_signers": signers}}); rc != 0 {
			t.Fatalf("a signed tag with deploytag_signed failed:\n%s", out)
		}
		f.wantLive("signed", all3(t4)...)
	})

	f.step("log_full", func(t *testing.T) {
		out, rc := f.play(run{bins: map[string]string{"web2": f.wrapper("log-full", "")}, vars: map[string]any{"deploytag_tag": t3}})
		if rc != 0 {
			t.Fatalf("a switch that could not be logged on web2 failed the deploy:\n%s", out)
		}
		f.wantLive("log full on web2", all3(t3)...)
		if !strings.Contains(out, "switched to "+t3+", but deploys.log could not record it: deploy: error: "+t3+" is live, but deploys.log could not record it: the disk is full") {
			t.Errorf("the output does not name web2's unrecorded switch:\n%s", out)
		}
		// Every switch restarted, releases pruned to 3 (the live one and
		// the one a rollback goes to among them), nothing half-made.
		for i, r := range f.roots {
			f.wantRestarts(i, t1, t2, t3, t2, t1, t4, t3)
			ents, _ := os.ReadDir(filepath.Join(r, "releases"))
			var names []string
			for _, e := range ents {
				names = append(names, e.Name())
			}
			if len(names) != 3 || !slices.Contains(names, t3) || !slices.Contains(names, t4) {
				t.Errorf("%s: releases %v, want 3 with %s (live) and %s (a rollback's)", f.names[i], names, t3, t4)
			}
		}
	})
}

func checkFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil || string(b) != want {
		t.Errorf("%s = %q (%v), want %q", path, b, err, want)
	}
}

// wrapper writes a deploy for one host that breaks as kind says, around
// the real one, and returns its path:
//
//	ro-root    switches to the tag in arg with the root read-only (in a
//	           mount namespace of its own, unshare, no privilege needed;
//	           releases/, deploys.log and the lock writable): the root
//	           refuses the new link
//	lost       at its first switch, kills the host's sshd (PID in arg)
//	           and every process it started, its own session among them
//	interrupt  switches to the tag in arg, then interrupts ansible-playbook
//	           (SIGINT to its process group, as Ctrl-C does)
//	damaged    changes one byte of the artifact's first file, then deploys
//	killed     feeds deploy half the artifact on stdin and kills it (SIGKILL)
//	           once its unpack folder holds files
//	log-full   switches with the root's deploys.log on a full disk: in a
//	           mount namespace of its own, a copy filling a one-page tmpfs
//	           is bound over the log
func (f *fleet) wrapper(kind, arg string) string {
	f.t.Helper()
	real := filepath.Join(scripttest.BinDir(), "deploy")
	py := fmt.Sprintf(`#!/usr/bin/python3
import glob, os, signal, subprocess, sys, time
real, kind, arg, pgid = %q, %q, %q, %q
args = sys.argv[1:]
switch = args[args.index("--switch") + 1] if "--switch" in args else None
def namespaced(script):
    root = args[args.index("--root") + 1]
    os.execv("/usr/bin/unshare", ["unshare", "-rm", "/bin/sh", "-c", "set -e\nexport PATH=/usr/sbin:/usr/bin:/sbin:/bin\nroot=$1\nshift\n" + script + "\nexec \"$0\" \"$@\"\n", real, root] + args)
if kind == "ro-root" and switch == arg:
    namespaced("""mount --bind "$root" "$root"
for keep in releases deploys.log deploy.lock; do mount --bind "$root/$keep" "$root/$keep"; done
mount -o remount,bind,ro "$root"
""")
if kind == "log-full" and switch:
    namespaced("""full=$(mktemp -d)
mount -t tmpfs -o size=4k tmpfs "$full"
cp "$root/deploys.log" "$full/log"
head -c $((4096 - $(wc -c < "$full/log"))) /dev/zero | tr '\\0' '\\n' >> "$full/log"
mount --bind "$full/log" "$root/deploys.log"
""")
if kind == "lost" and switch:
    sshd, kids = int(arg), {}
    for p in os.listdir("/proc"):
        try:
            stat = open("/proc/%%s/stat" %% p).read()
            kids.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(p))
        except (OSError, ValueError):
            pass
    doomed, todo = [], [sshd]
    while todo:
        p = todo.pop()
        doomed.append(p)
        todo += kids.get(p, [])
    for p in doomed:
        if p != os.getpid():
            os.kill(p, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)
if kind == "interrupt" and switch == arg:
    rc = subprocess.call([real] + args)
    os.killpg(int(open(pgid).read()), signal.SIGINT)
    time.sleep(3)
    sys.exit(rc)
if "--from-artifact" not in args:
    os.execv(real, [real] + args)
i = args.index("--from-artifact") + 1
if kind == "damaged":
    with open(args[i], "r+b") as f:
        f.seek(1024)
        b = f.read(1)
        f.seek(1024)
        f.write(bytes([b[0] ^ 1]))
    os.execv(real, [real] + args)
if kind == "killed":
    data = open(args[i], "rb").read()
    args[i] = "-"
    root = args[args.index("--root") + 1]
    p = subprocess.Popen([real] + args, stdin=subprocess.PIPE)
    p.stdin.write(data[: len(data) // 2])
    p.stdin.flush()
    deadline = time.time() + 30
    while time.time() < deadline and not glob.glob(root + "/releases/.tmp-*/*"):
        time.sleep(0.01)
    p.kill()
    p.wait()
    sys.exit(137)
os.execv(real, [real] + args)
`, real, kind, arg, filepath.Join(f.work, "ansible.pgid"))
	path := filepath.Join(f.work, "deploy-"+kind)
	if err := os.WriteFile(path, []byte(py), 0o755); err != nil {
		f.t.Fatal(err)
	}
	return path
}

// The same artifact through any engine that can run a command: here a
// plain ssh pipe, as the README shows, with host-key checking on.
func TestFleetPlainSSH(t *testing.T) {
	t.Parallel()
	env, _, base, _ := gittest.World(t, "api", "web")
	host := sshtest.New(t, sshtest.Options{})
	root := filepath.Join(t.TempDir(), "srv")
	bin := scripttest.BinDir()
	tagCmd := exec.Command(filepath.Join(bin, "tag_for_deploy"), "--time", "2026-11-25T10:00:00Z", base)
	tagCmd.Env = env
	out, err := tagCmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	tag := strings.TrimSpace(string(out))
	ssh := fmt.Sprintf("%s -p %d %s@%s", host.SSHCommand(), host.Port, host.User, host.Host)
	remote := fmt.Sprintf("PATH=/nonexistent %s/deploy --environment production --root %s", bin, root)
	script := fmt.Sprintf(`set -e
%s/deploy --environment production --basedir %s --tag %s --no-push --artifact - | %s %s --from-artifact - --stage
%s %s --switch %s`, bin, base, tag, ssh, remote, ssh, remote, tag)
	cmd := exec.Command("sh", "-c", script)
	cmd.Env = env
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if string(b) != tag+"\n"+tag+"\n" {
		t.Errorf("output %q, want the tag staged, then switched", b)
	}
	if l, _ := os.Readlink(filepath.Join(root, "current")); l != "releases/"+tag {
		t.Errorf("current -> %q", l)
	}
}
