package main

import (
	"os"
	"testing"

	"github.com/deploytag/deploytag/internal/scripttest"
)

func TestMain(m *testing.M) { os.Exit(scripttest.Main(m)) }

func TestScript(t *testing.T) { scripttest.Run(t, scripttest.Params("testdata/script")) }
