// Package e2e holds the scripts that drive several binaries together, for
// the promises of docs/design.md that span the whole suite: no force flag
// ever reaches git, and nothing a user typed reaches git as an option.
package e2e

import (
	"os"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }

func TestScript(t *testing.T) { scripttest.Run(t, scripttest.Params("testdata/script")) }
