package git

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// StreamTimeout bounds one long-running local stream (cat-file, ls-tree,
// archive): exporting a large tree on a slow disk takes longer than an
// ordinary call.
const StreamTimeout = 30 * time.Minute

// CatFile is one running "git cat-file --batch": requests go in as
// revisions, answers come back in the same order, each object's contents
// read as a stream so that no object is ever held whole. Request and Next
// may run in two goroutines (one writing, one reading), which keeps git
// busy; each is used by one goroutine at a time.
//
// It lives in the context it was started with: once that ends, git is
// killed and every call blocked on it (a Flush on git's full stdin, a
// Next or Read waiting on its stdout) returns at once, with an error
// saying it was interrupted or timed out. A user whose own failure stops
// it reading git's answers must cancel that context (or Abort): git then
// cannot be left blocked on a full pipe with nobody reading.
type CatFile struct {
	s    *stream
	in   *bufio.Writer
	out  *bufio.Reader
	left int64 // bytes of the current object not yet read, plus its LF
}

// BatchHeader is the header line of one cat-file answer.
type BatchHeader struct {
	Oid, Type string
	Size      int64
	Missing   bool // the revision names no object (or an ambiguous one)
}

// CatFile starts "git cat-file --batch" in dir, for as long as ctx
// lasts (and at most StreamTimeout). Close it when done.
func (r *Runner) CatFile(ctx context.Context, dir string) (*CatFile, error) {
	s, err := r.startStream(ctx, dir, CatFileArgs(), true)
	if err != nil {
		return nil, err
	}
	return &CatFile{s: s, in: bufio.NewWriterSize(s.In, 64<<10), out: bufio.NewReaderSize(s.Out, 64<<10)}, nil
}

// CatFileArgs is the argv of CatFile. git maps pack files into memory a
// window at a time, by default up to 1 GiB each, and keeps up to 96 MiB of
// delta bases: reading every blob of a large repo would count the whole
// pack in the process's resident memory. Smaller windows and caches keep
// it flat (about 40 MiB at most) at little cost to a sequential read.
func CatFileArgs() []string {
	return []string{"-c", "core.packedGitWindowSize=1m", "-c", "core.packedGitLimit=16m",
		"-c", "core.deltaBaseCacheLimit=16m", "cat-file", "--batch"}
}

// Request asks for rev (an object id, or a ref the caller built). It is
// buffered: call Flush before waiting on its answer.
func (c *CatFile) Request(rev string) error {
	if rev == "" || strings.ContainsAny(rev, "\n\r") {
		return fmt.Errorf("cat-file: invalid revision %q", rev)
	}
	_, err := c.in.WriteString(rev + "\n")
	return c.fail(err)
}

// Flush sends the buffered requests to git.
func (c *CatFile) Flush() error { return c.fail(c.in.Flush()) }

// Next reads the header of the next answer, skipping what is left of the
// previous object. The contents follow in Read, Size bytes.
func (c *CatFile) Next() (BatchHeader, error) {
	if c.left > 0 {
		if _, err := c.out.Discard(int(c.left)); err != nil {
			return BatchHeader{}, c.fail(err)
		}
		c.left = 0
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return BatchHeader{}, c.fail(err)
	}
	h, err := ParseBatchHeader(strings.TrimSuffix(line, "\n"))
	if err != nil {
		return BatchHeader{}, err
	}
	if !h.Missing {
		c.left = h.Size + 1
	}
	return h, nil
}

// Read reads the contents of the object whose header Next returned; it
// returns io.EOF at the end of the object.
func (c *CatFile) Read(p []byte) (int, error) {
	if c.left <= 1 {
		if c.left == 1 {
			b, err := c.out.ReadByte()
			if err != nil {
				return 0, c.fail(err)
			}
			if b != '\n' {
				return 0, fmt.Errorf("cat-file in %s: object not followed by a newline", c.s.dir)
			}
			c.left = 0
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left-1 {
		p = p[:c.left-1]
	}
	n, err := c.out.Read(p)
	c.left -= int64(n)
	if err != nil {
		return n, c.fail(err)
	}
	return n, nil
}

// ReadAll reads the rest of the current object; for small objects only.
func (c *CatFile) ReadAll() ([]byte, error) {
	b := make([]byte, max(c.left-1, 0))
	if _, err := io.ReadFull(c, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Object requests rev and reads its answer whole (Flush included): for
// small objects such as tags and commits, when no other request is
// pending.
func (c *CatFile) Object(rev string) (BatchHeader, []byte, error) {
	if err := c.Request(rev); err != nil {
		return BatchHeader{}, nil, err
	}
	if err := c.Flush(); err != nil {
		return BatchHeader{}, nil, err
	}
	h, err := c.Next()
	if err != nil || h.Missing {
		return h, nil, err
	}
	b, err := c.ReadAll()
	return h, b, err
}

// fail turns an I/O error on git's pipes into git's own error: its
// words when it has died saying why, "interrupted" or "timed out" when
// its context has ended.
func (c *CatFile) fail(err error) error { return c.s.fail(err) }

// Close ends the request stream, drops what git still answers, and waits
// for git to exit.
func (c *CatFile) Close() error {
	ferr := c.in.Flush()
	if err := c.s.close(); err != nil {
		return err
	}
	if ferr != nil && !errors.Is(ferr, syscall.EPIPE) {
		return c.fail(ferr)
	}
	return nil
}

// ParseBatchHeader parses one header line of "cat-file --batch":
// "OID TYPE SIZE", or "REV missing" / "REV ambiguous".
func ParseBatchHeader(line string) (BatchHeader, error) {
	if strings.HasSuffix(line, " missing") || strings.HasSuffix(line, " ambiguous") {
		return BatchHeader{Missing: true}, nil
	}
	f := strings.Split(line, " ")
	if len(f) != 3 || !IsOid(f[0]) || f[1] == "" {
		return BatchHeader{}, fmt.Errorf("cat-file: malformed line %q", line)
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil || n < 0 {
		return BatchHeader{}, fmt.Errorf("cat-file: malformed line %q", line)
	}
	return BatchHeader{Oid: f[0], Type: f[1], Size: n}, nil
}
