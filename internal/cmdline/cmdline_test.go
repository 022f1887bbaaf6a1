package cmdline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/fail"
)

func testApp(action cli.ActionFunc) *cli.App {
	return NewApp("tool", "a test tool", "ARG", []cli.Flag{BasedirFlag, JobsFlag}, action)
}

func run(t *testing.T, action cli.ActionFunc, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Run(context.Background(), testApp(action), append([]string{"tool"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func TestExitCodesAndStreams(t *testing.T) {
	ok := func(c *cli.Context) error { fmt.Fprintln(c.App.Writer, "data"); return nil }
	for _, tc := range []struct {
		name    string
		action  cli.ActionFunc
		args    []string
		code    int
		stdout  string
		stderrR string
	}{
		{"success", ok, nil, 0, "data\n", ""},
		{"unknown flag", ok, []string{"--nope"}, 2, "", "tool: error: unknown flag --nope\ntool: hint: see 'tool --help'\n"},
		{"bad int", ok, []string{"--jobs", "x"}, 2, "", "tool: error: invalid value"},
		{"usage error", func(*cli.Context) error { return Usagef("missing TAG") }, nil, 2, "", "tool: error: missing TAG\n"},
		{"failure", func(*cli.Context) error { return errors.New("boom (repo-a)") }, nil, 1, "", "tool: error: boom (repo-a)\n"},
		{"every culprit", func(*cli.Context) error {
			return errors.Join(errors.New("bad (a)"), fail.WithHint(errors.New("bad (b)"), "fix b"))
		}, nil, 1, "", "tool: error: bad (a)\ntool: error: bad (b)\ntool: hint: fix b\n"},
		{"an operand named help", func(c *cli.Context) error { fmt.Fprintln(c.App.Writer, c.Args().First()); return nil }, []string{"help"}, 0, "help\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, tc.action, tc.args...)
			if code != tc.code || stdout != tc.stdout || !strings.HasPrefix(stderr, tc.stderrR) || (tc.stderrR == "" && stderr != "") {
				t.Errorf("got code %d, stdout %q, stderr %q; want %d, %q, %q...", code, stdout, stderr, tc.code, tc.stdout, tc.stderrR)
			}
		})
	}
}

func TestHelpAndVersionGoToStdout(t *testing.T) {
	code, stdout, stderr := run(t, func(*cli.Context) error { return nil }, "--help")
	if code != 0 || !strings.Contains(stdout, "--basedir") || stderr != "" {
		t.Fatalf("--help: %d %q %q", code, stdout, stderr)
	}
	code, stdout, _ = run(t, func(*cli.Context) error { return nil }, "--version")
	if code != 0 || !strings.HasPrefix(stdout, "tool ") {
		t.Fatalf("--version: %d %q", code, stdout)
	}
}

func TestMultiLineErrorsStayOnOneLine(t *testing.T) {
	_, _, stderr := run(t, func(*cli.Context) error { return errors.New("first\nsecond") })
	if stderr != "tool: error: first; second\n" {
		t.Fatalf("stderr = %q", stderr)
	}
}

// An interrupted tool says "interrupted", never Go's "context canceled",
// however deep the cancellation is wrapped.
func TestInterruptedNotContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var b bytes.Buffer
	err := errors.Join(
		fmt.Errorf("tag T in a: %w", ctx.Err()),
		fmt.Errorf("waiting for the lock on /r: %w", fmt.Errorf("x: %w", context.Canceled)),
		errors.New("a plain failure (b)"))
	Report(&b, "tool", err)
	got := b.String()
	if strings.Contains(got, "context canceled") {
		t.Errorf("report says context canceled:\n%s", got)
	}
	for _, want := range []string{"tool: error: tag T in a: interrupted\n", "tool: error: waiting for the lock on /r: x: interrupted\n", "tool: error: a plain failure (b)\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}

// Given holds the flags on the command line only: one set by its
// environment variable alone is a default, not given. An App run without
// Run counts every flag set.
func TestGiven(t *testing.T) {
	t.Setenv("DEPLOYTAG_PREFIX", "QA")
	var got map[string]bool
	app := func() *cli.App {
		return NewApp("tool", "a test tool", "", []cli.Flag{PrefixFlag, RemoteFlag, SignFlag, QuietFlag},
			func(c *cli.Context) error { got = Given(c); return nil })
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"--remote", "up"}, "remote"},
		{[]string{"--remote=up", "-q", "--sign"}, "quiet remote sign"},
		{[]string{"--prefix", "X"}, "prefix"},
		{[]string{"--", "--sign"}, ""},
	} {
		var out bytes.Buffer
		if code := Run(context.Background(), app(), append([]string{"tool"}, tc.args...), strings.NewReader(""), &out, &out); code != 0 {
			t.Fatalf("%q: exit %d: %s", tc.args, code, out.String())
		}
		var names []string
		for _, n := range []string{"prefix", "quiet", "remote", "sign"} {
			if got[n] {
				names = append(names, n)
			}
		}
		if s := strings.Join(names, " "); s != tc.want {
			t.Errorf("%q: given %q, want %q", tc.args, s, tc.want)
		}
	}
	if err := app().Run([]string{"tool"}); err != nil || !got["prefix"] {
		t.Errorf("run without Run: given %v (%v), want prefix from its environment variable", got, err)
	}
}

// hinted is an error with a hint of its own around another, as a
// workflow's error naming what it left (deploy's CreatedError) is.
type hinted struct{ err error }

func (h hinted) Error() string { return "deploying T: " + h.err.Error() }
func (h hinted) Unwrap() error { return h.err }
func (h hinted) Hint() string  { return "tag T stays" }

// Several problems wrapped in context, at any depth, print one line each,
// every line with the context, each leaf's hint after it and the
// wrapper's hint after the last; a wrapper that words the join otherwise
// stays one line.
func TestWrappedJoinPrintsOneLineEach(t *testing.T) {
	two := errors.Join(fail.WithHint(errors.New("bad (a)"), "fix a"), errors.New("bad (b)"))
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"a join", two, "tool: error: bad (a)\ntool: hint: fix a\ntool: error: bad (b)\n"},
		{"wrapped once", fmt.Errorf("exporting: %w", two),
			"tool: error: exporting: bad (a)\ntool: hint: fix a\ntool: error: exporting: bad (b)\n"},
		{"wrapped twice, a hint outside", hinted{fmt.Errorf("exporting: %w", two)},
			"tool: error: deploying T: exporting: bad (a)\ntool: hint: fix a\ntool: error: deploying T: exporting: bad (b)\ntool: hint: tag T stays\n"},
		{"a join in a join", errors.Join(errors.New("c"), hinted{two}),
			"tool: error: c\ntool: error: deploying T: bad (a)\ntool: hint: fix a\ntool: error: deploying T: bad (b)\ntool: hint: tag T stays\n"},
		{"worded otherwise", fmt.Errorf("%d problems: %w", 2, wrapWords{two}), "tool: error: 2 problems: two problems\ntool: hint: fix a\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			Report(&b, "tool", tc.err)
			if b.String() != tc.want {
				t.Errorf("report:\n%s\nwant:\n%s", b.String(), tc.want)
			}
		})
	}
}

type wrapWords struct{ err error }

func (w wrapWords) Error() string { return "two problems" }
func (w wrapWords) Unwrap() error { return w.err }
