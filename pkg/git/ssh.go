package git

import (
	"context"
	"strings"
)

// SSHBatchCommand is the ssh command network steps use when the user has
// chosen none: ssh never asks for a password, a passphrase or whether to
// trust a host key, it fails instead.
const SSHBatchCommand = "ssh -o BatchMode=yes"

// SSHBatchArgs returns the "-c core.sshCommand=ssh -o BatchMode=yes"
// arguments to put before a network subcommand run in dir, or nothing when
// the user chose an ssh command of their own (GIT_SSH_COMMAND or GIT_SSH in
// the environment, core.sshCommand in git's config as dir sees it), which
// is then respected as it is. Without a terminal (see Do) ssh cannot prompt
// anyway; batch mode makes it fail at once and say so.
func (r *Runner) SSHBatchArgs(ctx context.Context, dir string) ([]string, error) {
	for _, kv := range r.env {
		k, v, _ := strings.Cut(kv, "=")
		if (k == "GIT_SSH_COMMAND" || k == "GIT_SSH") && v != "" {
			return nil, nil
		}
	}
	_, err := r.Run(ctx, dir, "config", "--get", "core.sshCommand")
	switch {
	case err == nil:
		return nil, nil
	case ExitCode(err) == 1: // not set
		return []string{"-c", "core.sshCommand=" + SSHBatchCommand}, nil
	default:
		return nil, notARepo(err)
	}
}
