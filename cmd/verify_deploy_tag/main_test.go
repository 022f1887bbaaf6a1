package main

import (
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/deploytag/deploytag/internal/releasetest"
	"github.com/deploytag/deploytag/internal/scripttest"
)

func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }

func TestScript(t *testing.T) {
	if scripttest.BinDir() == "" {
		t.Fatal("scripttest.Main was not called from TestMain")
	}
	testscript.Run(t, releasetest.Params("testdata/script"))
}
