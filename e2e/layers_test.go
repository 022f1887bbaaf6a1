package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

// layers is docs/architecture.md's picture as numbers: a package may
// import only packages of a lower layer. A new package gets its layer here
// and its place in the picture.
var layers = map[string]int{
	"internal/cmdline": 10,
	"deploy":           9, "checkout": 9, "dashboard": 9,
	"push": 8, "verify": 8, "release": 8, "artifact": 8,
	"tags":    6,
	"basedir": 5, "config": 5, "live": 5, "network": 5,
	"git": 4, "proof": 4, "sigcheck": 4, "versionwarn": 4, "progress": 4,
	"manifest": 3, "gitobj": 3, "fail": 3, "gitattr": 3, "subst": 3,
	"place": 2,
	"names": 1, "redact": 1, "flock": 1, "proc": 1,
}

const module = "github.com/deploytag/deploytag/"

// shipped is the one package of internal/ the binaries are made of (the
// command line they share); the rest of internal/ is test helpers.
const shipped = "internal/cmdline"

// TestLayers holds the code to docs/architecture.md: imports between the
// packages of pkg/ point down the layers only, nothing a binary ships
// imports internal/ (the test helpers), and the picture names every
// package.
func TestLayers(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", "./pkg/...", "./cmd/...", "./"+shipped)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "architecture.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, picture, _ := strings.Cut(string(doc), "```")
	picture, _, _ = strings.Cut(picture, "```")
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		from := strings.TrimPrefix(f[0], module)
		for _, imp := range f[1:] {
			if strings.HasPrefix(imp, module+"internal/") && imp != module+shipped {
				t.Errorf("%s imports %s: test helpers stay out of what ships", from, imp)
			}
		}
		name, ok := strings.CutPrefix(from, "pkg/")
		if from == shipped {
			name, ok = from, true
		}
		if !ok {
			continue
		}
		layer, ok := layers[name]
		switch {
		case !ok:
			t.Errorf("pkg/%s has no layer: give it one here and in docs/architecture.md", name)
			continue
		case !regexp.MustCompile(`[\s/]` + name + `\s`).MatchString(picture):
			t.Errorf("pkg/%s is not in docs/architecture.md's picture", name)
		}
		for _, imp := range f[1:] {
			dep, ok := strings.CutPrefix(imp, module+"pkg/")
			if imp == module+shipped {
				dep, ok = shipped, true
			}
			if ok && layers[dep] >= layer {
				t.Errorf("pkg/%s (layer %d) imports pkg/%s (layer %d): imports point down only", name, layer, dep, layers[dep])
			}
		}
	}
}
