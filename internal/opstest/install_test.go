package opstest

import (
	"bytes"
	"context"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/internal/testneed"
)

// TestMakeInstall installs from a fresh repository holding the module's
// files (as a clean clone would be), tagged v1.2.3, and checks what an
// operator gets: static binaries that print the release and commit, a man
// page per tool that man renders without warnings, and bash and zsh
// completion offering each tool's flags.
func TestMakeInstall(t *testing.T) {
	testneed.Need(t, "make", "man", "bash", "zsh")
	src, commit := cleanClone(t)
	prefix := filepath.Join(t.TempDir(), "usr")
	run(t, src, nil, "make", "install", "PREFIX="+prefix)

	tools := toolNames(t)
	installed, err := os.ReadDir(filepath.Join(prefix, "bin"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range installed {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, tools) {
		t.Fatalf("installed %v, want every tool %v", names, tools)
	}
	for _, tool := range tools {
		t.Run(tool, func(t *testing.T) {
			bin := filepath.Join(prefix, "bin", tool)
			if got, want := run(t, "", nil, bin, "--version"), tool+" 1.2.3 (commit "+commit[:7]+", "+runtime.Version()+")\n"; got != want {
				t.Errorf("--version printed %q, want %q", got, want)
			}
			checkStatic(t, bin)
			help := run(t, "", nil, bin, "--help")
			flags := regexp.MustCompile(`(?m)^\s+(--[a-z][a-z0-9-]*)`).FindAllStringSubmatch(help, -1)
			if len(flags) < 2 {
				t.Fatalf("no flags found in --help:\n%s", help)
			}
			checkMan(t, filepath.Join(prefix, "share", "man", "man1", tool+".1"), tool, flags)
			checkBash(t, filepath.Join(prefix, "share", "bash-completion", "completions", tool), filepath.Join(prefix, "bin"), tool, flags)
			zshFile := filepath.Join(prefix, "share", "zsh", "site-functions", "_"+tool)
			run(t, "", nil, "zsh", "-n", zshFile)
			specs := run(t, "", nil, "zsh", "-f", "-c", `_arguments() { print -rl -- "$@" }; source "$1"`, "zsh", zshFile)
			for _, f := range flags {
				if !strings.Contains(specs, ")"+f[1]+"[") && !strings.Contains(specs, ")"+f[1]+"=[") {
					t.Errorf("zsh completion has no spec for %s:\n%s", f[1], specs)
				}
			}
		})
	}

	// Only some tools, as on a deploy host; staged under DESTDIR.
	dest := t.TempDir()
	run(t, src, nil, "make", "install", "PREFIX=/opt/deploytag", "DESTDIR="+dest, "TOOLS=create_deploy_tag tag_repos")
	for _, f := range []string{"bin/create_deploy_tag", "bin/tag_repos", "share/man/man1/tag_repos.1",
		"share/bash-completion/completions/tag_repos", "share/zsh/site-functions/_create_deploy_tag"} {
		if _, err := os.Stat(filepath.Join(dest, "opt/deploytag", f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(filepath.Join(dest, "opt/deploytag/bin/tag_for_deploy")); err == nil {
		t.Error("TOOLS=... installed tag_for_deploy too")
	}

	// A tool that does not exist is named, and nothing is installed.
	nothing := filepath.Join(t.TempDir(), "usr")
	cmd := exec.Command("make", "install", "PREFIX="+nothing, "TOOLS=tag_repos no_such_tool")
	cmd.Dir = src
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "make install: no tool no_such_tool") {
		t.Errorf("make install TOOLS=no_such_tool: %v\n%s", err, out)
	}
	if _, err := os.Stat(nothing); err == nil {
		t.Errorf("a failed make install created %s", nothing)
	}
}

// cloneTime is the time of cleanClone's commit, long before any test
// runs, so a file time taken from the clock instead of the commit shows.
const cloneTime = "2026-11-25T14:25:01Z"

// cleanClone copies the module's files (tracked, and new ones not
// ignored) into a new repository, commits them at cloneTime, tags the
// commit v1.2.3 and returns the folder and the commit.
func cleanClone(t *testing.T) (dir, commit string) {
	t.Helper()
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "deploytag")
	files := run(t, root, nil, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	for _, f := range strings.Split(strings.TrimRight(files, "\x00"), "\x00") {
		b, err := os.ReadFile(filepath.Join(root, f))
		if os.IsNotExist(err) {
			continue // deleted in the work tree
		}
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"HOME=" + t.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
		"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com",
		"GIT_AUTHOR_DATE=" + cloneTime, "GIT_COMMITTER_DATE=" + cloneTime}
	run(t, dir, env, "git", "init", "-q")
	run(t, dir, env, "git", "add", "-A")
	run(t, dir, env, "git", "commit", "-q", "-m", "release")
	run(t, dir, env, "git", "tag", "-a", "-m", "v1.2.3", "v1.2.3")
	return dir, strings.TrimSpace(run(t, dir, env, "git", "rev-parse", "HEAD"))
}

func toolNames(t *testing.T) []string {
	t.Helper()
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var tools []string
	for _, e := range ents {
		if e.IsDir() {
			tools = append(tools, e.Name())
		}
	}
	return tools
}

// innerEnv is the test's environment less what an outer make (make test)
// passes to inner ones.
func innerEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES":
		default:
			env = append(env, kv)
		}
	}
	return env
}

// run runs a command and returns its stdout, failing the test on error.
// The environment is innerEnv plus env.
func run(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = innerEnv()
	cmd.Env = append(cmd.Env, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// checkStatic fails unless bin is an ELF executable without a dynamic
// loader (CGO_ENABLED=0).
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s is dynamically linked", bin)
		}
	}
}

func checkMan(t *testing.T, page, tool string, flags [][]string) {
	t.Helper()
	cmd := exec.Command("man", "--warnings", "-l", "-P", "cat", page)
	cmd.Env = append(os.Environ(), "MANPAGER=cat", "MANWIDTH=100", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Fatalf("man -l %s: %v\n%s", page, err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"NAME\n", tool + " - ", "SYNOPSIS\n", "DESCRIPTION\n", "OPTIONS\n", "SEE ALSO\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("man page of %s lacks %q:\n%s", tool, want, out)
		}
	}
	for _, f := range flags {
		if !strings.Contains(out, f[1]) {
			t.Errorf("man page of %s does not list %s", tool, f[1])
		}
	}
}

// checkBash sources the completion script in a bash without rc files,
// with the installed tools (in bin) on PATH, completes "TOOL --<TAB>"
// through the function it registered and checks every flag of --help is
// offered; then "TOOL --basedir <TAB>" offers folders only (the tool
// itself says what a value is: e2e TestCompletionBash).
func checkBash(t *testing.T, script, bin, tool string, flags [][]string) {
	t.Helper()
	env := []string{"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	const complete = `source "$1"; shift
fn=$(complete -p "$1" | sed -E 's/.* -F ([^ ]+) .*/\1/')
COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"`
	got := run(t, "", env, "bash", "--norc", "--noprofile", "-c", complete, "bash", script, tool, "--")
	offered := strings.Fields(got)
	for _, f := range flags {
		if !slices.Contains(offered, f[1]) {
			t.Errorf("bash completion of %q offers %q, not %s", tool+" --", offered, f[1])
		}
	}
	if !strings.Contains(run(t, "", env, "bash", "--norc", "--noprofile", "-c", complete, "bash", script, tool, "--ba"), "--basedir") {
		return // no --basedir flag
	}
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "system"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sysfile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := run(t, dir, env, "bash", "--norc", "--noprofile", "-c", complete, "bash", script, tool, "--basedir", "sys"); got != "system\n" {
		t.Errorf("bash completion of %q offers %q, want the folder only", tool+" --basedir sys", got)
	}
}
