package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/internal/scripttest"
)

// toolDoc is one tool's man page source (the doc comment of its main.go)
// as --help reads it, with the module's root.
func toolDoc(t *testing.T, tool string) cmdline.Doc {
	t.Helper()
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(root, "cmd", tool, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	return cmdline.ParseDoc(string(src))
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
		tools = append(tools, e.Name())
	}
	if len(tools) != 10 {
		t.Fatalf("found %d tools in cmd/, want the ten: %q", len(tools), tools)
	}
	return tools
}

// helpSection returns the lines of a section of --help ("USAGE:"), each
// without the three spaces that indent it.
func helpSection(help, title string) []string {
	var lines []string
	in := false
	for _, line := range strings.Split(help, "\n") {
		switch {
		case line == title+":":
			in = true
		case in && line != "" && line[0] != ' ':
			return lines
		case in && line != "":
			lines = append(lines, strings.TrimPrefix(line, "   "))
		}
	}
	return lines
}

// TestHelpShowsTheManPage: each tool's --help shows, from its man page
// (the doc comment of its main.go), every usage form, the exit statuses
// (0, 1 and 2; 3 for deploy, the one tool that exits 3) and two or more
// examples, each line as the man page has it, and the README's synopsis
// of the tool is the man page's. No option prints its default twice.
func TestHelpShowsTheManPage(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tool := range toolNames(t) {
		t.Run(tool, func(t *testing.T) {
			doc := toolDoc(t, tool)
			out, err := exec.Command(filepath.Join(scripttest.BinDir(), tool), "--help").Output()
			if err != nil {
				t.Fatalf("%s --help: %v", tool, err)
			}
			help := string(out)
			for _, s := range []struct {
				title string
				want  []string
			}{{"USAGE", doc.Synopsis}, {"EXIT STATUS", doc.ExitStatus}, {"EXAMPLES", doc.Examples}} {
				if len(s.want) == 0 {
					t.Errorf("the man page of %s has no %s", tool, strings.ToLower(s.title))
				}
				if got := helpSection(help, s.title); !slices.Equal(got, s.want) {
					t.Errorf("%s --help, %s:\n%s\nwant the man page's:\n%s", tool, s.title, strings.Join(got, "\n"), strings.Join(s.want, "\n"))
				}
			}
			for _, f := range doc.Synopsis {
				if strings.HasPrefix(f, tool+" ") {
					continue
				}
				if !strings.HasPrefix(f, strings.Repeat(" ", len(tool)+1)) {
					t.Errorf("%s: the synopsis line %q is neither a form nor a continuation line", tool, f)
				}
			}
			var codes []string
			for _, l := range doc.ExitStatus {
				if c, _, ok := strings.Cut(l, "  "); ok && c != "" {
					codes = append(codes, c)
				}
			}
			want := []string{"0", "1", "2"}
			if tool == "deploy" {
				want = append(want, "3")
			}
			if !slices.Equal(codes, want) {
				t.Errorf("%s: the exit statuses are %q, want %q", tool, codes, want)
			}
			n := 0
			for _, l := range doc.Examples {
				if !strings.HasPrefix(l, "#") && strings.Contains(l, tool) {
					n++
				}
			}
			if n < 2 {
				t.Errorf("%s: %d examples, want two or more:\n%s", tool, n, strings.Join(doc.Examples, "\n"))
			}
			for _, l := range helpSection(help, "OPTIONS") {
				if strings.Count(l, "(default:") > 1 {
					t.Errorf("%s --help prints a default twice: %s", tool, l)
				}
			}
			block := firstBlock(section(string(readme), "### "+tool+"\n", "\n##"))
			if got := strings.Trim(block, "\n"); got != strings.Join(doc.Synopsis, "\n") {
				t.Errorf("README's synopsis of %s:\n%s\nwant the man page's:\n%s", tool, got, strings.Join(doc.Synopsis, "\n"))
			}
		})
	}
}

// TestManPagesShowTheDoc generates the man pages as make install does
// (internal/docgen over the built binaries) and finds in each, in its
// own section, every usage form, exit status and example of the doc
// comment, so --help (TestHelpShowsTheManPage) and the man page agree.
func TestManPagesShowTheDoc(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tools := toolNames(t)
	out := t.TempDir()
	args := []string{"run", "./internal/docgen", "-src", root, "-out", out}
	for _, tool := range tools {
		args = append(args, filepath.Join(scripttest.BinDir(), tool))
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./internal/docgen: %v\n%s", err, b)
	}
	unroff := strings.NewReplacer(`\-`, "-", `\e`, `\`, `\&`, "")
	for _, tool := range tools {
		b, err := os.ReadFile(filepath.Join(out, "man", "man1", tool+".1"))
		if err != nil {
			t.Fatal(err)
		}
		page := unroff.Replace(string(b))
		doc := toolDoc(t, tool)
		for _, s := range []struct {
			title string
			want  []string
		}{{"SYNOPSIS", doc.Synopsis}, {"EXIT STATUS", doc.ExitStatus}, {"EXAMPLES", doc.Examples}} {
			sec := section(page, ".SH "+s.title+"\n", "\n.SH ")
			for _, l := range s.want {
				if !strings.Contains(sec, "\n"+l+"\n") && !strings.HasPrefix(sec, l+"\n") {
					t.Errorf("man page of %s, %s, lacks %q:\n%s", tool, s.title, l, sec)
				}
			}
		}
	}
}
