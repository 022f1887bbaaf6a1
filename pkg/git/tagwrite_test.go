package git

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/testneed"
)

// tagWorld is a repo with one commit, and the environment its git runs
// with (the tagger from the config, a fixed date).
func tagWorld(t *testing.T, format string) (repo string, env []string, commit string) {
	t.Helper()
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	os.MkdirAll(home, 0o755)
	os.WriteFile(filepath.Join(home, ".gitconfig"), []byte("[user]\n\tname = Ann Example\n\temail = ann@example.com\n[tag]\n\tgpgSign = false\n"), 0o644)
	env = []string{"HOME=" + home, "PATH=" + os.Getenv("PATH"), "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C",
		"GIT_COMMITTER_DATE=2026-11-25T12:00:00Z", "GIT_AUTHOR_DATE=2026-11-25T12:00:00Z"}
	repo = filepath.Join(dir, "repo")
	run(t, env, dir, "init", "-q", "--object-format="+format, repo)
	run(t, env, repo, "commit", "-q", "--allow-empty", "-m", "one")
	return repo, env, strings.TrimSpace(run(t, env, repo, "rev-parse", "HEAD"))
}

func run(t *testing.T, env []string, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// gitTag is what "git tag" makes of t in a copy of repo: the tag object's id.
func gitTag(t *testing.T, env []string, repo string, o TagOptions) string {
	t.Helper()
	cp := repo + "-git"
	cmd := exec.Command("git", append([]string{"-C", cp}, CreateTagArgs(o)...)...)
	cmd.Env = env
	cmd.Stdin = strings.NewReader(o.Message)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git tag: %v\n%s", err, out)
	}
	return strings.TrimSpace(run(t, env, cp, "rev-parse", "refs/tags/"+o.Name))
}

// The tag written from Go is the object git writes for the same tag,
// byte for byte (same id), for SHA-1 and SHA-256 repos, identities from
// the config or the environment, dates in both forms taken; the repo
// stays sound (git fsck) and git reads the tag back.
func TestWriteTagAgreesWithGit(t *testing.T) {
	testneed.Need(t, "git")
	for _, format := range []string{"sha1", "sha256"} {
		repo, env, commit := tagWorld(t, format)
		run(t, env, filepath.Dir(repo), "clone", "-q", "--bare", repo, repo+"-git") // before any tag
		cases := []struct {
			name string
			env  []string
			msg  string
		}{
			{"DEPLOY_20261125_120000_abcdef0", nil, "DEPLOY_20261125_120000_abcdef0\n\napp " + commit + "\n"},
			{"T2", []string{"GIT_COMMITTER_NAME=Bo B", "GIT_COMMITTER_EMAIL=bo@example.org"}, "no newline at the end"},
			{"T3", []string{"GIT_COMMITTER_DATE=@1764072000 +0130"}, "m\n\n\nwith blank lines\n\n"},
			{"T4", []string{"GIT_COMMITTER_DATE=@1764072000 -0800", "EMAIL=x@y"}, "  leading spaces kept\n"},
			{"T5", []string{"GIT_COMMITTER_DATE=@1764072000 +1459"}, "T5\n"},
			{"T6", []string{"GIT_COMMITTER_DATE=@1764072000 -1400"}, "# not a comment to git tag --cleanup=verbatim\n"},
			{"T7", []string{"GIT_COMMITTER_DATE=@1764072000 +0545", "GIT_COMMITTER_NAME=Zoë Ünïcode"}, "T7\r\nwith CR LF\r\n"},
		}
		for _, c := range cases {
			e := append(append([]string(nil), env...), c.env...)
			o := TagOptions{Name: c.name, Commit: commit, Message: c.msg}
			handled, err := writeTag(e, repo, o, time.Now())
			if !handled || err != nil {
				t.Fatalf("%s %s: writeTag = %v, %v; want it written", format, c.name, handled, err)
			}
			got := strings.TrimSpace(run(t, e, repo, "rev-parse", "refs/tags/"+c.name))
			if want := gitTag(t, e, repo, o); got != want {
				t.Errorf("%s %s: tag object %s, git makes %s\nours:\n%s\ngit's:\n%s", format, c.name, got, want,
					run(t, e, repo, "cat-file", "tag", got), run(t, e, repo+"-git", "cat-file", "tag", want))
			}
			if peeled := strings.TrimSpace(run(t, e, repo, "rev-parse", c.name+"^{commit}")); peeled != commit {
				t.Errorf("%s %s peels to %s", format, c.name, peeled)
			}
		}
		// the files have git's modes: the ref 0666, the object 0444, less the umask
		for _, p := range []string{"refs/tags/T2", "objects/" + objPath(run(t, env, repo, "rev-parse", "refs/tags/T2"))} {
			ours, err1 := os.Stat(filepath.Join(repo, ".git", p))
			gits, err2 := os.Stat(filepath.Join(repo+"-git", p))
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v %v", p, err1, err2)
			}
			if ours.Mode() != gits.Mode() {
				t.Errorf("%s %s: mode %v, git's %v", format, p, ours.Mode(), gits.Mode())
			}
		}
		run(t, env, repo, "fsck", "--strict", "--no-dangling")
		// the same name again: never replaced
		handled, err := writeTag(env, repo, TagOptions{Name: "T2", Commit: commit, Message: "other"}, time.Now())
		if handled && err == nil {
			t.Errorf("%s: writeTag over an existing tag succeeded", format)
		}
		// nothing of the writer's is left in the repo
		gitDir := filepath.Join(repo, ".git")
		filepath.Walk(gitDir, func(p string, fi os.FileInfo, err error) error {
			if err == nil && (strings.Contains(fi.Name(), tempPrefix) || strings.HasPrefix(fi.Name(), "tmp_obj_") || strings.HasSuffix(fi.Name(), ".lock")) {
				t.Errorf("left behind: %s", p)
			}
			return nil
		})
	}
}

// Whatever git must decide is left to it, with nothing written.
func TestWriteTagLeavesToGit(t *testing.T) {
	testneed.Need(t, "git")
	repo, env, commit := tagWorld(t, "sha1")
	o := TagOptions{Name: "T", Commit: commit, Message: "T\n"}
	leftToGit := func(why string, env []string, o TagOptions, setup, undo func()) {
		t.Helper()
		if setup != nil {
			setup()
		}
		handled, err := writeTag(env, repo, o, time.Now())
		if undo != nil {
			undo()
		}
		if handled {
			t.Errorf("%s: writeTag handled it (%v); want it left to git", why, err)
		}
		if out := run(t, env, repo, "tag", "-l", "T"); out != "" {
			t.Fatalf("%s: a tag was written", why)
		}
	}
	cfg := func(k, v string) (func(), func()) {
		return func() { run(t, env, repo, "config", k, v) }, func() { run(t, env, repo, "config", "--unset", k) }
	}
	with := func(kv ...string) []string { return append(append([]string(nil), env...), kv...) }
	for _, kv := range [][2]string{{"tag.gpgSign", "true"}, {"tag.forceSignAnnotated", "true"}, {"core.hooksPath", "/dev/null"},
		{"core.sharedRepository", "group"}, {"core.fsync", "reference"}, {"core.logAllRefUpdates", "always"},
		{"extensions.worktreeConfig", "true"}, {"include.path", "x"}, {"user.signingKey", "ABC"}, {"user.useConfigOnly", "true"},
		{"core.fsyncObjectFiles", "true"}} {
		s, u := cfg(kv[0], kv[1])
		leftToGit(kv[0], env, o, s, u)
	}
	leftToGit("signed", env, TagOptions{Name: "T", Commit: commit, Message: "T\n", Sign: true}, nil, nil)
	leftToGit("empty message", env, TagOptions{Name: "T", Commit: commit}, nil, nil)
	leftToGit("a date git parses its own way", with("GIT_COMMITTER_DATE=yesterday"), o, nil, nil)
	leftToGit("a zone git rewrites (-0000)", with("GIT_COMMITTER_DATE=@1764072000 -0000"), o, nil, nil)
	leftToGit("a zone git rewrites (+0060)", with("GIT_COMMITTER_DATE=@1764072000 +0060"), o, nil, nil)
	leftToGit("a zone git rewrites (+9999)", with("GIT_COMMITTER_DATE=@1764072000 +9999"), o, nil, nil)
	leftToGit("another object folder", with("GIT_OBJECT_DIRECTORY="+filepath.Join(repo, ".git", "objects")), o, nil, nil)
	leftToGit("a NUL in the message", env, TagOptions{Name: "T", Commit: commit, Message: "T\x00\n"}, nil, nil)
	leftToGit("a name git would trim", with("GIT_COMMITTER_NAME=Ann. "), o, nil, nil)
	leftToGit("no email", with("HOME=/nonexistent"), o, nil, nil)
	hook := filepath.Join(repo, ".git", "hooks", "reference-transaction")
	leftToGit("a reference-transaction hook", env, o, func() { os.WriteFile(hook, []byte("#!/bin/sh\n"), 0o755) }, func() { os.Remove(hook) })
	reflog := filepath.Join(repo, ".git", "logs", "refs", "tags", "T")
	leftToGit("a reflog git would append to", env, o, func() { os.MkdirAll(filepath.Dir(reflog), 0o755); os.WriteFile(reflog, nil, 0o644) }, func() { os.Remove(reflog) })
	config := filepath.Join(repo, ".git", "config")
	orig, err := os.ReadFile(config)
	if err != nil {
		t.Fatal(err)
	}
	leftToGit("objectFormat in a version 0 repo", env, o, func() {
		os.WriteFile(config, append(append([]byte(nil), orig...), "[extensions]\n\tobjectFormat = sha1\n"...), 0o644)
	},
		func() { os.WriteFile(config, orig, 0o644) })
	lock := filepath.Join(repo, ".git", "refs", "tags", "T.lock")
	leftToGit("a lock", env, o, func() { os.WriteFile(lock, nil, 0o644) }, func() { os.Remove(lock) })
	leftToGit("a ref below it", env, o, func() {
		os.WriteFile(filepath.Join(repo, ".git", "packed-refs"), []byte("# pack-refs with: peeled fully-peeled sorted \n"+commit+" refs/tags/T/x\n"), 0o644)
	}, func() { os.Remove(filepath.Join(repo, ".git", "packed-refs")) })
	// with all of that gone, it writes
	if handled, err := writeTag(env, repo, o, time.Now()); !handled || err != nil {
		t.Errorf("writeTag = %v, %v after the obstacles went", handled, err)
	}
}

// A temporary ref file that a killed writer left is removed by the next
// write; a living writer's is not.
func TestWriteTagSweepsKilledWriters(t *testing.T) {
	testneed.Need(t, "git")
	repo, env, commit := tagWorld(t, "sha1")
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	gitDir := filepath.Join(repo, ".git")
	stale := filepath.Join(gitDir, tempPrefix+itoa(dead.Process.Pid)+"-1")
	alive := filepath.Join(gitDir, tempPrefix+"1-1")
	os.WriteFile(stale, []byte(commit+"\n"), 0o644)
	os.WriteFile(alive, []byte(commit+"\n"), 0o644)
	if handled, err := writeTag(env, repo, TagOptions{Name: "T", Commit: commit, Message: "T\n"}, time.Now()); !handled || err != nil {
		t.Fatalf("writeTag = %v, %v", handled, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("a killed writer's file stays: %v", err)
	}
	if _, err := os.Stat(alive); err != nil {
		t.Errorf("a living process's file went: %v", err)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// objPath is the loose object path of an id: "xx/rest".
func objPath(oid string) string {
	oid = strings.TrimSpace(oid)
	return oid[:2] + "/" + oid[2:]
}

// Without GIT_COMMITTER_DATE the tagger's time is now, in the zone git's
// TZ names: the same zone as git's for the same environment, and a TZ
// git would read its own way is left to it.
func TestWriteTagZoneAgreesWithGit(t *testing.T) {
	testneed.Need(t, "git")
	repo, env, commit := tagWorld(t, "sha1")
	run(t, env, filepath.Dir(repo), "clone", "-q", "--bare", repo, repo+"-git")
	var noDate []string
	for _, e := range env {
		if !strings.HasPrefix(e, "GIT_COMMITTER_DATE=") {
			noDate = append(noDate, e)
		}
	}
	tagger := func(dir, name string) []string {
		for _, l := range strings.Split(run(t, noDate, dir, "cat-file", "tag", "refs/tags/"+name), "\n") {
			if rest, ok := strings.CutPrefix(l, "tagger "); ok {
				return strings.Fields(rest)
			}
		}
		t.Fatalf("no tagger in %s", name)
		return nil
	}
	for i, tz := range []string{"TZ=America/New_York", "TZ=Asia/Kathmandu", "TZ=:Europe/Paris", "TZ=", "TZ=UTC"} {
		e := append(append([]string(nil), noDate...), tz)
		name := "Z" + itoa(i)
		o := TagOptions{Name: name, Commit: commit, Message: name + "\n"}
		if handled, err := writeTag(e, repo, o, time.Now()); !handled || err != nil {
			t.Fatalf("%s: writeTag = %v, %v", tz, handled, err)
		}
		gitTag(t, e, repo, o)
		ours, gits := tagger(repo, name), tagger(repo+"-git", name)
		if len(ours) != len(gits) || ours[len(ours)-1] != gits[len(gits)-1] {
			t.Errorf("%s: tagger %q, git's %q", tz, ours, gits)
		}
		a, _ := strconv.ParseInt(ours[len(ours)-2], 10, 64)
		b, _ := strconv.ParseInt(gits[len(gits)-2], 10, 64)
		if d := a - b; d < -60 || d > 60 {
			t.Errorf("%s: tagger time %d, git's %d", tz, a, b)
		}
	}
	for _, tz := range []string{"TZ=UTC+3", "TZ=/etc/localtime", "TZ=../zoneinfo/UTC"} {
		e := append(append([]string(nil), noDate...), tz)
		if handled, _ := writeTag(e, repo, TagOptions{Name: "Y", Commit: commit, Message: "Y\n"}, time.Now()); handled {
			t.Errorf("%s: written; want it left to git", tz)
		}
	}
}

// A "git tag" of the same name at the same moment: the tag git leaves in
// place is the one reported, never both, never one replaced after it
// was reported. The interleavings that matter are forced through
// testOnlyAfterLink: git took its lock and found the name free just
// before the link, then renames its tag over this one either before this
// write looks again or while it waits for the lock to go; git takes its
// lock after the link and refuses.
func TestWriteTagConcurrentGit(t *testing.T) {
	testneed.Need(t, "git")
	repo, env, commit := tagWorld(t, "sha1")
	// git's own object for the name, to rename over ours
	other := strings.TrimSpace(run(t, env, repo, "rev-parse", "HEAD^{tree}"))
	gitRenames := func(ref string) {
		lock := ref + ".lock"
		if err := os.WriteFile(lock, []byte(other+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(lock, ref); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		git   func(ref string)
		ours  bool // this write reports the tag
		final string
	}{
		{"renamed at once", gitRenames, false, other},
		{"renamed while the lock is waited for", func(ref string) {
			lock := ref + ".lock"
			os.WriteFile(lock, []byte(other+"\n"), 0o644)
			go func() { time.Sleep(50 * time.Millisecond); os.Rename(lock, ref) }()
		}, false, other},
		{"git locks after the link and refuses", func(ref string) {
			lock := ref + ".lock"
			os.WriteFile(lock, nil, 0o644)
			go func() { time.Sleep(50 * time.Millisecond); os.Remove(lock) }()
		}, true, ""},
		{"a packing git moves it to packed-refs", func(ref string) {
			b, _ := os.ReadFile(ref)
			os.WriteFile(filepath.Join(repo, ".git", "packed-refs"), []byte("# pack-refs with: peeled fully-peeled sorted \n"+strings.TrimSpace(string(b))+" refs/tags/"+filepath.Base(ref)+"\n"), 0o644)
			os.WriteFile(ref+".lock", nil, 0o644)
			go func() { time.Sleep(20 * time.Millisecond); os.Remove(ref); os.Remove(ref + ".lock") }()
		}, true, ""},
	}
	defer func() { testOnlyAfterLink = nil }()
	for i, c := range cases {
		name := "C" + itoa(i)
		testOnlyAfterLink = c.git
		handled, err := writeTag(env, repo, TagOptions{Name: name, Commit: commit, Message: name + "\n"}, time.Now())
		testOnlyAfterLink = nil
		if !handled {
			t.Fatalf("%s: not handled", c.name)
		}
		got := strings.TrimSpace(run(t, env, repo, "rev-parse", "refs/tags/"+name))
		switch {
		case c.ours && err != nil:
			t.Errorf("%s: %v; want the tag reported", c.name, err)
		case !c.ours && !errors.Is(err, ErrTagExists):
			t.Errorf("%s: writeTag = %v; want ErrTagExists (git's tag %s is there, it reported %s)", c.name, err, c.final, got)
		case !c.ours && got != c.final:
			t.Errorf("%s: refs/tags/%s is %s, want git's %s", c.name, name, got, c.final)
		case c.ours && run(t, env, repo, "cat-file", "-t", got) != "tag\n":
			t.Errorf("%s: refs/tags/%s is %s, not a tag", c.name, name, got)
		}
		os.Remove(filepath.Join(repo, ".git", "packed-refs"))
	}

	// And real "git tag" runs at random moments around the write: never
	// both say they made it, and the tag there is the one that said so.
	const n = 30
	outcome := make([]string, n)
	for i := 0; i < n; i++ {
		name := "R" + itoa(i)
		cmd := exec.Command("git", "-C", repo, "tag", "-a", "-m", "git", name, commit)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(i%10) * time.Millisecond)
		handled, err := writeTag(env, repo, TagOptions{Name: name, Commit: commit, Message: "ours\n"}, time.Now())
		gitErr := cmd.Wait()
		switch ours := handled && err == nil; {
		case ours && gitErr == nil:
			t.Errorf("%s: both git and writeTag made the tag", name)
		case ours:
			outcome[i] = "ours"
		case gitErr == nil:
			outcome[i] = "git"
		default:
			t.Errorf("%s: neither made it: writeTag %v, %v; git %v", name, handled, err, gitErr)
		}
	}
	out := run(t, env, repo, "for-each-ref", "--format=%(refname:short) %(contents:subject)", "refs/tags/R*")
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		name, msg, _ := strings.Cut(l, " ")
		i, _ := strconv.Atoi(strings.TrimPrefix(name, "R"))
		if outcome[i] != "" && outcome[i] != msg {
			t.Errorf("%s: %s reported making it, the tag there is %s's", name, outcome[i], msg)
		}
	}
	run(t, env, repo, "fsck", "--strict", "--no-dangling")
}

// A repo that borrows its objects (clone --shared: the commit lives in
// the alternate) and a linked work tree (refs and objects in the common
// folder) get the tag git writes, where git would write it.
func TestWriteTagSharedStores(t *testing.T) {
	testneed.Need(t, "git")
	repo, env, commit := tagWorld(t, "sha1")
	dir := filepath.Dir(repo)
	run(t, env, dir, "clone", "-q", "--shared", repo, "borrower")
	run(t, env, dir, "clone", "-q", "--shared", repo, "borrower-git")
	run(t, env, repo, "worktree", "add", "-q", "--detach", filepath.Join(dir, "linked"))
	run(t, env, dir, "clone", "-q", repo, "linked-git")
	for _, c := range []struct{ where, gitCopy, refsIn string }{
		{"borrower", "borrower-git", "borrower/.git"},
		{"linked", "linked-git", "repo/.git"},
	} {
		o := TagOptions{Name: "S", Commit: commit, Message: "S\n"}
		if handled, err := writeTag(env, filepath.Join(dir, c.where), o, time.Now()); !handled || err != nil {
			t.Fatalf("%s: writeTag = %v, %v", c.where, handled, err)
		}
		cmd := exec.Command("git", append([]string{"-C", filepath.Join(dir, c.gitCopy)}, CreateTagArgs(o)...)...)
		cmd.Env, cmd.Stdin = env, strings.NewReader(o.Message)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git tag: %v\n%s", err, out)
		}
		got := run(t, env, filepath.Join(dir, c.where), "rev-parse", "refs/tags/S")
		if want := run(t, env, filepath.Join(dir, c.gitCopy), "rev-parse", "refs/tags/S"); got != want {
			t.Errorf("%s: tag %s, git makes %s", c.where, got, want)
		}
		if _, err := os.Stat(filepath.Join(dir, c.refsIn, "refs", "tags", "S")); err != nil {
			t.Errorf("%s: the ref is not where git keeps it: %v", c.where, err)
		}
		run(t, env, filepath.Join(dir, c.where), "fsck", "--strict", "--no-dangling")
		if c.where == "linked" {
			// the linked work tree's tag is the main one's: one ref store
			run(t, env, repo, "tag", "-d", "S")
		}
	}
}
