package artifact

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/sync/semaphore"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/place"
)

// Limits bound what Unpack accepts, so a damaged or hostile artifact
// cannot fill the disk or the inode table. Zero fields take the defaults.
type Limits struct {
	Entries int   // entries in the archive (default 2,000,000)
	Bytes   int64 // file content in all (default 64 GiB)
	Path    int   // bytes of one path or symlink target (default 4096)
}

func (l Limits) withDefaults() Limits {
	if l.Entries <= 0 {
		l.Entries = 2_000_000
	}
	if l.Bytes <= 0 {
		l.Bytes = 64 << 30
	}
	if l.Path <= 0 {
		l.Path = 4096
	}
	return l
}

// How an unpack spends its time and memory: creating files is most of
// it, and the kernel creates several at once, so files up to smallFile
// bytes are read whole and handed, in batches, to writers working in
// parallel, at most inFlight bytes of them at once; bigger files stream
// from the artifact straight into their file. Peak memory stays flat
// whatever the artifact holds.
const (
	smallFile  = 128 << 10
	inFlight   = 4 << 20
	writers    = 4
	batchFiles = 64
	batchBytes = 512 << 10
	copyBuf    = 256 << 10
)

// maxTrailer is how many bytes may follow the tar's end marker (tar
// programs pad to a record of 10240 bytes); they must all be zero.
const maxTrailer = 1 << 20

// Unpack reads an artifact from r into dest, an existing empty folder, so
// that dest holds the release, and returns its tag. It makes only
// folders (0755), regular files (0644 or 0755) and symlinks (as they are,
// never followed). It refuses, with an error wrapping ErrCorrupt, an
// entry outside "<TAG>/", a path that climbs out or passes through a
// symlink or a file, an entry given twice, any other entry type (hard
// links, devices, fifos), more than the limits allow, bytes other than
// zeros after the end, and a release whose DEPLOY_TAG does not name the
// tag. It reads r to its end, so a hash taken over r covers every byte.
// On error dest may hold part of the release: the caller removes it; the
// tag is returned then too once the artifact's first entry named it. A
// failure to write (a full disk) is returned as it is, never as a corrupt
// artifact.
//
// With written non-nil, each regular file's SHA-1 blob id is taken from
// the bytes as they go into the file and recorded there (by its path
// relative to dest), so that a check of the release that follows need
// not read the files again.
func Unpack(r io.Reader, dest string, lim Limits, written *gitobj.Written) (string, error) {
	lim = lim.withDefaults()
	cr := &countReader{r: r}
	tr := tar.NewReader(cr)
	u := &unpacker{dest: dest, dirs: map[string]bool{".": true}, lim: lim, written: written,
		chmod: place.UmaskStrips(), mem: semaphore.NewWeighted(inFlight), buf: make([]byte, copyBuf)}
	u.startWriters()
	var dataEnd int64 // where the last entry's padded data ends
	err := func() error {
		for u.failed() == nil {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return corrupt("reading it: %v", err)
			}
			dataEnd = cr.n + (max(h.Size, 0)+511)/512*512
			if err := u.entry(h, tr); err != nil {
				return err
			}
		}
		return nil
	}()
	// Every writer is done before Unpack returns, whatever happened: the
	// caller may remove dest then.
	if werr := u.stopWriters(); err == nil {
		err = werr
	}
	if err != nil {
		return u.tag, err
	}
	if u.tag == "" {
		return u.tag, corrupt("it holds no release")
	}
	// Go's reader takes a stream that stops between entries for a whole
	// archive; an artifact must have its end marker (two zero blocks).
	if cr.n-dataEnd < 1024 {
		return u.tag, corrupt("it is cut short (no end marker)")
	}
	if err := zeroTrailer(r); err != nil {
		return u.tag, err
	}
	b, err := readRegular(filepath.Join(dest, place.TagFile), 512)
	if err != nil {
		return u.tag, corrupt("it has no DEPLOY_TAG file")
	}
	if string(b) != u.tag+"\n" {
		return u.tag, corrupt("its DEPLOY_TAG says %q, not %s", strings.TrimSpace(string(b)), u.tag)
	}
	return u.tag, nil
}

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

type unpacker struct {
	dest    string
	tag     string
	dirs    map[string]bool // folders made, by path relative to dest
	seen    map[string]bool // every entry, by path relative to dest: true for a folder
	entries int
	bytes   int64
	lim     Limits
	written *gitobj.Written
	chmod   bool // the umask takes bits off 0755: set each file's mode
	buf     []byte
	h       hash.Hash

	jobs       chan []fileJob
	batch      []fileJob
	batchBytes int
	mem        *semaphore.Weighted // bytes read whole, not yet written
	wg         sync.WaitGroup
	mu         sync.Mutex // guards err and written
	err        error      // the first writer's failure
}

// fileJob is one small file to write: its content read whole.
type fileJob struct {
	rel  string // relative to dest
	mode uint32
	data []byte
}

// startWriters starts the writers of small files.
func (u *unpacker) startWriters() {
	u.jobs = make(chan []fileJob, 16)
	for range writers {
		u.wg.Add(1)
		go func() {
			defer u.wg.Done()
			h := sha1.New()
			for batch := range u.jobs {
				for _, j := range batch {
					if u.failed() == nil {
						if err := u.writeSmall(j, h); err != nil {
							u.fail(err)
						}
					}
					u.mem.Release(int64(len(j.data)))
				}
			}
		}()
	}
}

// stopWriters hands over the last batch, waits for every writer to end
// and returns the first failure.
func (u *unpacker) stopWriters() error {
	u.flush()
	close(u.jobs)
	u.wg.Wait()
	return u.failed()
}

func (u *unpacker) failed() error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.err
}

func (u *unpacker) fail(err error) {
	u.mu.Lock()
	if u.err == nil {
		u.err = err
	}
	u.mu.Unlock()
}

// flush hands the batch gathered so far to a writer.
func (u *unpacker) flush() {
	if len(u.batch) > 0 {
		u.jobs <- u.batch
		u.batch, u.batchBytes = nil, 0
	}
}

// writeSmall writes one small file, recording its blob id when asked.
func (u *unpacker) writeSmall(j fileJob, h hash.Hash) error {
	f, err := place.CreateFile(filepath.Join(u.dest, j.rel), j.mode, u.chmod)
	if err != nil {
		return err
	}
	_, err = f.Write(j.data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", filepath.ToSlash(j.rel), err)
	}
	if u.written != nil {
		h.Reset()
		h.Write(gitobj.Prefix(gitobj.TypeBlob, int64(len(j.data))))
		h.Write(j.data)
		u.mu.Lock()
		u.written.Put(j.rel, int64(len(j.data)), h)
		u.mu.Unlock()
	}
	return nil
}

func (u *unpacker) entry(h *tar.Header, body io.Reader) error {
	u.entries++
	if u.entries > u.lim.Entries {
		return corrupt("more than %d entries", u.lim.Entries)
	}
	if len(h.Name) > u.lim.Path || len(h.Linkname) > u.lim.Path {
		return corrupt("entry %.80q... is longer than %d bytes", h.Name, u.lim.Path)
	}
	if u.tag == "" {
		tag := strings.TrimSuffix(h.Name, "/")
		if h.Typeflag != tar.TypeDir || names.ValidTagName(tag) != nil {
			return corrupt("its first entry %q is not the folder of a tag", h.Name)
		}
		u.tag, u.seen = tag, map[string]bool{".": true}
		return nil
	}
	name, ok := strings.CutPrefix(strings.TrimSuffix(h.Name, "/"), u.tag+"/")
	if !ok || name == "" || !filepath.IsLocal(name) || path.Clean(name) != name {
		return corrupt("entry %q is not a path inside the release %s", h.Name, u.tag)
	}
	rel := filepath.FromSlash(name)
	if _, ok := u.seen[rel]; ok {
		return corrupt("entry %q is given twice", h.Name)
	}
	u.seen[rel] = h.Typeflag == tar.TypeDir
	if err := u.mkdirs(filepath.Dir(rel)); err != nil {
		return err
	}
	p := filepath.Join(u.dest, rel)
	switch h.Typeflag {
	case tar.TypeDir:
		return u.mkdirs(rel)
	case tar.TypeReg:
		if h.Size < 0 || h.Size > u.lim.Bytes-u.bytes {
			return corrupt("its files hold more than %d bytes", u.lim.Bytes)
		}
		u.bytes += h.Size
		mode := uint32(0o644)
		if h.Mode&0o111 != 0 {
			mode = 0o755
		}
		if h.Size <= smallFile {
			return u.readSmall(rel, name, mode, h.Size, body)
		}
		u.flush() // the writers work while this file streams
		f, err := place.CreateFile(p, mode, u.chmod)
		if err != nil {
			return err
		}
		w := &fileWriter{f: f}
		var dst io.Writer = w
		if u.written != nil {
			if u.h == nil {
				u.h = sha1.New()
			}
			u.h.Reset()
			u.h.Write(gitobj.Prefix(gitobj.TypeBlob, h.Size))
			dst = io.MultiWriter(w, u.h)
		}
		n, err := io.CopyBuffer(dst, body, u.buf)
		cerr := f.Close()
		switch {
		case w.err != nil:
			return fmt.Errorf("writing %s: %w", name, w.err)
		case err != nil:
			return corrupt("reading %s: %v", name, err)
		case cerr != nil:
			return fmt.Errorf("writing %s: %w", name, cerr)
		}
		if n != h.Size {
			return corrupt("%s is cut short", name)
		}
		if u.written != nil {
			u.mu.Lock()
			u.written.Put(rel, n, u.h)
			u.mu.Unlock()
		}
		return nil
	case tar.TypeSymlink:
		if h.Linkname == "" || strings.ContainsRune(h.Linkname, 0) {
			return corrupt("symlink %s has no target", name)
		}
		return os.Symlink(h.Linkname, p)
	default:
		return corrupt("entry %q has type %q; an artifact holds only folders, files and symlinks", h.Name, h.Typeflag)
	}
}

// readSmall reads a small file whole and batches it for a writer.
func (u *unpacker) readSmall(rel, name string, mode uint32, size int64, body io.Reader) error {
	if !u.mem.TryAcquire(size) {
		// What this reader holds back must not be what it waits for.
		u.flush()
		if err := u.mem.Acquire(context.Background(), size); err != nil {
			return err
		}
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(body, data); err != nil {
		u.mem.Release(size)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return corrupt("%s is cut short", name)
		}
		return corrupt("reading %s: %v", name, err)
	}
	u.batch = append(u.batch, fileJob{rel: rel, mode: mode, data: data})
	if u.batchBytes += len(data); len(u.batch) >= batchFiles || u.batchBytes >= batchBytes {
		u.flush()
	}
	return nil
}

// mkdirs makes each missing folder of rel under dest, refusing to pass
// through anything that is not a folder this unpack made: a file or
// symlink of the artifact (which a writer may not have made yet) or
// anything already there.
func (u *unpacker) mkdirs(rel string) error {
	if u.dirs[rel] {
		return nil
	}
	if isDir, ok := u.seen[rel]; ok && !isDir {
		return corrupt("path %s passes through something that is not a folder", filepath.ToSlash(rel))
	}
	if parent := filepath.Dir(rel); !u.dirs[parent] {
		if err := u.mkdirs(parent); err != nil {
			return err
		}
	}
	p := filepath.Join(u.dest, rel)
	if err := os.Mkdir(p, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return corrupt("path %s passes through something that is not a folder", filepath.ToSlash(rel))
		}
		return err
	}
	if err := os.Chmod(p, 0o755); err != nil {
		return err
	}
	u.dirs[rel] = true
	return nil
}

// fileWriter writes to f and keeps the first write error, so that a
// failure to write (a full disk) is told from a failure to read the
// artifact.
type fileWriter struct {
	f   *place.File
	err error
}

func (w *fileWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// countReader counts the bytes read through it.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// zeroTrailer reads what follows the tar's end marker: at most maxTrailer
// bytes, all zero.
func zeroTrailer(r io.Reader) error {
	buf := make([]byte, 32<<10)
	total := 0
	for {
		n, err := r.Read(buf)
		total += n
		if total > maxTrailer {
			return corrupt("data follows the end of the archive")
		}
		if !bytes.Equal(buf[:n], make([]byte, n)) {
			return corrupt("data follows the end of the archive")
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return corrupt("reading it: %v", err)
		}
	}
}

// readRegular reads at most max bytes of the regular file at p, never
// through a symlink.
func readRegular(p string, max int64) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a file", p)
	}
	return io.ReadAll(io.LimitReader(f, max))
}
