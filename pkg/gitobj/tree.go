package gitobj

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Mode is a tree entry's mode as git writes it in a tree object.
type Mode string

// The modes git records.
const (
	ModeFile    Mode = "100644"
	ModeExec    Mode = "100755"
	ModeSymlink Mode = "120000"
	ModeTree    Mode = "40000"
	ModeGitlink Mode = "160000"
)

// ParseMode accepts a mode as git prints it: in a tree object ("40000")
// or in ls-tree output ("040000").
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.TrimPrefix(s, "0")); m {
	case ModeFile, ModeExec, ModeSymlink, ModeTree, ModeGitlink:
		return m, nil
	}
	return "", fmt.Errorf("unknown tree entry mode %q", s)
}

// String is the mode as ls-tree prints it (six digits).
func (m Mode) String() string {
	if m == ModeTree {
		return "040000"
	}
	return string(m)
}

// IsTree reports whether the entry is a folder (a gitlink is not).
func (m Mode) IsTree() bool { return m == ModeTree }

// Entry is one entry of a tree.
type Entry struct {
	Name string
	Mode Mode
	Hash string // hex
}

// sortKey is the name git compares: folders compare as "name/".
func (e Entry) sortKey() string {
	if e.Mode.IsTree() {
		return e.Name + "/"
	}
	return e.Name
}

// Less reports whether a sorts before b in a git tree.
func Less(a, b Entry) bool { return a.sortKey() < b.sortKey() }

// Sort puts entries in git's tree order.
func Sort(entries []Entry) {
	sort.Slice(entries, func(i, j int) bool { return Less(entries[i], entries[j]) })
}

// TreeBytes is the raw content of the tree object holding entries, which
// must be in git's order (see Sort), with names unique, non-empty and
// free of "/" and NUL, and hashes of the format.
func TreeBytes(f Format, entries []Entry) ([]byte, error) {
	var b bytes.Buffer
	for i, e := range entries {
		if e.Name == "" || e.Name == "." || e.Name == ".." || strings.ContainsAny(e.Name, "/\x00") {
			return nil, fmt.Errorf("tree entry name %q is not allowed", e.Name)
		}
		if _, err := ParseMode(string(e.Mode)); err != nil {
			return nil, err
		}
		if i > 0 && !Less(entries[i-1], e) {
			if entries[i-1].Name == e.Name {
				return nil, fmt.Errorf("tree entry %q twice", e.Name)
			}
			return nil, fmt.Errorf("tree entries %q and %q out of order", entries[i-1].Name, e.Name)
		}
		if err := f.ValidHash(e.Hash); err != nil {
			return nil, fmt.Errorf("tree entry %q: %w", e.Name, err)
		}
		raw, _ := hex.DecodeString(e.Hash)
		b.WriteString(string(e.Mode))
		b.WriteByte(' ')
		b.WriteString(e.Name)
		b.WriteByte(0)
		b.Write(raw)
	}
	return b.Bytes(), nil
}

// HashTree returns the hash of the tree object holding entries (see
// TreeBytes for what entries must be).
func HashTree(f Format, entries []Entry) (string, error) {
	b, err := TreeBytes(f, entries)
	if err != nil {
		return "", err
	}
	return HashBytes(f, TypeTree, b), nil
}

// ParseTree parses the raw content of a tree object.
func ParseTree(f Format, b []byte) ([]Entry, error) {
	var out []Entry
	n := f.Size()
	for len(b) > 0 {
		sp := bytes.IndexByte(b, ' ')
		if sp < 0 {
			return nil, fmt.Errorf("malformed tree object: entry %d has no mode", len(out))
		}
		mode, err := ParseMode(string(b[:sp]))
		if err != nil || string(b[:sp]) != string(mode) {
			return nil, fmt.Errorf("malformed tree object: entry %d has mode %q", len(out), b[:sp])
		}
		b = b[sp+1:]
		nul := bytes.IndexByte(b, 0)
		if nul <= 0 {
			return nil, fmt.Errorf("malformed tree object: entry %d has no name", len(out))
		}
		name := string(b[:nul])
		if name == "." || name == ".." || strings.Contains(name, "/") {
			// A name that could climb out of, or into another, folder of
			// the release is never taken from a tree (as TreeBytes refuses
			// to write one).
			return nil, fmt.Errorf("malformed tree object: entry name %q is not allowed", name)
		}
		b = b[nul+1:]
		if len(b) < n {
			return nil, fmt.Errorf("malformed tree object: entry %q is cut short", name)
		}
		out = append(out, Entry{Name: name, Mode: mode, Hash: hex.EncodeToString(b[:n])})
		b = b[n:]
	}
	for i := 1; i < len(out); i++ {
		if !Less(out[i-1], out[i]) {
			return nil, fmt.Errorf("malformed tree object: entries %q and %q out of order", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}
