package cmdline

import "fmt"

// WaitingTag says, unless --quiet, that a tagging run waits for another
// one that holds repo's tagging lock.
func (e *Env) WaitingTag(repo string) { e.Notef("waiting for another tagging run (%s)", repo) }

// HookSaid passes on a line a repo's pre-push hook printed, quiet or not
// (they are another program's words, not ours to silence), as
// "NAME: pre-push hook of REPO: LINE".
func (e *Env) HookSaid(repo, line string) {
	fmt.Fprintf(e.Stderr, "%s: pre-push hook of %s: %s\n", e.Name, repo, line)
}
