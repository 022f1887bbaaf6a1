package cmdline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestFindSlot: what the word being completed is, from the words typed
// before it and the App's flags.
func TestFindSlot(t *testing.T) {
	tag := Completes(Tags, &cli.StringFlag{Name: "tag"})
	flags := []cli.Flag{BasedirFlag, JobsFlag, JSONFlag, EnvironmentFlag("env"), RootFlag("root", false), ConfigFlag, tag, cli.HelpFlag}
	for _, tc := range []struct {
		words     string
		cur       string
		argsUsage string
		flags     bool
		kind      Kind
		args      string
	}{
		{"", "-", "TAG", true, NoValues, ""},
		{"", "--ba", "TAG", true, NoValues, ""},
		{"", "", "TAG [REPO...]", false, Tags, ""},
		{"T", "", "TAG [REPO...]", false, Repos, ""},
		{"T a b", "", "TAG [REPO...]", false, Repos, ""},
		{"", "", "[PATH]", false, Dirs, ""},
		{"x", "", "[PATH]", false, NoValues, ""},
		{"", "", "", false, NoValues, ""},
		{"--environment", "", "", false, Environments, ""},
		{"-e", "q", "", false, Environments, ""},
		{"", "--environment=q", "", false, Environments, ""},
		{"--root", "", "", false, Dirs, ""},
		{"--config", "", "", false, Files, ""},
		{"--basedir", "", "", false, Dirs, ""},
		{"--tag", "", "", false, Tags, ""},
		{"--jobs", "", "", false, NoValues, ""},
		{"--json", "", "TAG", false, Tags, "--json"},
		{"--basedir sys --bogus -e qa --help", "", "TAG", false, Tags, "--basedir sys -e qa"},
		{"--basedir=sys T", "", "TAG [REPO...]", false, Repos, "--basedir=sys"},
		{"--", "-x", "TAG", false, Tags, ""},
		{"-- T", "--x", "TAG [REPO...]", false, Repos, ""},
	} {
		s := findSlot(flags, tc.argsUsage, strings.Fields(tc.words), tc.cur)
		if s.flags != tc.flags || s.kind != tc.kind || strings.Join(s.args, " ") != tc.args {
			t.Errorf("%q then %q (%q): got flags %v kind %d args %q; want %v %d %q", tc.words, tc.cur, tc.argsUsage,
				s.flags, s.kind, s.args, tc.flags, tc.kind, tc.args)
		}
	}
}

func TestJoinEquals(t *testing.T) {
	for in, want := range map[string]string{
		"--environment = q":   "--environment=q",
		"--environment =":     "--environment=",
		"-e qa --root = /r x": "-e qa --root=/r x",
		"T = x":               "T = x",
		"--a=b = c":           "--a=b = c",
	} {
		if got := strings.Join(joinEquals(strings.Fields(in)), " "); got != want {
			t.Errorf("joinEquals(%q) = %q, want %q", in, got, want)
		}
	}
}

// TOOL --complete-values answers from the flags typed: the environments
// of the config --basedir names, the releases kept under --root; never
// an error, nothing on stderr, exit 0.
func TestCompleteValues(t *testing.T) {
	base := t.TempDir()
	if err := os.WriteFile(filepath.Join(base, "deploy.toml"), []byte("[environments.qa]\n[environments.prod]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, d := range []string{"releases/DEPLOY_20261125_142501_3f9a2c1", "releases/v1", "releases/.tmp-x"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", filepath.Dir(root))
	sw := Completes(Releases, &cli.StringFlag{Name: "switch"})
	app := func() *cli.App {
		return NewApp("tool", "a test tool", "", []cli.Flag{BasedirFlag, ConfigFlag, EnvironmentFlag("env"), RootFlag("root", false), sw},
			func(*cli.Context) error { t.Error("the tool ran"); return nil })
	}
	for _, tc := range []struct {
		words []string
		want  string
	}{
		{[]string{"--basedir", base, "--environment", ""}, "values\nprod\nqa\n"},
		{[]string{"--basedir", base, "--environment", "=", "q"}, "values\nprod\nqa\n"},
		{[]string{"--root", root, "--switch", ""}, "values\nDEPLOY_20261125_142501_3f9a2c1\nv1\n"},
		{[]string{"--root", "~/" + filepath.Base(root), "--switch", ""}, "values\nDEPLOY_20261125_142501_3f9a2c1\nv1\n"}, // as typed: ~ is the shell's
		{[]string{"--root=~/" + filepath.Base(root), "--switch", ""}, "values\nDEPLOY_20261125_142501_3f9a2c1\nv1\n"},
		{[]string{"--basedir", filepath.Join(base, "nowhere"), "--environment", ""}, ""},
		{[]string{"--config", filepath.Join(base, "none.toml"), "-e", ""}, ""},
		{[]string{"--switch", ""}, ""}, // no root: nothing, silently
		{[]string{"--ba"}, "flags\n"},
		{[]string{"--root", ""}, "dirs\n"},
		{[]string{"--config", "x"}, "files\n"},
		{[]string{""}, ""},
	} {
		var out, errb bytes.Buffer
		code := Run(context.Background(), app(), append([]string{"tool", completeFlag}, tc.words...), strings.NewReader(""), &out, &errb)
		if code != 0 || out.String() != tc.want || errb.Len() != 0 {
			t.Errorf("tool --complete-values %q: exit %d, stdout %q, stderr %q; want 0, %q, nothing", tc.words, code, out.String(), errb.String(), tc.want)
		}
	}
}
