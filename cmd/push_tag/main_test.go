package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/scripttest"
	"github.com/deploytag/deploytag/pkg/cliutil"
)

func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }

// TestScript runs the scripts with $GUARD set to the remote guard hook,
// scripts/guard-deploy-tags of this module.
func TestScript(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if scripttest.BinDir() == "" {
		t.Fatal("scripttest.Main was not called from TestMain")
	}
	p := scripttest.Params("testdata/script")
	p.Setup = func(env *testscript.Env) error {
		if err := scripttest.Setup(env); err != nil {
			return err
		}
		env.Setenv("GUARD", filepath.Join(root, "scripts", "guard-deploy-tags"))
		return nil
	}
	testscript.Run(t, p)
}

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
		code := cliutil.Run(context.Background(), app(), args, strings.NewReader(""), &stdout, &stderr)
		if code != tc.code || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "push_tag: error: ") {
			t.Errorf("push_tag %q: exit %d, stdout %q, stderr %q; want exit %d, empty stdout, one error", tc.args, code, stdout.String(), stderr.String(), tc.code)
		}
	}
}
