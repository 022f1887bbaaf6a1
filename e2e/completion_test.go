package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/internal/testneed"
)

// share is what make install writes under share/ (man pages, bash and
// zsh completion), made once by internal/docgen over the built binaries.
var share struct {
	once sync.Once
	dir  string
	err  string
}

func shareDir(t *testing.T) string {
	t.Helper()
	share.once.Do(func() {
		root, err := scripttest.ModuleRoot()
		if err != nil {
			share.err = err.Error()
			return
		}
		dir, err := os.MkdirTemp("", "deploytag-share-")
		if err != nil {
			share.err = err.Error()
			return
		}
		args := []string{"run", "./internal/docgen", "-src", root, "-out", dir}
		ents, _ := os.ReadDir(filepath.Join(root, "cmd"))
		for _, e := range ents {
			args = append(args, filepath.Join(scripttest.BinDir(), e.Name()))
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			share.err = "go run ./internal/docgen: " + err.Error() + "\n" + string(b)
			return
		}
		share.dir = dir
	})
	if share.err != "" {
		t.Fatal(share.err)
	}
	return share.dir
}

// completionWorld is a system as an operator has it: a basedir of two
// repos with two deploy tags, a deploy.toml defining qa and production
// (qa's root given), qa deployed twice (so two releases are kept), an
// artifact file beside. It returns the basedir (where completion runs),
// the environment of the shells, and the two tags, oldest first.
func completionWorld(t *testing.T) (base string, env []string, tags [2]string) {
	t.Helper()
	env = gittest.Env(t)
	base = gittest.Repos(t, env, "api", "web")
	state := t.TempDir()
	env = append(env, "XDG_STATE_HOME="+state, "PATH="+scripttest.BinDir()+string(os.PathListSeparator)+os.Getenv("PATH"))
	root := filepath.Join(t.TempDir(), "qa-root")
	toml := "[environments.qa]\nroot = \"" + root + "\"\npush = false\n\n[environments.production]\n"
	if err := os.WriteFile(filepath.Join(base, "deploy.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(base, "release.tar"), []byte("not a tar\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(filepath.Join(scripttest.BinDir(), args[0]), args[1:]...)
		cmd.Dir, cmd.Env = base, env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	for i, at := range []string{"2026-11-24T09:00:00Z", "2026-11-25T14:25:01Z"} {
		if i == 1 {
			if err := os.WriteFile(filepath.Join(base, "web", "CHANGES"), []byte("more\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			gittest.Git(t, env, filepath.Join(base, "web"), "add", "CHANGES")
			gittest.Git(t, env, filepath.Join(base, "web"), "commit", "-q", "-m", "more")
		}
		tags[i] = run("tag_for_deploy", "--quiet", "--time", at)
		run("deploy", "--quiet", "--environment", "qa", "--tag", tags[i])
	}
	return base, env, tags
}

// TestCompletionBash drives each value completion through a real bash:
// the generated script is sourced, COMP_WORDS and COMP_CWORD set as
// bash sets them, the function called, COMPREPLY printed.
func TestCompletionBash(t *testing.T) {
	testneed.Need(t, "bash")
	base, env, tags := completionWorld(t)
	dir := filepath.Join(shareDir(t), "bash-completion", "completions")
	const complete = `source "$1"; shift
fn=$(complete -p "$1" | sed -E 's/.* -F ([^ ]+) .*/\1/')
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
	for _, tc := range []struct {
		words []string // as bash splits the line, the last one being completed
		want  []string
	}{
		{[]string{"deploy", "--environment", ""}, []string{"production", "qa"}},
		{[]string{"deploy", "-e", "p"}, []string{"production"}},
		{[]string{"deploy", "--environment", "=", "q"}, []string{"qa"}}, // --environment=q
		{[]string{"deploy", "--environment", "="}, []string{"production", "qa"}},
		{[]string{"show_deploy_tag", "--environment", ""}, []string{"production", "qa"}},
		{[]string{"verify_deploy_tag", "-e", ""}, []string{"production", "qa"}},
		{[]string{"deploy", "--environment", "qa", "--switch", ""}, tags[:]},
		{[]string{"deploy", "--switch", "", "--environment", "qa"}[:3], nil}, // no environment yet: no root to read
		{[]string{"deploy", "--environment", "qa", "--tag", ""}, tags[:]},
		{[]string{"push_tag", ""}, tags[:]},
		{[]string{"push_tag", "--remote", "origin", "DEPLOY_20261124"}, tags[:1]},
		{[]string{"push_tag", tags[0], ""}, []string{"api", "web"}},
		{[]string{"verify_deploy_tag", "--json", ""}, tags[:]},
		{[]string{"checkout_deploy_tag", ""}, tags[:]},
		{[]string{"deploy_manifest", "--diff", tags[0], ""}, tags[:]},
		{[]string{"deploy_manifest", "--tag", ""}, tags[:]},
		{[]string{"deploy", "--environment", "qa", "--from-artifact", "rel"}, []string{"release.tar"}},
		{[]string{"deploy", "--from-artifact", "=", "rel"}, []string{"release.tar"}},
		{[]string{"deploy", "--config", "deploy."}, []string{"deploy.toml"}},
		{[]string{"push_tag", "--basedir", "a"}, []string{"api"}},
		{[]string{"deploy", "--keep", ""}, nil},
		{[]string{"push_tag", "--ti"}, []string{"--timeout"}},
		{[]string{"push_tag", "--", "-"}, tags[:0]}, // after --, an operand: no tag starts with -
	} {
		args := append([]string{"--norc", "--noprofile", "-c", complete, "bash", filepath.Join(dir, tc.words[0])}, tc.words...)
		cmd := exec.Command("bash", args...)
		cmd.Dir, cmd.Env = base, env
		out, err := cmd.Output()
		if err != nil {
			t.Errorf("bash completing %q: %v", tc.words, err)
			continue
		}
		got := strings.Fields(string(out))
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("bash completing %q offers %q, want %q", tc.words, got, tc.want)
		}
	}
}

// zshHarness runs an interactive zsh in a pseudo-terminal (zpty), with
// the generated functions on $fpath and compinit, types LINE and a TAB,
// then ^O, bound to a widget that writes the edited line to OUT; every
// compadd call of the completion is logged to LOG, one argument a line.
const zshHarness = `zmodload zsh/zpty
dir=$1 line=$2 out=$3 log=$4
rc=$(mktemp -d)
cat > $rc/.zshrc <<EOF
PS1='> '
unsetopt beep
fpath=($dir \$fpath)
autoload -Uz compinit && compinit -u -D
compadd() { print -rl -- "\$@" >> $log; builtin compadd "\$@" }
capture() { print -r -- "\$BUFFER" > $out.tmp && mv $out.tmp $out }
zle -N capture
bindkey '^O' capture
EOF
export ZDOTDIR=$rc
zpty z 'zsh -i'
zpty -w -n z "$line"$'\t'$'\C-o'
for i in {1..200}; do [[ -e $out ]] && break; sleep 0.05; done
zpty -d z
rm -rf $rc
[[ -e $out ]]
`

// TestCompletionZsh drives the same completions through a real
// interactive zsh: the line after TAB (a unique value is inserted) and
// the values the completion offered to compadd.
func TestCompletionZsh(t *testing.T) {
	testneed.Need(t, "zsh")
	base, env, tags := completionWorld(t)
	dir := filepath.Join(shareDir(t), "zsh", "site-functions")
	for _, tc := range []struct {
		line   string   // typed before TAB
		buffer string   // the line after TAB
		offers []string // among what was offered
	}{
		{"deploy --environment ", "deploy --environment ", []string{"production", "qa"}},
		{"deploy --environment p", "deploy --environment production ", nil},
		{"deploy --environment=q", "deploy --environment=qa ", nil},
		{"show_deploy_tag -e q", "show_deploy_tag -e qa ", nil},
		{"deploy --environment qa --switch ", "deploy --environment qa --switch DEPLOY_2026112", tags[:]},
		{"deploy --environment qa --switch DEPLOY_20261124", "deploy --environment qa --switch " + tags[0] + " ", nil},
		{"push_tag DEPLOY_20261125", "push_tag " + tags[1] + " ", nil},
		{"push_tag " + tags[0] + " w", "push_tag " + tags[0] + " web ", nil},
		{"verify_deploy_tag --json DEPLOY_20261124", "verify_deploy_tag --json " + tags[0] + " ", nil},
		{"deploy --from-artifact rel", "deploy --from-artifact release.tar ", nil},
		{"deploy --tag DEPLOY_20261124", "deploy --tag " + tags[0] + " ", nil},
	} {
		tmp := t.TempDir()
		out, log := filepath.Join(tmp, "out"), filepath.Join(tmp, "log")
		cmd := exec.Command("zsh", "-f", "-c", zshHarness, "zsh", dir, tc.line, out, log)
		cmd.Dir, cmd.Env = base, append(env, "TERM=dumb")
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("zsh completing %q: %v", tc.line, err)
				continue
			}
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("zsh completing %q did not end", tc.line)
		}
		b, _ := os.ReadFile(out)
		if got := strings.TrimRight(string(b), "\n"); got != tc.buffer {
			t.Errorf("zsh completing %q: the line became %q, want %q", tc.line, got, tc.buffer)
		}
		l, _ := os.ReadFile(log)
		offered := strings.Split(string(l), "\n")
		for _, w := range tc.offers {
			if !slices.Contains(offered, w) {
				t.Errorf("zsh completing %q offered %q, not %q", tc.line, offered, w)
			}
		}
	}
}
