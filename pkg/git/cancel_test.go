package git

import (
	"context"
	"errors"
	"testing"
)

// A call whose context is already done (a sibling in an errgroup failed,
// Ctrl-C) never starts git: it returns the context's error, not a panic.
func TestDoWithContextAlreadyDone(t *testing.T) {
	g, err := New(context.Background(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = g.Run(ctx, t.TempDir(), "status")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run with a cancelled context = %v, want context.Canceled", err)
	}
}
