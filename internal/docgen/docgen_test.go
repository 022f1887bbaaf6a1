package main

import (
	"slices"
	"strings"
	"testing"
)

const sampleHelp = `NAME:
   push_tag - push a deploy tag to every repo's remote

USAGE:
   push_tag [global options] TAG [REPO...]

VERSION:
   v1.2.3 (commit 86dbc0f)

GLOBAL OPTIONS:
   --basedir value         folder whose sub-folders are the repos (default: ".") [$DEPLOYTAG_BASEDIR]
   --jobs value, -j value  repos worked on at once (default: 8) [$DEPLOYTAG_JOBS, $JOBS]
   --dry-run               say what would be pushed (default: false)
   --root value [ --root value ]  a root; repeatable

   Output

   --json       print one JSON record instead of lines (default: false)
   --help, -h   show help
`

func TestParseHelp(t *testing.T) {
	h, err := ParseHelp(sampleHelp)
	if err != nil {
		t.Fatal(err)
	}
	if h.Name != "push_tag" || h.Usage != "push a deploy tag to every repo's remote" || h.Version != "v1.2.3 (commit 86dbc0f)" {
		t.Errorf("got name %q usage %q version %q", h.Name, h.Usage, h.Version)
	}
	if h.Synopsis != "push_tag TAG [REPO...]" || !slices.Equal(h.Args, []string{"TAG", "[REPO...]"}) {
		t.Errorf("got synopsis %q args %q", h.Synopsis, h.Args)
	}
	want := []Option{
		{Names: []string{"--basedir"}, Value: true, Usage: `folder whose sub-folders are the repos (default: ".")`, Env: []string{"DEPLOYTAG_BASEDIR"}},
		{Names: []string{"--jobs", "-j"}, Value: true, Usage: "repos worked on at once (default: 8)", Env: []string{"DEPLOYTAG_JOBS", "JOBS"}},
		{Names: []string{"--dry-run"}, Usage: "say what would be pushed"},
		{Names: []string{"--root"}, Value: true, Usage: "a root; repeatable"},
		{Names: []string{"--json"}, Usage: "print one JSON record instead of lines", Category: "Output"},
		{Names: []string{"--help", "-h"}, Usage: "show help", Category: "Output"},
	}
	if len(h.Options) != len(want) {
		t.Fatalf("got %d options, want %d: %+v", len(h.Options), len(want), h.Options)
	}
	for i, o := range h.Options {
		w := want[i]
		if !slices.Equal(o.Names, w.Names) || o.Value != w.Value || o.Usage != w.Usage || !slices.Equal(o.Env, w.Env) || o.Category != w.Category {
			t.Errorf("option %d: got %+v, want %+v", i, o, w)
		}
	}
}

func TestParseHelpRejects(t *testing.T) {
	for _, in := range []string{"", "USAGE:\n   x\n", "NAME:\n   x - y\n", "NAME:\n   x - y\n\nGLOBAL OPTIONS:\n   --a b c  d\n"} {
		if _, err := ParseHelp(in); err == nil {
			t.Errorf("ParseHelp(%q) succeeded", in)
		}
	}
}

func TestEsc(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:             `a\eb`,
		"--basedir":       `\-\-basedir`,
		".hidden\n'quote": "\\&.hidden\n\\&'quote",
		"mid. dot":        "mid. dot",
	} {
		if got := esc(in); got != want {
			t.Errorf("esc(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestManUsesDocComment(t *testing.T) {
	h, err := ParseHelp(sampleHelp)
	if err != nil {
		t.Fatal(err)
	}
	d := ParseDoc("push_tag pushes a tag.\n\n# Synopsis\n\n\tpush_tag [--jobs N] TAG [REPO...]\n\n# Description\n\nIt pushes.\n\n# Exit status\n\n0 on success.\n")
	page := Man(h, d, []string{"push_tag", "tag_repos"})
	for _, want := range []string{
		".SH NAME\npush_tag \\- push a deploy tag",
		".SH SYNOPSIS\n.nf\npush_tag [\\-\\-jobs N] TAG [REPO...]\n.fi\n",
		".SH DESCRIPTION\npush_tag pushes a tag.\n.PP\nIt pushes.\n",
		".SH OPTIONS\n", ".SS Output\n", "\\fB\\-\\-jobs\\fR \\fIvalue\\fR, \\fB\\-j\\fR \\fIvalue\\fR\n",
		".SH ENVIRONMENT\n", ".B DEPLOYTAG_JOBS\n",
		".SH EXIT STATUS\n0 on success.\n",
		".SH SEE ALSO\n.BR tag_repos (1) ,\n.BR git (1)\n",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q:\n%s", want, page)
		}
	}
}

// The USAGE section of --help holds every usage form, a form's
// continuation lines indented.
func TestParseHelpForms(t *testing.T) {
	h, err := ParseHelp(`NAME:
   show_deploy_tag - print the deploy tag of a deployed release

USAGE:
   show_deploy_tag [--environment ENV | --root DIR] [--basedir DIR] [--json]
                   [--quiet] [PATH]
   show_deploy_tag --all [--root DIR]... [--json]

OPTIONS:
   --json      print JSON

EXIT STATUS:
   0  the tag is printed
   1  no release is found

EXAMPLES:
   show_deploy_tag --environment production
`)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"show_deploy_tag [--environment ENV | --root DIR] [--basedir DIR] [--json] [--quiet] [PATH]",
		"show_deploy_tag --all [--root DIR]... [--json]"}
	if !slices.Equal(h.Forms, want) || !slices.Equal(h.Args, []string{"[PATH]"}) || len(h.Options) != 1 {
		t.Errorf("got forms %q, args %q, options %+v", h.Forms, h.Args, h.Options)
	}
}

func TestOperands(t *testing.T) {
	for form, want := range map[string][]string{
		" [--basedir DIR] [--quiet] TAG [REPO...]":                                    {"TAG", "[REPO...]"},
		" --environment ENV [--tag TAG] --artifact FILE|- [--no-push] ...":            nil,
		" (--switch TAG | --rollback) [--root DIR] [--keep N] ...":                    nil,
		" [--jobs N] [BASEDIR | --basedir DIR]":                                       {"[BASEDIR | --basedir DIR]"},
		" --diff [--log] [--json] FROM TO":                                            {"FROM", "TO"},
		" (--environment ENV | --root DIR) [--signed [--allowed-signers FILE]] [TAG]": {"[TAG]"},
	} {
		if got := operands(form); !slices.Equal(got, want) {
			t.Errorf("operands(%q) = %q, want %q", form, got, want)
		}
	}
}
