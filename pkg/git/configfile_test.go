package git

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/testneed"
)

// gitList is what git makes of a config file: its entries as
// "git config --file F --null --list" prints them, or ok false when git
// refuses the file or an entry has no value.
func gitList(t *testing.T, dir string, text []byte) (entries []ConfigEntry, ok bool) {
	t.Helper()
	f := filepath.Join(dir, "config")
	if err := os.WriteFile(f, text, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("git", "config", "--file", f, "--null", "--list")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "GIT_CONFIG_NOSYSTEM=1", "LC_ALL=C"}
	out, err := cmd.Output()
	if err != nil {
		return nil, false
	}
	for _, rec := range strings.Split(string(out), "\x00") {
		if rec == "" {
			continue
		}
		k, v, hasValue := strings.Cut(rec, "\n")
		if !hasValue {
			return nil, false
		}
		entries = append(entries, ConfigEntry{Key: k, Value: v})
	}
	return entries, true
}

// agreeWithGit fails t when ParseConfig takes text and reads it other than
// git does, or takes a text git refuses.
func agreeWithGit(t *testing.T, dir string, text []byte) (taken bool) {
	t.Helper()
	got, err := ParseConfig(text)
	if err != nil {
		return false
	}
	want, ok := gitList(t, dir, text)
	if !ok {
		t.Fatalf("ParseConfig took %q, which git refuses (or reads a key without value from): %+v", text, got)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("ParseConfig(%q) =\n%+v\ngit says\n%+v", text, got, want)
	}
	return true
}

var configTexts = []string{
	"[core]\n\tbare = false\n",
	"[remote \"origin\"]\n\turl = /srv/a.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
	"[remote \"Or\\\"ig\\\\in\"]\nurl=x\n",
	"[url \"https://h.example/x.y\"]\n\tinsteadOf = e:\n\tpushInsteadOf = p:\n",
	"[Core]\nSSHCommand = ssh -i \"/k e y\" -o A=b # comment\n",
	"[core]\n\tsshCommand = \"ssh\t-v\"  ; c\n",
	"[a]\n\tb = one\\\n two\n",
	"[a]\n\tb = x\\ty\\nz\\\\w\\\"\n",
	"[a] b = same line\n",
	"[a]\r\n\tb = crlf\r\n",
	"\xef\xbb\xbf[a]\nb = bom\n",
	"# c\n; c\n[a]\n\n  b  =   spaced    out   \n",
	"[a]\nb = \"quoted ; not # comment\"\n",
	"[a]\nb = tail",
	"[a]\nb-2 = dash\n",
	"[remote \"o\"]\n\turl = a\n[remote \"o\"]\n\turl = b\n",
	"[remote \"\"]\nurl = empty sub\n",
	// refused by ParseConfig (left to git, or wrong for git too)
	"[remote.origin]\nurl = dotted\n",
	"[a]\nflag\n",
	"[a]\nb = \"open\n",
	"[a]\nb = bad \\q escape\n",
	"[include]\npath = other\n",
	"[includeIf \"gitdir:/x/\"]\npath = other\n",
	"b = no section\n",
	"[a\n",
	"[a \"x]\n",
	"[a]\n1b = x\n",
	"[a \"x\" ]\nb = c\n",
	"[a]\nb = c\\",
}

// TestParseConfigAgreesWithGit: every text ParseConfig takes, it reads as
// git does; the tricky ones (escapes, quotes, comments, continuations,
// spaces, CRLF, a BOM) are taken.
func TestParseConfigAgreesWithGit(t *testing.T) {
	testneed.Need(t, "git")
	dir := t.TempDir()
	taken := 0
	for _, text := range configTexts {
		if agreeWithGit(t, dir, []byte(text)) {
			taken++
		}
	}
	if taken < 16 {
		t.Errorf("ParseConfig took %d of the texts, want at least the 16 git reads plainly", taken)
	}
	for _, text := range []string{"[include]\npath = x\n", "[remote.origin]\nurl = a\n", "[a]\nflag\n", "b = x\n"} {
		if _, err := ParseConfig([]byte(text)); err == nil {
			t.Errorf("ParseConfig(%q) took it; it must be left to git", text)
		}
	}
}

func FuzzParseConfig(f *testing.F) {
	testneed.Need(f, "git")
	for _, text := range configTexts {
		f.Add([]byte(text))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text []byte) {
		agreeWithGit(t, dir, text)
	})
}

// TestReadConfig: the files git reads, in its order; whatever would need
// git itself (settings in the environment, an include anywhere, per-worktree
// config, reftable) is left to it.
func TestReadConfig(t *testing.T) {
	testneed.Need(t, "git")
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	repo := filepath.Join(dir, "repo")
	gitT(t, dir, "init", "-q", repo)
	os.MkdirAll(home, 0o755)
	write := func(p, s string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(home, ".gitconfig"), "[url \"https://g/\"]\ninsteadOf = g:\n")
	os.MkdirAll(filepath.Join(home, "xdg", "git"), 0o755)
	write(filepath.Join(home, "xdg", "git", "config"), "[core]\nsshCommand = ssh -x\n")
	write(filepath.Join(dir, "system"), "[remote \"origin\"]\nurl = sys\n")
	gitT(t, repo, "remote", "add", "origin", "/srv/a.git")
	env := []string{"HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, "xdg"), "GIT_CONFIG_SYSTEM=" + filepath.Join(dir, "system")}
	es, ok := ReadConfig(env, repo)
	if !ok {
		t.Fatal("ReadConfig: not ok")
	}
	var keys []string
	for _, e := range es {
		keys = append(keys, e.Key+"="+e.Value)
	}
	// git's own order for the same environment
	cmd := exec.Command("git", "-C", repo, "config", "--null", "--list")
	cmd.Env = append(env, "PATH="+os.Getenv("PATH"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, rec := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		k, v, _ := strings.Cut(rec, "\n")
		want = append(want, k+"="+v)
	}
	if !slices.Equal(keys, want) {
		t.Errorf("ReadConfig:\n%q\ngit:\n%q", keys, want)
	}
	// a linked work tree reads the common config
	wt := filepath.Join(dir, "wt")
	gitT(t, repo, "commit", "-q", "--allow-empty", "-m", "c")
	gitT(t, repo, "worktree", "add", "-q", "--detach", wt)
	if es2, ok := ReadConfig(env, wt); !ok || !slices.Equal(es2, es) {
		t.Errorf("ReadConfig in a linked work tree = %v, %v; want the repo's", es2, ok)
	}

	unsure := func(why string, env []string) {
		t.Helper()
		if _, ok := ReadConfig(env, repo); ok {
			t.Errorf("%s: ReadConfig ok, want it left to git", why)
		}
	}
	unsure("GIT_CONFIG_PARAMETERS", append(env, "GIT_CONFIG_PARAMETERS='core.sshcommand'='x'"))
	unsure("GIT_CONFIG_COUNT", append(env, "GIT_CONFIG_COUNT=1", "GIT_CONFIG_KEY_0=a.b", "GIT_CONFIG_VALUE_0=c"))
	unsure("bad GIT_CONFIG_NOSYSTEM", append(env, "GIT_CONFIG_NOSYSTEM=maybe"))
	if _, ok := ReadConfig(env, dir); ok {
		t.Error("ReadConfig outside a repo: ok")
	}
	write(filepath.Join(home, ".gitconfig"), "[includeIf \"gitdir:~/w/\"]\npath = ~/w.inc\n")
	unsure("includeIf in the global config", env)
	write(filepath.Join(home, ".gitconfig"), "")
	if _, ok := ReadConfig(env, repo); !ok {
		t.Error("ReadConfig not ok after the include went")
	}
	gitT(t, repo, "config", "extensions.worktreeConfig", "true")
	unsure("extensions.worktreeConfig", env)
	gitT(t, repo, "config", "--unset", "extensions.worktreeConfig")
	gitT(t, repo, "config", "extensions.refStorage", "reftable")
	unsure("reftable", env)
}
