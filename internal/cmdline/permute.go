package cmdline

import (
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"
)

// A command line as git reads one: flags may come anywhere before "--",
// before, between or after the operands (push_tag TAG --remote origin).
// urfave/cli v2 stops reading flags at the first operand, so Run puts
// the flags first before the App sees the command line (permute), once
// for every tool. What takes a value is read from the App's own flag
// definitions, so a flag a tool declares is placed right without more
// code.
//
//   - "--" ends the flags: every word after it is an operand, even one
//     starting with a dash (then refused by the operand's grammar, as
//     any bad operand is).
//   - "-" alone is an operand (stdin), never a flag.
//   - A flag that takes a value takes the next word whatever it looks
//     like (--keep -1, --remote --json), as Go's flag package and git do;
//     or its value follows "=" (--remote=origin). A boolean flag takes no
//     next word (--json TAG: TAG is an operand), only "=" (--json=false).
//   - A flag may be spelled with one dash or two (Go's flag package
//     takes both); repeated flags keep their order.
//   - No tool takes an operand that is a number, so a word such as -1 is
//     an operand only as a flag's value; elsewhere it is an unknown flag.
//   - An unknown flag is a usage error that quotes it as typed
//     (--bogus, not -bogus), and so is a flag missing its value.

// cmdLine is a command line once permuted.
type cmdLine struct {
	args  []string        // the program, the flags in their order, then "--" and the operands
	given map[string]bool // the flags given, by their first name
}

// permute reads args (the program, then its arguments) against flags
// (the App's, help and version included) and returns them with every
// flag before the operands.
func permute(flags []cli.Flag, args []string) (cmdLine, error) {
	byName := map[string]cli.Flag{}
	for _, f := range flags {
		for _, n := range f.Names() {
			byName[n] = f
		}
	}
	l := cmdLine{given: map[string]bool{}}
	if len(args) == 0 {
		return l, nil
	}
	l.args = []string{args[0]}
	var operands []string
	rest := args[1:]
	for i := 0; i < len(rest); i++ {
		a := rest[i]
		if a == "--" {
			operands = append(operands, rest[i+1:]...)
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			operands = append(operands, a)
			continue
		}
		typed, _, hasValue := strings.Cut(a, "=")
		name := strings.TrimPrefix(strings.TrimPrefix(typed, "-"), "-")
		if name == "" || strings.HasPrefix(name, "-") {
			return l, Usagef("bad flag syntax: %s", a)
		}
		f, ok := byName[name]
		if !ok {
			return l, Usagef("unknown flag %s", typed)
		}
		l.given[f.Names()[0]] = true
		l.args = append(l.args, a)
		if hasValue || !takesValue(f) {
			continue
		}
		if i+1 == len(rest) {
			return l, Usagef("flag %s needs a value", typed)
		}
		i++
		l.args = append(l.args, rest[i])
	}
	if len(operands) > 0 {
		l.args = append(append(l.args, "--"), operands...)
	}
	return l, nil
}

// takesValue reports whether f reads the word after it (every flag but a
// boolean one).
func takesValue(f cli.Flag) bool {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.TakesValue()
	}
	return true
}

// goFlagName finds the flag names Go's flag package quotes with one dash
// in its messages ("invalid value "x" for flag -jobs: ...").
var goFlagName = regexp.MustCompile(`(^|[ :])-([a-z0-9][a-z0-9-]+)\b`)

// flagNamesAsTyped rewrites the one-dash long flag names of a message of
// Go's flag package as operators type them, with two dashes.
func flagNamesAsTyped(msg string) string {
	return goFlagName.ReplaceAllString(msg, "$1--$2")
}
