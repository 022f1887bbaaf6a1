package e2e

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

// layers is docs/architecture.md's picture as numbers: a package may
// import only packages of a lower layer. A new package gets its layer here
// and its place in the picture (and its word in the glossary).
var layers = map[string]int{
	"internal/cmdline": 9,
	"pkg/deploy":       8,
	"pkg/push":         7, "pkg/verify": 7, "pkg/checkout": 7, "pkg/dashboard": 7,
	"pkg/tags": 6, "pkg/release": 6,
	"pkg/basedir": 5, "pkg/config": 5, "pkg/live": 5,
	"pkg/manifest": 4, "pkg/proof": 4, "pkg/artifact": 4, "pkg/network": 4,
	"pkg/place": 3, "pkg/git": 3, "pkg/sigcheck": 3,
	"pkg/names": 2, "pkg/redact": 2, "pkg/proc": 2, "pkg/flock": 2, "pkg/progress": 2, "pkg/fail": 2,
	"pkg/gitobj": 2, "pkg/gitattr": 2, "pkg/subst": 2, "pkg/versionwarn": 2,
}

const module = "github.com/deploytag/deploytag/"

// shipped is the one package of internal/ the binaries are made of (the
// command line they share); the rest of internal/ is test helpers.
const shipped = "internal/cmdline"

// goList runs go list in the module with args and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// architecture returns docs/architecture.md.
func architecture(t *testing.T) string {
	t.Helper()
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(doc)
}

// TestLayers holds the code to docs/architecture.md: imports between the
// packages that ship point down the layers only, nothing a binary ships
// imports internal/ but the command line, no package of pkg/ has
// urfave/cli among its dependencies (the command line lives with the
// binaries), and the picture names every package.
func TestLayers(t *testing.T) {
	_, picture, _ := strings.Cut(architecture(t), "```")
	picture, _, _ = strings.Cut(picture, "```")
	for _, line := range goList(t, "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./pkg/...", "./cmd/...", "./"+shipped) {
		f := strings.Fields(line)
		from := strings.TrimPrefix(f[0], module)
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, module+"internal/") && imp != module+shipped {
				t.Errorf("%s imports %s: test helpers stay out of what ships", from, imp)
			}
		}
		if strings.HasPrefix(from, "cmd/") {
			continue
		}
		layer, ok := layers[from]
		word := strings.TrimPrefix(from, "pkg/")
		switch {
		case !ok:
			t.Errorf("%s has no layer: give it one here and in docs/architecture.md", from)
			continue
		case !regexp.MustCompile(`[\s/]` + regexp.QuoteMeta(word) + `\s`).MatchString(picture):
			t.Errorf("%s is not in docs/architecture.md's picture", from)
		}
		for _, imp := range f[1:] {
			dep, ok := strings.CutPrefix(imp, module)
			if ok && layers[dep] >= layer {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports point down only", from, layer, dep, layers[dep])
			}
		}
	}
	for _, line := range goList(t, "-f", "{{.ImportPath}}{{range .Deps}} {{.}}{{end}}", "./pkg/...") {
		f := strings.Fields(line)
		for _, dep := range f[1:] {
			if strings.HasPrefix(dep, "github.com/urfave/cli") {
				t.Errorf("%s depends on %s: the command line lives in cmd/ and %s", strings.TrimPrefix(f[0], module), dep, shipped)
			}
		}
	}
}

// TestGlossary holds the code to docs/architecture.md's glossary: each
// word names one package that exists and is the package's name, no word
// or package comes twice, and every package that ships (pkg/ and the
// command line) has its word.
func TestGlossary(t *testing.T) {
	_, glossary, ok := strings.Cut(architecture(t), "\n## Glossary\n")
	if !ok {
		t.Fatal("docs/architecture.md has no ## Glossary")
	}
	glossary, _, _ = strings.Cut(glossary, "\n## ")
	words, pkgs := map[string]string{}, map[string]string{}
	for _, line := range strings.Split(glossary, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(line, "|") {
			continue
		}
		word, pkg := strings.TrimSpace(cells[1]), strings.Trim(strings.TrimSpace(cells[2]), "`")
		if word == "word" || strings.HasPrefix(word, "-") {
			continue // the header, its rule
		}
		switch {
		case words[word] != "":
			t.Errorf("glossary: %q names both %s and %s", word, words[word], pkg)
		case pkgs[pkg] != "":
			t.Errorf("glossary: %s is named both %q and %q", pkg, pkgs[pkg], word)
		case path.Base(pkg) != word:
			t.Errorf("glossary: %q names %s: a word is its package's name", word, pkg)
		}
		words[word], pkgs[pkg] = pkg, word
	}
	all := map[string]bool{}
	for _, p := range goList(t, "./pkg/...", "./"+shipped) {
		p = strings.TrimPrefix(p, module)
		all[p] = true
		if pkgs[p] == "" {
			t.Errorf("%s has no word in docs/architecture.md's glossary", p)
		}
	}
	for p, w := range pkgs {
		if !all[p] {
			t.Errorf("glossary: %q names %s, which is no package that ships", w, p)
		}
	}
}

// gitCommand is a git command line quoted in a message (git describe
// --long ...), whose flags are git's, not the binaries'.
var gitCommand = regexp.MustCompile(`\bgit [a-z][a-z-]*[^"]*`)

// TestNoFlagNamesInPkg: no string of pkg/'s code names a flag of the
// binaries in a message (a string with a space in it: a lone "--quiet"
// is an argument to git). Flags are the command line's to word; a
// package that must tell the operator what to give takes the words from
// its options.
func TestNoFlagNamesInPkg(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	tools, err := os.ReadDir(filepath.Join(root, "cmd"))
	if err != nil {
		t.Fatal(err)
	}
	var flags []string
	for _, d := range tools {
		out, err := exec.Command(filepath.Join(scripttest.BinDir(), d.Name()), "--help").Output()
		if err != nil {
			t.Fatalf("%s --help: %v", d.Name(), err)
		}
		for _, f := range helpFlags(string(out)) {
			if f = strings.TrimPrefix(f, "--"); !slices.Contains(flags, f) {
				flags = append(flags, f)
			}
		}
	}
	named := regexp.MustCompile(`--(` + strings.Join(flags, "|") + `)([^\w-]|$)`)
	err = filepath.WalkDir(filepath.Join(root, "pkg"), func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return err
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil || !strings.ContainsAny(s, " \t\n") {
				return true
			}
			if m := named.FindString(gitCommand.ReplaceAllString(s, "")); m != "" {
				rel, _ := filepath.Rel(root, fset.Position(lit.Pos()).String())
				t.Errorf("%s names the flag %s: the command line words it", rel, strings.TrimRight(m, " .,;:)'\""))
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
