package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/internal/cmdline"
	"github.com/deploytag/deploytag/internal/scripttest"
)

func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }

func TestScript(t *testing.T) { scripttest.Run(t, scripttest.Params("testdata/script")) }

// TestExitCodes checks that a wrong command line is exit 2 and prints
// nothing on stdout, in-process, before any repo is looked at.
func TestExitCodes(t *testing.T) {
	t.Setenv("DEPLOYTAG_REMOTE", "")
	os.Unsetenv("DEPLOYTAG_REMOTE")
	base := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{}, 2},
		{[]string{"bad tag"}, 2},
		{[]string{"--", "-x"}, 2},
		{[]string{"HEAD"}, 2},
		{[]string{"a..b"}, 2},
		{[]string{"--remote=-x", "v1"}, 2},
		{[]string{"--remote", "a b", "v1"}, 2},
		{[]string{"--jobs", "0", "v1"}, 2},
		{[]string{"--timeout", "0s", "v1"}, 2},
		{[]string{"--timeout", "soon", "v1"}, 2},
		{[]string{"--force", "v1"}, 2},
		{[]string{"v1", "repo-x"}, 1},
	} {
		var stdout, stderr strings.Builder
		args := append([]string{"push_tag", "--basedir", base}, tc.args...)
		code := cmdline.Run(context.Background(), app(), args, strings.NewReader(""), &stdout, &stderr)
		if code != tc.code || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "push_tag: error: ") {
			t.Errorf("push_tag %q: exit %d, stdout %q, stderr %q; want exit %d, empty stdout, one error", tc.args, code, stdout.String(), stderr.String(), tc.code)
		}
	}
}
