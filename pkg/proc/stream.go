package proc

import (
	"bytes"
	"context"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// Stream is a long-lived child whose stdout (and, when asked, stdin)
// this process holds as pipes: git cat-file --batch, git ls-tree. It is
// the one way such a child is started, and it keeps one promise whatever
// its user does, so that no pipeline to a child can hang:
//
//   - when its context ends (cancelled, or past its deadline), the
//     child's process group is killed and this side's ends of both pipes
//     are closed at once, so a Write blocked on a full stdin and a Read
//     blocked on a silent stdout both return, even if a grandchild still
//     held the other end;
//   - a child that dies on its own closes the pipes from its side: a
//     Write then fails (EPIPE), a Read meets the end of the stream;
//   - Wait (and so Close and Abort) always waits for the child.
//
// A user that stops reading or writing because of an error of its own
// must end the stream (Abort), or run it in a context its failure
// cancels: a stream left open with nobody reading is a child blocked for
// good.
type Stream struct {
	// In is this side's end of the child's stdin; nil when the child
	// reads nothing. Out is this side's end of its stdout.
	In, Out *os.File

	ctx    context.Context
	stop   context.CancelFunc
	cmd    *Cmd
	stderr lockedBuffer

	unbind   func() bool // undoes the context's hold on the pipes
	waitOnce sync.Once
	waitErr  error
}

// StartStream starts the child newCmd makes (with Command, in the
// context it is given: ctx, for at most timeout) with its stdout, and its
// stdin when withStdin, on pipes; its stderr is kept for Stderr.
func StartStream(ctx context.Context, timeout time.Duration, withStdin bool, newCmd func(context.Context) *Cmd) (*Stream, error) {
	ctx, stop := context.WithTimeout(ctx, timeout)
	s := &Stream{ctx: ctx, stop: stop}
	s.cmd = newCmd(ctx)
	s.cmd.Stderr = &s.stderr
	var childIn, childOut *os.File
	fail := func(err error) (*Stream, error) {
		stop()
		for _, f := range []*os.File{childIn, childOut, s.In, s.Out} {
			if f != nil {
				f.Close()
			}
		}
		return nil, err
	}
	var err error
	if withStdin {
		if childIn, s.In, err = os.Pipe(); err != nil {
			return fail(err)
		}
		s.cmd.Stdin = childIn
	}
	if s.Out, childOut, err = os.Pipe(); err != nil {
		return fail(err)
	}
	s.cmd.Stdout = childOut
	if err := s.cmd.Start(); err != nil {
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
func (s *Stream) cut() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
	if s.In != nil {
		s.In.Close()
	}
	s.Out.Close()
}

// Ended is the error of the stream's context once it has ended (it was
// cancelled, or its time is up), nil while it lasts: what an error met on
// the pipes then means.
func (s *Stream) Ended() error { return s.ctx.Err() }

// Stderr is what the child has printed on stderr so far.
func (s *Stream) Stderr() string { return s.stderr.String() }

// Wait waits for the child, once, and releases everything the stream
// holds. Its error is the child's failure (an *exec.ExitError when it
// exited with a status); past the stream's context, the context's error.
func (s *Stream) Wait() error {
	s.waitOnce.Do(func() {
		err := s.cmd.Cmd.Wait()
		s.unbind()
		if s.In != nil {
			s.In.Close()
		}
		s.Out.Close()
		if ctxErr := s.ctx.Err(); ctxErr != nil {
			// Make sure nothing of the group outlives a leader that
			// exited as its context ended.
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			if err != nil {
				err = ctxErr
			}
		}
		unwatch(s.cmd.Cmd)
		s.stop()
		s.waitErr = err
	})
	return s.waitErr
}

// Close ends a stream whose work is done: stdin is closed (the child
// sees its end), what the child still prints is read and dropped, and
// the child is waited for.
func (s *Stream) Close() error {
	if s.In != nil {
		s.In.Close()
	}
	_, _ = io.Copy(io.Discard, s.Out)
	return s.Wait()
}

// Abort ends a stream at once, for a reason of this side's (not its
// context's): the child is killed and waited for.
func (s *Stream) Abort() {
	s.cut()
	_ = s.Wait()
}

// lockedBuffer is a child's stderr, written by exec's copier while a
// reader may look at it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
