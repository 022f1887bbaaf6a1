package place

import (
	"errors"
	"os"
	"syscall"
	"testing"
)

// A write that fails is a *os.PathError carrying the errno: a full disk
// (here /dev/full) is known as one.
func TestFileWriteFull(t *testing.T) {
	w, err := openFile("/dev/full", syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var pe *os.PathError
	if _, err := w.Write([]byte("x")); !errors.Is(err, syscall.ENOSPC) || !errors.As(err, &pe) || pe.Path != "/dev/full" {
		t.Errorf("write to /dev/full: %v, want a PathError with ENOSPC", err)
	}
}
