// Package gitattr answers what a tree's own .gitattributes files say of a
// path, as git answers it when it reads them from a tree (git archive,
// git check-attr --cached), with no other source: no $GIT_DIR/info/
// attributes, no core.attributesFile, no system file. So the answer is a
// function of the tree alone, the same on every machine; deploytag uses
// it for export-ignore and export-subst, which its proofs are checked by.
//
// What it keeps of git (attr.c, dir.c, wildmatch.c of git 2.39, tested
// against git check-attr): a file's lines are read up to its first NUL,
// split at LF, blanks are " \t\r\n", a line of 2048 bytes or more is
// ignored; a pattern may be C-quoted ("a b"); a pattern starting with '!'
// (a negative pattern) is ignored, its line with it; an attribute is set
// (name), unset (-name), unspecified (!name) or given a value
// (name=value), and one invalid attribute name drops its line; macros
// ([attr]name ...) are read from the top folder's file only, the last
// definition winning, with the built-in "binary" (-diff -merge -text);
// a folder's file applies to the paths below that folder, a deeper file
// before a shallower one, a later line before an earlier one, the last
// attribute on a line before the ones before it, and a macro set on a
// path sets its attributes at that point; a pattern without '/' matches
// the last element of a path, one with '/' the path below the file's
// folder (with "**" as git has it); a pattern ending in '/' matches only
// a folder, and a folder is asked about as "path/". Case is significant.
package gitattr

import (
	"bytes"
	"fmt"
	"strings"
)

// Value is an attribute's state for a path.
type Value struct {
	State State
	Text  string // the value, for State Valued
}

// State says whether an attribute is set, unset, unspecified or valued.
type State int

// The states of an attribute.
const (
	Unspecified State = iota
	Set
	Unset
	Valued
)

func (v Value) String() string {
	switch v.State {
	case Set:
		return "set"
	case Unset:
		return "unset"
	case Valued:
		return v.Text
	}
	return "unspecified"
}

// MaxFile is the size from which git ignores an attributes file.
const MaxFile = 100 << 20

// maxLine is the length from which git ignores a line.
const maxLine = 2048

const blank = " \t\r\n"

// Pattern flags, as dir.c has them.
const (
	flagNoDir = 1 << iota
	flagEndsWith
	flagMustBeDir
	flagNegative
)

type state struct {
	attr string
	val  Value
}

type rule struct {
	macro string // the macro's name, for an [attr] line
	pat   []byte // the pattern, without a trailing '/'
	flags int
	plain int // the length of the pattern's part before its first wildcard
	sets  []state
}

// File is one parsed .gitattributes file.
type File struct {
	rules []rule
}

// Parse parses the contents of a .gitattributes file; top says whether it
// is the top folder's, the one file whose macro definitions count.
func Parse(data []byte, top bool) *File {
	f := &File{}
	if len(data) >= MaxFile {
		return f
	}
	data = cstr(data)
	for len(data) > 0 {
		line, rest, _ := bytes.Cut(data, []byte{'\n'})
		data = rest
		if r, ok := parseLine(line, top); ok {
			f.rules = append(f.rules, r)
		}
	}
	return f
}

func spn(s []byte, set string) int {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) >= 0 {
		i++
	}
	return i
}

func cspn(s []byte, set string) int {
	i := 0
	for i < len(s) && strings.IndexByte(set, s[i]) < 0 {
		i++
	}
	return i
}

func parseLine(line []byte, top bool) (rule, bool) {
	var r rule
	cp := line[spn(line, blank):]
	if len(cp) == 0 || cp[0] == '#' {
		return r, false
	}
	if len(line) >= maxLine {
		return r, false
	}
	var name, states []byte
	if q, rest, ok := unquoteC(cp); ok {
		name, states = q, rest // may hold a NUL: C sees the pattern up to it
	} else {
		n := cspn(cp, blank)
		name, states = cp[:n], cp[n:]
	}
	const prefix = "[attr]"
	if len(name) > len(prefix) && bytes.HasPrefix(name, []byte(prefix)) {
		if !top {
			return r, false // macros are defined in the top file only
		}
		m := name[len(prefix):]
		m = m[spn(m, blank):]
		m = m[:cspn(m, blank+"\x00")]
		if !validName(m) {
			return r, false
		}
		r.macro = string(m)
	}
	states = states[spn(states, blank):]
	for cp := states; len(cp) > 0; {
		s, rest, ok := parseState(cp)
		if !ok {
			return r, false // one bad name drops the line
		}
		r.sets = append(r.sets, s)
		cp = rest
	}
	if r.macro != "" {
		return r, true
	}
	name = cstr(name)
	p := name
	if len(p) > 0 && p[0] == '!' {
		return r, false // negative patterns are ignored
	}
	if len(p) > 0 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
		r.flags |= flagMustBeDir
	}
	if bytes.IndexByte(p, '/') < 0 {
		r.flags |= flagNoDir
	}
	r.plain = simpleLength(p)
	if len(name) > 0 && name[0] == '*' && simpleLength(name[1:]) == len(name)-1 {
		r.flags |= flagEndsWith
	}
	r.pat = p
	return r, true
}

// simpleLength is the length of s before its first wildcard character.
func simpleLength(s []byte) int {
	for i, c := range s {
		if isGlobSpecial(c) {
			return i
		}
	}
	return len(s)
}

// parseState parses one "attr", "-attr", "!attr" or "attr=value" and the
// blanks after it.
func parseState(cp []byte) (state, []byte, bool) {
	var s state
	ep := cspn(cp, blank)
	n := ep
	eq := bytes.IndexByte(cp, '=')
	if eq >= 0 && eq < ep {
		n = eq
	} else {
		eq = -1
	}
	name := cp[:n]
	switch {
	case len(name) > 0 && name[0] == '-':
		s.val, name = Value{State: Unset}, name[1:]
	case len(name) > 0 && name[0] == '!':
		s.val, name = Value{State: Unspecified}, name[1:]
	case eq < 0:
		s.val = Value{State: Set}
	default:
		s.val = Value{State: Valued, Text: string(cp[eq+1 : ep])}
	}
	if !validName(name) {
		return s, nil, false
	}
	s.attr = string(name)
	rest := cp[ep:]
	return s, rest[spn(rest, blank):], true
}

// validName is git's attr_name_valid: [-._A-Za-z0-9]+, not starting with '-'.
func validName(n []byte) bool {
	if len(n) == 0 || n[0] == '-' {
		return false
	}
	for _, c := range n {
		if !(c == '-' || c == '.' || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			return false
		}
	}
	return true
}

// unquoteC is git's unquote_c_style: s opens with '"'; it returns the
// unquoted bytes and what follows the closing quote.
func unquoteC(s []byte) (out, rest []byte, ok bool) {
	if len(s) == 0 || s[0] != '"' {
		return nil, nil, false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			return out, s[i+1:], true
		case '\\':
			i++
			if i >= len(s) {
				return nil, nil, false
			}
			switch c = s[i]; c {
			case 'a':
				c = '\a'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'v':
				c = '\v'
			case '\\', '"':
			case '0', '1', '2', '3':
				if i+2 >= len(s) || s[i+1] < '0' || s[i+1] > '7' || s[i+2] < '0' || s[i+2] > '7' {
					return nil, nil, false
				}
				c = (c-'0')<<6 | (s[i+1]-'0')<<3 | (s[i+2] - '0')
				i += 2
			default:
				return nil, nil, false
			}
			out = append(out, c)
		case 0:
			return nil, nil, false
		default:
			out = append(out, c)
		}
	}
	return nil, nil, false
}

// Loader returns the contents of the .gitattributes file of the folder
// dir of the tree ("" for the top folder, else "a/b"), and false when it
// has none.
type Loader func(dir string) ([]byte, bool, error)

// Checker answers for one tree. It reads each folder's file once.
type Checker struct {
	load   Loader
	files  map[string]*File
	macros map[string]*rule
}

// builtin is git's built-in macro.
var builtin = Parse([]byte("[attr]binary -diff -merge -text\n"), true)

// New makes a Checker for the tree whose .gitattributes files load reads,
// reading the top one (its macros) now.
func New(load Loader) (*Checker, error) {
	c := &Checker{load: load, files: map[string]*File{}, macros: map[string]*rule{}}
	top, err := c.file("")
	if err != nil {
		return nil, err
	}
	// The last definition wins, and the top file's beat the built-in.
	for _, f := range []*File{top, builtin} {
		if f == nil {
			continue
		}
		for i := len(f.rules) - 1; i >= 0; i-- {
			r := &f.rules[i]
			if r.macro != "" && c.macros[r.macro] == nil {
				c.macros[r.macro] = r
			}
		}
	}
	return c, nil
}

func (c *Checker) file(dir string) (*File, error) {
	if f, ok := c.files[dir]; ok {
		return f, nil
	}
	b, ok, err := c.load(dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", join(dir, ".gitattributes"), err)
	}
	var f *File
	if ok {
		f = Parse(b, dir == "")
	}
	c.files[dir] = f
	return f, nil
}

func join(dir, name string) string {
	if dir == "" {
		return name
	}
	return dir + "/" + name
}

// Check returns every attribute the tree's files give path (a clean
// '/'-separated path below the top; isDir when it names a folder, asked
// about as "path/"), by name; an attribute not in the map is unspecified.
func (c *Checker) Check(path string, isDir bool) (map[string]Value, error) {
	name := []byte(path)
	if isDir {
		name = append(name, '/')
	}
	name = cstr(name)
	lastSlash := -1
	for i := 0; i < len(name); i++ {
		if name[i] == '/' && i+1 < len(name) {
			lastSlash = i
		}
	}
	baseOff, dirLen := 0, 0
	if lastSlash >= 0 {
		baseOff, dirLen = lastSlash+1, lastSlash
	}
	// The folders whose files apply, the top first.
	dirs := []string{""}
	for i := 0; i < dirLen; i++ {
		if name[i] == '/' {
			dirs = append(dirs, string(name[:i]))
		}
	}
	if dirLen > 0 {
		dirs = append(dirs, string(name[:dirLen]))
	}
	vals := map[string]Value{}
	known := map[string]bool{}
	var fill func(sets []state)
	fill = func(sets []state) {
		for i := len(sets) - 1; i >= 0; i-- {
			s := sets[i]
			if known[s.attr] {
				continue
			}
			known[s.attr] = true
			if s.val.State != Unspecified {
				vals[s.attr] = s.val
			}
			if m := c.macros[s.attr]; m != nil && s.val.State == Set {
				fill(m.sets)
			}
		}
	}
	for d := len(dirs) - 1; d >= 0; d-- {
		f, err := c.file(dirs[d])
		if err != nil {
			return nil, err
		}
		if f == nil {
			continue
		}
		for i := len(f.rules) - 1; i >= 0; i-- {
			r := &f.rules[i]
			if r.macro == "" && r.matches(name, baseOff, []byte(dirs[d])) {
				fill(r.sets)
			}
		}
	}
	return vals, nil
}

// Export says whether export-ignore and export-subst are set on path.
func (c *Checker) Export(path string, isDir bool) (ignore, subst bool, err error) {
	v, err := c.Check(path, isDir)
	if err != nil {
		return false, false, err
	}
	return v["export-ignore"].State == Set, v["export-subst"].State == Set, nil
}

// matches is git's path_matches: pathname (with a trailing '/' for a
// folder) against the rule of the file in folder base.
func (r *rule) matches(pathname []byte, baseOff int, base []byte) bool {
	isDir := len(pathname) > 0 && pathname[len(pathname)-1] == '/'
	if r.flags&flagMustBeDir != 0 && !isDir {
		return false
	}
	n := len(pathname)
	if isDir {
		n--
	}
	if r.flags&flagNoDir != 0 {
		return matchBasename(pathname[baseOff:n], r.pat, r.plain, r.flags)
	}
	return matchPathname(pathname[:n], base, r.pat, r.plain)
}

func matchBasename(name, pat []byte, plain, flags int) bool {
	switch {
	case plain == len(pat):
		return bytes.Equal(pat, name)
	case flags&flagEndsWith != 0:
		return len(pat)-1 <= len(name) && bytes.Equal(pat[1:], name[len(name)-(len(pat)-1):])
	}
	return wildmatch(pat, name, false)
}

func matchPathname(path, base, pat []byte, plain int) bool {
	if len(pat) > 0 && pat[0] == '/' {
		pat = pat[1:]
		plain--
	}
	bl := len(base)
	if len(path) < bl+1 || (bl > 0 && path[bl] != '/') || !bytes.Equal(path[:bl], base) {
		return false
	}
	name := path
	if bl > 0 {
		name = path[bl+1:]
	}
	if plain > 0 {
		if plain > len(name) || !bytes.Equal(pat[:plain], name[:plain]) {
			return false
		}
		pat, name = pat[plain:], name[plain:]
		if len(pat) == 0 && len(name) == 0 {
			return true
		}
	}
	return wildmatch(pat, name, true)
}
