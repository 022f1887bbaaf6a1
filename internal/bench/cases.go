package main

// Case is one tool measured against the shell loops it replaces. Adding a
// tool to the benchmark is adding one Case to cases.
type Case struct {
	Tool    string // binary in the -bin folder; the case is skipped when it is missing
	Variant string // shown after the tool, e.g. "git://"
	// Args is the tool's command line after its name. Placeholders:
	// {base} the basedir, {tag} a fresh tag name, {time} a fresh RFC 3339
	// time, {out} a fresh empty folder, {remote} the remote to push to.
	Args string
	// Remote is the git remote used for {remote} and $REMOTE: "origin" is
	// the bare repo by file path, "daemon" the same bare repo through
	// git daemon on 127.0.0.1.
	Remote string
	// Tagged: before each run (untimed), {tag} is applied to every repo
	// with tag_repos, for tools that work on an existing tag.
	Tagged bool
	// Sizes the case runs at (numbers of repos); nil means all.
	Sizes []int
	// Flat: at the 10,000-tag fixture, compare the tool with itself on the
	// 200-tag fixture of the same size (target: within FlatTarget).
	Flat      bool
	Baselines []Baseline
}

// Baseline is a bash script run with $B (the basedir), $T (a fresh tag),
// $TIME, $OUT (a fresh empty folder) and $REMOTE set.
type Baseline struct {
	Name   string
	Script string
	Target float64 // the tool's time over the baseline's must be at most this; 0: no target
	At     []int   // the sizes Target applies to; nil means all
	// Goal, when set, is the goal (goals.go) this row serves at the
	// goal's sizes; its targets are the goal's.
	Goal string
	// Sizes the baseline runs at (numbers of repos); nil means all the
	// case's.
	Sizes []int
}

// FlatTarget bounds the cost of 10,000 existing tags per repo against 200.
const FlatTarget = 1.2

// MemTarget bounds the peak memory of any tool at MemTargetAt repos.
const (
	MemTarget   = 64 << 20
	MemTargetAt = 1000
)

const (
	naiveTag = `for r in "$B"/*/; do git -C "$r" tag -a -m "$T" "$T" || exit 1; done`
	// the careful loop checks every repo before tagging any.
	carefulTag = `for r in "$B"/*/; do
	[ -z "$(git -C "$r" status --porcelain)" ] || { echo "dirty: $r" >&2; exit 1; }
	! git -C "$r" rev-parse -q --verify "refs/tags/$T" >/dev/null || { echo "exists: $r" >&2; exit 1; }
done
for r in "$B"/*/; do git -C "$r" tag -a -m "$T" "$T" || exit 1; done`
	headsHash  = `for r in "$B"/*/; do n=${r%/}; printf '%s %s\n' "${n##*/}" "$(git -C "$r" rev-parse HEAD)"; done | sha256sum | cut -c1-7`
	serialPush = `for r in "$B"/*/; do git -C "$r" push -q "$REMOTE" "$T" || exit 1; done`
	xargsPush  = `printf '%s\n' "$B"/*/ | xargs -P4 -I{} git -C {} push -q "$REMOTE" "$T"`
	archiveTar = `for r in "$B"/*/; do n=${r%/}; n=${n##*/}; mkdir -p "$OUT/$n" && git -C "$r" archive "$T" | tar -x -C "$OUT/$n" || exit 1; done`
	revParse   = `for r in "$B"/*/; do set -- $(git -C "$r" rev-parse HEAD "$T^{commit}") && [ "$1" = "$2" ] || exit 1; done`
)

var cases = []Case{
	{Tool: "create_deploy_tag", Args: "--basedir {base} --time {time}", Flat: true,
		Baselines: []Baseline{{Name: "rev-parse loop | sha256sum", Script: headsHash}}},
	{Tool: "tag_for_deploy", Args: "--time {time} {base}", Flat: true,
		Baselines: []Baseline{
			{Name: "careful loop", Script: carefulTag, Goal: GoalTag},
			{Name: "naive loop", Script: naiveTag, Target: 1.0, At: []int{100, 1000}},
		}},
	{Tool: "tag_repos", Args: "--basedir {base} {tag}", Flat: true,
		Baselines: []Baseline{{Name: "naive loop", Script: naiveTag, Target: 0.8, At: []int{1000}}}},
	{Tool: "push_tag", Variant: "file", Args: "--basedir {base} --remote {remote} {tag}", Remote: "origin",
		Tagged: true, Sizes: []int{12, 100, 1000}, Flat: true,
		Baselines: []Baseline{
			{Name: "serial push loop", Script: serialPush, Sizes: []int{12, 100}},
			{Name: "xargs -P4 git push", Script: xargsPush, Goal: GoalPushFile},
		}},
	{Tool: "push_tag", Variant: "git://", Args: "--basedir {base} --remote {remote} {tag}", Remote: "daemon",
		Tagged: true, Sizes: []int{12, 100}, Flat: true,
		Baselines: []Baseline{
			{Name: "serial push loop", Script: serialPush, Target: 0.15, At: []int{100}},
			{Name: "xargs -P4 git push", Script: xargsPush, Target: 0.6, At: []int{100}},
		}},
	{Tool: "deploy", Variant: "--no-push", Args: "--environment bench --tag {tag} --basedir {base} --root {out} --no-push",
		Tagged: true, Sizes: []int{12, 100}, Flat: true,
		Baselines: []Baseline{{Name: "archive | tar loop", Script: archiveTar, Target: 0.6, At: []int{100}}}},
	{Tool: "verify_deploy_tag", Args: "--basedir {base} {tag}", Tagged: true, Flat: true,
		Baselines: []Baseline{{Name: "rev-parse loop", Script: revParse}}},
}
