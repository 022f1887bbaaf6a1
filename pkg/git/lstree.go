package git

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
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
// long after git is done. An error from fn stops git and is returned.
func (r *Runner) WalkTree(ctx context.Context, dir, commit string, fn func(TreeEntry) error) error {
	ctx, cancel := context.WithTimeout(ctx, StreamTimeout)
	defer cancel()
	args := LsTreeArgs(commit)
	cmd := r.command(ctx, Argv(dir, args))
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return &Error{Args: args, Dir: dir, ExitCode: -1, Err: err}
	}
	ferr := walkEntries(bufio.NewReaderSize(out, 64<<10), fn)
	if ferr != nil {
		cancel() // git may be blocked writing: end it
	}
	werr := cmd.Wait()
	if ferr != nil {
		return ferr
	}
	if werr != nil {
		e := &Error{Args: args, Dir: dir, ExitCode: -1, Stderr: stderr.String(), Err: werr}
		var ee *exec.ExitError
		if errors.As(werr, &ee) {
			e.ExitCode = ee.ExitCode()
		}
		if ctx.Err() != nil {
			e.Err = ctx.Err()
		}
		return e
	}
	return nil
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
