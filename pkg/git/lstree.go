package git

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// TreeEntry is one line of "git ls-tree -z": mode, type, object and path.
type TreeEntry struct {
	Mode string // "100644", "100755", "120000", "040000", "160000"
	Type string // "blob", "tree" or "commit"
	Oid  string
	Path string // '/'-separated, relative to the top of the tree
}

// LsTreeArgs lists every entry of commit's tree, folders included and
// before what they hold, recursively, NUL-terminated.
func LsTreeArgs(commit string) []string {
	return []string{"ls-tree", "-r", "-t", "-z", "--full-tree", "--end-of-options", commit}
}

// WalkTree streams the entries of commit's tree (LsTreeArgs) to fn as git
// lists them, holding none of them: memory stays flat whatever the tree's
// size. git writes into a pipe fn's caller reads at its own pace, however
// long after git is done. An error from fn stops git and is returned; so
// does the end of ctx, even while fn or git is blocked. git is always
// waited for.
func (r *Runner) WalkTree(ctx context.Context, dir, commit string, fn func(TreeEntry) error) error {
	s, err := r.startStream(ctx, dir, LsTreeArgs(commit), false)
	if err != nil {
		return err
	}
	var fnErr error
	rerr := walkEntries(bufio.NewReaderSize(s.Out, 64<<10), func(e TreeEntry) error {
		fnErr = fn(e)
		return fnErr
	})
	switch {
	case fnErr != nil:
		s.abort() // git may be blocked writing: end it
		return fnErr
	case rerr != nil:
		// The pipe was cut (the context ended: fail says so), git died
		// mid-entry (its stderr says why) or wrote what is no entry.
		s.abort()
		return s.fail(rerr)
	}
	return s.wait()
}

// walkEntries reads NUL-terminated ls-tree records from br until EOF.
func walkEntries(br *bufio.Reader, fn func(TreeEntry) error) error {
	for {
		rec, err := br.ReadSlice(0)
		if errors.Is(err, io.EOF) && len(rec) == 0 {
			return nil
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			// A path longer than the buffer: gather it whole.
			more, err2 := br.ReadBytes(0)
			rec, err = append(append([]byte(nil), rec...), more...), err2
		}
		if err != nil {
			return fmt.Errorf("ls-tree: %w", err)
		}
		e, err := ParseTreeEntry(rec[:len(rec)-1])
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// ParseTreeEntry parses one record of "ls-tree -z" (without its NUL):
// "MODE SP TYPE SP OID TAB PATH".
func ParseTreeEntry(rec []byte) (TreeEntry, error) {
	meta, path, ok := strings.Cut(string(rec), "\t")
	f := strings.Split(meta, " ")
	if !ok || len(f) != 3 || path == "" || !IsOid(f[2]) || len(f[0]) != 6 {
		return TreeEntry{}, fmt.Errorf("ls-tree: malformed entry %q", rec)
	}
	return TreeEntry{Mode: f[0], Type: f[1], Oid: f[2], Path: path}, nil
}
