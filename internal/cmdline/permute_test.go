package cmdline

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// TestPermute reads command lines against a tool's flags as git would:
// flags anywhere before "--", each taking a value or not as the App
// declares it.
func TestPermute(t *testing.T) {
	flags := []cli.Flag{BasedirFlag, JobsFlag, JSONFlag, QuietFlag, RootFlag("a root", true), cli.HelpFlag}
	for _, tc := range []struct {
		in    string
		out   string
		given string
		err   string
	}{
		{in: "", out: "", given: ""},
		{in: "TAG", out: "-- TAG"},
		{in: "TAG --basedir sys", out: "--basedir sys -- TAG", given: "basedir"},
		{in: "TAG --json REPO", out: "--json -- TAG REPO", given: "json"},
		{in: "TAG --json=false REPO", out: "--json=false -- TAG REPO", given: "json"},
		{in: "--basedir=sys TAG -j 4", out: "--basedir=sys -j 4 -- TAG", given: "basedir jobs"},
		{in: "TAG -basedir sys", out: "-basedir sys -- TAG", given: "basedir"},
		{in: "--basedir --json TAG", out: "--basedir --json -- TAG", given: "basedir"},
		{in: "--jobs -1", out: "--jobs -1", given: "jobs"},
		{in: "TAG - --quiet", out: "--quiet -- TAG -", given: "quiet"},
		{in: "--root a TAG --root b", out: "--root a --root b -- TAG", given: "root"},
		{in: "TAG -- --json -x", out: "-- TAG --json -x"},
		{in: "--json -- TAG --", out: "--json -- TAG --", given: "json"},
		{in: "TAG --help", out: "--help -- TAG", given: "help"},
		{in: "TAG --bogus", err: "unknown flag --bogus"},
		{in: "-bogus=1", err: "unknown flag -bogus"},
		{in: "TAG -1", err: "unknown flag -1"},
		{in: "TAG --basedir", err: "flag --basedir needs a value"},
		{in: "---json", err: "bad flag syntax: ---json"},
		{in: "--=x", err: "bad flag syntax: --=x"},
	} {
		l, err := permute(flags, append([]string{"tool"}, strings.Fields(tc.in)...))
		switch {
		case tc.err != "":
			if err == nil || err.Error() != tc.err || ExitCode(err) != ExitUsage {
				t.Errorf("%q: error %v, want usage error %q", tc.in, err, tc.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tc.in, err)
		default:
			if got := strings.Join(l.args[1:], " "); got != tc.out {
				t.Errorf("%q: permuted to %q, want %q", tc.in, got, tc.out)
			}
			if got := strings.Join(slices.Sorted(maps.Keys(l.given)), " "); got != tc.given {
				t.Errorf("%q: given %q, want %q", tc.in, got, tc.given)
			}
		}
	}
}

// TestFlagsAfterOperands runs an App: flags after the operands reach the
// Action, the operands keep their order, an error quotes the flag as
// typed.
func TestFlagsAfterOperands(t *testing.T) {
	show := func(c *cli.Context) error {
		_, err := c.App.Writer.Write([]byte(c.String("basedir") + " " + strings.Join(c.Args().Slice(), ",") + "\n"))
		return err
	}
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{[]string{"a", "--basedir", "sys", "b"}, 0, "sys a,b\n", ""},
		{[]string{"a", "--", "--basedir", "sys"}, 0, ". a,--basedir,sys\n", ""},
		{[]string{"a", "--jobs", "x"}, 2, "", "tool: error: invalid value \"x\" for flag --jobs: parse error\n"},
		{[]string{"a", "-nope"}, 2, "", "tool: error: unknown flag -nope\n"},
	} {
		code, stdout, stderr := run(t, show, tc.args...)
		if code != tc.code || stdout != tc.stdout || !strings.HasPrefix(stderr, tc.stderr) || tc.stderr == "" && stderr != "" {
			t.Errorf("tool %q: exit %d, stdout %q, stderr %q; want %d, %q, %q", tc.args, code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
}
