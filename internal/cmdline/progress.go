package cmdline

import (
	"os"
	"time"

	"github.com/deploytag/deploytag/pkg/progress"
)

// ProgressEveryVar names the variable that sets how often progress is
// written where stderr is no terminal, as a Go duration ("50ms"). It is
// for tests only, which cannot wait ten seconds for a line; operators
// have no use for it.
const ProgressEveryVar = "DEPLOYTAG_TEST_PROGRESS_EVERY"

// Progress is where long work reports how far it has got, unless --quiet:
// on a terminal a bar on stderr, redrawn in place; elsewhere (CI,
// Ansible, cron) one line on stderr every ten seconds while a step runs.
// stdout never carries progress.
func (e *Env) Progress() progress.Reporter {
	if e.Quiet {
		return progress.Nop
	}
	every, _ := time.ParseDuration(os.Getenv(ProgressEveryVar))
	return progress.New(e.Stderr, e.Name, every)
}
