// Package artifact writes a release as one reproducible tar file, the
// artifact that ships it to other hosts, and unpacks one safely.
//
// An artifact is a POSIX tar (ustar headers, with pax records only for a
// path or link target too long for ustar), uncompressed. Every entry lies
// under "<TAG>/": the folder "<TAG>/" comes first, then the release's
// entries depth first, each folder's names sorted bytewise and each folder
// before what it holds. Folders are 0755, files 0644 or 0755 (git's two
// file modes), symlinks 0777 with their target; every entry has uid and gid
// 0, empty owner names and, as mtime, the time in the tag's name (the Unix
// epoch for a tag that is not a deploy tag). Nothing else is recorded: no
// device numbers, no access or change times, no global header. So the same
// release gives the same bytes on any machine, and the artifact's SHA-256
// names the release.
package artifact

import (
	"archive/tar"
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/deploytag/deploytag/pkg/names"
	"github.com/deploytag/deploytag/pkg/place"
)

// MTime is the modification time every entry of tag's artifact carries.
func MTime(tag string) time.Time {
	if t, ok := names.Parse(tag); ok {
		return t.Time
	}
	return time.Unix(0, 0).UTC()
}

// Write writes the release in the folder dir, of tag, to w as an
// artifact. Only folders, regular files and symlinks may be in dir; a
// file that changes size while it is read is an error. Symlinks are
// written as themselves, never followed.
func Write(w io.Writer, dir, tag string) error {
	if err := names.ValidTagName(tag); err != nil {
		return err
	}
	// Headers, contents and padding are written to w in large blocks,
	// not three or four small writes a file.
	bw := bufio.NewWriterSize(w, 1<<20)
	tw := tar.NewWriter(bw)
	buf := make([]byte, 256<<10)
	mtime := MTime(tag)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		name := tag
		if rel != "." {
			name = tag + "/" + filepath.ToSlash(rel)
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: name, ModTime: mtime, Format: tar.FormatPAX}
		switch {
		case fi.IsDir():
			h.Typeflag, h.Name, h.Mode = tar.TypeDir, name+"/", 0o755
		case fi.Mode().IsRegular():
			h.Typeflag, h.Mode, h.Size = tar.TypeReg, 0o644, fi.Size()
			if fi.Mode()&0o111 != 0 {
				h.Mode = 0o755
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			h.Typeflag, h.Mode, h.Linkname = tar.TypeSymlink, 0o777, target
		default:
			return fmt.Errorf("%s is neither a file, a folder nor a symlink; a release holds only those", p)
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		if h.Typeflag == tar.TypeReg {
			return copyFile(tw, p, h.Size, buf)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return bw.Flush()
}

// copyFile writes exactly size bytes of the file at p to w, failing if
// the file is shorter or longer: it changed while the artifact was written.
func copyFile(w io.Writer, p string, size int64, buf []byte) error {
	f, err := place.OpenFile(p)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.CopyBuffer(w, io.LimitReader(f, size), buf)
	if err != nil {
		return err
	}
	var one [1]byte
	if extra, _ := f.Read(one[:]); n != size || extra > 0 {
		return fmt.Errorf("%s changed while it was being written into the artifact", p)
	}
	return nil
}

// ErrCorrupt marks an artifact that cannot be what Write wrote: a
// damaged or hostile file.
var ErrCorrupt = errors.New("not a valid release artifact")
