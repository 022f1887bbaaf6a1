package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/internal/testneed"
)

// TestAnsibleRoleDocumented holds the role's variables to its docs: every
// variable defaults/main.yml gives is in meta/argument_specs.yml (which
// ansible-doc -t role prints, with the Galaxy metadata of meta/main.yml
// beside it) and in the variables table of ansible/README.md, and each of
// those documents no variable the role does not read.
func TestAnsibleRoleDocumented(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	role := filepath.Join(root, "ansible", "roles", "deploytag")
	read := func(path string) string {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	vars := func(re, text string) []string {
		var out []string
		for _, m := range regexp.MustCompile(re).FindAllStringSubmatch(text, -1) {
			out = append(out, m[1])
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	defaults := vars(`(?m)^(deploytag_[a-z0-9_]+):`, read(filepath.Join(role, "defaults", "main.yml")))
	if len(defaults) < 10 {
		t.Fatalf("defaults/main.yml gives %d variables: %v", len(defaults), defaults)
	}
	specs := vars(`(?m)^      (deploytag_[a-z0-9_]+):`, read(filepath.Join(role, "meta", "argument_specs.yml")))
	readme := vars("(?m)^\\| `(deploytag_[a-z0-9_]+)` \\|", read(filepath.Join(root, "ansible", "README.md")))
	for what, got := range map[string][]string{"meta/argument_specs.yml": specs, "ansible/README.md's variables": readme} {
		if !slices.Equal(got, defaults) {
			t.Errorf("%s documents %v,\nthe role's defaults give %v", what, got, defaults)
		}
	}
	if meta := read(filepath.Join(role, "meta", "main.yml")); !strings.Contains(meta, "galaxy_info:") || !strings.Contains(meta, "min_ansible_version:") {
		t.Errorf("meta/main.yml has no galaxy_info with min_ansible_version:\n%s", meta)
	}
	doc := testneed.Path(t, "ansible-doc")
	cmd := exec.Command(doc, "-t", "role", "-r", filepath.Join(root, "ansible", "roles"), "deploytag")
	cmd.Env = append(os.Environ(), "ANSIBLE_NOCOLOR=1", "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ansible-doc -t role: %v\n%s", err, out)
	}
	for _, v := range defaults {
		if !strings.Contains(string(out), "- "+v+"\n") && !strings.Contains(string(out), "= "+v+"\n") {
			t.Errorf("ansible-doc -t role does not print %s:\n%s", v, out)
		}
	}
}
