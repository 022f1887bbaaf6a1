package git

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// ConfigEntry is one variable of a git config file, its key in git's
// canonical form: section and name in lower case, a subsection as
// written ("remote.origin.url", "url.https://h/.insteadof").
type ConfigEntry struct {
	Key   string
	Value string
}

// errConfigUnsure is returned where git's own reading is needed: syntax
// this reader does not take (an error for git too, or a form it leaves to
// git), or an include.
var errConfigUnsure = errors.New("config: left to git")

// ParseConfig reads one config file's text as git does (sections with and
// without a quoted subsection, keys with and without "= value", quotes,
// the escapes \\ \" \n \t \b, a backslash before a newline, comments,
// whitespace inside a value kept as one space per character). It refuses
// what git would refuse and what it leaves to git: the old dotted
// subsection form ("[remote.origin]"), a key without a value, a NUL
// byte, and any
// [include] or [includeIf] section, since what they pull in depends on
// more than the file.
func ParseConfig(data []byte) ([]ConfigEntry, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if bytes.IndexByte(data, 0) >= 0 {
		return nil, errConfigUnsure // git's C strings end there
	}
	p := configParser{data: data}
	var out []ConfigEntry
	section := "" // "name" or "name.sub", "" before the first header
	for {
		c, ok := p.next()
		if !ok {
			return out, nil
		}
		switch {
		case c == '\n' || isConfigSpace(c):
		case c == '#' || c == ';':
			for c != '\n' {
				if c, ok = p.next(); !ok {
					return out, nil
				}
			}
		case c == '[':
			s, err := p.header()
			if err != nil {
				return nil, err
			}
			name, _, _ := strings.Cut(s, ".")
			if name == "include" || name == "includeif" {
				return nil, errConfigUnsure
			}
			section = s
		case isAlpha(c):
			if section == "" {
				return nil, errConfigUnsure
			}
			name, val, err := p.variable(c)
			if err != nil {
				return nil, err
			}
			out = append(out, ConfigEntry{Key: section + "." + name, Value: val})
		default:
			return nil, errConfigUnsure
		}
	}
}

type configParser struct {
	data []byte
	i    int
}

// next returns the next character, "\r\n" read as "\n".
func (p *configParser) next() (byte, bool) {
	if p.i >= len(p.data) {
		return 0, false
	}
	c := p.data[p.i]
	p.i++
	if c == '\r' && p.i < len(p.data) && p.data[p.i] == '\n' {
		p.i++
		c = '\n'
	}
	return c, true
}

// header reads a section header after its "[": `name]` or
// `name "sub"]`, and returns "name" or "name.sub".
func (p *configParser) header() (string, error) {
	var name []byte
	for {
		c, ok := p.next()
		if !ok {
			return "", errConfigUnsure
		}
		switch {
		case c == ']':
			if len(name) == 0 || bytes.IndexByte(name, '.') >= 0 {
				return "", errConfigUnsure // empty, or the old dotted form
			}
			return string(name), nil
		case isConfigSpace(c):
			return p.subsection(string(name))
		case isAlnum(c) || c == '-':
			name = append(name, lower(c))
		default:
			return "", errConfigUnsure
		}
	}
}

// subsection reads ` "sub"]` after a section name and its first space.
func (p *configParser) subsection(name string) (string, error) {
	if name == "" || strings.IndexByte(name, '.') >= 0 {
		return "", errConfigUnsure
	}
	c, ok := p.next()
	for ok && isConfigSpace(c) {
		c, ok = p.next()
	}
	if !ok || c != '"' {
		return "", errConfigUnsure
	}
	var sub []byte
	for {
		c, ok := p.next()
		if !ok || c == '\n' {
			return "", errConfigUnsure
		}
		if c == '"' {
			break
		}
		if c == '\\' {
			if c, ok = p.next(); !ok || c == '\n' {
				return "", errConfigUnsure
			}
		}
		sub = append(sub, c)
	}
	if c, ok := p.next(); !ok || c != ']' {
		return "", errConfigUnsure
	}
	return name + "." + string(sub), nil
}

// variable reads a key whose first character is first, and its value.
func (p *configParser) variable(first byte) (string, string, error) {
	name := []byte{lower(first)}
	var c byte
	ok := true
	for {
		if c, ok = p.next(); !ok || !(isAlnum(c) || c == '-') {
			break
		}
		name = append(name, lower(c))
	}
	for ok && (c == ' ' || c == '\t') { // git's reader skips these two alone here
		c, ok = p.next()
	}
	if !ok || c == '\n' || c == '#' || c == ';' {
		return "", "", errConfigUnsure // no value: "true" to git, left to it
	}
	if c != '=' {
		return "", "", errConfigUnsure
	}
	val, err := p.value()
	return string(name), val, err
}

// value reads a value after its "=", to the end of the line.
func (p *configParser) value() (string, error) {
	var v []byte
	quote, comment, spaces := false, false, 0
	for {
		c, ok := p.next()
		if !ok {
			c = '\n' // the end of the file ends the line
		}
		if c == '\n' {
			if quote {
				return "", errConfigUnsure
			}
			return string(v), nil
		}
		if comment {
			continue
		}
		if isConfigSpace(c) && !quote {
			if len(v) > 0 {
				spaces++
			}
			continue
		}
		if !quote && (c == '#' || c == ';') {
			comment = true
			continue
		}
		for ; spaces > 0; spaces-- {
			v = append(v, ' ')
		}
		switch c {
		case '\\':
			c, ok = p.next()
			switch {
			case !ok:
				return "", errConfigUnsure
			case c == '\n':
				continue
			case c == 't':
				c = '\t'
			case c == 'b':
				c = '\b'
			case c == 'n':
				c = '\n'
			case c == '\\' || c == '"':
			default:
				return "", errConfigUnsure
			}
			v = append(v, c)
		case '"':
			quote = !quote
		default:
			v = append(v, c)
		}
	}
}

// isConfigSpace is git's own isspace (not C's: no \v, no \f), without
// the newline, which ends a line.
func isConfigSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r'
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }
func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// ReadConfig returns every variable git would see in the repo at
// workTree, from the files git reads and in its order (system, global,
// the repo's), for env, the environment the repo's git processes run
// with. ok is false whenever git itself must be asked: settings given on
// a command line or in the environment (GIT_CONFIG_PARAMETERS,
// GIT_CONFIG_COUNT), an include, per-worktree config, a file this reader
// does not take, a repo owned by someone else (git may refuse it), or
// no ".git" to read.
func ReadConfig(env []string, workTree string) (entries []ConfigEntry, ok bool) {
	get := func(k string) (string, bool) {
		for i := len(env) - 1; i >= 0; i-- {
			if v, ok := strings.CutPrefix(env[i], k+"="); ok {
				return v, true
			}
		}
		return "", false
	}
	for _, k := range []string{"GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT", "GIT_CONFIG", "GIT_DIR", "GIT_COMMON_DIR"} {
		if v, set := get(k); set && v != "" {
			return nil, false
		}
	}
	gitDir, common, err := GitDir(workTree)
	if err != nil || !ownedByMe(workTree) || !ownedByMe(gitDir) {
		return nil, false
	}
	var files []string
	switch v, _ := get("GIT_CONFIG_NOSYSTEM"); strings.ToLower(v) {
	case "1", "true", "yes", "on":
	case "", "0", "false", "no", "off":
		sys, set := get("GIT_CONFIG_SYSTEM")
		if !set {
			sys = "/etc/gitconfig"
		}
		files = append(files, sys)
	default:
		return nil, false
	}
	if global, set := get("GIT_CONFIG_GLOBAL"); set {
		files = append(files, global)
	} else {
		home, _ := get("HOME")
		xdg, _ := get("XDG_CONFIG_HOME")
		switch {
		case xdg != "":
			files = append(files, filepath.Join(xdg, "git", "config"))
		case home != "":
			files = append(files, filepath.Join(home, ".config", "git", "config"))
		}
		if home != "" {
			files = append(files, filepath.Join(home, ".gitconfig"))
		}
	}
	files = append(files, filepath.Join(common, "config"))
	for i, f := range files {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if errors.Is(err, os.ErrNotExist) {
			if i == len(files)-1 {
				return nil, false // a repo has its config
			}
			continue
		}
		if err != nil {
			return nil, false
		}
		es, err := ParseConfig(data)
		if err != nil {
			return nil, false
		}
		entries = append(entries, es...)
	}
	for _, e := range entries {
		switch {
		case e.Key == "extensions.worktreeconfig", e.Key == "extensions.refstorage",
			e.Key == "core.repositoryformatversion" && e.Value != "0" && e.Value != "1":
			return nil, false
		}
	}
	return entries, true
}

// ownedByMe reports whether path is owned by the effective user (git's
// safe.directory check passes without any configuration then).
func ownedByMe(path string) bool {
	fi, err := os.Stat(path)
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}
