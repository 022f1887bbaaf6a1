// Package fail holds what decides how an error reaches the user, defined
// once for every package: a wrong command line (UsageError, exit status
// 2 instead of 1), work done whose record could not be written
// (Unrecorded, exit status 3), a full disk called one (DiskFull) and
// advice for the operator (a Hint, printed as a "tool: hint: ..." line
// after the error). internal/cmdline reads them when it prints an error and
// picks the exit status; nothing matches messages.
package fail

import (
	"errors"
	"fmt"
)

// UsageError is a wrong command line: an unknown flag, a wrong number of
// operands, or a flag value or operand outside its grammar. The tool exits
// with status 2.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a *UsageError (nil stays nil).
func Usage(err error) error {
	if err == nil {
		return nil
	}
	return &UsageError{Err: err}
}

// Usagef returns a *UsageError with a formatted message.
func Usagef(format string, args ...any) error {
	return &UsageError{Err: fmt.Errorf(format, args...)}
}

// IsUsage reports whether err holds a *UsageError.
func IsUsage(err error) bool {
	var ue *UsageError
	return errors.As(err, &ue)
}

// Hinter is an error that carries advice for the operator. Error types of
// their own (a dirty work tree, a stale lock) implement it; any other
// error gets one with WithHint.
type Hinter interface {
	error
	Hint() string
}

type hinted struct {
	err  error
	hint string
}

func (h *hinted) Error() string { return h.err.Error() }
func (h *hinted) Unwrap() error { return h.err }
func (h *hinted) Hint() string  { return h.hint }

// WithHint attaches hint to err (nil stays nil; an empty hint adds
// nothing).
func WithHint(err error, hint string) error {
	if err == nil || hint == "" {
		return err
	}
	return &hinted{err: err, hint: hint}
}

// Hint returns the first non-empty hint in err's chain, or "".
func Hint(err error) string {
	var h Hinter
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}
