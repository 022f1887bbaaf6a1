package opstest

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

// recordTools print a record (a tag, a deploy, a report, a manifest, a
// list), so they take --json (issue 8).
var recordTools = []string{"create_deploy_tag", "deploy", "show_deploy_tag", "verify_deploy_tag", "deploy_manifest", "list_deploy_tags"}

// TestCommonFlags checks the flags every tool shares: --help, --version
// and --quiet (warnings and progress off, DEPLOYTAG_QUIET), and --json on
// every tool whose output is a record.
func TestCommonFlags(t *testing.T) {
	ents, err := os.ReadDir(scripttest.BinDir())
	if err != nil {
		t.Fatal(err)
	}
	flagRE := regexp.MustCompile(`(?m)^\s+(--[a-z][a-z0-9-]*)`)
	if len(ents) < 3 {
		t.Fatalf("only %d tools built in %s", len(ents), scripttest.BinDir())
	}
	for _, e := range ents {
		tool := e.Name()
		stdout, stderr := runTool(t, nil, false, tool, "--help")
		if stderr != "" {
			t.Errorf("%s --help wrote to stderr: %q", tool, stderr)
		}
		flags := map[string]bool{}
		for _, m := range flagRE.FindAllStringSubmatch(stdout, -1) {
			flags[m[1]] = true
		}
		want := []string{"--help", "--version", "--quiet"}
		for _, r := range recordTools {
			if r == tool {
				want = append(want, "--json")
			}
		}
		for _, f := range want {
			if !flags[f] {
				t.Errorf("%s has no %s flag", tool, f)
			}
		}
		if !strings.Contains(stdout, "[$DEPLOYTAG_QUIET]") {
			t.Errorf("%s --quiet is not set by DEPLOYTAG_QUIET", tool)
		}
	}
}
