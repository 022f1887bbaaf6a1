// Package subst expands export-subst files from a raw commit object, in
// Go, as git archive (2.39) expands them: each "$Format:FMT$" becomes FMT
// expanded by git's pretty format for the commit. So a deployed file's
// bytes can be recomputed from the signed commit alone, with no git. As
// git archive does, it expands only the first %(describe) of an archive
// (ArchiveDescribes; a caller carries the count from file to file with
// Describes and ExpandN) and leaves the later ones as written.
//
// A placeholder whose answer is not a function of the commit object git
// answers from the repository, the clock or its config: %(describe)
// (tags), %d %D %(decorate) (refs), %h %t %p (abbreviations as short as
// the repository allows), %aN %aE %aL and %c... (the mailmap), %ar %ah
// and %c... (now), %G? and the other signature placeholders (the keys),
// %(trailers) (trailer.* config), and the layout directives %w() %<() %>()
// and %C(always,...), which reshape other placeholders' output. A span
// holding one of them is not computed here: its text is asked of the
// caller (Expand's answer: git at deploy time, the proof's record when
// verifying) and reported as a Span, so that it can be recorded and shown
// as what the signature does not cover. So is every span of a commit whose
// encoding header names another encoding than UTF-8 (git re-encodes the
// message and the output). Spans of %h, %t or %p alone can still be
// checked against the commit (CheckAbbrev).
//
// Everything else is computed: %H %T %P, %m (">", as archive has it), %e,
// %s %f %b %B, the author's and committer's %an %ae %al %ad %aD %at %ai
// %aI %as (dates as git's default, RFC 2822, ISO and short formats print
// them, in the ident's own time zone), %n %% %x00, the magic %+ %- and
// "% " prefixes (which may remove newlines before the span), colors that
// archive leaves out (%Cred, %C(...), %C(auto)), the reflog placeholders
// (empty: archive walks no reflog), and every unknown placeholder, kept as
// written. The package imports nothing of deploytag's.
package subst

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Span is a "$Format:...$" whose expansion is not computed from the
// commit: its format (as git sees it, up to a NUL) and the text it
// expanded to.
type Span struct {
	Format string
	Answer string
}

// Answer gives the expansion of a span's format that Expand does not
// compute. The format is the one to give git log: the span's, with each
// %(describe) past the archive's limit (ArchiveDescribes) made literal as
// git archive leaves it ("%%(describe)"; with a magic prefix, "%-gD"
// before it, which expands to nothing with the same effect).
type Answer func(format string) (string, error)

// ArchiveDescribes is how many %(describe) placeholders git archive (2.32
// and later; earlier ones know no %(describe)) expands in one archive:
// the first it meets, its files taken in tree order and each file's
// spans in order. Every later one is counted out: its span still loses
// its "$Format:" and "$", but the placeholder stays as written (a guard
// of git's against costly archives). A %(describe) git cannot parse uses
// the one up too.
const ArchiveDescribes = 1

// Expand rewrites data as git archive's export-subst does for the commit
// whose raw object is commit and whose hash is hash, data being the only
// export-subst file of its archive. Spans it cannot compute from the
// commit are asked of answer, in order, and returned.
func Expand(data, commit []byte, hash string, answer Answer) ([]byte, []Span, error) {
	return ExpandN(data, commit, hash, ArchiveDescribes, answer)
}

// ExpandN is Expand for a file of an archive whose earlier files have
// left describes of its ArchiveDescribes: it expands at most that many
// %(describe) placeholders (the first ones), and leaves the rest as
// written. Describes tells how many a file uses up.
func ExpandN(data, commit []byte, hash string, describes int, answer Answer) ([]byte, []Span, error) {
	c, err := parseCommit(commit, hash)
	if err != nil {
		return nil, nil, err
	}
	c.describes = describes
	var out []byte
	var spans []Span
	rest, err := eachSpan(data, func(before, format []byte) error {
		out = append(out, before...)
		// recorded walks the span as git does: it uses up the
		// describes the span reaches, and says how to ask git for it.
		if rec, ask := recorded(format, c); rec || c.recordAll {
			a, err := answer(string(ask))
			if err != nil {
				return err
			}
			out = append(out, a...)
			spans = append(spans, Span{Format: string(ask), Answer: a})
			return nil
		}
		var err error
		if out, err = c.expand(out, format); err != nil {
			return fmt.Errorf("$Format:%s$: %w", format, err)
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return append(out, rest...), spans, nil
}

// eachSpan calls f for each "$Format:...$" span of data, in order, with
// the bytes before it and its format (up to a NUL, as git reads it), and
// returns what follows the last span. It stops at f's first error.
func eachSpan(data []byte, f func(before, format []byte) error) ([]byte, error) {
	src := data
	for {
		b := bytes.Index(src, []byte("$Format:"))
		if b < 0 {
			return src, nil
		}
		e := bytes.IndexByte(src[b+8:], '$')
		if e < 0 {
			return src, nil
		}
		if err := f(src[:b], cstr(src[b+8:b+8+e])); err != nil {
			return nil, err
		}
		src = src[b+8+e+1:]
	}
}

// Describes is how many %(describe) placeholders git meets in data's
// spans, each one using up one of the archive's ArchiveDescribes whether
// git expands it or not.
func Describes(data, commit []byte, hash string) (int, error) {
	c, err := parseCommit(commit, hash)
	if err != nil {
		return 0, err
	}
	c.describes = 1 << 30 // count them all
	eachSpan(data, func(_, format []byte) error {
		recorded(format, c)
		return nil
	})
	return 1<<30 - c.describes, nil
}

// Formats returns the formats of data's spans that Expand would ask its
// answer for, in order: for a caller that gets them in one go.
func Formats(data, commit []byte, hash string) ([]string, error) {
	var fs []string
	_, _, err := Expand(data, commit, hash, func(f string) (string, error) {
		fs = append(fs, f)
		return "", nil
	})
	return fs, err
}

func cstr(s []byte) []byte {
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// commitInfo is what the placeholders read of a commit.
type commitInfo struct {
	hash, tree string
	parents    []string
	msg        []byte // the object up to its first NUL, as C reads it
	author     []byte
	committer  []byte
	encoding   *string
	messageOff int // the blank line ending the header (len(msg) if none)
	subjectOff int
	bodyOff    int
	recordAll  bool  // re-encoded by git: nothing computed here
	dateErr    error // a date git archive dies on
	describes  int   // the %(describe) placeholders git still expands
}

var errCommit = errors.New("not a commit object")

func parseCommit(raw []byte, hash string) (*commitInfo, error) {
	c := &commitInfo{hash: hash, msg: cstr(raw)}
	rest := raw
	line, rest, ok := bytes.Cut(rest, []byte{'\n'})
	t, isTree := bytes.CutPrefix(line, []byte("tree "))
	if !ok || !isTree || !isHex(t) {
		return nil, errCommit
	}
	c.tree = string(t)
	for {
		line, r, ok := bytes.Cut(rest, []byte{'\n'})
		p, isParent := bytes.CutPrefix(line, []byte("parent "))
		if !ok || !isParent {
			break
		}
		if !isHex(p) || len(p) != len(t) {
			return nil, errCommit
		}
		c.parents = append(c.parents, string(p))
		rest = r
	}
	// parse_commit_header: up to the first empty line; messageOff is
	// its LF (the end when there is none).
	msg := c.msg
	i, found := 0, false
	for i < len(msg) {
		eol := bytes.IndexByte(msg[i:], '\n')
		if eol < 0 {
			eol = len(msg)
		} else {
			eol += i
		}
		if i == eol {
			found = true
			break
		}
		l := msg[i:eol]
		if a, ok := bytes.CutPrefix(l, []byte("author ")); ok {
			c.author = a
		} else if a, ok := bytes.CutPrefix(l, []byte("committer ")); ok {
			c.committer = a
		} else if a, ok := bytes.CutPrefix(l, []byte("encoding ")); ok && c.encoding == nil {
			s := string(a)
			c.encoding = &s
		}
		i = eol + 1
	}
	if !found {
		// git would read past the object's end for %B
		return nil, errors.New("commit object has no blank line after its header")
	}
	c.messageOff = i
	if c.encoding != nil && !isUTF8Name(*c.encoding) {
		c.recordAll = true
	}
	m := c.skipBlank(c.messageOff)
	c.subjectOff = m
	for {
		n := oneLine(msg[m:])
		if n == 0 || isBlank(msg[m:m+n]) {
			m += n
			break
		}
		m += n
	}
	c.bodyOff = c.skipBlank(m)
	return c, nil
}

func isUTF8Name(s string) bool { return strings.EqualFold(s, "utf-8") || strings.EqualFold(s, "utf8") }

func isHex(b []byte) bool {
	if len(b) != 40 && len(b) != 64 {
		return false
	}
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// oneLine is git's get_one_line: the length of the line at s, its LF
// included.
func oneLine(s []byte) int {
	if i := bytes.IndexByte(s, '\n'); i >= 0 {
		return i + 1
	}
	return len(s)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isBlank(l []byte) bool {
	for _, c := range l {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

func trimRightSpace(l []byte) []byte {
	for len(l) > 0 && isSpace(l[len(l)-1]) {
		l = l[:len(l)-1]
	}
	return l
}

func (c *commitInfo) skipBlank(i int) int {
	for i < len(c.msg) {
		n := oneLine(c.msg[i:])
		if n == 0 || !isBlank(c.msg[i:i+n]) {
			break
		}
		i += n
	}
	return i
}

// recorded reports whether a span's format holds a placeholder whose
// answer is not the commit's alone (see the package doc), walking it as
// git's strbuf_expand does, and gives the format to ask git log for it:
// format with each %(describe) past c.describes made literal as git
// archive leaves it. It uses up c.describes as git does: one for each
// %(describe) met while some are left.
func recorded(format []byte, c *commitInfo) (bool, []byte) {
	rec := false
	var ask []byte
	last := 0
	at := 0 // where format[at:] starts in format
	walk(format, func(p []byte) int {
		at = len(format) - len(p)
		magic := 0
		if len(p) > 0 && (p[0] == '-' || p[0] == '+' || p[0] == ' ') {
			magic = 1
		}
		out := bytes.HasPrefix(p[magic:], []byte("(describe")) && c.describes <= 0
		n, r := classify(p, c)
		rec = rec || r
		if out {
			// at-1 is the '%': git log must print "%" and go on as
			// archive does ("%%"), or, after a magic prefix, expand to
			// nothing with that prefix (%gD is empty without a reflog
			// walk) and leave "(describe...)" as it is.
			ask = append(ask, format[last:at-1]...)
			if magic == 1 {
				ask = append(ask, '%', p[0], 'g', 'D')
				last = at + 1
			} else {
				ask = append(ask, '%', '%')
				last = at
			}
		}
		return n
	})
	if ask == nil {
		return rec, format
	}
	return rec, append(ask, format[last:]...)
}

// walk calls item at each '%' of format ("%%" aside) with what follows
// it; item returns how much it consumed (0: the '%' is literal).
func walk(format []byte, item func(p []byte) int) {
	for {
		i := bytes.IndexByte(format, '%')
		if i < 0 {
			return
		}
		format = format[i+1:]
		if len(format) > 0 && format[0] == '%' {
			format = format[1:]
			continue
		}
		format = format[item(format):]
	}
}

// classify is the consumed length of the placeholder at p (magic prefix
// included) and whether its answer is recorded.
func classify(p []byte, c *commitInfo) (int, bool) {
	magic := 0
	if len(p) > 0 && (p[0] == '-' || p[0] == '+' || p[0] == ' ') {
		magic = 1
		if len(p) > 1 && p[1] == 'w' {
			return 0, false
		}
	}
	n, rec := one(nil, p[magic:], c)
	if magic == 1 {
		n++
	}
	return n, rec
}

// expand appends format's expansion to out (which it may also shorten:
// %- removes the newlines before an empty expansion).
func (c *commitInfo) expand(out, format []byte) ([]byte, error) {
	var err error
	for {
		i := bytes.IndexByte(format, '%')
		if i < 0 {
			return append(out, format...), err
		}
		out = append(out, format[:i]...)
		format = format[i+1:]
		if len(format) > 0 && format[0] == '%' {
			out = append(out, '%')
			format = format[1:]
			continue
		}
		var n int
		out, n, err = c.item(out, format)
		if err != nil {
			return nil, err
		}
		if n == 0 {
			out = append(out, '%')
		}
		format = format[n:]
	}
}

// item is git's format_commit_item: the magic prefixes around one
// placeholder.
func (c *commitInfo) item(out, p []byte) ([]byte, int, error) {
	magic := byte(0)
	if len(p) > 0 && (p[0] == '-' || p[0] == '+' || p[0] == ' ') {
		magic = p[0]
		p = p[1:]
		if len(p) > 0 && p[0] == 'w' {
			return out, 0, nil
		}
	}
	orig := len(out)
	var piece []byte
	n, rec := one(&piece, p, c)
	if rec {
		return nil, 0, errors.New("a recorded placeholder in a computed span") // recorded says otherwise
	}
	if c.dateErr != nil {
		return nil, 0, c.dateErr
	}
	out = append(out, piece...)
	if magic == 0 {
		return out, n, nil
	}
	switch {
	case len(out) == orig && magic == '-':
		for len(out) > 0 && out[len(out)-1] == '\n' {
			out = out[:len(out)-1]
		}
	case len(out) != orig && magic == '+':
		out = append(out[:orig], append([]byte{'\n'}, out[orig:]...)...)
	case len(out) != orig && magic == ' ':
		out = append(out[:orig], append([]byte{' '}, out[orig:]...)...)
	}
	return out, n + 1, nil
}

// one is git's format_commit_one for the placeholder at p: the bytes it
// writes (into *w, unless w is nil) and the length it consumes, 0 for a
// '%' kept literally; rec is true for a placeholder whose answer is not
// computed here.
func one(w *[]byte, p []byte, c *commitInfo) (n int, rec bool) {
	put := func(s []byte) {
		if w != nil {
			*w = append(*w, s...)
		}
	}
	at := func(i int) byte {
		if i < len(p) {
			return p[i]
		}
		return 0
	}
	switch at(0) {
	case 'n':
		put([]byte{'\n'})
		return 1, false
	case 'x':
		h, l := hexVal(at(1)), hexVal(at(2))
		if h >= 0 && l >= 0 {
			put([]byte{byte(h<<4 | l)})
			return 3, false
		}
	}
	switch at(0) {
	case 'C':
		if bytes.HasPrefix(p[1:], []byte("(auto)")) {
			return 7, false
		}
		if at(1) == '(' {
			end := bytes.IndexByte(p[2:], ')')
			if end < 0 {
				return 0, false
			}
			if bytes.HasPrefix(p[2:], []byte("always,")) {
				return end + 3, true // written whatever the config says
			}
			return end + 3, false // no color in an archive
		}
		for _, name := range []string{"red", "green", "blue", "reset"} {
			if bytes.HasPrefix(p[1:], []byte(name)) {
				return 1 + len(name), false
			}
		}
		return 0, false
	case 'w':
		if at(1) == '(' {
			return 0, true
		}
		return 0, false
	case '<', '>':
		return 0, true
	}
	if bytes.HasPrefix(p, []byte("(describe")) {
		// git archive's guard: the first ArchiveDescribes are expanded
		// (by git: recorded), any later one stays as written.
		if c.describes <= 0 {
			return 0, false
		}
		if w == nil { // the classifying walk uses one up
			c.describes--
		}
		return 0, true
	}
	for _, prefix := range []string{"(decorate", "(trailers", "(count)", "(total)"} {
		if bytes.HasPrefix(p, []byte(prefix)) {
			return 0, true
		}
	}
	switch at(0) {
	case 'H':
		put([]byte(c.hash))
		return 1, false
	case 'T':
		put([]byte(c.tree))
		return 1, false
	case 'P':
		put([]byte(strings.Join(c.parents, " ")))
		return 1, false
	case 'h', 't', 'p', 'd', 'D':
		return 1, true
	case 'm':
		put([]byte{'>'})
		return 1, false
	case 'S', 'N':
		return 0, false
	case 'g':
		switch at(1) {
		case 'd', 'D', 's', 'n', 'N', 'e', 'E':
			return 2, false
		}
		return 0, false
	case 'G':
		switch at(1) {
		case 'G', '?', 'S', 'K', 'F', 'P', 'T':
			return 2, true
		}
		return 0, false
	case 'a':
		return c.person(w, c.author, at(1))
	case 'c':
		return c.person(w, c.committer, at(1))
	case 'e':
		if c.encoding != nil {
			put([]byte(*c.encoding))
		}
		return 1, false
	case 'B':
		if c.messageOff+1 <= len(c.msg) {
			put(c.msg[c.messageOff+1:])
		}
		return 1, false
	case 's':
		var subj []byte
		m := c.subjectOff
		for {
			n := oneLine(c.msg[m:])
			l := c.msg[m : m+n]
			m += n
			if n == 0 || isBlank(l) {
				break
			}
			if subj != nil {
				subj = append(subj, ' ')
			}
			subj = append(subj, trimRightSpace(l)...)
		}
		put(subj)
		return 1, false
	case 'f':
		l := c.msg[c.subjectOff:]
		if i := bytes.IndexByte(l, '\n'); i >= 0 {
			l = l[:i]
		}
		put(sanitized(l))
		return 1, false
	case 'b':
		put(c.msg[c.bodyOff:])
		return 1, false
	}
	return 0, false
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// sanitized is git's format_sanitized_subject (%f).
func sanitized(l []byte) []byte {
	var out []byte
	space := 2
	for i := 0; i < len(l); i++ {
		ch := l[i]
		if (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' {
			if space == 1 {
				out = append(out, '-')
			}
			space = 0
			out = append(out, ch)
			if ch == '.' {
				for i+1 < len(l) && l[i+1] == '.' {
					i++
				}
			}
		} else {
			space |= 1
		}
	}
	for len(out) > 0 && (out[len(out)-1] == '.' || out[len(out)-1] == '-') {
		out = out[:len(out)-1]
	}
	return out
}

// ident is git's split of "Name <mail> date tz".
type ident struct {
	name, mail []byte
	date, tz   []byte // nil when the ident has none
}

// splitIdent is git's split_ident_line; ok is false without "<...>".
func splitIdent(line []byte) (id ident, ok bool) {
	lt := bytes.IndexByte(line, '<')
	if lt < 0 {
		return id, false
	}
	nameEnd := 0
	for i := lt - 1; i >= 0; i-- {
		if !isSpace(line[i]) {
			nameEnd = i + 1
			break
		}
	}
	id.name = line[:nameEnd]
	gt := bytes.IndexByte(line[lt+1:], '>')
	if gt < 0 {
		return id, false
	}
	id.mail = line[lt+1 : lt+1+gt]
	last := bytes.LastIndexByte(line, '>')
	cp := last + 1
	for cp < len(line) && isSpace(line[cp]) {
		cp++
	}
	ds := cp
	for cp < len(line) && line[cp] >= '0' && line[cp] <= '9' {
		cp++
	}
	if cp == ds {
		return id, true
	}
	date := line[ds:cp]
	for cp < len(line) && isSpace(line[cp]) {
		cp++
	}
	if cp >= len(line) || (line[cp] != '+' && line[cp] != '-') {
		return id, true
	}
	ts := cp
	cp++
	for cp < len(line) && line[cp] >= '0' && line[cp] <= '9' {
		cp++
	}
	if cp == ts+1 {
		return id, true
	}
	id.date, id.tz = date, line[ts:cp]
	return id, true
}

// person is git's format_person_part for %a<part> and %c<part>.
func (c *commitInfo) person(w *[]byte, line []byte, part byte) (int, bool) {
	put := func(s []byte) {
		if w != nil {
			*w = append(*w, s...)
		}
	}
	skip := func() (int, bool) {
		switch part {
		case 'n', 'e', 't', 'd', 'D', 'r', 'i':
			return 2, false
		}
		return 0, false
	}
	id, ok := splitIdent(line)
	if !ok {
		return skip()
	}
	switch part {
	case 'N', 'E', 'L':
		return 2, true // the mailmap
	case 'n':
		put(id.name)
		return 2, false
	case 'e':
		put(id.mail)
		return 2, false
	case 'l':
		m := id.mail
		if i := bytes.IndexByte(m, '@'); i >= 0 {
			m = m[:i]
		}
		put(m)
		return 2, false
	}
	if id.date == nil {
		return skip()
	}
	switch part {
	case 't':
		put(id.date)
		return 2, false
	case 'r', 'h':
		return 2, true // relative to now
	case 'd', 'D', 'i', 'I', 's':
		if w != nil {
			s, err := showDate(id, part)
			if err != nil {
				c.dateErr = err
			}
			put([]byte(s))
		}
		return 2, false
	}
	return skip()
}

var (
	weekdays = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months   = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// maxTm is the last second gmtime can give a year for (tm_year an int).
var maxTm = daysFromCivil(2147483647+1900+1, 1, 1)*86400 - 1

// daysFromCivil is the days from 1970-01-01 to y-m-d (proleptic
// Gregorian).
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// showDate is git's show_ident_date and show_date for %ad (git's default
// format, in the ident's zone), %aD, %ai, %aI and %as.
func showDate(id ident, part byte) (string, error) {
	const maxInt64 = 1<<63 - 1
	var date uint64
	over := false
	for _, d := range id.date {
		if date > (1<<64-1-uint64(d-'0'))/10 {
			over = true
			break
		}
		date = date*10 + uint64(d-'0')
	}
	var tz int64
	if over || date == 1<<64-1 || date > maxInt64 {
		date = 0
	} else {
		tz = strtol(id.tz)
		if tz >= 1<<31-1 || tz <= -(1<<31) {
			tz = 0
		}
	}
	// gm_time_t
	mins := tz
	if mins < 0 {
		mins = -mins
	}
	mins = (mins/100)*60 + mins%100
	if mins*60 > 1<<31-1 {
		return "", fmt.Errorf("time zone %s out of range", id.tz)
	}
	if tz < 0 {
		mins = -mins
	}
	t := int64(date)
	if mins < 0 && t < -mins*60 {
		return "", fmt.Errorf("timestamp before the Unix epoch: %s %s", id.date, id.tz)
	}
	t += mins * 60
	if t < 0 {
		return "", fmt.Errorf("timestamp too large: %s", id.date)
	}
	if t > maxTm {
		t, tz = 0, 0
	}
	tm := time.Unix(t, 0).UTC()
	y, mo, d := tm.Date()
	h, mi, sec := tm.Clock()
	wd, mon := weekdays[tm.Weekday()], months[mo-1]
	switch part {
	case 'D':
		return fmt.Sprintf("%s, %d %s %d %02d:%02d:%02d %+05d", wd, d, mon, y, h, mi, sec, tz), nil
	case 'i':
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d %+05d", y, int(mo), d, h, mi, sec, tz), nil
	case 'I':
		sign := '+'
		if tz < 0 {
			sign, tz = '-', -tz
		}
		return fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, int(mo), d, h, mi, sec, sign, tz/100, tz%100), nil
	case 's':
		return fmt.Sprintf("%04d-%02d-%02d", y, int(mo), d), nil
	}
	s := fmt.Sprintf("%s %s %d %02d:%02d:%02d %d", wd, mon, d, h, mi, sec, y)
	if tz != -1 {
		s += fmt.Sprintf(" %+05d", tz)
	}
	return s, nil
}

// strtol is C's strtol of a sign and digits, saturating.
func strtol(s []byte) int64 {
	neg := len(s) > 0 && s[0] == '-'
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	v, err := strconv.ParseInt(string(s), 10, 64)
	if err != nil {
		v = 1<<63 - 1
		if neg {
			return -1 << 63
		}
	}
	if neg {
		return -v
	}
	return v
}

// CheckAbbrev checks a recorded span that is one abbreviation alone (%h,
// %t or %p) against the commit: each abbreviated hash must be a prefix of
// at least 4 digits of the full one. checked is false for any other span.
func CheckAbbrev(s Span, commit []byte, hash string) (checked bool, err error) {
	var full []string
	c, perr := parseCommit(commit, hash)
	if perr != nil {
		return false, perr
	}
	switch s.Format {
	case "%h":
		full = []string{c.hash}
	case "%t":
		full = []string{c.tree}
	case "%p":
		full = c.parents
	default:
		return false, nil
	}
	got := strings.Fields(s.Answer)
	if strings.Join(got, " ") != s.Answer || len(got) != len(full) {
		return true, fmt.Errorf("%q is not %d abbreviated hash(es)", s.Answer, len(full))
	}
	for i, g := range got {
		if len(g) < 4 || !strings.HasPrefix(full[i], g) {
			return true, fmt.Errorf("%q does not abbreviate %s", g, full[i])
		}
	}
	return true, nil
}
