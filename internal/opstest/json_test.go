package opstest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/gittest"
	"github.com/deploytag/deploytag/internal/scripttest"
)

// TestJSONMatchesDocs runs every tool whose output is a record with
// --json on a real deploy and checks its output against docs/json.md:
// one JSON value, every key in it documented by an example of the tool's
// section, and every top-level key of that example present.
func TestJSONMatchesDocs(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(filepath.Join(root, "docs", "json.md"))
	if err != nil {
		t.Fatal(err)
	}
	examples := docExamples(t, string(doc))

	env := gittest.Env(t)
	base := gittest.Repos(t, env, "alpha", "beta")
	gittest.Git(t, env, filepath.Join(base, "alpha"), "tag", "v1.2.0")
	rootDir := filepath.Join(t.TempDir(), "root")
	tag1, _ := runTool(t, env, false, "tag_for_deploy", "--time", "2026-11-25T14:25:01Z", base)
	tag1 = strings.TrimSpace(tag1)
	gittest.Git(t, env, filepath.Join(base, "beta"), "commit", "-q", "--allow-empty", "-m", "fix")
	tag2, _ := runTool(t, env, false, "tag_for_deploy", "--time", "2026-11-25T15:25:01Z", base)
	tag2 = strings.TrimSpace(tag2)

	runs := map[string][][]string{
		"create_deploy_tag": {{"--basedir", base, "--json"}},
		"deploy":            {{"--environment", "qa", "--basedir", base, "--root", rootDir, "--no-push", "--tag", tag1, "--json"}},
		"show_deploy_tag":   {{"--root", rootDir, "--basedir", base, "--json"}},
		"verify_deploy_tag": {{"--basedir", base, "--root", rootDir, "--json", tag1}},
		"deploy_manifest":   {{"--basedir", base, "--tag", tag1, "--json"}, {"--basedir", base, "--diff", "--log", "--json", tag1, tag2}},
		"list_deploy_tags":  {{"--basedir", base, "--json"}},
	}
	gittest.Git(t, env, filepath.Join(base, "alpha"), "checkout", "-q", tag1)
	gittest.Git(t, env, filepath.Join(base, "beta"), "checkout", "-q", tag1)
	for _, tool := range recordTools {
		exs, ok := examples[tool]
		if !ok {
			t.Errorf("docs/json.md has no example for %s", tool)
			continue
		}
		for _, args := range runs[tool] {
			stdout, _ := runTool(t, env, false, tool, args...)
			var v any
			dec := json.NewDecoder(strings.NewReader(stdout))
			if err := dec.Decode(&v); err != nil {
				t.Errorf("%s %v: not JSON: %v\n%s", tool, args, err, stdout)
				continue
			}
			if dec.More() {
				t.Errorf("%s %v: more than one JSON value:\n%s", tool, args, stdout)
			}
			got := keyPaths(v)
			best, missing, undocumented := -1, []string(nil), []string(nil)
			for i, ex := range exs {
				want := keyPaths(ex)
				var m, u []string
				for _, k := range want {
					if !strings.Contains(k, ".") && !slices.Contains(got, k) {
						m = append(m, k)
					}
				}
				for _, k := range got {
					if !slices.Contains(want, k) {
						u = append(u, k)
					}
				}
				if best < 0 || len(m)+len(u) < len(missing)+len(undocumented) {
					best, missing, undocumented = i, m, u
				}
			}
			if len(missing)+len(undocumented) > 0 {
				t.Errorf("%s %v: docs/json.md's example lists %v that the output lacks, and the output has %v that it does not document:\n%s",
					tool, args, missing, undocumented, stdout)
			}
		}
	}
}

// docExamples reads the ```json blocks of each "## TOOL" section.
func docExamples(t *testing.T, doc string) map[string][]any {
	t.Helper()
	out := map[string][]any{}
	sections := regexp.MustCompile(`(?m)^## (\S+)\n`).FindAllStringSubmatchIndex(doc, -1)
	block := regexp.MustCompile("(?s)```json\n(.*?)```")
	for i, s := range sections {
		end := len(doc)
		if i+1 < len(sections) {
			end = sections[i+1][0]
		}
		tool := doc[s[2]:s[3]]
		for _, m := range block.FindAllStringSubmatch(doc[s[1]:end], -1) {
			var v any
			if err := json.Unmarshal([]byte(m[1]), &v); err != nil {
				t.Fatalf("docs/json.md: the example of %s is not JSON: %v\n%s", tool, err, m[1])
			}
			out[tool] = append(out[tool], v)
		}
	}
	return out
}

// keyPaths lists the keys of v, nested ones as "repos[].name".
func keyPaths(v any) []string {
	set := map[string]bool{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				p := k
				if prefix != "" {
					p = prefix + "." + k
				}
				set[p] = true
				walk(p, x)
			}
		case []any:
			for _, x := range v {
				walk(prefix+"[]", x)
			}
		}
	}
	walk("", v)
	var out []string
	for k := range set {
		out = append(out, strings.TrimPrefix(k, "[]."))
	}
	sort.Strings(out)
	return out
}
