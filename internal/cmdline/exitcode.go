package cmdline

import (
	"errors"
	"os/exec"
)

// childExit reports whether an exit coder found in an error chain is the
// exit status of a subprocess (git's 128, say, inside a *git.Error): that
// is git's status, not ours, and the tool exits 1 for it like any failure.
func childExit(ec error) bool {
	var ee *exec.ExitError
	return errors.As(ec, &ee)
}
