package deploy

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deploytag/deploytag/pkg/place"
	"github.com/deploytag/deploytag/pkg/proc"
)

// The environment's programs (command, restart, check) are the
// operator's, from deploy.toml, each an argv (never a shell line). Each
// starts through pkg/proc like every child of the tool: a session of its
// own, so no controlling terminal (a program that would prompt fails
// instead of waiting on one), its process group ended (SIGTERM, then
// SIGKILL) when the deploy is interrupted or the check's time is up, and
// killed with the tool. Stdin is /dev/null.

// child is the environment's program argv, bound to the tool, run from
// dir with the deploy's environment (o.Env) and vars.
func (o *Options) child(ctx context.Context, argv []string, dir string, vars ...string) *proc.Cmd {
	cmd := proc.Command(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), o.Env...), vars...)
	return cmd
}

// ran reports whether a child exited 0: also when it did, but something
// it left running in the background kept its output open past the grace
// (exec.ErrWaitDelay), as a restart that starts a server may.
func ran(cmd *proc.Cmd, err error) bool {
	return err == nil || (errors.Is(err, exec.ErrWaitDelay) && cmd.ProcessState != nil && cmd.ProcessState.Success())
}

// argvText is an argv as messages show it.
func argvText(argv []string) string { return strings.Join(argv, " ") }

// liveDir is where restart and check run: the live release through
// current (or its workdir), so that a program that records its folder
// records current, not one release.
func (o *Options) liveDir(root *place.Root, tag string) (string, error) {
	dir := filepath.Join(root.Dir, place.CurrentLink)
	if o.Workdir == "" {
		return dir, nil
	}
	if err := insideDir(root.ReleasePath(tag), o.Workdir); err != nil {
		return "", err
	}
	return filepath.Join(dir, o.Workdir), nil
}

// lifeVars are the variables restart and check see: the live tag, the one
// live before it ("" on a first deploy), the environment, the release.
func (o *Options) lifeVars(root *place.Root, dir, tag, previous string) []string {
	return []string{
		"DEPLOY_TAG=" + tag,
		"DEPLOY_PREVIOUS_TAG=" + previous,
		"DEPLOY_ENVIRONMENT=" + o.Environment,
		"DEPLOY_RELEASE=" + root.ReleasePath(tag),
		"PWD=" + dir,
	}
}

// restart runs the environment's restart, if any, for tag, live now
// (previous was live before it), its output on Stderr.
func (o *Options) restart(ctx context.Context, root *place.Root, tag, previous string) error {
	if len(o.Restart) == 0 {
		return nil
	}
	dir, err := o.liveDir(root, tag)
	if err != nil {
		return fmt.Errorf("restart %s for %s: %w", argvText(o.Restart), tag, err)
	}
	cmd := o.child(ctx, o.Restart, dir, o.lifeVars(root, dir, tag, previous)...)
	cmd.Stdout, cmd.Stderr = o.Stderr, o.Stderr
	if err := cmd.Run(); !ran(cmd, err) {
		return fmt.Errorf("restart %s failed for %s: %w", argvText(o.Restart), tag, err)
	}
	return nil
}

// check runs the environment's check, if any, for res.Tag, live now,
// until it exits 0 or o.CheckTimeout passes, o.CheckInterval between two
// tries. On failure it returns the last try's output (its tail) with the
// error.
func (o *Options) check(ctx context.Context, root *place.Root, res *Result) (string, error) {
	if len(o.Check) == 0 {
		return "", nil
	}
	dir, err := o.liveDir(root, res.Tag)
	if err != nil {
		return "", fmt.Errorf("check %s: %w", argvText(o.Check), err)
	}
	vars := o.lifeVars(root, dir, res.Tag, res.Previous)
	cctx, cancel := context.WithTimeout(ctx, o.CheckTimeout)
	defer cancel()
	// done is the last try that ended by itself: its output and status
	// say more than a try cut short by the deadline.
	var (
		done, cut *tail
		why       string
		tries     int
	)
	for {
		tries++
		out := &tail{max: outputKept}
		cmd := o.child(cctx, o.Check, dir, vars...)
		cmd.Stdout, cmd.Stderr = out, out
		err := cmd.Run()
		if ran(cmd, err) {
			return "", nil
		}
		if cctx.Err() != nil {
			cut = out
			break
		}
		done, why = out, err.Error()
		if deadline, _ := cctx.Deadline(); time.Now().Add(o.CheckInterval).After(deadline) {
			break
		}
		t := time.NewTimer(o.CheckInterval)
		select {
		case <-t.C:
		case <-cctx.Done():
		}
		t.Stop()
		if cctx.Err() != nil {
			break
		}
	}
	last := done
	switch {
	case done == nil:
		last, why = cut, "still running when the time was up"
	case cut != nil:
		why = "the last to end: " + why
	default:
		why = "the last: " + why
	}
	if err := ctx.Err(); err != nil {
		return last.String(), fmt.Errorf("check %s interrupted: %w", argvText(o.Check), context.Cause(ctx))
	}
	s := "tries"
	if tries == 1 {
		s = "try"
	}
	return last.String(), fmt.Errorf("check %s did not pass within %s (%d %s; %s)", argvText(o.Check), o.CheckTimeout, tries, s, why)
}

// comeUp restarts the release just switched to (res.Tag; res.Previous was
// live before) and checks it. When either fails, current goes back to
// res.Previous, which is restarted again (*RolledBackError); with nothing
// to go back to, res.Tag stays live (*NotUpError).
func (o *Options) comeUp(ctx context.Context, root *place.Root, res *Result) error {
	why := o.restart(ctx, root, res.Tag, res.Previous)
	var out string
	if why == nil {
		out, why = o.check(ctx, root, res)
	}
	if why == nil {
		return nil
	}
	if out != "" {
		// The last try's output, as the command's would be.
		fmt.Fprint(o.Stderr, out)
		if !strings.HasSuffix(out, "\n") {
			fmt.Fprintln(o.Stderr)
		}
	}
	prev := res.Previous
	if prev == "" || prev == res.Tag || !root.Kept(prev) {
		return &NotUpError{Err: why, Tag: res.Tag, Output: clip(out), Before: prev}
	}
	if err := root.Switch(prev); err != nil {
		return errors.Join(&NotUpError{Err: why, Tag: res.Tag, Output: clip(out), Before: prev},
			fmt.Errorf("switching back to %s: %w", prev, err))
	}
	// The release that was live comes back up even when the deploy was
	// interrupted: it is what runs now.
	rerr := o.restart(context.WithoutCancel(ctx), root, prev, res.Tag)
	return &RolledBackError{Err: why, Tag: res.Tag, Live: prev, Output: clip(out), Restart: rerr}
}

// RolledBackError is a release that went live but did not come up (its
// restart failed, or its check never passed): current went back to the
// release live before, which was restarted. deploys.log records the
// attempt as rolled_back, with Output.
type RolledBackError struct {
	Err     error  // why: the restart or the check
	Tag     string // the release that did not come up
	Live    string // the release live again
	Output  string // the check's last output, cut short
	Restart error  // the restart of Live, if it failed too
}

func (e *RolledBackError) Error() string {
	s := fmt.Sprintf("%v; switched back: %s is live again", e.Err, e.Live)
	if e.Restart != nil {
		s += ", but its " + e.Restart.Error()
	}
	return s
}
func (e *RolledBackError) Unwrap() error { return e.Err }

// NotUpError is a release that went live but did not come up, with no
// release to go back to (the first deploy here, or the same tag was live
// before): it stays live.
type NotUpError struct {
	Err    error
	Tag    string
	Output string
	Before string // the tag live before: "" or Tag itself
}

func (e *NotUpError) Error() string {
	if e.Before == e.Tag {
		return fmt.Sprintf("%v; %s stays live: it was live before this deploy, nothing else to go back to", e.Err, e.Tag)
	}
	if e.Before != "" {
		return fmt.Sprintf("%v; %s stays live: %s, live before, is no longer kept", e.Err, e.Tag, e.Before)
	}
	return fmt.Sprintf("%v; %s stays live: nothing to go back to (the first deploy here)", e.Err, e.Tag)
}
func (e *NotUpError) Unwrap() error { return e.Err }

// outputKept is how much of a check's output is kept (its end), and
// logClip how much of it deploys.log records.
const (
	outputKept = 8 << 10
	logClip    = 1000
)

// clip cuts a check's output short for deploys.log: its last logClip
// bytes, whole characters, "..." in front when cut.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= logClip {
		return s
	}
	s = s[len(s)-logClip:]
	for len(s) > 0 && !utf8.RuneStart(s[0]) {
		s = s[1:]
	}
	return "..." + s
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string { return string(t.b) }
