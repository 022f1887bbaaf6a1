package main

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Help is what a tool's --help says (urfave/cli v2's layout).
type Help struct {
	Name     string   // the tool's name
	Usage    string   // the one-line summary after "NAME - "
	Synopsis string   // the USAGE section, its lines joined, without "[global options]"
	Forms    []string // the usage forms of the USAGE section, each on one line
	Args     []string // the operands of the forms, each once, e.g. "TAG", "[REPO...]"
	Version  string
	Options  []Option
}

// Option is one flag of the OPTIONS section.
type Option struct {
	Names    []string // "--jobs", "-j"
	Value    bool     // takes a value
	Usage    string   // what it does, "(default: ...)" included
	Env      []string // environment variables that set it
	Category string   // the heading it is listed under, if any
}

// Long is the first name with two dashes, else the first name.
func (o Option) Long() string {
	for _, n := range o.Names {
		if strings.HasPrefix(n, "--") {
			return n
		}
	}
	return o.Names[0]
}

var envSuffix = regexp.MustCompile(`\s*\[(\$[A-Za-z_][A-Za-z0-9_]*(?:, \$[A-Za-z_][A-Za-z0-9_]*)*)\]$`)

// ParseHelp reads the output of "TOOL --help".
func ParseHelp(out string) (Help, error) {
	var h Help
	sections := map[string][]string{}
	var order []string
	cur := ""
	for _, line := range strings.Split(strings.ReplaceAll(out, "\r\n", "\n"), "\n") {
		if line != "" && line[0] != ' ' && strings.HasSuffix(line, ":") {
			cur = strings.TrimSuffix(line, ":")
			order = append(order, cur)
			continue
		}
		if cur != "" {
			sections[cur] = append(sections[cur], line)
		}
	}
	name := strings.TrimSpace(strings.Join(sections["NAME"], " "))
	if name == "" {
		return h, fmt.Errorf("no NAME section in the help text")
	}
	h.Name, h.Usage, _ = strings.Cut(name, " - ")
	h.Name, h.Usage = strings.TrimSpace(h.Name), strings.TrimSpace(h.Usage)
	for _, line := range sections["USAGE"] {
		line = strings.Join(strings.Fields(strings.Replace(line, "[global options]", "", 1)), " ")
		switch {
		case line == "":
		case strings.HasPrefix(line, h.Name+" ") || line == h.Name || len(h.Forms) == 0:
			h.Forms = append(h.Forms, line)
		default: // a form's continuation line
			h.Forms[len(h.Forms)-1] += " " + line
		}
	}
	h.Synopsis = strings.Join(h.Forms, " ")
	for _, f := range h.Forms {
		for _, a := range operands(strings.TrimPrefix(f, h.Name)) {
			if !slices.Contains(h.Args, a) {
				h.Args = append(h.Args, a)
			}
		}
	}
	h.Version = strings.TrimSpace(strings.Join(sections["VERSION"], " "))
	for _, sec := range order {
		if sec != "OPTIONS" && !strings.HasSuffix(sec, " OPTIONS") {
			continue
		}
		category := ""
		for _, line := range sections[sec] {
			t := strings.TrimSpace(line)
			switch {
			case t == "":
			case strings.HasPrefix(t, "-"):
				o, err := parseOption(t)
				if err != nil {
					return h, err
				}
				o.Category = category
				h.Options = append(h.Options, o)
			default:
				category = t
			}
		}
	}
	if len(h.Options) == 0 {
		return h, fmt.Errorf("no options in the help text of %s", h.Name)
	}
	return h, nil
}

// repeatSuffix is urfave/cli's mark of a flag that may repeat.
var repeatSuffix = regexp.MustCompile(` \[ (-[-a-z]+) value \]$`)

// parseOption reads "--jobs value, -j value  repos worked on at once (default: 8) [$DEPLOYTAG_JOBS]";
// a flag that may repeat reads "--root value [ --root value ]".
func parseOption(line string) (Option, error) {
	var o Option
	spec, usage, _ := strings.Cut(line, "  ")
	if m := repeatSuffix.FindStringSubmatch(spec); m != nil && strings.HasPrefix(spec, m[1]+" value") {
		spec = strings.TrimSuffix(spec, m[0])
	}
	usage = strings.TrimSpace(usage)
	if m := envSuffix.FindStringSubmatchIndex(usage); m != nil {
		for _, v := range strings.Split(usage[m[2]:m[3]], ", ") {
			o.Env = append(o.Env, strings.TrimPrefix(v, "$"))
		}
		usage = strings.TrimSpace(usage[:m[0]])
	}
	o.Usage = strings.TrimSuffix(usage, " (default: false)")
	for _, n := range strings.Split(spec, ", ") {
		f := strings.Fields(n)
		if len(f) == 0 || !strings.HasPrefix(f[0], "-") || len(f) > 2 {
			return o, fmt.Errorf("cannot read the option line %q", line)
		}
		o.Names = append(o.Names, f[0])
		if len(f) == 2 {
			o.Value = true
		}
	}
	return o, nil
}

// operands returns the operands of a usage form (after the tool's name):
// its words and bracketed groups that do not open with a flag, e.g.
// "TAG" and "[REPO...]" of "[--basedir DIR] [--quiet] TAG [REPO...]", or
// "[BASEDIR | --basedir DIR]".
func operands(form string) []string {
	var out, group []string
	depth, afterFlag := 0, false
	for _, w := range strings.Fields(form) {
		if depth == 0 {
			group = nil
		}
		group = append(group, w)
		depth += strings.Count(w, "[") + strings.Count(w, "(") - strings.Count(w, "]") - strings.Count(w, ")")
		if depth > 0 {
			continue
		}
		depth = 0
		first := strings.TrimLeft(group[0], "[(")
		switch {
		case len(group) == 1 && strings.HasPrefix(w, "-"): // a flag outside brackets: its value follows
			afterFlag = true
			continue
		case len(group) == 1 && afterFlag: // that value (--environment ENV)
		case !strings.HasPrefix(first, "-") && first != "...":
			out = append(out, strings.Join(group, " "))
		}
		afterFlag = false
	}
	return out
}
