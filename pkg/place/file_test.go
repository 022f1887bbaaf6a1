package place

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// CreateFile makes only new files, never through a symlink, with the mode
// asked past the umask when told to; what it writes OpenFile reads back;
// its errors are *os.PathError naming the file (so a full disk is known
// as one).
func TestFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	old := syscall.Umask(0o077)
	f, err := CreateFile(p, 0o755, true)
	syscall.Umask(old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil || f.Close() != nil {
		t.Fatalf("Close: %v", err)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o755 {
		t.Errorf("mode %v under umask 077, want 0755", fi.Mode().Perm())
	}
	r, err := OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(b) != "hello\n" {
		t.Errorf("read back %q, %v", b, err)
	}

	var pe *os.PathError
	if _, err := CreateFile(p, 0o644, false); !errors.Is(err, os.ErrExist) || !errors.As(err, &pe) || pe.Path != p {
		t.Errorf("CreateFile over an existing file: %v", err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(filepath.Join(dir, "elsewhere"), link)
	if _, err := CreateFile(link, 0o644, false); err == nil {
		t.Error("CreateFile through a dangling symlink made its target")
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); err == nil {
		t.Error("the symlink's target was made")
	}
	os.Symlink(p, filepath.Join(dir, "tofile"))
	if _, err := OpenFile(filepath.Join(dir, "tofile")); !errors.Is(err, syscall.ELOOP) {
		t.Errorf("OpenFile through a symlink: %v", err)
	}
}
