package cmdline

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/fail"
)

// A failing subprocess's exit status (git exits 128) wrapped in an error
// never becomes the tool's: that is a failure, exit 1.
func TestChildExitStatusIsAFailure(t *testing.T) {
	child := exec.CommandContext(context.Background(), "sh", "-c", "exit 128").Run()
	if child == nil {
		t.Fatal("sh -c 'exit 128' succeeded")
	}
	wrapped := fmt.Errorf("git ls-remote in repo-a: %w (repo-a)", child)
	if got := ExitCode(wrapped); got != ExitFailure {
		t.Errorf("ExitCode(%v) = %d, want %d", wrapped, got, ExitFailure)
	}
	code, stdout, stderr := run(t, func(*cli.Context) error { return wrapped })
	if code != ExitFailure || stdout != "" || stderr == "" {
		t.Errorf("got %d %q %q", code, stdout, stderr)
	}
	// an explicit cli.Exit still picks its code.
	if got := ExitCode(cli.Exit("x", 3)); got != 3 {
		t.Errorf("ExitCode(cli.Exit(3)) = %d", got)
	}
}

// Work done with only its record missing exits 3; joined with any
// failure, 1; the numbers of 0, 1 and 2 never move.
func TestExitUnrecorded(t *testing.T) {
	if ExitOK != 0 || ExitFailure != 1 || ExitUsage != 2 || ExitUnrecorded != 3 {
		t.Fatal("an exit code was renumbered")
	}
	unrecorded := &fail.Unrecorded{Err: errors.New("deploys.log")}
	for _, tc := range []struct {
		err  error
		want int
	}{
		{unrecorded, ExitUnrecorded},
		{fmt.Errorf("switching: %w", unrecorded), ExitUnrecorded},
		{errors.Join(unrecorded, errors.New("unlock")), ExitFailure},
		{errors.Join(unrecorded, fail.Usagef("bad")), ExitUsage},
	} {
		if got := ExitCode(tc.err); got != tc.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}
