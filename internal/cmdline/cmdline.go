// Package cmdline is the command-line scaffolding every deploytag binary
// shares: one way to build a urfave/cli App, the common flags, the error
// format ("tool: error: ..." on stderr, one line per culprit) and the exit
// codes. Only this package and cmd/* touch the process's streams, its
// environment and its exit code.
package cmdline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/deploytag/deploytag/pkg/fail"
	"github.com/deploytag/deploytag/pkg/redact"
)

// Exit codes. They are part of the interface and are never renumbered.
const (
	ExitOK      = 0 // success, including "already done"
	ExitFailure = 1 // anything that failed while doing the work
	ExitUsage   = 2 // the command line is wrong
	// ExitUnrecorded: the work is done, only its record is missing (a
	// deploy switched current, but deploys.log could not be written); the
	// result is on stdout as on success.
	ExitUnrecorded = 3
)

// version is set at build time with -ldflags "-X .../internal/cmdline.version=...".
var version = ""

// Version returns the version the binary was built as, with the commit it
// was built from when known and the Go release that built it:
// "0.4.0 (commit 3f9a2c1, go1.26.8)".
func Version() string { return buildVersion() }

// UsageError, Usage and Usagef are pkg/fail's, named here too for the
// Actions of cmd/*: a wrong command line, exit status 2.
type UsageError = fail.UsageError

// Usage wraps err as a *UsageError (nil stays nil).
func Usage(err error) error { return fail.Usage(err) }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error { return fail.Usagef(format, args...) }

// NewApp builds an App with the behaviour every deploytag binary shares:
// no "help" command, usage errors exit 2 without printing help to stdout,
// the library never calls os.Exit, --version prints Version(), and an
// empty value given on the command line to a flag that needs one
// (--config "") is a usage error, never taken for "not given".
func NewApp(name, usage, argsUsage string, flags []cli.Flag, action cli.ActionFunc) *cli.App {
	return &cli.App{
		Name:      name,
		Usage:     usage,
		ArgsUsage: argsUsage,
		Version:   Version(),
		Flags:     flags,
		Action: func(c *cli.Context) error {
			if err := emptyValues(c); err != nil {
				return err
			}
			return action(c)
		},
		CustomAppHelpTemplate:  helpTemplate,
		HideHelpCommand:        true,
		UseShortOptionHandling: false,
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return Usagef("%s", flagNamesAsTyped(err.Error()))
		},
		ExitErrHandler: func(*cli.Context, error) {},
	}
}

// Main runs app with the process's arguments and streams, cancelling on
// SIGINT and SIGTERM, and returns the exit code. src is the binary's
// main.go (embedded), whose doc comment --help shows parts of
// (Document). A binary's main is
//
//	func main() { os.Exit(cmdline.Main(app(), source)) }
//
// SIGHUP (the terminal or ssh session went away) is handled as SIGINT and
// SIGTERM are: the context ends, the work in progress stops and is cleaned
// up, and the tool prints one line and exits 1.
func Main(app *cli.App, src string) int {
	Document(app, src)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		select {
		case s := <-sigs:
			cancel(&SignalError{Signal: s})
		case <-ctx.Done():
		}
	}()
	return Run(ctx, app, os.Args, os.Stdin, os.Stdout, os.Stderr)
}

// SignalError is the cause of a run's context when a signal stopped it.
type SignalError struct{ Signal os.Signal }

func (e *SignalError) Error() string {
	return fmt.Sprintf("stopped by signal %s; the work in progress was ended and cleaned up", e.Signal)
}

// closers are what Run ends after the app returns (the git runner's
// shared ssh connections), kept in the App's Metadata under this key.
const closersKey = "deploytag.closers"

// OnExit has fn run when Run is done with app, however the Action ended.
func OnExit(app *cli.App, fn func() error) {
	if app.Metadata == nil {
		app.Metadata = map[string]any{}
	}
	fns, _ := app.Metadata[closersKey].([]func() error)
	app.Metadata[closersKey] = append(fns, fn)
}

// givenKey keeps, in the App's Metadata, the flags Run found on the
// command line (cmdLine.given, for Given).
const givenKey = "deploytag.given"

// servesKey marks, in the App's Metadata, a run that serves until a
// signal: see Serves.
const servesKey = "deploytag.serves"

// Serves says that this run of app serves until SIGINT or SIGTERM, so a
// signal is its normal end: when the Action then returns nil (it shut
// down gracefully), the tool exits 0 and prints nothing.
func Serves(app *cli.App) {
	if app.Metadata == nil {
		app.Metadata = map[string]any{}
	}
	app.Metadata[servesKey] = true
}

// Run runs app with the given arguments and streams and returns the exit
// code, printing any error to stderr as "NAME: error: ..." lines.
func Run(ctx context.Context, app *cli.App, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app.Reader, app.Writer, app.ErrWriter = stdin, stdout, stderr
	cli.VersionPrinter = func(c *cli.Context) {
		fmt.Fprintf(c.App.Writer, "%s %s\n", c.App.Name, c.App.Version)
	}
	if app.Metadata == nil {
		app.Metadata = map[string]any{}
	}
	app.Setup() // adds --help and --version to the App's flags
	if len(args) > 1 && args[1] == completeFlag {
		complete(ctx, app, args[0], args[2:], stdout)
		return ExitOK
	}
	line, err := permute(app.Flags, args)
	if err != nil {
		Report(stderr, app.Name, err)
		return ExitCode(err)
	}
	app.Metadata[givenKey] = line.given
	if line.given[cli.HelpFlag.Names()[0]] {
		// --help anywhere shows the help; urfave/cli would read an
		// operand as a help topic.
		line.args = []string{args[0], "--" + cli.HelpFlag.Names()[0]}
	}
	err = app.RunContext(ctx, line.args)
	fns, _ := app.Metadata[closersKey].([]func() error)
	for i := len(fns) - 1; i >= 0; i-- {
		err = errors.Join(err, fns[i]())
	}
	delete(app.Metadata, closersKey)
	var se *SignalError
	if errors.As(context.Cause(ctx), &se) && !(err == nil && app.Metadata[servesKey] == true) {
		fmt.Fprintf(stderr, "%s: error: %s\n", app.Name, se)
		return ExitFailure
	}
	if err == nil {
		return ExitOK
	}
	Report(stderr, app.Name, err)
	return ExitCode(err)
}

// ExitCode picks the exit code for err from its type: a *fail.UsageError
// anywhere in it (OnUsageError makes one of every urfave/cli parse error)
// is 2, an error made only of *fail.Unrecorded (work done, its record
// missing) 3, a cli.ExitCoder of our own its code, anything else 1.
func ExitCode(err error) int {
	var ec cli.ExitCoder
	switch {
	case err == nil:
		return ExitOK
	case fail.IsUsage(err):
		return ExitUsage
	case fail.OnlyUnrecorded(err):
		return ExitUnrecorded
	case errors.As(err, &ec) && ec.ExitCode() != 0 && !childExit(ec):
		return ec.ExitCode()
	}
	return ExitFailure
}

// Report prints err on w, one "name: error: ..." line per joined error, each
// followed by its hint if it has one. A join wrapped in context ("deploying
// T: %w" around several problems) prints one line per problem, each with
// the context, then the wrapper's own hint.
func Report(w io.Writer, name string, err error) {
	for _, l := range lines(err) {
		// Redacted once more here: no credential in a URL reaches stderr,
		// whichever package worded the error.
		msg := redact.Credentials(strings.ReplaceAll(strings.TrimSpace(l.msg), "\n", "; "))
		// An interrupt (SIGINT, SIGTERM, SIGHUP) cancels the root context:
		// say so in words, never as Go's "context canceled", even where a
		// package formatted the cancellation with %v.
		msg = strings.ReplaceAll(msg, context.Canceled.Error(), "interrupted")
		fmt.Fprintf(w, "%s: error: %s\n", name, msg)
		for _, h := range l.hints {
			fmt.Fprintf(w, "%s: hint: %s\n", name, redact.Credentials(h))
		}
	}
	if fail.IsUsage(err) {
		fmt.Fprintf(w, "%s: hint: see '%s --help'\n", name, name)
	}
}

// ownHint is the hint of e itself, not of what it wraps: errors.As
// would find a joined leaf's, which its own line prints.
func ownHint(e error) string {
	var link any = e
	if h, ok := link.(fail.Hinter); ok {
		return h.Hint()
	}
	return ""
}

// line is one error line of a report and the hints that follow it.
type line struct {
	msg   string
	hints []string
}

// lines unpacks errors.Join trees into one line per leaf, keeping wrapped
// errors whole. A chain of single wrappers around a join whose message
// holds the join's (fmt.Errorf("...: %w", join), a UsageError) gives each
// leaf a line of its own inside the wrappers' words; the wrappers' hint,
// if any, follows the last.
func lines(err error) []line {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []line
		for _, e := range j.Unwrap() {
			out = append(out, lines(e)...)
		}
		return out
	}
	var hint string
	for u, top := err, true; u != nil; u, top = errors.Unwrap(u), false {
		if hint == "" {
			hint = ownHint(u)
		}
		j, ok := u.(interface{ Unwrap() []error })
		if !ok || top {
			continue
		}
		whole, inner := err.Error(), u.Error()
		i := strings.Index(whole, inner)
		if i < 0 || inner == "" {
			break // worded otherwise: one line
		}
		prefix, suffix := whole[:i], whole[i+len(inner):]
		var out []line
		for _, e := range j.Unwrap() {
			for _, l := range lines(e) {
				out = append(out, line{msg: prefix + l.msg + suffix, hints: l.hints})
			}
		}
		if len(out) > 0 && hint != "" {
			last := &out[len(out)-1]
			last.hints = append(last.hints, hint)
		}
		return out
	}
	l := line{msg: err.Error()}
	if h := fail.Hint(err); h != "" {
		l.hints = []string{h}
	}
	return []line{l}
}
