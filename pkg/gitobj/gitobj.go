// Package gitobj computes and parses git objects in pure Go: blob and tree
// hashes as git computes them (SHA-1 and SHA-256), and the raw commit and
// annotated tag objects "git cat-file" prints, with their signatures split
// from the signed payload. It runs no git and reads no repository, so a
// release can be checked on a host that has neither.
package gitobj

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"sync"
)

// Format is a repository's object format: the hash naming its objects.
type Format string

// The object formats git knows.
const (
	SHA1   Format = "sha1"
	SHA256 Format = "sha256"
)

// ParseFormat checks s names an object format.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case SHA1, SHA256:
		return f, nil
	}
	return "", fmt.Errorf("unknown object format %q (want sha1 or sha256)", s)
}

// Size is the length of the format's hashes in bytes.
func (f Format) Size() int {
	if f == SHA256 {
		return sha256.Size
	}
	return sha1.Size
}

// HexLen is the length of the format's hashes in hex digits.
func (f Format) HexLen() int { return 2 * f.Size() }

// New returns a hasher for the format.
func (f Format) New() hash.Hash {
	if f == SHA256 {
		return sha256.New()
	}
	return sha1.New()
}

// ValidHash checks h is a lower-case hex hash of the format.
func (f Format) ValidHash(h string) error {
	if len(h) != f.HexLen() {
		return fmt.Errorf("%q is not a %s hash (want %d hex digits)", clip(h), f, f.HexLen())
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return fmt.Errorf("%q is not a %s hash (want lower-case hex)", clip(h), f)
		}
	}
	return nil
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

// Object types.
const (
	TypeBlob   = "blob"
	TypeTree   = "tree"
	TypeCommit = "commit"
	TypeTag    = "tag"
)

// Prefix is the "<type> <size>\x00" git puts before an object's content
// when it hashes it.
func Prefix(typ string, size int64) []byte {
	return []byte(typ + " " + strconv.FormatInt(size, 10) + "\x00")
}

// HashBytes returns the hex hash of an object of type typ holding b.
func HashBytes(f Format, typ string, b []byte) string {
	h := f.New()
	h.Write(Prefix(typ, int64(len(b))))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// ErrSize is returned by HashBlob when the stream is not as long as
// announced (a file that changed while it was read).
var ErrSize = errors.New("content is not the announced size")

// HashBlob returns the hex hash of a blob whose content, size bytes long,
// is read from r. It reads r through a small buffer and never holds the
// content; it fails with ErrSize if r ends early or holds more.
func HashBlob(f Format, size int64, r io.Reader) (string, error) {
	return HashBlobTo(f, size, r, nil)
}

// HashBlobTo is HashBlob, also writing every byte read to
// also (when not nil): for a caller that needs a second hash of the same
// bytes in one read.
func HashBlobTo(f Format, size int64, r io.Reader, also io.Writer) (string, error) {
	h := f.New()
	h.Write(Prefix(TypeBlob, size))
	if also == nil {
		return finish(h, h, size, r)
	}
	return finish(h, io.MultiWriter(h, also), size, r)
}

func finish(h hash.Hash, w io.Writer, size int64, r io.Reader) (string, error) {
	bp := bufPool.Get().(*[]byte)
	n, err := io.CopyBuffer(w, io.LimitReader(r, size), *bp)
	bufPool.Put(bp)
	if err != nil {
		return "", err
	}
	if n != size {
		return "", fmt.Errorf("%w: read %d bytes, want %d", ErrSize, n, size)
	}
	var one [1]byte
	if k, _ := io.ReadFull(r, one[:]); k != 0 {
		return "", fmt.Errorf("%w: more than %d bytes", ErrSize, size)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

// cutLine returns the line of b up to its newline (excluded) and the rest;
// ok is false when b holds no newline.
func cutLine(b []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil, false
	}
	return b[:i], b[i+1:], true
}

// Written is what a writer of files learned as it wrote them: each
// regular file's SHA-1 blob id and size, keyed by its path relative to
// the folder written. A check that follows at once may take a file's id
// from here instead of reading the file again; a file whose size differs
// from the one written is read. It is filled by one goroutine, then read
// by any number.
type Written struct {
	m map[string]writtenFile
}

type writtenFile struct {
	size int64
	id   [20]byte
}

// NewWritten returns an empty Written.
func NewWritten() *Written { return &Written{m: map[string]writtenFile{}} }

// Put records the file at rel: size bytes whose SHA-1 blob id is the sum
// of h, a hash that was given Prefix(TypeBlob, size) and then the bytes.
func (w *Written) Put(rel string, size int64, h hash.Hash) {
	if h.Size() != sha1.Size {
		return
	}
	var f writtenFile
	f.size = size
	h.Sum(f.id[:0])
	w.m[rel] = f
}

// Blob returns the SHA-1 blob id of the file at rel if it was written
// with size bytes.
func (w *Written) Blob(rel string, size int64) (string, bool) {
	if w == nil {
		return "", false
	}
	f, ok := w.m[rel]
	if !ok || f.size != size {
		return "", false
	}
	return hex.EncodeToString(f.id[:]), true
}
