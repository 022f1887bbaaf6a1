package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/scripttest"
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
