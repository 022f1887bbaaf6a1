package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"golang.org/x/sync/semaphore"

	"github.com/deploytag/deploytag/pkg/git"
	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/network"
	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/versionwarn"
)

// How the export spends memory: blobs up to smallBlob bytes are read whole
// and handed to writers working in parallel, at most inFlight bytes of them
// at once; bigger blobs stream straight from git into their file. So peak
// memory stays flat whatever the sizes of the repo and its files.
const (
	smallBlob   = 128 << 10
	inFlight    = 8 << 20
	writers     = 4
	maxSymlink  = 4096
	copyBufSize = 256 << 10
)

// treeExport writes one tree (a repo's, or a submodule's at its recorded
// commit) into a folder, streaming its blobs from one "git cat-file
// --batch" and writing files in parallel.
type treeExport struct {
	g      *network.Client
	dir    string // where git runs (a work tree or a git dir)
	commit string
	dest   string // the folder, which exists
	tree   string // the commit's tree, whose tree objects go into the proof
	proof  proofDest
	prefix string // this tree's path in the repo's folder, "" or "lib/a/"
	cf     *git.CatFile
	// stop cancels the context cf lives in, that of run: on a failure
	// anywhere in run, git is killed, so neither side of its pipes is
	// left waiting on the other.
	stop   context.CancelCauseFunc
	lfsDir string // <git dir>/lfs/objects
	attrs  *exportAttrs
	rec    *repoRecord

	tagPrefix string            // the deploy tag's prefix, for hints
	chmod     bool              // the umask takes bits off 0755: set each file's mode
	pr        progress.Reporter // told of each file written

	known map[string]bool // folders made, relative to dest ("." is dest)
	links []git.TreeEntry // gitlinks met, filled once the tree is written
}

// proofDest is where a repo's proof objects go.
type proofDest struct {
	release, repo string
	format        gitobj.Format
}

// repoRecord gathers what one repo's export records and every problem
// found, so that all of them are named at once.
type repoRecord struct {
	mu       sync.Mutex
	record   proof.Record
	objects  map[string][]byte
	problems []string // LFS objects or submodule commits that cannot be had
	warnings []string
}

func (r *repoRecord) problem(format string, args ...any) {
	r.mu.Lock()
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// blobJob is one blob to write, its contents read whole (data) or, for a
// big blob, nil: the reader streams it itself.
type blobJob struct {
	e    git.TreeEntry
	data []byte
}

// run writes the tree. ctx is the context t.cf lives in, which t.stop
// cancels: the first failure ends every goroutine of run and git with
// them.
func (t *treeExport) run(ctx context.Context) error {
	t.known = map[string]bool{".": true}

	pending := make(chan git.TreeEntry, 256)
	jobs := make(chan []blobJob, 64)
	mem := semaphore.NewWeighted(inFlight)

	var wg sync.WaitGroup
	var errMu sync.Mutex
	var firstErr error
	fail := func(err error) {
		errMu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		errMu.Unlock()
		t.stop(err)
	}
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for batch := range jobs {
				for _, j := range batch {
					if ctx.Err() == nil {
						if err := t.writeSmall(ctx, j); err != nil {
							fail(err)
						} else if j.e.Type == "blob" {
							progress.Files(t.pr, 1)
						}
					}
					mem.Release(min(int64(len(j.data)), inFlight))
				}
			}
		}()
	}

	// The walker lists the tree, makes folders and asks git for each blob.
	walkDone := make(chan struct{})
	go func() {
		defer close(walkDone)
		defer close(pending)
		n := 0
		root := git.TreeEntry{Mode: "040000", Type: "tree", Oid: t.tree}
		err := t.request(ctx, root, pending, &n)
		if err == nil {
			err = t.g.WalkTree(ctx, t.dir, t.commit, func(e git.TreeEntry) error {
				queue, err := t.visit(e)
				if err != nil || !queue {
					return err
				}
				return t.request(ctx, e, pending, &n)
			})
		}
		if err == nil {
			err = t.cf.Flush()
		}
		if err != nil {
			fail(err)
		}
	}()

	// The reader takes git's answers in order and hands small blobs to the
	// writers in batches (one hand-over per batch, not per file).
	r := &blobReader{t: t, jobs: jobs, mem: mem, buf: make([]byte, copyBufSize)}
	for e := range pending {
		if ctx.Err() != nil {
			// git is killed: the walker's next request fails, and
			// what it has queued is dropped here until it ends.
			continue
		}
		if err := r.read(ctx, e); err != nil {
			fail(err)
		}
	}
	r.flush()
	<-walkDone
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// request asks git for e's object and queues e for the reader, sending
// the buffered requests first whenever the reader may be waiting on them.
func (t *treeExport) request(ctx context.Context, e git.TreeEntry, pending chan<- git.TreeEntry, n *int) error {
	if err := t.cf.Request(e.Oid); err != nil {
		return err
	}
	if *n++; *n%64 == 0 {
		if err := t.cf.Flush(); err != nil {
			return err
		}
	}
	select {
	case pending <- e:
		return nil
	default:
	}
	if err := t.cf.Flush(); err != nil {
		return err
	}
	select {
	case pending <- e:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// blobReader reads git's answers and batches the blobs read whole.
type blobReader struct {
	t          *treeExport
	jobs       chan<- []blobJob
	mem        *semaphore.Weighted
	buf        []byte
	batch      []blobJob
	batchBytes int
}

// Batches go to the writers at this many files or bytes.
const (
	batchFiles = 64
	batchBytes = 512 << 10
)

func (r *blobReader) flush() {
	if len(r.batch) > 0 {
		r.jobs <- r.batch
		r.batch, r.batchBytes = nil, 0
	}
}

// read reads the answer for e and writes it, or batches it for a writer.
func (r *blobReader) read(ctx context.Context, e git.TreeEntry) error {
	t := r.t
	h, err := t.cf.Next()
	if err != nil {
		return err
	}
	if h.Missing || h.Oid != e.Oid || h.Type != e.Type {
		return fmt.Errorf("object %s of %s is missing or not a %s", e.Oid, t.prefix+e.Path, e.Type)
	}
	whole := e.Type == "tree" || h.Size <= smallBlob || e.Mode == "120000" || t.attrs.subst(t.prefix+e.Path)
	if !whole {
		r.flush() // the writers work while this one streams
		if err := t.writeFile(e.Path, e.Mode, t.cf, r.buf); err != nil {
			return err
		}
		progress.Files(t.pr, 1)
		return nil
	}
	if e.Mode == "120000" && h.Size > maxSymlink {
		return fmt.Errorf("symlink %s: target of %d bytes", t.prefix+e.Path, h.Size)
	}
	n := min(h.Size, inFlight)
	if !r.mem.TryAcquire(n) {
		// What this reader holds back must not be what it waits for.
		r.flush()
		if err := r.mem.Acquire(ctx, n); err != nil {
			return context.Cause(ctx)
		}
	}
	data, err := t.cf.ReadAll()
	if err != nil {
		r.mem.Release(n)
		return err
	}
	if full := t.prefix + e.Path; e.Type == "blob" && t.attrs.subst(full) {
		// here, in the tree's order, as git archive meets the files
		if err := t.attrs.reserve(full, data); err != nil {
			r.mem.Release(n)
			return fmt.Errorf("export-subst of %s: %w", full, err)
		}
	}
	r.batch = append(r.batch, blobJob{e: e, data: data})
	if r.batchBytes += len(data); len(r.batch) >= batchFiles || r.batchBytes >= batchBytes {
		r.flush()
	}
	return nil
}

// visit decides what to do with one tree entry: it records and skips what
// export-ignore leaves out, makes the folder of a gitlink (filled later),
// and makes the folders above a blob, which it then returns to be queued.
func (t *treeExport) visit(e git.TreeEntry) (queue bool, err error) {
	if !safePath(e.Path) {
		return false, fmt.Errorf("tree entry %q is not a plain path inside the repo", t.prefix+e.Path)
	}
	full := t.prefix + e.Path
	if t.attrs.skipped(full) {
		return false, nil
	}
	if t.attrs.ignore(full, e) {
		return false, nil
	}
	switch e.Mode {
	case "040000":
		// The folder is made when a file needs it (git has no empty
		// folders); its tree object goes into the proof.
		return true, nil
	case "160000":
		if err := t.mkdirs(e.Path); err != nil {
			return false, err
		}
		t.links = append(t.links, e)
		return false, nil
	case "100644", "100755", "120000":
		return true, t.mkdirs(path.Dir(e.Path))
	}
	return false, fmt.Errorf("tree entry %s has mode %s, which a release cannot hold", full, e.Mode)
}

// safePath reports whether p is a clean relative path with no "." or ".."
// element.
func safePath(p string) bool {
	return p != "" && path.Clean(p) == p && filepath.IsLocal(p) && !strings.HasPrefix(p, "../") &&
		!strings.Contains(p, "\x00")
}

// mkdirs makes rel and each missing folder above it under dest. Each is
// made new (never an existing entry), so no path ever passes through a
// symlink.
func (t *treeExport) mkdirs(rel string) error {
	if t.known[rel] {
		return nil
	}
	if err := t.mkdirs(path.Dir(rel)); err != nil {
		return err
	}
	p := filepath.Join(t.dest, filepath.FromSlash(rel))
	if err := os.Mkdir(p, 0o755); err != nil {
		return fmt.Errorf("making folder %s: %w", t.prefix+rel, err)
	}
	if err := os.Chmod(p, 0o755); err != nil { // past the umask
		return err
	}
	t.known[rel] = true
	return nil
}

// writeSmall writes a blob read whole: a symlink, a Git LFS pointer's
// object, an export-subst expansion or a plain file.
func (t *treeExport) writeSmall(ctx context.Context, j blobJob) error {
	full := t.prefix + j.e.Path
	p := filepath.Join(t.dest, filepath.FromSlash(j.e.Path))
	if t.prefix == "" && j.e.Mode != "120000" && slices.Contains(versionwarn.Files, j.e.Path) {
		if w := versionwarn.Check(j.e.Path, j.data, t.tagPrefix); w != "" {
			t.rec.mu.Lock()
			t.rec.warnings = append(t.rec.warnings, w)
			t.rec.mu.Unlock()
		}
	}
	switch {
	case j.e.Type == "tree":
		_, err := proof.AddObject(t.proof.release, t.proof.repo, t.proof.format, gitobj.TypeTree, j.data)
		return err
	case j.e.Mode == "120000":
		if bytes.IndexByte(j.data, 0) >= 0 || len(j.data) == 0 {
			return fmt.Errorf("symlink %s: target %q cannot be made", full, j.data)
		}
		return os.Symlink(string(j.data), p)
	case t.attrs.subst(full):
		out, err := t.attrs.expand(ctx, t.g.Runner, t.dir, full, j.e, j.data, t.proof)
		if err != nil {
			return fmt.Errorf("export-subst of %s: %w", full, err)
		}
		return writeBytes(p, j.e.Mode, out, t.chmod)
	}
	if ptr, ok := parseLFSPointer(j.data); ok {
		t.rec.mu.Lock()
		t.rec.record.LFS = append(t.rec.record.LFS, proof.LFSFile{Path: full, Pointer: string(j.data)})
		t.rec.mu.Unlock()
		return t.writeLFS(full, p, j.e.Mode, ptr)
	}
	return writeBytes(p, j.e.Mode, j.data, t.chmod)
}

// writeFile streams r into a new file at rel with the mode git records.
func (t *treeExport) writeFile(rel, mode string, r io.Reader, buf []byte) error {
	f, err := create(filepath.Join(t.dest, filepath.FromSlash(rel)), mode, t.chmod)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(struct{ io.Writer }{f}, r, buf)
	return errors.Join(err, f.Close())
}

func writeBytes(p, mode string, data []byte, chmod bool) error {
	f, err := create(p, mode, chmod)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	return errors.Join(err, f.Close())
}

// create makes a new file (never an existing one, never through a
// symlink) with the release mode of git's mode: 0755 for 100755, else
// 0644; with chmod, past the umask.
func create(p, mode string, chmod bool) (*place.File, error) {
	perm := uint32(0o644)
	if mode == "100755" {
		perm = 0o755
	}
	return place.CreateFile(p, perm, chmod)
}
