package cmdline

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

const sampleMain = `// tool does things.
//
// # Synopsis
//
//	tool [--basedir DIR] ARG
//	tool --jobs N
//	     [--basedir DIR] ARG
//
// # Description
//
// It does.
//
// # Exit status
//
//	0  done
//	1  failed
//	2  a wrong command line
//
// # Examples
//
//	# do it
//	tool x
//	tool --jobs 2 y
package main
`

// --help shows the usage forms, exit statuses and examples of the doc
// comment; an App without one, its ArgsUsage.
func TestHelpShowsDoc(t *testing.T) {
	var out bytes.Buffer
	app := Document(testApp(func(*cli.Context) error { return nil }), sampleMain)
	if code := Run(context.Background(), app, []string{"tool", "--help"}, strings.NewReader(""), &out, &out); code != 0 {
		t.Fatalf("--help: exit %d: %s", code, out.String())
	}
	for _, want := range []string{
		"USAGE:\n   tool [--basedir DIR] ARG\n   tool --jobs N\n        [--basedir DIR] ARG\n\n",
		"\nOPTIONS:\n   --basedir value",
		"\n\nEXIT STATUS:\n   0  done\n   1  failed\n   2  a wrong command line\n\nEXAMPLES:\n   # do it\n   tool x\n   tool --jobs 2 y\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "It does") {
		t.Errorf("--help shows the description:\n%s", out.String())
	}
	out.Reset()
	Run(context.Background(), testApp(func(*cli.Context) error { return nil }), []string{"tool", "--help"}, strings.NewReader(""), &out, &out)
	if !strings.Contains(out.String(), "USAGE:\n   tool [options] ARG\n") || strings.Contains(out.String(), "EXIT STATUS") {
		t.Errorf("--help without a doc:\n%s", out.String())
	}
}
