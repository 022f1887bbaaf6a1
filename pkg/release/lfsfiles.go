package release

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deploytag/deploytag/pkg/git"
)

// LFSFile is a file of a commit's tree stored as a Git LFS pointer: its
// path and the sha256 and size of the content the pointer names.
type LFSFile struct {
	Path string
	Oid  string
	Size int64
}

// LFSPointers lists the files of commit (in the repo at dir) whose blob is
// a Git LFS pointer, as the export recognises one, in tree order. Only
// blobs small enough to be a pointer are read, in one git process.
func LFSPointers(ctx context.Context, g *git.Runner, dir, commit string) ([]LFSFile, error) {
	out, err := g.Run(ctx, dir, "ls-tree", "-r", "-z", "-l", "--full-tree", "--end-of-options", commit)
	if err != nil {
		return nil, err
	}
	var paths, oids []string
	for _, rec := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		if rec == "" {
			continue
		}
		head, p, ok := strings.Cut(rec, "\t")
		f := strings.Fields(head)
		if !ok || len(f) != 4 {
			return nil, fmt.Errorf("ls-tree: malformed line %q", rec)
		}
		if f[1] != "blob" || f[0] == "120000" {
			continue
		}
		if n, err := strconv.Atoi(f[3]); err != nil || n > maxPointer {
			continue
		}
		paths, oids = append(paths, p), append(oids, f[2])
	}
	if len(oids) == 0 {
		return nil, nil
	}
	objs, err := g.ReadObjects(ctx, dir, oids...)
	if err != nil {
		return nil, err
	}
	var files []LFSFile
	for i, o := range objs {
		if ptr, ok := parseLFSPointer(o.Contents); ok {
			files = append(files, LFSFile{Path: paths[i], Oid: ptr.Oid, Size: ptr.Size})
		}
	}
	return files, nil
}

// LFSObject is where Git LFS keeps f's content in the repo whose common
// git directory is commonDir.
func LFSObject(commonDir string, f LFSFile) string {
	return filepath.Join(lfsObjects(commonDir), f.Oid[0:2], f.Oid[2:4], f.Oid)
}

// HasLFSContent reports whether the file at p holds exactly the content f
// names (its size and sha256), not the pointer.
func HasLFSContent(p string, f LFSFile) (bool, error) {
	fh, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer fh.Close()
	h := sha256.New()
	n, err := io.Copy(h, fh)
	if err != nil {
		return false, err
	}
	return n == f.Size && hex.EncodeToString(h.Sum(nil)) == f.Oid, nil
}
