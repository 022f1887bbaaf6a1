package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The goals of "faster at git's floor": each a ratio ours / the loop a
// user would write, measured at two sizes so that the cost per repo or per
// file shows. Every measurement that serves a goal adds a result; the
// Goals table of the results file lists them, goal by goal.

// Goal is one row of the goals table.
type Goal struct {
	Key  string // what results name
	Name string // the row's text: ours against what
	Unit string // "repo" or "file"
	// Target is the highest ratio that meets the goal, per size (one entry
	// for every size; 0: no target there).
	Sizes, QuickSizes []int
	Target            []float64
}

// Goal keys.
const (
	GoalPushFile   = "push-file"
	GoalPushSSH    = "push-ssh"
	GoalPushSSHCM  = "push-ssh-cm"
	GoalTag        = "tag"
	GoalExport     = "export"
	GoalExportMix  = "export-mixed"
	GoalUnpack     = "unpack"
	GoalUnpackMix  = "unpack-mixed"
	GoalVerifyHost = "verify-host"
)

var goals = []Goal{
	{Key: GoalPushFile, Name: "push_tag vs `xargs -P4 git push`, file remotes", Unit: "repo",
		Sizes: []int{100, 1000}, QuickSizes: []int{12, 100}, Target: []float64{0.8, 0.8}},
	{Key: GoalPushSSH, Name: "push_tag vs `xargs -P4 git push`, one real sshd", Unit: "repo",
		Sizes: []int{25, 50}, QuickSizes: []int{5, 10}, Target: []float64{0.5, 0.5}},
	{Key: GoalPushSSHCM, Name: "push_tag vs `xargs -P8 git push` over one shared ControlMaster", Unit: "repo",
		Sizes: []int{25, 50}, QuickSizes: []int{5, 10}, Target: []float64{0.8, 0.8}},
	{Key: GoalTag, Name: "tag_for_deploy vs the careful loop (status check, then tag)", Unit: "repo",
		Sizes: []int{100, 1000}, QuickSizes: []int{12, 100}, Target: []float64{0.36, 0.45}},
	{Key: GoalExport, Name: "deploy's export vs `git archive T \\| tar -x`, random files (10 KiB average, 1% of 0.5 MiB)", Unit: "file",
		Sizes: []int{2000, 20000}, QuickSizes: []int{200, 2000}, Target: []float64{0.6, 0.6}},
	{Key: GoalExportMix, Name: "deploy's export vs `git archive T \\| tar -x`, files of 0.1–40 KiB in one pack", Unit: "file",
		Sizes: []int{1000, 10000}, QuickSizes: []int{100, 1000}, Target: []float64{0.6, 0.6}},
	{Key: GoalUnpack, Name: "`deploy --from-artifact` vs `tar -x`, then sha1sum of every file, random files", Unit: "file",
		Sizes: []int{2000, 20000}, QuickSizes: []int{200, 2000}, Target: []float64{0.9, 0.9}},
	{Key: GoalUnpackMix, Name: "`deploy --from-artifact` vs `tar -x`, then sha1sum of every file, 0.1–40 KiB", Unit: "file",
		Sizes: []int{1000, 10000}, QuickSizes: []int{100, 1000}, Target: []float64{0.9, 0.9}},
	{Key: GoalVerifyHost, Name: "verify_deploy_tag --root on a host vs `find \\| xargs sha1sum`, random files", Unit: "file",
		Sizes: []int{2000, 20000}, QuickSizes: []int{200, 2000}, Target: []float64{1.0, 1.0}},
}

// goalByKey finds a goal; it panics on an unknown key (a bug in the table).
func goalByKey(key string) *Goal {
	for i := range goals {
		if goals[i].Key == key {
			return &goals[i]
		}
	}
	panic("bench: no goal " + key)
}

// sizes are the goal's sizes, quick or full.
func (g *Goal) sizes(quick bool) []int {
	if quick {
		return g.QuickSizes
	}
	return g.Sizes
}

// target is the goal's ratio at size n, quick or full (the same index in
// either list): 0 if none.
func (g *Goal) target(n int, quick bool) float64 {
	for i, s := range g.sizes(quick) {
		if s == n && i < len(g.Target) {
			return g.Target[i]
		}
	}
	return 0
}

// UnreliableLoad is the 1-minute load average above which a run is
// marked unreliable when it starts there: the machine has 2 cores, and
// above 1.5 other work takes a share of them. Once the run is going, its
// own processes make the load (see quiet.go), so each measurement is
// judged by what other work took meanwhile.
const UnreliableLoad = 1.5

// load is a 1-minute load average, or -1 when unknown.
type load float64

func (l load) String() string {
	if l < 0 {
		return "?"
	}
	return strconv.FormatFloat(float64(l), 'f', 2, 64)
}

// load1 reads the 1-minute load average.
func load1() load {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return -1
	}
	return parseLoad1(string(b))
}

func parseLoad1(s string) load {
	f := strings.Fields(s)
	if len(f) == 0 {
		return -1
	}
	v, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return -1
	}
	return load(v)
}

// result is one measurement of a goal at one size: medians of paired runs.
type result struct {
	goal       string
	size       int // repos or files
	runs       int
	ours, base time.Duration // medians
	rss        int64         // ours' peak, bytes (0: not taken)
	loadStart  load
	loadEnd    load
	others     float64 // cores other work took meanwhile (-1: unknown)
	err        string
}

func (r result) ratio() float64 { return r.ours.Seconds() / r.base.Seconds() }

// perUnit is d divided by n, in ms for repos and µs for files.
func perUnit(d time.Duration, n int, unit string) string {
	if n <= 0 {
		return ""
	}
	if unit == "file" {
		return fmt.Sprintf("%.0f µs", float64(d.Microseconds())/float64(n))
	}
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000/float64(n))
}

// goalsTable renders the results, goal by goal and size by size, in the
// order of goals; a goal with no result says so.
func goalsTable(results []result, quick bool) string {
	var s strings.Builder
	s.WriteString("| case | size | runs | ours | baseline | ours per unit | baseline per unit | ratio | goal | load at start → end |\n")
	s.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n")
	for i := range goals {
		g := &goals[i]
		found := false
		for _, r := range results {
			if r.goal != g.Key {
				continue
			}
			found = true
			size := fmt.Sprintf("%d %ss", r.size, g.Unit)
			if r.err != "" {
				fmt.Fprintf(&s, "| %s | %s | | | | | | | FAILED: %s | |\n", g.Name, size, cell(strings.ReplaceAll(firstLines(r.err, 2), "\n", " ")))
				continue
			}
			verdictText := ""
			if t := g.target(r.size, quick); t > 0 {
				verdictText = verdict(r.ratio(), t)
			}
			loads := fmt.Sprintf("%s → %s; %s", r.loadStart, r.loadEnd, othersText(r.others))
			if unreliable(r.others) {
				loads += " **unreliable**"
				if verdictText != "" {
					verdictText += " (unreliable)"
				}
			}
			fmt.Fprintf(&s, "| %s | %s | %d | %.3f s | %.3f s | %s | %s | %.2f | %s | %s |\n", g.Name, size, r.runs,
				r.ours.Seconds(), r.base.Seconds(), perUnit(r.ours, r.size, g.Unit), perUnit(r.base, r.size, g.Unit),
				r.ratio(), verdictText, loads)
		}
		if !found {
			fmt.Fprintf(&s, "| %s | | | | | | | | not measured in this run | |\n", g.Name)
		}
	}
	return s.String()
}

// marginal is the cost of one more unit between two sizes: (b-a)/(nb-na).
func marginal(a, b time.Duration, na, nb int) time.Duration {
	if nb == na {
		return 0
	}
	return (b - a) / time.Duration(nb-na)
}

// growthTable shows, per goal measured at two sizes, the cost of one more
// repo or file for each side (the difference of the medians over the
// difference of the sizes): what a side pays per unit once its fixed
// cost is paid.
func growthTable(results []result) string {
	var s strings.Builder
	s.WriteString("| case | sizes | ours per extra unit | baseline per extra unit | ratio of the extra costs |\n|---|---|---:|---:|---:|\n")
	rows := 0
	for i := range goals {
		g := &goals[i]
		var rs []result
		for _, r := range results {
			if r.goal == g.Key && r.err == "" && r.base > 0 {
				rs = append(rs, r)
			}
		}
		if len(rs) < 2 {
			continue
		}
		a, b := rs[0], rs[len(rs)-1]
		if a.size == b.size {
			continue
		}
		mo, mb := marginal(a.ours, b.ours, a.size, b.size), marginal(a.base, b.base, a.size, b.size)
		ratio := ""
		if mb > 0 {
			ratio = fmt.Sprintf("%.2f", mo.Seconds()/mb.Seconds())
		}
		fmt.Fprintf(&s, "| %s | %d → %d %ss | %s | %s | %s |\n", g.Name, a.size, b.size, g.Unit,
			perUnit(mo, 1, g.Unit), perUnit(mb, 1, g.Unit), ratio)
		rows++
	}
	if rows == 0 {
		return ""
	}
	return s.String()
}
