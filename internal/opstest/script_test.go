package opstest

import (
	"path/filepath"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/scripttest"
)

// TestScript runs testdata/script/*.txtar in the sealed git world, with
// $EXAMPLES set to the module's examples/ folder.
func TestScript(t *testing.T) {
	root, err := scripttest.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	p := scripttest.Params("testdata/script")
	p.Setup = func(env *testscript.Env) error {
		if err := scripttest.Setup(env); err != nil {
			return err
		}
		env.Setenv("EXAMPLES", filepath.Join(root, "examples"))
		return nil
	}
	testscript.Run(t, p)
}
