package fail

import (
	"errors"
	"fmt"
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
