// Package proc starts child processes bound to this one, for every
// package that runs a program (git, ssh, gpg, ssh-keygen). A child of
// Command runs in a session of its own (no terminal to prompt on, a
// process group to end), is killed by the kernel when this process dies
// (Linux: the parent-death signal), is listed with a watchdog that ends
// its whole group when this process ends however it ends (watchdog.go),
// and when its context ends its group is asked to end (SIGTERM, so a git
// removes its lock files) and killed after Grace. Stream holds the pipes
// of a long-lived child in both directions, so that no read or write on
// them outlives its context (stream.go).
package proc

import (
	"bytes"
	"context"
	"os/exec"
	"syscall"
)

// Cmd is a child process bound to this one: an exec.Cmd made by Command,
// whose Start, Wait, Run and Output keep the promises of the package.
// Set its Env, Dir, Stdin, Stdout and Stderr as an exec.Cmd's.
type Cmd struct {
	*exec.Cmd
	ctx     context.Context
	outlive bool
}

// Command is exec.CommandContext(ctx, name, args...) bound to this
// process: a session of its own, killed with it; when ctx ends, its
// group gets SIGTERM, and Wait returns at most Grace later.
func Command(ctx context.Context, name string, args ...string) *Cmd {
	c := exec.CommandContext(ctx, name, args...)
	c.SysProcAttr = sysProcAttr()
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGTERM) }
	c.WaitDelay = Grace
	return &Cmd{Cmd: c, ctx: ctx}
}

// Outlive lets the child run to its end even if this process dies
// (SIGKILL included): cut short, a short local write such as "git tag"
// would leave a lock file that blocks every later run. Its context still
// bounds it; it is never listed with the watchdog.
func (c *Cmd) Outlive() {
	c.SysProcAttr = outliveProcAttr()
	c.outlive = true
}

// Start starts the child and lists its process group with the watchdog;
// Wait takes it off.
func (c *Cmd) Start() error {
	if err := c.Cmd.Start(); err != nil {
		return err
	}
	if !c.outlive {
		watch(c.Cmd)
	}
	return nil
}

// Wait waits for the child. When its context has ended, nothing of its
// group may outlive it: the group is ended (EndGroup) before Wait
// returns.
func (c *Cmd) Wait() error {
	err := c.Cmd.Wait()
	if !c.outlive {
		if c.ctx.Err() != nil {
			EndGroup(c.Process.Pid)
		}
		unwatch(c.Cmd)
	}
	return err
}

// Run starts the child and waits for it.
func (c *Cmd) Run() error {
	if err := c.Start(); err != nil {
		return err
	}
	return c.Wait()
}

// Output runs the child and returns what it printed on stdout.
func (c *Cmd) Output() ([]byte, error) {
	var b bytes.Buffer
	c.Stdout = &b
	err := c.Run()
	return b.Bytes(), err
}
