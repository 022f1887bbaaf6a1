package git

import (
	"context"
	"errors"
	"os/exec"

	"github.com/deploytag/deploytag/pkg/proc"
)

// stream is a long-lived git child on pipes (cat-file --batch, ls-tree):
// a proc.Stream, whose promises it keeps, with its failures as *Error.
type stream struct {
	*proc.Stream
	args []string
	dir  string
}

// startStream starts git ARGS in dir with its stdout (and stdin, when
// withStdin) on pipes, for at most StreamTimeout within ctx.
func (r *Runner) startStream(ctx context.Context, dir string, args []string, withStdin bool) (*stream, error) {
	s, err := proc.StartStream(ctx, StreamTimeout, withStdin, func(ctx context.Context) *proc.Cmd {
		return r.command(ctx, Argv(dir, args))
	})
	if err != nil {
		return nil, &Error{Args: args, Dir: dir, ExitCode: -1, Err: err}
	}
	return &stream{Stream: s, args: args, dir: dir}, nil
}

// wait waits for git (proc.Stream.Wait), its failure an *Error.
func (s *stream) wait() error { return s.fail(s.Wait()) }

// close ends a stream whose work is done (proc.Stream.Close), its
// failure an *Error.
func (s *stream) close() error { return s.fail(s.Close()) }

// abort ends a stream at once (proc.Stream.Abort).
func (s *stream) abort() { s.Abort() }

// fail turns err, met on git's pipes or from its exit, into an *Error
// carrying git's stderr: the context's error when the stream's context
// has ended (the pipes were cut), else git's own words when it has died
// saying why.
func (s *stream) fail(err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Args: s.args, Dir: s.dir, ExitCode: -1, Stderr: s.Stderr(), Err: err}
	if ctxErr := s.Ended(); ctxErr != nil {
		e.Err = ctxErr
		return e
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		e.ExitCode = ee.ExitCode()
	}
	return e
}
