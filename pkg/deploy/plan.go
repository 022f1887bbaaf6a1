package deploy

import (
	"fmt"
	"strconv"
	"strings"
)

// Plan is the text a dry run prints: one "key value" line each for the
// tag, whether this run would create it, the environment, the root, the
// release folder, whether it pushes, then the steps in the order they
// would run (the build, one line per shared link, the command, the
// switch, the restart, the check with its timeout and interval) and the workdir the programs run from, then one
// "repo NAME COMMIT" line per repo.
func (r Result) Plan(o Options) string {
	var b strings.Builder
	yesno := func(v bool) string {
		if v {
			return "yes"
		}
		return "no"
	}
	fmt.Fprintf(&b, "tag %s\n", r.Tag)
	fmt.Fprintf(&b, "create %s\n", yesno(o.Tag == ""))
	fmt.Fprintf(&b, "environment %s\n", o.Environment)
	fmt.Fprintf(&b, "root %s\n", r.Root)
	fmt.Fprintf(&b, "release %s\n", r.Release)
	fmt.Fprintf(&b, "push %s\n", yesno(o.Push != nil))
	argv := func(key string, a []string) {
		if len(a) == 0 {
			fmt.Fprintf(&b, "%s none\n", key)
			return
		}
		q := make([]string, len(a))
		for i, s := range a {
			q[i] = strconv.Quote(s)
		}
		fmt.Fprintf(&b, "%s %s\n", key, strings.Join(q, " "))
	}
	argv("build", o.Build)
	if len(o.Shared) == 0 {
		b.WriteString("shared none\n")
	}
	for _, p := range o.Shared {
		fmt.Fprintf(&b, "shared %s\n", p)
	}
	argv("command", o.Command)
	fmt.Fprintf(&b, "switch %s\n", r.Tag)
	argv("restart", o.Restart)
	argv("check", o.Check)
	if len(o.Check) > 0 {
		fmt.Fprintf(&b, "check_timeout %s\ncheck_interval %s\n", o.CheckTimeout, o.CheckInterval)
	}
	if o.runsPrograms() {
		workdir := o.Workdir
		if workdir == "" {
			workdir = "."
		}
		fmt.Fprintf(&b, "workdir %s\n", workdir)
	}
	for _, e := range r.Manifest {
		fmt.Fprintf(&b, "repo %s %s\n", e.Name, e.Commit)
	}
	return b.String()
}

// runsPrograms reports whether the environment runs any program of its
// own (command, restart, check), which then run from the workdir.
func (o *Options) runsPrograms() bool {
	return len(o.Command) > 0 || len(o.Restart) > 0 || len(o.Check) > 0 || len(o.Build) > 0
}
