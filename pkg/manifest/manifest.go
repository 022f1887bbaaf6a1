// Package manifest reads and writes deploy manifests: one line per repo,
// its name and the full hash of the commit deployed.
//
//	tutor-js      f5476fdb225482e195d84828aae9fb4d6b72e91d
//	tutor-server  d969dc1f88eabe71577157884604fddd05a6e497
//
// Parsing is strict and names the offending FILE:LINE. The canonical form,
// "name SP hash LF" per repo in name order, is what a deploy tag's HASH7
// is computed from. The package does no I/O beyond the readers and writers
// it is given.
package manifest

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/deploytag/deploytag/pkg/place"
)

// Entry is one repo of a manifest.
type Entry struct {
	Name   string `json:"name"`
	Commit string `json:"commit"`
}

// Manifest is a set of entries, kept sorted by name.
type Manifest []Entry

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// MaxNameLen is the longest repo name accepted.
const MaxNameLen = 128

// ReservedNames are the names a release holds at its top beside the
// repos' folders (place.TopFiles, the one list): a repo may not take any
// of them, in any case, or its release could never be built.
var ReservedNames = place.TopFiles

// ValidName checks a repo name: [A-Za-z0-9][A-Za-z0-9._-]*, not "." or
// "..", and none of ReservedNames.
func ValidName(name string) error {
	if !nameRE.MatchString(name) || len(name) > MaxNameLen || strings.Contains(name, "..") {
		return fmt.Errorf("invalid repo name %q: use letters, digits and . _ -, starting with a letter or digit", name)
	}
	for _, r := range ReservedNames {
		if strings.EqualFold(name, r) {
			return fmt.Errorf("repo name %q is reserved: a release keeps %s at its top", name, r)
		}
	}
	return nil
}

// ValidCommit checks a full lowercase commit hash of 40 or 64 hex digits.
func ValidCommit(h string) error {
	if len(h) != 40 && len(h) != 64 {
		return fmt.Errorf("invalid commit hash %q: want 40 or 64 lower-case hex digits", h)
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("invalid commit hash %q: want 40 or 64 lower-case hex digits", h)
		}
	}
	return nil
}

// New builds a manifest from entries, checking names and hashes and
// refusing duplicates.
func New(entries ...Entry) (Manifest, error) {
	m := make(Manifest, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for _, e := range entries {
		if err := ValidName(e.Name); err != nil {
			return nil, err
		}
		if err := ValidCommit(e.Commit); err != nil {
			return nil, fmt.Errorf("%w (%s)", err, e.Name)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("repo %q listed twice", e.Name)
		}
		seen[e.Name] = true
		m = append(m, e)
	}
	sort.Slice(m, func(i, j int) bool { return m[i].Name < m[j].Name })
	return m, nil
}

// StdinName is how the manifest read from standard input is named in
// messages ("<stdin>:3: ...").
const StdinName = "<stdin>"

// ReadFile reads and parses the manifest file name, where "-" means
// stdin: the one reader behind every --manifest.
func ReadFile(name string, stdin io.Reader) (Manifest, error) {
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("manifest -: there is no standard input")
		}
		return Parse(stdin, StdinName)
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	defer f.Close()
	return Parse(f, name)
}

// Parse reads a manifest. Blank lines and lines starting with # are
// skipped; any other malformed line, bad name, bad hash or repeated name is
// an error naming file:line.
func Parse(r io.Reader, file string) (Manifest, error) {
	var m Manifest
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		trimmed := strings.TrimLeft(line, " \t")
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		at := fmt.Sprintf("%s:%d", file, n)
		f := strings.Fields(trimmed)
		if len(f) != 2 {
			return nil, fmt.Errorf("malformed manifest line %q: want a repo name and a commit hash (%s)", clip(line), at)
		}
		if err := ValidName(f[0]); err != nil {
			return nil, fmt.Errorf("%w (%s)", err, at)
		}
		if err := ValidCommit(f[1]); err != nil {
			return nil, fmt.Errorf("%w (%s)", err, at)
		}
		if prev, dup := seen[f[0]]; dup {
			return nil, fmt.Errorf("repo %q listed twice, first on line %d (%s)", f[0], prev, at)
		}
		seen[f[0]] = n
		m = append(m, Entry{Name: f[0], Commit: f[1]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading manifest: %w (%s:%d)", err, file, n+1)
	}
	if len(m) == 0 {
		return nil, fmt.Errorf("manifest lists no repos (%s)", file)
	}
	sort.Slice(m, func(i, j int) bool { return m[i].Name < m[j].Name })
	return m, nil
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// Lookup returns the commit listed for name.
func (m Manifest) Lookup(name string) (string, bool) {
	i := sort.Search(len(m), func(i int) bool { return m[i].Name >= name })
	if i < len(m) && m[i].Name == name {
		return m[i].Commit, true
	}
	return "", false
}

// Names returns the repo names in order.
func (m Manifest) Names() []string {
	names := make([]string, len(m))
	for i, e := range m {
		names[i] = e.Name
	}
	return names
}

// Canonical returns "name SP hash LF" for each repo, sorted by name.
func (m Manifest) Canonical() []byte {
	var b bytes.Buffer
	for _, e := range m.sorted() {
		b.WriteString(e.Name)
		b.WriteByte(' ')
		b.WriteString(e.Commit)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Hash returns the hex SHA-256 of the canonical form.
func (m Manifest) Hash() string {
	sum := sha256.Sum256(m.Canonical())
	return hex.EncodeToString(sum[:])
}

// String returns the aligned form: names padded to one column, two spaces,
// then the hash, one repo per line.
func (m Manifest) String() string {
	width := 0
	for _, e := range m {
		width = max(width, len(e.Name))
	}
	var b strings.Builder
	for _, e := range m.sorted() {
		b.WriteString(e.Name)
		b.WriteString(strings.Repeat(" ", width-len(e.Name)+2))
		b.WriteString(e.Commit)
		b.WriteByte('\n')
	}
	return b.String()
}

func (m Manifest) sorted() Manifest {
	if sort.SliceIsSorted(m, func(i, j int) bool { return m[i].Name < m[j].Name }) {
		return m
	}
	c := append(Manifest(nil), m...)
	sort.Slice(c, func(i, j int) bool { return c[i].Name < c[j].Name })
	return c
}

// TagMessage returns the message of a deploy tag: the tag name, a blank
// line, then the aligned manifest of every repo it was applied to.
func TagMessage(tag string, m Manifest) string {
	return tag + "\n\n" + m.String()
}

// ParseTagMessage reads a message written by TagMessage, ignoring any
// signature git appended. It checks that the first line names tag.
func ParseTagMessage(tag, msg, where string) (Manifest, error) {
	if i := strings.Index(msg, "-----BEGIN "); i >= 0 {
		msg = msg[:i]
	}
	first, rest, _ := strings.Cut(msg, "\n")
	if strings.TrimSpace(first) != tag {
		return nil, fmt.Errorf("tag message does not start with the tag name %s (%s)", tag, where)
	}
	rest = strings.TrimPrefix(rest, "\n")
	// Line numbers in errors count from the manifest's first line, which is
	// line 3 of the message.
	m, err := Parse(strings.NewReader(rest), where)
	if err != nil {
		return nil, err
	}
	return m, nil
}
