package cliutil

import "github.com/deploytag/deploytag/pkg/progress"

// Progress is where multi-repo work reports how far it has got: a bar on
// stderr when stderr is a terminal and --quiet is not given, else nothing,
// so pipes, files and CI logs never see progress.
func (e *Env) Progress() progress.Reporter {
	if e.Quiet {
		return progress.Nop
	}
	return progress.New(e.Stderr, e.Name)
}
