package deploy

import (
	"fmt"
	"strconv"
	"strings"
)

// Plan is the text a dry run prints: one "key value" line each for the
// tag, whether this run would create it, the environment, the root, the
// release folder, whether it pushes, the command and its workdir, then one
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
	if len(o.Command) == 0 {
		b.WriteString("command none\n")
	} else {
		q := make([]string, len(o.Command))
		for i, a := range o.Command {
			q[i] = strconv.Quote(a)
		}
		fmt.Fprintf(&b, "command %s\n", strings.Join(q, " "))
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
