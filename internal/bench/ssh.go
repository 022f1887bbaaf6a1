package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/deploytag/deploytag/internal/sshtest"
)

// push_tag over ssh (issue 13): SSHRepos repos whose remotes are on one
// OpenSSH sshd on 127.0.0.1, pushed by push_tag, by a serial loop of git
// push and by xargs -P4 git push, each run with a fresh tag; once with the
// ssh config alone, once with the user's own ControlMaster in it (then
// push_tag leaves connection sharing to the user's ssh).
const (
	SSHCase  = "push_tag over ssh"
	SSHRepos = 50
	SSHRuns  = 3
	// Targets: push_tag at most this share of xargs -P4's time without the
	// user's ControlMaster, and no slower than it with one.
	SSHTarget   = 0.3
	SSHTargetCM = 1.0
)

// sshRow is one side of one configuration.
type sshRow struct {
	config string // "ssh config alone" or "user's ControlMaster"
	side   string
	wall   time.Duration // median
	cpu    time.Duration // median user+system time of the side and its children
	err    string
}

type sshSide struct {
	name  string
	cmd   func(tag string) *exec.Cmd
	times []time.Duration
	cpus  []time.Duration
	err   error
}

// sshBench runs the ssh benchmark and returns its rows.
func (b *Bench) sshBench() []sshRow {
	dir := filepath.Join(b.tmp, "ssh")
	fail := func(err error) []sshRow { return []sshRow{{config: "setup", err: err.Error()}} }
	srv, err := sshtest.Start(filepath.Join(dir, "sshd"), sshtest.Options{Alias: "forge"})
	if err != nil {
		return fail(err)
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			b.logf("  %v", err)
		}
	}()
	base := filepath.Join(dir, "base")
	var names []string
	script := "set -e\n"
	for i := range SSHRepos {
		n := fmt.Sprintf("r%02d", i)
		names = append(names, n)
		script += fmt.Sprintf("git init -q --bare %[1]s/%[2]s.git\ngit init -q %[3]s/%[2]s\ngit -C %[3]s/%[2]s commit -q --allow-empty -m start\n"+
			"git -C %[3]s/%[2]s remote add origin ssh://forge%[1]s/%[2]s.git\n", srv.Root, n, base)
	}
	if out, err := b.shell(script, nil).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("making the repos: %v: %s", err, out))
	}
	b.logf("%s: %d repos on one sshd", SSHCase, SSHRepos)

	var rows []sshRow
	for _, cm := range []bool{false, true} {
		cfgFile := filepath.Join(dir, "ssh_config")
		extra, config := "", "ssh config alone"
		if cm {
			config = "user's ControlMaster"
			extra = "Host forge\n\tControlMaster auto\n\tControlPath " + filepath.Join(dir, "cm-%C") + "\n\tControlPersist 120\n"
		}
		sshCmd, err := sshtest.WriteConfig(cfgFile, extra, srv)
		if err != nil {
			return fail(err)
		}
		env := []string{"GIT_SSH_COMMAND=" + sshCmd}
		list := strings.Join(names, "\n") + "\n"
		sides := []*sshSide{
			{name: "push_tag", cmd: func(tag string) *exec.Cmd {
				c := b.cmd(filepath.Join(b.bin, "push_tag"), "--basedir", base, tag)
				c.Env = append(slices.Clone(b.env), env...)
				return c
			}},
			{name: "serial git push", cmd: func(tag string) *exec.Cmd {
				return b.shell(`while read r; do git -C "$BASE/$r" push -q origin "refs/tags/$TAG" || exit 1; done`,
					append(env, "BASE="+base, "TAG="+tag), list)
			}},
			{name: "xargs -P4 git push", cmd: func(tag string) *exec.Cmd {
				return b.shell(`xargs -P4 -I{} git -C "$BASE/{}" push -q origin "refs/tags/$TAG"`,
					append(env, "BASE="+base, "TAG="+tag), list)
			}},
		}
		// A side that fails is not run again; the others go on.
		_ = b.inTurn(len(sides), SSHRuns, 0, func(i int, _ bool) error {
			s := sides[i]
			if s.err != nil {
				return nil
			}
			b.seq++
			tag := fmt.Sprintf("DEPLOY_20261125_%06d_5555555", b.seq)
			tagScript := `while read r; do git -C "$BASE/$r" tag -a -m bench "$TAG" || exit 1; done`
			if out, err := b.shell(tagScript, []string{"BASE=" + base, "TAG=" + tag}, list).CombinedOutput(); err != nil {
				s.err = fmt.Errorf("tagging: %w: %s", err, out)
				return nil
			}
			c := s.cmd(tag)
			d, err := wall(c, s.name)
			if err != nil {
				s.err = err
				return nil
			}
			s.times = append(s.times, d)
			s.cpus = append(s.cpus, c.ProcessState.UserTime()+c.ProcessState.SystemTime())
			return nil
		})
		if cm { // the user's master lives on after a push; end it
			c := b.shell(sshCmd+" -O exit forge 2>/dev/null; true", nil)
			_ = c.Run()
		}
		for _, s := range sides {
			r := sshRow{config: config, side: s.name, wall: median(s.times), cpu: median(s.cpus)}
			if s.err != nil {
				r.err = s.err.Error()
			}
			rows = append(rows, r)
			b.logf("  %s, %s: %.0f ms per repo, client CPU %.2f s", config, s.name, perRepo(r.wall), r.cpu.Seconds())
		}
	}
	return rows
}

// shell runs script with bash in the sealed environment plus env, stdin
// from the optional in.
func (b *Bench) shell(script string, env []string, in ...string) *exec.Cmd {
	c := b.cmd("bash", "-c", script)
	c.Env = append(slices.Clone(b.env), env...)
	if len(in) > 0 {
		c.Stdin = strings.NewReader(in[0])
	}
	return c
}

func perRepo(d time.Duration) float64 { return float64(d.Milliseconds()) / SSHRepos }

// sshTable renders the rows: per configuration, each side's time per repo,
// its client CPU, and push_tag's ratio to it.
func sshTable(rows []sshRow) string {
	var s strings.Builder
	s.WriteString("| ssh setup | side | ms per repo | client CPU s | push_tag / side | target |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		if r.err != "" {
			fmt.Fprintf(&s, "| %s | %s | failed: %s | | | |\n", r.config, r.side, cell(r.err))
			continue
		}
		var tool sshRow
		for _, t := range rows {
			if t.config == r.config && t.side == "push_tag" {
				tool = t
			}
		}
		ratio, target := "", ""
		if r.side != "push_tag" && tool.wall > 0 && r.wall > 0 {
			x := tool.wall.Seconds() / r.wall.Seconds()
			ratio = fmt.Sprintf("%.2f", x)
			if strings.HasPrefix(r.side, "xargs") {
				t := SSHTarget
				if strings.Contains(r.config, "ControlMaster") {
					t = SSHTargetCM
				}
				verdict := "met"
				if x > t {
					verdict = "missed"
				}
				target = fmt.Sprintf("≤ %.1f: %s", t, verdict)
			}
		}
		fmt.Fprintf(&s, "| %s | %s | %.0f | %.2f | %s | %s |\n", r.config, r.side, perRepo(r.wall), r.cpu.Seconds(), ratio, target)
	}
	return s.String()
}
