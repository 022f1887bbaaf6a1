package cmdline

import (
	"go/doc/comment"
	"strings"

	"github.com/urfave/cli/v2"
)

// Doc is what --help shows of a tool's man page, the package doc comment
// of its main.go (the one source of the man page, the README's synopsis
// and --help): every usage form, the exit statuses and the examples,
// each a code block of its section, line by line.
type Doc struct {
	Synopsis   []string // "# Synopsis": one form a line, continuation lines indented
	ExitStatus []string // "# Exit status": "N  meaning" lines
	Examples   []string // "# Examples": commands, "# ..." lines saying what the next does
}

// ParseDoc reads the package doc comment of src, the text of a main.go:
// the "//" lines above its package clause.
func ParseDoc(src string) Doc {
	var text strings.Builder
	for _, line := range strings.Split(src, "\n") {
		rest, ok := strings.CutPrefix(line, "//")
		if !ok {
			break
		}
		text.WriteString(strings.TrimPrefix(rest, " ") + "\n")
	}
	var d Doc
	var p comment.Parser
	var section *[]string
	for _, b := range p.Parse(text.String()).Content {
		switch b := b.(type) {
		case *comment.Heading:
			section = nil
			switch strings.ToLower(headingText(b)) {
			case "synopsis":
				section = &d.Synopsis
			case "exit status":
				section = &d.ExitStatus
			case "examples":
				section = &d.Examples
			}
		case *comment.Code:
			if section != nil {
				*section = append(*section, strings.Split(strings.TrimRight(b.Text, "\n"), "\n")...)
			}
		}
	}
	return d
}

func headingText(h *comment.Heading) string {
	var b strings.Builder
	for _, t := range h.Text {
		if p, ok := t.(comment.Plain); ok {
			b.WriteString(string(p))
		}
	}
	return b.String()
}

// docKey keeps a tool's Doc in its App's Metadata, for the help template.
const docKey = "deploytag.doc"

// Document makes app's --help show what src, the tool's main.go, says in
// its doc comment: the usage forms of its Synopsis, then the options,
// then its exit statuses and examples. It returns app.
func Document(app *cli.App, src string) *cli.App {
	if app.Metadata == nil {
		app.Metadata = map[string]any{}
	}
	app.Metadata[docKey] = ParseDoc(src)
	return app
}

// helpTemplate is every tool's --help: urfave/cli's layout (NAME, USAGE,
// VERSION, OPTIONS, which internal/docgen reads back), the usage forms
// from the doc comment, and EXIT STATUS and EXAMPLES after the options.
// An App without a Doc shows its ArgsUsage.
const helpTemplate = `NAME:
   {{template "helpNameTemplate" .}}

USAGE:
{{- with index .Metadata "` + docKey + `"}}{{range .Synopsis}}
   {{.}}{{end}}{{else}}
   {{.HelpName}} [options]{{if .ArgsUsage}} {{.ArgsUsage}}{{end}}{{end}}{{if .Version}}

VERSION:
   {{.Version}}{{end}}

OPTIONS:{{template "visibleFlagTemplate" .}}
{{- with index .Metadata "` + docKey + `"}}{{if .ExitStatus}}

EXIT STATUS:{{range .ExitStatus}}
   {{.}}{{end}}{{end}}{{if .Examples}}

EXAMPLES:{{range .Examples}}
   {{.}}{{end}}{{end}}{{end}}
`
