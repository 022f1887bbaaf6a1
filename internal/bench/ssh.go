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

// push_tag over ssh: repos whose remotes are on one OpenSSH sshd on
// 127.0.0.1 (internal/sshtest: its own port, keys and config in a
// temporary folder, host-key checking on, sshd's defaults MaxStartups
// 10:30:100 and MaxSessions 10), at the two sizes of GoalPushSSH. Three
// sides run in turn, each with a fresh tag: push_tag with the ssh config
// alone (it opens and shares its own connection), xargs -P4 git push with
// the same config (a connection per push), and xargs -P8 git push over
// one ControlMaster the loop opens first and closes after (the best loop
// a user can write).
const (
	SSHCase = "push_tag over ssh"
	SSHRuns = 3
)

// The sides of the ssh case.
const (
	sshOurs    = "push_tag"
	sshXargs   = "xargs -P4 git push"
	sshXargsCM = "xargs -P8 git push, one ControlMaster"
)

// sshRow is one side at one size.
type sshRow struct {
	repos int
	side  string
	wall  time.Duration // median
	cpu   time.Duration // median user+system time of the side and its children
	err   string
}

type sshSide struct {
	name  string
	cmd   func(tag string) *exec.Cmd
	times []time.Duration
	cpus  []time.Duration
	err   error
}

// sshSetup is the server of the ssh case and the two client configs: the
// ssh config alone (cmd) and the same with a ControlPath (cmdCM).
type sshSetup struct {
	srv        *sshtest.Server
	dir        string
	cmd, cmdCM string
}

// startSSH starts the server under dir.
func (b *Bench) startSSH(dir string) (*sshSetup, error) {
	srv, err := sshtest.Start(filepath.Join(dir, "sshd"), sshtest.Options{Alias: "forge"})
	if err != nil {
		return nil, err
	}
	st := &sshSetup{srv: srv, dir: dir}
	if st.cmd, err = sshtest.WriteConfig(filepath.Join(dir, "ssh_config"), "", srv); err == nil {
		st.cmdCM, err = sshtest.WriteConfig(filepath.Join(dir, "ssh_config_cm"),
			"Host forge\n\tControlMaster auto\n\tControlPath "+filepath.Join(dir, "cm-%C")+"\n", srv)
	}
	if err != nil {
		_ = srv.Stop()
		return nil, err
	}
	return st, nil
}

// stop ends a master a failed run may have left, then the server and
// every process it started.
func (st *sshSetup) stop(b *Bench) {
	_ = b.shell(st.cmdCM+" -O exit forge 2>/dev/null; true", nil).Run()
	if err := st.srv.Stop(); err != nil {
		b.logf("  %v", err)
	}
}

// sides are the three sides of the case on the repos names of base.
func (st *sshSetup) sides(b *Bench, base string, names []string) []*sshSide {
	env := []string{"GIT_SSH_COMMAND=" + st.cmd}
	list := strings.Join(names, "\n") + "\n"
	return []*sshSide{
		{name: sshOurs, cmd: func(tag string) *exec.Cmd {
			c := b.cmd(filepath.Join(b.bin, "push_tag"), "--basedir", base, tag)
			c.Env = append(slices.Clone(b.env), env...)
			return c
		}},
		{name: sshXargs, cmd: func(tag string) *exec.Cmd {
			return b.shell(`xargs -P4 -I{} git -C "$BASE/{}" push -q origin "refs/tags/$TAG"`,
				append(slices.Clone(env), "BASE="+base, "TAG="+tag), list)
		}},
		{name: sshXargsCM, cmd: func(tag string) *exec.Cmd {
			return b.shell(`$SSH -fNM forge || exit 1
xargs -P8 -I{} git -C "$BASE/{}" push -q origin "refs/tags/$TAG"; rc=$?
$SSH -O exit forge 2>/dev/null
exit $rc`, []string{"GIT_SSH_COMMAND=" + st.cmdCM, "SSH=" + st.cmdCM, "BASE=" + base, "TAG=" + tag}, list)
		}},
	}
}

// newTag applies a fresh tag to every repo of names in base, and returns
// it.
func (b *Bench) newTag(base string, names []string) (string, error) {
	b.seq++
	at := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC).Add(time.Duration(b.seq) * time.Second)
	tag := "DEPLOY_" + at.Format("20060102_150405") + "_5555555"
	tagScript := `while read r; do git -C "$BASE/$r" tag -a -m bench "$TAG" || exit 1; done`
	if out, err := b.shell(tagScript, []string{"BASE=" + base, "TAG=" + tag}, strings.Join(names, "\n")+"\n").CombinedOutput(); err != nil {
		return "", fmt.Errorf("tagging: %w: %s", err, out)
	}
	return tag, nil
}

// sshBench runs the ssh benchmark at each size and returns its rows; the
// goals' results go to b.results.
func (b *Bench) sshBench() []sshRow {
	st, err := b.startSSH(filepath.Join(b.tmp, "ssh"))
	if err != nil {
		return []sshRow{{side: "setup", err: err.Error()}}
	}
	defer st.stop(b)
	var rows []sshRow
	for _, n := range goalByKey(GoalPushSSH).sizes(b.quick) {
		base, names, err := b.sshRepos(st.srv, filepath.Join(st.dir, fmt.Sprintf("n%d", n)), n)
		if err != nil {
			return append(rows, sshRow{repos: n, side: "setup", err: err.Error()})
		}
		b.logf("%s: %d repos on one sshd", SSHCase, n)
		sides := st.sides(b, base, names)
		w := startWatch()
		// A side that fails is not run again; the others go on.
		_ = b.inTurn(len(sides), SSHRuns, 0, func(i int, _ bool) error {
			s := sides[i]
			if s.err != nil {
				return nil
			}
			tag, err := b.newTag(base, names)
			if err != nil {
				s.err = err
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
		loads, others := w.stop()
		for _, s := range sides {
			r := sshRow{repos: n, side: s.name, wall: median(s.times), cpu: median(s.cpus)}
			if s.err != nil {
				r.err = s.err.Error()
			}
			rows = append(rows, r)
			b.logf("  %d repos, %s: %.0f ms per repo, client CPU %.2f s", n, s.name, float64(r.wall.Milliseconds())/float64(n), r.cpu.Seconds())
		}
		for _, p := range [][2]string{{GoalPushSSH, sshXargs}, {GoalPushSSHCM, sshXargsCM}} {
			res := result{goal: p[0], size: n, runs: len(sides[0].times), ours: median(sides[0].times), loadStart: loads[0], loadEnd: loads[1], others: others}
			for _, s := range sides {
				if s.name == p[1] {
					res.base = median(s.times)
					if s.err != nil {
						res.err = s.err.Error()
					}
				}
			}
			if sides[0].err != nil {
				res.err = sides[0].err.Error()
			}
			b.results = append(b.results, res)
		}
	}
	return rows
}

// sshRepos makes n repos under dir/base, each with one commit and its
// remote, a bare repo on srv, by the alias forge; it returns the basedir
// and the repos' names.
func (b *Bench) sshRepos(srv *sshtest.Server, dir string, n int) (string, []string, error) {
	base := filepath.Join(dir, "base")
	remotes := filepath.Join(srv.Root, filepath.Base(dir))
	var names []string
	script := "set -e\n"
	for i := range n {
		name := fmt.Sprintf("r%03d", i)
		names = append(names, name)
		script += fmt.Sprintf("git init -q --bare %[1]s/%[2]s.git\ngit init -q %[3]s/%[2]s\ngit -C %[3]s/%[2]s commit -q --allow-empty -m start\n"+
			"git -C %[3]s/%[2]s remote add origin ssh://forge%[1]s/%[2]s.git\n", remotes, name, base)
	}
	if out, err := b.shell(script, nil).CombinedOutput(); err != nil {
		return "", nil, fmt.Errorf("making the repos: %v: %s", err, out)
	}
	return base, names, nil
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

// sshTable renders the rows: per size, each side's time and client CPU
// per repo, and push_tag's ratio to it.
func sshTable(rows []sshRow) string {
	var s strings.Builder
	s.WriteString("| repos | side | median | ms per repo | client CPU ms per repo | push_tag / side |\n|---:|---|---:|---:|---:|---:|\n")
	for _, r := range rows {
		if r.err != "" {
			fmt.Fprintf(&s, "| %d | %s | failed: %s | | | |\n", r.repos, r.side, cell(strings.ReplaceAll(firstLines(r.err, 2), "\n", " ")))
			continue
		}
		var tool sshRow
		for _, t := range rows {
			if t.repos == r.repos && t.side == sshOurs {
				tool = t
			}
		}
		ratio := ""
		if r.side != sshOurs && tool.wall > 0 && r.wall > 0 {
			ratio = fmt.Sprintf("%.2f", tool.wall.Seconds()/r.wall.Seconds())
		}
		fmt.Fprintf(&s, "| %d | %s | %.3f s | %.1f | %.1f | %s |\n", r.repos, cell(r.side), r.wall.Seconds(),
			float64(r.wall.Microseconds())/1000/float64(r.repos), float64(r.cpu.Microseconds())/1000/float64(r.repos), ratio)
	}
	return s.String()
}
