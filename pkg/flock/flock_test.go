package flock_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/deploytag/deploytag/pkg/flock"
)

// A lock another holds is waited for: until the deadline (ErrHeld), until
// ctx ends (its error), or until the holder lets go.
func TestWait(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	holder, err := flock.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := flock.Wait(context.Background(), holder, time.Now(), time.Millisecond, nil); err != nil {
		t.Fatalf("free lock: %v", err)
	}
	waiter, err := flock.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer waiter.Close()
	calls := 0
	err = flock.Wait(context.Background(), waiter, time.Now().Add(30*time.Millisecond), 5*time.Millisecond, func() { calls++ })
	if !errors.Is(err, flock.ErrHeld) || calls < 2 {
		t.Fatalf("held lock: %v after %d calls of held, want ErrHeld after several", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := flock.Wait(ctx, waiter, time.Now().Add(time.Minute), time.Millisecond, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("ended ctx: %v", err)
	}
	letGo := func() { holder.Close() } // the holder ends while the waiter waits
	if err := flock.Wait(context.Background(), waiter, time.Now().Add(time.Minute), time.Millisecond, letGo); err != nil {
		t.Fatalf("after the holder let go: %v", err)
	}
}
