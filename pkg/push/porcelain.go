package push

import "strings"

// RefStatus is one line of "git push --porcelain": what one remote URL
// said of one ref.
type RefStatus struct {
	URL     string // the "To" line it belongs to (as git printed it)
	Flag    byte   // ' ' fast-forward, '+' forced, '-' deleted, '*' new, '!' rejected, '=' up to date
	From    string // local side of the refspec
	To      string // remote ref, e.g. refs/tags/DEPLOY_...
	Summary string // e.g. "[new tag]", "[rejected]", "[remote rejected]", "abc123..def456"
	Reason  string // the text in parentheses after the summary, if any
}

// OK reports whether the remote now has the ref as pushed.
func (s RefStatus) OK() bool {
	switch s.Flag {
	case ' ', '*', '=':
		return true
	}
	return false
}

// ParsePorcelain reads the stdout of "git push --porcelain": blocks that
// start with "To URL", then "FLAG TAB FROM:TO TAB SUMMARY [(REASON)]" per
// ref, and end with "Done". A remote with several push URLs gives several
// blocks. git's stdout is shared with the pre-push hook it runs (git-lfs
// prints its meter there), so only status lines inside a block are read;
// every other line is returned in others, in order, never interpreted: a
// ref no status line names stays unreported. A meter drawn for a terminal
// ends its lines with a carriage return, so that ends a line too (git's
// own lines hold none), and a meter's padding is trimmed.
func ParsePorcelain(out []byte) (statuses []RefStatus, others []string) {
	var (
		url string
		in  bool
	)
	lines := strings.FieldsFunc(string(out), func(r rune) bool { return r == '\n' || r == '\r' })
	for _, line := range lines {
		switch {
		case strings.TrimSpace(line) == "":
			continue
		case strings.HasPrefix(line, "To "):
			url, in = strings.TrimPrefix(line, "To "), true
			continue
		case line == "Done" && in:
			in = false
			continue
		}
		st, ok := statusLine(line)
		if !in || !ok {
			others = append(others, strings.TrimRight(line, " "))
			continue
		}
		st.URL = url
		statuses = append(statuses, st)
	}
	return statuses, others
}

// statusLine parses "FLAG TAB FROM:TO TAB SUMMARY [(REASON)]".
func statusLine(line string) (RefStatus, bool) {
	f := strings.SplitN(line, "\t", 3)
	if len(f) != 3 || len(f[0]) != 1 || !strings.ContainsRune(" +-*!=", rune(f[0][0])) {
		return RefStatus{}, false
	}
	from, to, ok := strings.Cut(f[1], ":")
	if !ok || to == "" {
		return RefStatus{}, false
	}
	st := RefStatus{Flag: f[0][0], From: from, To: to, Summary: f[2]}
	if i := strings.Index(f[2], " ("); i >= 0 && strings.HasSuffix(f[2], ")") {
		st.Summary, st.Reason = f[2][:i], f[2][i+2:len(f[2])-1]
	}
	return st, true
}

// Outcome is what the porcelain report says of one ref across every URL
// of the remote.
type Outcome int

const (
	Unreported Outcome = iota // git said nothing of the ref (it failed before pushing)
	Confirmed                 // every URL has the ref as pushed
	Exists                    // the remote has the ref at another object: "[rejected] (already exists)"
	Rejected                  // refused otherwise (remote hook, non-fast-forward, ...)
)

// Judge returns the outcome for ref and, unless Confirmed, the status that
// decided it. A ref is confirmed only if every URL confirmed it.
func Judge(statuses []RefStatus, ref string) (Outcome, RefStatus) {
	outcome := Unreported
	var decided RefStatus
	for _, s := range statuses {
		if s.To != ref {
			continue
		}
		switch {
		case s.OK():
			if outcome == Unreported {
				outcome, decided = Confirmed, s
			}
		case s.Flag == '!' && s.Summary == "[rejected]" && s.Reason == "already exists":
			if outcome != Rejected {
				outcome, decided = Exists, s
			}
		default:
			outcome, decided = Rejected, s
		}
	}
	return outcome, decided
}
