package place

import (
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// File is a file of a release written or read through its bare
// descriptor. Export, unpack and verify handle tens of thousands of
// files, each opened once, written or read in one go and closed: an
// os.File would offer each descriptor to Go's poller (four fcntl and an
// epoll_ctl that the kernel refuses for a regular file), five syscalls a
// file of no use here. Errors are *os.PathError, as os.File's are, so a
// full disk is still known as one (fail.DiskFull).
type File struct {
	fd   int
	path string
}

// CreateFile makes a new file at p (never an existing one, never through
// a symlink) with perm; with chmod, perm is set past the umask (see
// UmaskStrips).
func CreateFile(p string, perm uint32, chmod bool) (*File, error) {
	f, err := openFile(p, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, perm)
	if err != nil {
		return nil, err
	}
	if chmod {
		if err := syscall.Fchmod(f.fd, perm); err != nil {
			f.Close()
			return nil, &os.PathError{Op: "chmod", Path: p, Err: err}
		}
	}
	return f, nil
}

// OpenFile opens the file at p for reading, never through a symlink.
func OpenFile(p string) (*File, error) {
	return openFile(p, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0)
}

func openFile(p string, flags int, perm uint32) (*File, error) {
	for {
		fd, err := syscall.Open(p, flags, perm)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "open", Path: p, Err: err}
		}
		return &File{fd: fd, path: p}, nil
	}
}

// Write writes all of b.
func (f *File) Write(b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := syscall.Write(f.fd, b[n:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "write", Path: f.path, Err: err}
		}
		if m <= 0 {
			return n, &os.PathError{Op: "write", Path: f.path, Err: syscall.EIO}
		}
		n += m
	}
	return n, nil
}

// Read reads into b; io.EOF at the end of the file.
func (f *File) Read(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, err := syscall.Read(f.fd, b)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 0, &os.PathError{Op: "read", Path: f.path, Err: err}
		}
		if n == 0 {
			return 0, io.EOF
		}
		return n, nil
	}
}

// Close closes the descriptor; a second call does nothing.
func (f *File) Close() error {
	if f.fd < 0 {
		return nil
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	if err != nil && !errors.Is(err, syscall.EINTR) {
		return &os.PathError{Op: "close", Path: f.path, Err: err}
	}
	return nil
}

// UmaskStrips reports whether the process's umask takes bits off 0755,
// so that each file made needs its mode set past it (under 022 none
// does). It reads the umask from /proc/self/status, where the system has
// it, and says yes when it cannot tell.
func UmaskStrips() bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return true
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32)
			return err != nil || m&0o755 != 0
		}
	}
	return true
}
