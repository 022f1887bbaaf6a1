package basedir

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// One repo failing must neither cancel nor blame its siblings: each
// sibling runs to the end with a live context and reports no error.
func TestEachSiblingsNotBlamed(t *testing.T) {
	t.Parallel()
	names := []string{"a", "b", "c", "d", "e"}
	var finished atomic.Int32
	err := Fanout{Jobs: 5}.Each(context.Background(), len(names), func(i int) string { return names[i] },
		func(ctx context.Context, i int) error {
			if names[i] == "b" {
				return errors.New("export failed")
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
			finished.Add(1)
			return nil
		})
	if got := finished.Load(); got != 4 {
		t.Errorf("%d siblings finished, want 4", got)
	}
	if err == nil || err.Error() != "export failed (b)" {
		t.Errorf("err = %v, want only b's failure", err)
	}
}

func TestEachJoinsInOrderAndBounds(t *testing.T) {
	t.Parallel()
	var running, peak atomic.Int32
	err := Fanout{Jobs: 3}.Each(context.Background(), 20, func(i int) string { return fmt.Sprint("r", i) },
		func(ctx context.Context, i int) error {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Duration(20-i) * time.Millisecond)
			running.Add(-1)
			if i%5 == 0 {
				return errors.New("bad")
			}
			return nil
		})
	if p := peak.Load(); p > 3 {
		t.Errorf("peak %d at once, want at most 3", p)
	}
	want := "bad (r0)\nbad (r5)\nbad (r10)\nbad (r15)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	var re *RepoError
	if !errors.As(err, &re) {
		t.Errorf("no *RepoError in %v", err)
	}
}

func TestEachStopsOnCallerContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	var started atomic.Int32
	err := Fanout{Jobs: 1}.Each(ctx, 10, func(i int) string { return fmt.Sprint("r", i) },
		func(ctx context.Context, i int) error {
			if started.Add(1) == 2 {
				cancel()
			}
			return nil
		})
	if s := started.Load(); s != 2 {
		t.Errorf("%d started after the cancel, want 2", s)
	}
	if !errors.Is(err, ErrInterrupted) || !strings.Contains(err.Error(), "8 of 10") {
		t.Errorf("err = %v, want interrupted before 8 of 10", err)
	}
}
