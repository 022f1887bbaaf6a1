package fail

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
)

type ownHint struct{ error }

func (ownHint) Hint() string { return "own" }

func TestHint(t *testing.T) {
	base := errors.New("x")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{base, ""},
		{WithHint(base, "h"), "h"},
		{fmt.Errorf("wrapped: %w", WithHint(base, "h")), "h"},
		{WithHint(WithHint(base, "inner"), "outer"), "outer"},
		{WithHint(base, ""), ""},
		{fmt.Errorf("a: %w", ownHint{base}), "own"},
	} {
		if got := Hint(tc.err); got != tc.want {
			t.Errorf("Hint(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if WithHint(nil, "h") != nil {
		t.Error("WithHint(nil) is not nil")
	}
}

func TestUsage(t *testing.T) {
	if !IsUsage(fmt.Errorf("in x: %w", Usagef("bad %d", 1))) || IsUsage(errors.New("x")) || Usage(nil) != nil {
		t.Error("IsUsage/Usage wrong")
	}
	if got := Usagef("bad %q", "-x").Error(); got != `bad "-x"` {
		t.Errorf("Usagef = %q", got)
	}
}

func TestOnlyUnrecorded(t *testing.T) {
	u := &Unrecorded{Err: errors.New("log")}
	other := errors.New("x")
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{other, false},
		{u, true},
		{fmt.Errorf("in r: %w", u), true},
		{errors.Join(u, nil), true},
		{errors.Join(u, &Unrecorded{Err: other}), true},
		{errors.Join(u, other), false},
		{errors.Join(errors.Join(u), other), false},
	} {
		if got := OnlyUnrecorded(tc.err); got != tc.want {
			t.Errorf("OnlyUnrecorded(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

func TestDiskFull(t *testing.T) {
	other := errors.New("x")
	if got := DiskFull(other, "/srv"); got.Error() != "x" || Hint(got) != "" || DiskFull(nil, "/srv") != nil {
		t.Error("DiskFull changed an error that is no full disk")
	}
	for _, errno := range []error{syscall.ENOSPC, syscall.EDQUOT} {
		err := DiskFull(fmt.Errorf("writing f: %w", &os.PathError{Op: "write", Path: "/srv/f", Err: errno}), "/srv")
		if !strings.HasPrefix(err.Error(), "the disk is full: writing f: write /srv/f: ") || !errors.Is(err, errno) ||
			Hint(err) != "free some space on the disk holding /srv, then run it again" {
			t.Errorf("DiskFull(%v) = %q, hint %q", errno, err, Hint(err))
		}
	}
}
