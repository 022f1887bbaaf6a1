package git

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
)

// stream is a long-lived git child whose stdout (and, when asked, stdin)
// this process holds as pipes: cat-file --batch, ls-tree. It is the one
// way the runner starts such a child, and it keeps one promise whatever
// its user does, so that no pipeline to git can hang:
//
//   - when its context ends (cancelled, or past its deadline), the child's
//     process group is killed and this side's ends of both pipes are
//     closed at once, so a Write blocked on a full stdin and a Read
//     blocked on a silent stdout both return, even if a grandchild still
//     held the other end;
//   - a child that dies on its own closes the pipes from its side: a
//     Write then fails (EPIPE), a Read meets the end of the stream;
//   - wait (and so close and abort) always waits for the child.
//
// A user that stops reading or writing because of an error of its own
// must end the stream (abort), or run it in a context its failure
// cancels: a stream left open with nobody reading is a child blocked for
// good.
type stream struct {
	args []string
	dir  string
	ctx  context.Context
	stop context.CancelFunc
	cmd  *exec.Cmd

	stdin  *os.File // this side's end; nil when the child reads nothing
	stdout *os.File // this side's end
	stderr lockedBuffer

	unbind   func() bool // undoes the context's hold on the pipes
	waitOnce sync.Once
	waitErr  error
}

// startStream starts git ARGS in dir with its stdout (and stdin, when
// withStdin) on pipes, for at most StreamTimeout within ctx.
func (r *Runner) startStream(ctx context.Context, dir string, args []string, withStdin bool) (*stream, error) {
	ctx, stop := context.WithTimeout(ctx, StreamTimeout)
	s := &stream{args: args, dir: dir, ctx: ctx, stop: stop}
	s.cmd = r.command(ctx, Argv(dir, args))
	s.cmd.Stderr = &s.stderr
	var childIn, childOut *os.File
	fail := func(err error) (*stream, error) {
		stop()
		for _, f := range []*os.File{childIn, childOut, s.stdin, s.stdout} {
			if f != nil {
				f.Close()
			}
		}
		return nil, &Error{Args: args, Dir: dir, ExitCode: -1, Err: err}
	}
	var err error
	if withStdin {
		if childIn, s.stdin, err = os.Pipe(); err != nil {
			return fail(err)
		}
		s.cmd.Stdin = childIn
	}
	if s.stdout, childOut, err = os.Pipe(); err != nil {
		return fail(err)
	}
	s.cmd.Stdout = childOut
	if err := r.start(s.cmd); err != nil {
		return fail(err)
	}
	// Only the child holds its ends now: its death closes them.
	if childIn != nil {
		childIn.Close()
	}
	childOut.Close()
	s.unbind = context.AfterFunc(ctx, s.cut)
	return s, nil
}

// cut kills the child's process group and closes this side's pipes: any
// Read or Write blocked on them returns.
func (s *stream) cut() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	if s.stdin != nil {
		s.stdin.Close()
	}
	s.stdout.Close()
}

// wait waits for the child, once, and releases everything the stream
// holds. Its error is the child's failure as an *Error; past the
// stream's context, the context's error.
func (s *stream) wait() error {
	s.waitOnce.Do(func() {
		err := s.cmd.Wait()
		s.unbind()
		if s.stdin != nil {
			s.stdin.Close()
		}
		s.stdout.Close()
		if ctxErr := s.ctx.Err(); ctxErr != nil {
			// Make sure nothing of the group outlives a leader that
			// exited as its context ended.
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			if err != nil {
				err = ctxErr
			}
		}
		unwatch(s.cmd)
		s.stop()
		if err != nil {
			s.waitErr = s.fail(err)
		}
	})
	return s.waitErr
}

// close ends a stream whose work is done: stdin is closed (the child
// sees its end), what the child still prints is read and dropped, and
// the child is waited for.
func (s *stream) close() error {
	if s.stdin != nil {
		s.stdin.Close()
	}
	_, _ = io.Copy(io.Discard, s.stdout)
	return s.wait()
}

// abort ends a stream at once, for a reason of this side's (not its
// context's): the child is killed and waited for.
func (s *stream) abort() {
	s.cut()
	_ = s.wait()
}

// fail turns err, met on the child's pipes or from its exit, into an
// *Error carrying git's stderr: the context's error when the stream's
// context has ended (the pipes were cut), else git's own words when it
// has died saying why.
func (s *stream) fail(err error) error {
	if err == nil {
		return nil
	}
	e := &Error{Args: s.args, Dir: s.dir, ExitCode: -1, Stderr: s.stderr.String(), Err: err}
	if ctxErr := s.ctx.Err(); ctxErr != nil {
		e.Err = ctxErr
		return e
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		e.ExitCode = ee.ExitCode()
	}
	return e
}
