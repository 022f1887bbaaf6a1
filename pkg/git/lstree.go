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
// size. An error from fn stops git and is returned.
func (r *Runner) WalkTree(ctx context.Context, dir, commit string, fn func(TreeEntry) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := r.Do(ctx, Call{Dir: dir, Args: LsTreeArgs(commit), Stdout: pw, Timeout: StreamTimeout})
		pw.CloseWithError(err)
		done <- err
	}()
	br := bufio.NewReaderSize(pr, 64<<10)
	var ferr error
	for {
		rec, err := br.ReadSlice(0)
		if errors.Is(err, io.EOF) && len(rec) == 0 {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			ferr = err
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			// A path longer than the buffer: gather it whole.
			more, err := br.ReadBytes(0)
			if err != nil {
				ferr = err
				break
			}
			rec = append(append([]byte(nil), rec...), more...)
		}
		e, err := ParseTreeEntry(rec[:len(rec)-1])
		if err != nil {
			ferr = err
			break
		}
		if err := fn(e); err != nil {
			ferr = err
			break
		}
	}
	if ferr != nil {
		cancel()
		pr.CloseWithError(ferr)
		<-done
		return ferr
	}
	return <-done
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
