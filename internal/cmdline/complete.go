package cmdline

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/tags"
)

// Shell completion asks the tool itself what a word can be, at
// completion time: the bash and zsh scripts internal/docgen writes run
//
//	TOOL --complete-values WORD...
//
// with the words typed after the tool's name, the last one the word
// being completed (maybe empty; bash's "--flag" "=" "value" pieces
// are taken as one --flag=value). It prints on stdout what that word is,
// one line: "flags" (the script offers the flag names it holds), "files",
// "dirs" (the shell lists them), or "values" followed by the values, one
// a line (the shell keeps those matching what was typed); nothing when
// there is nothing to offer. The flags already typed say where to look
// (--basedir, --config, --environment, --root, and their environment
// variables), read as the tool reads them. It never fails: whatever goes
// wrong, it prints what it has (maybe nothing), nothing on stderr, and
// exits 0, within completeTimeout. A word starting ~/ (or --flag=~/) is
// taken in $HOME, as the shell would when the line runs.
const completeFlag = "--complete-values"

// completeTimeout bounds a completion: a shell waits for it.
const completeTimeout = 5 * time.Second

// Kind says what a flag's value or an operand is, for completion.
type Kind int

const (
	NoValues     Kind = iota // free text: nothing to offer
	Files                    // a file (the shell lists them)
	Dirs                     // a folder (the shell lists them)
	Environments             // an environment deploy.toml defines
	Releases                 // a release kept under the environment's root
	Tags                     // a deploy tag of the basedir's repos
	Repos                    // a repo of the basedir
)

// kinds holds what Completes declared, by flag. Flags are declared once,
// as package variables, so it is written before any App runs.
var kinds = map[cli.Flag]Kind{}

// Completes declares that the value of f is of kind k, for completion,
// and returns f. A flag not declared completes files if it takes one
// (TakesFile), else nothing.
func Completes[F cli.Flag](k Kind, f F) F {
	kinds[f] = k
	return f
}

func flagKind(f cli.Flag) Kind {
	if k, ok := kinds[f]; ok {
		return k
	}
	switch f := f.(type) {
	case *cli.StringFlag:
		if f.TakesFile {
			return Files
		}
	case *cli.StringSliceFlag:
		if f.TakesFile {
			return Files
		}
	case *cli.PathFlag:
		return Files
	}
	return NoValues
}

// operandKind is the kind of the operand at index n, from the words of
// the App's ArgsUsage ("TAG [REPO...]"): TAG, FROM and TO are deploy
// tags, REPO a repo, PATH, DIR and BASEDIR folders, FILE a file; the
// last word repeats when it ends in "...".
func operandKind(argsUsage string, n int) Kind {
	words := strings.Fields(argsUsage)
	if len(words) == 0 {
		return NoValues
	}
	if n >= len(words) {
		if !strings.HasSuffix(words[len(words)-1], "...") && !strings.HasSuffix(words[len(words)-1], "...]") {
			return NoValues
		}
		n = len(words) - 1
	}
	switch strings.Trim(words[n], "[].") {
	case "TAG", "FROM", "TO":
		return Tags
	case "REPO":
		return Repos
	case "PATH", "DIR", "BASEDIR":
		return Dirs
	case "FILE":
		return Files
	}
	return NoValues
}

// slot is the word being completed: the flag names, a flag's value or
// an operand, with the flags typed before it as the App reads them.
type slot struct {
	flags bool     // a flag name
	kind  Kind     // else what the value or operand is
	args  []string // the flags typed before it, complete, for context
}

// findSlot reads words (the words typed before the one being completed)
// and cur (that word) against flags, leniently: an unknown flag, or
// --help, is passed over.
func findSlot(flags []cli.Flag, argsUsage string, words []string, cur string) slot {
	byName := map[string]cli.Flag{}
	for _, f := range flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	skip := map[string]bool{}
	for _, f := range []cli.Flag{cli.HelpFlag, cli.VersionFlag} {
		for _, n := range f.Names() {
			skip[n] = true
		}
	}
	var s slot
	var pending cli.Flag // a flag whose value is the next word
	pendingWord := ""
	operands, dashes := 0, false
	lookup := func(w string) (cli.Flag, string, bool) {
		typed, _, hasValue := strings.Cut(w, "=")
		name := strings.TrimPrefix(strings.TrimPrefix(typed, "-"), "-")
		f := byName[name]
		if skip[name] {
			f = nil
		}
		return f, typed, hasValue
	}
	for _, w := range words {
		switch {
		case pending != nil:
			s.args = append(s.args, pendingWord, w)
			pending = nil
		case dashes || w == "-" || !strings.HasPrefix(w, "-"):
			operands++
		case w == "--":
			dashes = true
		default:
			f, _, hasValue := lookup(w)
			switch {
			case f == nil:
			case hasValue || !takesValue(f):
				s.args = append(s.args, w)
			default:
				pending, pendingWord = f, w
			}
		}
	}
	switch {
	case pending != nil:
		s.kind = flagKind(pending)
	case !dashes && strings.HasPrefix(cur, "-") && strings.Contains(cur, "="):
		if f, _, _ := lookup(cur); f != nil && takesValue(f) {
			s.kind = flagKind(f)
		}
	case !dashes && strings.HasPrefix(cur, "-"):
		s.flags = true
	default:
		s.kind = operandKind(argsUsage, operands)
	}
	return s
}

// joinEquals makes bash's pieces of --flag=value ("--flag", "=",
// "value", or "--flag", "=" when the value is still empty) one word.
func joinEquals(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if w == "=" && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "-") && !strings.Contains(out[len(out)-1], "=") {
			out[len(out)-1] += "="
			if i+1 < len(words) {
				out[len(out)-1] += words[i+1]
				i++
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// complete answers TOOL --complete-values WORD... on stdout (see
// completeFlag). app has been set up; prog is the tool's name.
func complete(ctx context.Context, app *cli.App, prog string, words []string, stdout io.Writer) {
	words = joinEquals(words)
	if home := os.Getenv("HOME"); home != "" {
		// The words come as typed: a path starting with ~/ is the
		// shell's to expand, not yet done.
		for i, w := range words {
			if at := strings.Index(w, "~/"); at == 0 || at > 0 && strings.HasPrefix(w, "-") && w[at-1] == '=' {
				words[i] = w[:at] + home + w[at+1:]
			}
		}
	}
	cur := ""
	if len(words) > 0 {
		cur, words = words[len(words)-1], words[:len(words)-1]
	}
	s := findSlot(app.Flags, app.ArgsUsage, words, cur)
	switch {
	case s.flags:
		fmt.Fprintln(stdout, "flags")
		return
	case s.kind == Files:
		fmt.Fprintln(stdout, "files")
		return
	case s.kind == Dirs:
		fmt.Fprintln(stdout, "dirs")
		return
	case s.kind == NoValues:
		return
	}
	ctx, cancel := context.WithTimeout(ctx, completeTimeout)
	defer cancel()
	var values []string
	app.Action = func(c *cli.Context) error {
		var err error
		values, err = valuesOf(c, s.kind)
		return err
	}
	app.Writer, app.ErrWriter = io.Discard, io.Discard
	app.Metadata[givenKey] = map[string]bool{}
	_ = app.RunContext(ctx, append([]string{prog}, s.args...))
	if len(values) == 0 {
		return
	}
	slices.Sort(values)
	fmt.Fprintln(stdout, "values")
	for _, v := range slices.Compact(values) {
		fmt.Fprintln(stdout, v)
	}
}

// valuesOf lists the values of kind where the flags of c say to look.
func valuesOf(c *cli.Context, kind Kind) ([]string, error) {
	if kind == Tags {
		e, err := Setup(c)
		if err != nil {
			return nil, err
		}
		repos, err := e.Repos(nil)
		if err != nil {
			return nil, err
		}
		list, err := tags.List(c.Context, e.Net, tags.ListOptions{Repos: repos, Jobs: e.Jobs})
		var out []string
		for _, t := range list {
			out = append(out, t.Tag)
		}
		return out, err
	}
	e, err := SetupFiles(c)
	if err != nil {
		return nil, err
	}
	switch kind {
	case Environments:
		var out []string
		for name := range e.Config.Environments {
			out = append(out, name)
		}
		return out, nil
	case Repos:
		repos, err := e.Repos(nil)
		var out []string
		for _, r := range repos {
			out = append(out, r.Name)
		}
		return out, err
	case Releases:
		root := RootArg(c)
		if r := Roots(c); len(r) > 0 {
			root = r[len(r)-1]
		}
		if root, err = e.Root(root, c.String("environment")); err != nil {
			return nil, err
		}
		return keptReleases(root)
	}
	return nil, nil
}

// keptReleases names the releases kept under root: the folders of
// releases/ named as tags (not the hidden ones a deploy builds in).
func keptReleases(root string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(root, place.ReleasesDir))
	var out []string
	for _, e := range ents {
		if e.IsDir() && names.ValidTagName(e.Name()) == nil {
			out = append(out, e.Name())
		}
	}
	return out, err
}
