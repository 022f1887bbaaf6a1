package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/internal/sshtest"
	"github.com/deploytag/deploytag/internal/testneed"
)

// fleet is three hosts, each a real sshd on its own 127.0.0.1 port with
// its own host key, client key and root folder, and a control node whose
// basedir holds the repos, driven by ansible-playbook with the shipped
// role (ansible/).
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
}

func newFleet(t *testing.T) *fleet {
	testneed.Need(t, "ansible-playbook", "python3", "sshd", "ssh", "ssh-keygen", "unshare")
	f := &fleet{t: t, work: t.TempDir(), names: []string{"web1", "web2", "web3"}}
	f.gitEnv, _, f.base, _ = gittest.World(t, "api", "web")
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
	home := filepath.Join(f.work, "home")
	os.MkdirAll(home, 0o755)
	// Each task opens its own connection (no ControlMaster), one per
	// module run (pipelining), so a host that goes down between two tasks
	// is seen as unreachable at the next one.
	cfg := fmt.Sprintf("[defaults]\nroles_path = %s\nretry_files_enabled = false\nforks = 5\n"+
		"[ssh_connection]\nssh_args = -o ControlMaster=no\npipelining = true\n", filepath.Join(mod, "ansible", "roles"))
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

// play runs the shipped playbook against the fleet, each host's deploy
// being bins[host] when given (a wrapper that breaks it), and returns
// its output and whether it succeeded.
func (f *fleet) play(bins map[string]string, vars map[string]any) (string, bool) {
	f.t.Helper()
	var inv strings.Builder
	inv.WriteString("[app]\n")
	for i, h := range f.hosts {
		bin := filepath.Join(scripttest.BinDir(), "deploy")
		if b, ok := bins[f.names[i]]; ok {
			bin = b
		}
		fmt.Fprintf(&inv, "%s ansible_host=%s ansible_port=%d ansible_user=%s ansible_ssh_private_key_file=%s "+
			"ansible_ssh_common_args='-o UserKnownHostsFile=%s -o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes -o BatchMode=yes' "+
			"ansible_python_interpreter=/usr/bin/python3 deploytag_root=%s deploytag_bin=%s\n",
			f.names[i], h.Host, h.Port, h.User, h.ClientKey, h.KnownHosts, f.roots[i], bin)
	}
	invPath := filepath.Join(f.work, "inventory.ini")
	if err := os.WriteFile(invPath, []byte(inv.String()), 0o644); err != nil {
		f.t.Fatal(err)
	}
	all := map[string]any{
		"deploytag_environment":     "production",
		"deploytag_basedir":         f.base,
		"deploytag_push":            false,
		"deploytag_keep":            2,
		"deploytag_local_bin":       filepath.Join(scripttest.BinDir(), "deploy"),
		"deploytag_artifact_dir":    filepath.Join(f.work, "artifacts"),
		"deploytag_config":          filepath.Join(f.work, "host.toml"),
		"deploytag_restart_command": []string{"/bin/sh", "-c", `cat "$1/current/DEPLOY_TAG" >> "$1/restarts"`, "restart", "{{ deploytag_root }}"},
		// No git on the hosts' PATH: deploy needs none there.
		"deploytag_env": map[string]string{"PATH": filepath.Join(f.work, "empty")},
	}
	for k, v := range vars {
		if k != "playbook" {
			all[k] = v
		}
	}
	ev, _ := json.Marshal(all)
	mod, _ := scripttest.ModuleRoot()
	playbook := filepath.Join(mod, "ansible", "deploy.yml")
	if p, ok := vars["playbook"].(string); ok {
		playbook = p
	}
	cmd := exec.Command("ansible-playbook", "-i", invPath, "-e", string(ev), playbook)
	cmd.Env = f.ansible
	cmd.Dir = f.work
	start := time.Now()
	out, err := cmd.CombinedOutput()
	f.t.Logf("ansible-playbook: %v, %s", err, time.Since(start).Round(time.Millisecond))
	return string(out), err == nil
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
		f.t.Fatalf("%s: hosts live on %v, want %v", what, got, tags)
	}
}

func all3(tag string) []string { return []string{tag, tag, tag} }

func TestFleetAnsible(t *testing.T) {
	t.Parallel()
	f := newFleet(t)
	t1, t2, t3 := f.tags[0], f.tags[1], f.tags[2]
	os.MkdirAll(filepath.Join(f.work, "empty"), 0o755)
	// The environment's command on the hosts runs when a release is staged.
	os.WriteFile(filepath.Join(f.work, "host.toml"), []byte(`[environments.production]
command = ["/bin/sh", "-c", "echo staged $DEPLOY_TAG >> ../../../staged"]
`), 0o644)

	t.Log("deploy")
	out, ok := f.play(nil, map[string]any{"deploytag_tag": t1})
	if !ok {
		t.Fatalf("deploy %s failed:\n%s", t1, out)
	}
	f.wantLive("deploy", all3(t1)...)
	for i, r := range f.roots {
		info := f.tool("show_deploy_tag", "--root", r)
		if strings.TrimSpace(info) != t1 {
			t.Errorf("%s: show_deploy_tag says %q", f.names[i], info)
		}
		f.tool("verify_deploy_tag", "--root", r, t1) // the release checks against its proof there
		checkFile(t, filepath.Join(r, "..", "staged"), "staged "+t1+"\n")
		checkFile(t, filepath.Join(r, "restarts"), t1+"\n")
		if ents, _ := os.ReadDir(filepath.Join(r, "artifacts")); len(ents) != 0 {
			t.Errorf("%s: artifacts left: %v", f.names[i], ents)
		}
	}

	t.Log("redeploy")
	if out, ok = f.play(nil, map[string]any{"deploytag_tag": t1}); !ok {
		t.Fatalf("redeploy %s failed:\n%s", t1, out)
	}
	f.wantLive("redeploy", all3(t1)...)
	checkFile(t, filepath.Join(f.roots[0], "restarts"), t1+"\n") // nothing switched: no restart

	t.Log("deploy another tag, then roll back")
	if out, ok = f.play(nil, map[string]any{"deploytag_tag": t2}); !ok {
		t.Fatalf("deploy %s failed:\n%s", t2, out)
	}
	f.wantLive("second deploy", all3(t2)...)
	if out, ok = f.play(nil, map[string]any{"deploytag_rollback": true}); !ok {
		t.Fatalf("rollback failed:\n%s", out)
	}
	f.wantLive("rollback", all3(t1)...)

	t.Log("one host down from the start: the others stage, none switches")
	if err := f.hosts[2].Stop(); err != nil {
		t.Fatal(err)
	}
	// A playbook of the user's that gathers facts first: web3 leaves the
	// play there, before the role runs.
	facts := filepath.Join(f.work, "facts.yml")
	os.WriteFile(facts, []byte("- hosts: app\n  gather_facts: true\n  roles: [deploytag]\n"), 0o644)
	out, ok = f.play(nil, map[string]any{"deploytag_tag": t3, "playbook": facts})
	if ok || !strings.Contains(out, "not switching any host: web3 did not get ready") {
		t.Fatalf("a deploy with web3 down: ok %v; want a failure naming web3:\n%s", ok, out)
	}
	f.wantLive("web3 down", all3(t1)...)
	if _, err := os.Stat(filepath.Join(f.roots[0], "releases", t3)); err != nil {
		t.Errorf("web1 did not stage %s: %v", t3, err)
	}

	t.Log("one host unreachable after it staged, before the switch")
	if err := f.hosts[2].Restart(); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(f.work, "web3.pid")
	os.WriteFile(pidFile, []byte(fmt.Sprint(f.hosts[2].PID())), 0o644)
	out, ok = f.play(map[string]string{"web3": f.wrapper("goes-down", pidFile)}, map[string]any{"deploytag_tag": t3})
	if ok || !strings.Contains(out, "fatal: [web3]: UNREACHABLE!") {
		t.Fatalf("a deploy with web3 going down: ok %v; want a failure naming web3 unreachable:\n%s", ok, out)
	}
	f.wantLive("web3 went down", all3(t1)...)
	if err := f.hosts[2].Restart(); err != nil {
		t.Fatal(err)
	}
	if out, ok = f.play(nil, map[string]any{"deploytag_tag": t3}); !ok {
		t.Fatalf("the rerun with web3 back failed:\n%s", out)
	}
	f.wantLive("web3 back", all3(t3)...)

	t.Log("an artifact damaged in transit to web2, web1 killed while it unpacks")
	out, ok = f.play(map[string]string{"web1": f.wrapper("killed", ""), "web2": f.wrapper("damaged", "")},
		map[string]any{"deploytag_tag": t2})
	if ok {
		t.Fatalf("a deploy with a damaged artifact and a killed host succeeded:\n%s", out)
	}
	if !strings.Contains(out, "fatal: [web2]") || !strings.Contains(out, "damaged in transit?); nothing installed") {
		t.Errorf("the output does not name web2's damaged artifact:\n%s", out)
	}
	if !strings.Contains(out, "fatal: [web1]") || !strings.Contains(out, `"rc": 137`) {
		t.Errorf("the output does not name web1 as killed:\n%s", out)
	}
	f.wantLive("damaged and killed", all3(t3)...)
	half, _ := filepath.Glob(filepath.Join(f.roots[0], "releases", ".tmp-*"))
	if len(half) != 1 {
		t.Errorf("web1 was not killed mid-unpack: %v", half)
	}
	for i, r := range f.roots[:2] {
		if _, err := os.Stat(filepath.Join(r, "releases", t2)); err == nil {
			t.Errorf("%s has a release %s from a damaged or cut artifact", f.names[i], t2)
		}
	}
	if out, ok = f.play(nil, map[string]any{"deploytag_tag": t2}); !ok {
		t.Fatalf("the rerun failed:\n%s", out)
	}
	f.wantLive("rerun", all3(t2)...)
	checkFile(t, filepath.Join(f.roots[2], "restarts"), strings.Join([]string{t1, t2, t1, t3, t2}, "\n")+"\n")

	// Every host: its releases pruned to 2 (live and previous), nothing
	// half-made left, one log line per switch.
	for i, r := range f.roots {
		ents, _ := os.ReadDir(filepath.Join(r, "releases"))
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		if want := []string{t2, t3}; !slices.Equal(names, want) {
			t.Errorf("%s: releases %v, want %v", f.names[i], names, want)
		}
		log, _ := os.ReadFile(filepath.Join(r, "deploys.log"))
		if n := strings.Count(string(log), `"outcome":"ok"`); n != 6 {
			t.Errorf("%s: %d ok deploys logged, want 6:\n%s", f.names[i], n, log)
		}
	}

	t.Log("deploytag_signed: an unsigned tag is refused by every host, a signed one goes live")
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
	t4 := strings.TrimSpace(string(gittest.Output(t, sign)))
	signed := map[string]any{"deploytag_signed": true, "deploytag_allowed_signers": signers}
	out, ok = f.play(nil, map[string]any{"deploytag_tag": t3, "deploytag_signed": true, "deploytag_allowed_signers": signers})
	if ok || strings.Count(out, `nothing installed: api: tag is not signed; web: tag is not signed", "stderr_lines"`) != 3 {
		t.Fatalf("an unsigned tag with deploytag_signed: ok %v; want every host to refuse it:\n%s", ok, out)
	}
	f.wantLive("unsigned refused", all3(t2)...)
	signed["deploytag_tag"] = t4
	if out, ok = f.play(nil, signed); !ok {
		t.Fatalf("a signed tag with deploytag_signed failed:\n%s", out)
	}
	f.wantLive("signed", all3(t4)...)

	t.Log("web2's deploys.log on a full disk at the switch: web2 switched, and counts as switched")
	out, ok = f.play(map[string]string{"web2": f.wrapper("log-full", "")}, map[string]any{"deploytag_tag": t3})
	if !ok {
		t.Fatalf("a switch that could not be logged on web2 failed the deploy:\n%s", out)
	}
	f.wantLive("log full on web2", all3(t3)...)
	if !strings.Contains(out, "switched to "+t3+", but deploys.log could not record it: deploy: error: "+t3+" is live, but deploys.log could not record it: the disk is full") {
		t.Errorf("the output does not name web2's unrecorded switch:\n%s", out)
	}
	for i, r := range f.roots {
		checkFile(t, filepath.Join(r, "restarts"), strings.Join([]string{t1, t2, t1, t3, t2, t4, t3}, "\n")+"\n")
		log, _ := os.ReadFile(filepath.Join(r, "deploys.log"))
		want := 8
		if f.names[i] == "web2" {
			want = 7
		}
		if n := strings.Count(string(log), `"outcome":"ok"`); n != want {
			t.Errorf("%s: %d ok deploys logged, want %d:\n%s", f.names[i], n, want, log)
		}
	}
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
//	goes-down  stages, then kills the host's sshd (PID in arg): the host
//	           is unreachable from the next task on
//	damaged    changes one byte of the artifact's first file, then deploys
//	killed     feeds deploy half the artifact on stdin and kills it (SIGKILL)
//	           once its unpack folder holds files
//	log-full   switches with the root's deploys.log on a full disk: in a
//	           mount namespace of its own (unshare, no privilege needed), a
//	           copy filling a one-page tmpfs is bound over the log
func (f *fleet) wrapper(kind, arg string) string {
	f.t.Helper()
	real := filepath.Join(scripttest.BinDir(), "deploy")
	py := fmt.Sprintf(`#!/usr/bin/python3
import glob, os, signal, subprocess, sys, time
real, kind, arg = %q, %q, %q
args = sys.argv[1:]
if kind == "log-full":
    if "--switch" not in args:
        os.execv(real, [real] + args)
    root = args[args.index("--root") + 1]
    script = """set -e
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
root=$1
shift
full=$(mktemp -d)
mount -t tmpfs -o size=4k tmpfs "$full"
cp "$root/deploys.log" "$full/log"
head -c $((4096 - $(wc -c < "$full/log"))) /dev/zero | tr '\\0' '\\n' >> "$full/log"
mount --bind "$full/log" "$root/deploys.log"
exec "$0" "$@"
"""
    os.execv("/usr/bin/unshare", ["unshare", "-rm", "/bin/sh", "-c", script, real, root] + args)
if "--from-artifact" not in args:
    os.execv(real, [real] + args)
i = args.index("--from-artifact") + 1
if kind == "goes-down":
    rc = subprocess.call([real] + args)
    if rc == 0:
        os.kill(int(open(arg).read()), signal.SIGTERM)
    sys.exit(rc)
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
`, real, kind, arg)
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
