// Package progress shows how far long work has got, on stderr. On a
// terminal: one line with a count, a bar and the repo just finished,
// redrawn in place and cleared when the step ends. Anywhere else (CI,
// Ansible, cron, a pipe): one plain line every ten seconds or so while a
// step runs (what, how far, how long), nothing for a step that ends
// sooner.
//
// Work reports to a Reporter, which is safe for concurrent use:
//
//	pr := progress.Or(o.Progress) // nil means "report nothing"
//	pr.Start("tagging", len(repos))
//	defer pr.Stop()
//	... pr.Done(repo.Name) as each repo finishes ...
//
// and, inside the repos, what it has got through: progress.Files(pr, 1)
// per file written or checked, progress.Bytes(pr, n) per n bytes read.
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"
)

// Reporter is told about multi-repo work as it happens.
type Reporter interface {
	// Start begins a step over total items (repos), e.g. "pushing".
	Start(step string, total int)
	// Done says one item of the step has finished, well or not.
	Done(item string)
	// Stop ends the step; the progress line is cleared.
	Stop()
}

// Nop reports nothing.
var Nop Reporter = nop{}

type nop struct{}

func (nop) Start(string, int) {}
func (nop) Done(string)       {}
func (nop) Stop()             {}

// Or returns r, or Nop if r is nil, so an options field can be left unset.
func Or(r Reporter) Reporter {
	if r == nil {
		return Nop
	}
	return r
}

// Counter is a Reporter that also counts what the current step has got
// through inside its items (Files, Bytes tell it when it is one).
type Counter interface {
	// Count adds files and bytes to the step's counts.
	Count(files, bytes int64)
}

// Files tells r, if it counts, that n more files of the current step
// are done.
func Files(r Reporter, n int64) {
	if c, ok := r.(Counter); ok {
		c.Count(n, 0)
	}
}

// Bytes tells r, if it counts, that n more bytes of the current step are
// done.
func Bytes(r Reporter, n int64) {
	if c, ok := r.(Counter); ok {
		c.Count(0, n)
	}
}

// CountingReader passes reads of r on, telling pr how many bytes went by.
func CountingReader(pr Reporter, r io.Reader) io.Reader {
	if _, ok := pr.(Counter); !ok {
		return r
	}
	return countingReader{pr, r}
}

type countingReader struct {
	pr Reporter
	r  io.Reader
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	Bytes(c.pr, int64(n))
	return n, err
}

// fder is an *os.File, or anything else with a file descriptor.
type fder interface{ Fd() uintptr }

// IsTerminal says whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(fder)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Every is how often a Ticker writes its line.
const Every = 10 * time.Second

// New returns a Bar named name (the tool) drawing on w if w is a
// terminal, and otherwise a Ticker writing a line every Every (every, when
// positive: for tests).
func New(w io.Writer, name string, every time.Duration) Reporter {
	if !IsTerminal(w) {
		if every <= 0 {
			every = Every
		}
		return NewTicker(w, name, every)
	}
	width := 80
	if cols, _, err := term.GetSize(int(w.(fder).Fd())); err == nil && cols > 0 {
		width = cols
	}
	return NewBar(w, name, width)
}

// Bar draws "name: step [=====>     ] 3/12 repo" on one line of a
// terminal at most width columns wide.
type Bar struct {
	mu          sync.Mutex
	w           io.Writer
	name        string
	width       int
	step        string
	done, total int
	last        string
	drawn       bool
}

// NewBar returns a Bar drawing on w, whatever w is.
func NewBar(w io.Writer, name string, width int) *Bar {
	return &Bar{w: w, name: name, width: max(width, 20)}
}

// Start implements Reporter.
func (b *Bar) Start(step string, total int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.step, b.done, b.total, b.last = step, 0, total, ""
	if total > 0 {
		b.draw()
	}
}

// Done implements Reporter.
func (b *Bar) Done(item string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.total <= 0 {
		return
	}
	b.done = min(b.done+1, b.total)
	b.last = item
	b.draw()
}

// Stop implements Reporter.
func (b *Bar) Stop() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.drawn {
		io.WriteString(b.w, "\r\x1b[K")
		b.drawn = false
	}
	b.total = 0
}

const barWidth = 20

// Line is the text of the progress line (without the redraw codes).
func (b *Bar) Line() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.line()
}

func (b *Bar) line() string {
	fill := barWidth * b.done / max(b.total, 1)
	bar := strings.Repeat("=", fill)
	if fill < barWidth {
		bar += ">" + strings.Repeat(" ", barWidth-fill-1)
	}
	s := fmt.Sprintf("%s: %s [%s] %d/%d", b.name, b.step, bar, b.done, b.total)
	if b.last != "" {
		s += " " + b.last
	}
	if r := []rune(s); len(r) > b.width-1 {
		s = string(r[:b.width-1])
	}
	return s
}

// draw rewrites the line in place: carriage return, the line, clear to
// the end of the line.
func (b *Bar) draw() {
	io.WriteString(b.w, "\r"+b.line()+"\x1b[K")
	b.drawn = true
}

// Ticker writes, while a step runs, one line every so often on a writer
// that is no terminal (a CI log, Ansible's output, a file):
//
//	deploy: exporting: 1/3 repos, 12345 files, 40s
//
// what the step is, how far it has got (repos done of all, and the files
// or bytes counted, when any) and how long it has run. A step that ends
// within the first interval writes nothing.
type Ticker struct {
	w     io.Writer
	name  string
	every time.Duration

	mu          sync.Mutex
	step        string
	done, total int
	start       time.Time
	files       atomic.Int64
	bytes       atomic.Int64
	wrote       bool // a line of this step was written
	quit        chan struct{}
	ended       chan struct{}
}

// NewTicker returns a Ticker named name (the tool) writing on w every
// every.
func NewTicker(w io.Writer, name string, every time.Duration) *Ticker {
	return &Ticker{w: w, name: name, every: every}
}

// Start implements Reporter.
func (t *Ticker) Start(step string, total int) {
	t.Stop()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.step, t.done, t.total, t.start, t.wrote = step, 0, total, time.Now(), false
	t.files.Store(0)
	t.bytes.Store(0)
	t.quit, t.ended = make(chan struct{}), make(chan struct{})
	go t.tick(t.quit, t.ended)
}

func (t *Ticker) tick(quit, ended chan struct{}) {
	defer close(ended)
	tk := time.NewTicker(t.every)
	defer tk.Stop()
	for {
		select {
		case <-quit:
			return
		case <-tk.C:
			t.write()
		}
	}
}

// write writes the line, in one write: whole among other lines on stderr.
func (t *Ticker) write() {
	line := t.Line()
	t.mu.Lock()
	t.wrote = true
	t.mu.Unlock()
	io.WriteString(t.w, line+"\n")
}

// Done implements Reporter.
func (t *Ticker) Done(string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.done = min(t.done+1, max(t.total, 0))
}

// Count implements Counter.
func (t *Ticker) Count(files, bytes int64) {
	t.files.Add(files)
	t.bytes.Add(bytes)
}

// Stop implements Reporter: no line is written after it returns. A step
// that ran for a whole interval without a line (its writer never got the
// processor in time) gets one now: every step that lasts an interval
// shows.
func (t *Ticker) Stop() {
	t.mu.Lock()
	quit, ended := t.quit, t.ended
	t.quit, t.ended = nil, nil
	t.mu.Unlock()
	if quit == nil {
		return
	}
	close(quit)
	<-ended
	t.mu.Lock()
	owe := !t.wrote && time.Since(t.start) >= t.every
	t.mu.Unlock()
	if owe {
		t.write()
	}
}

// Line is the line the Ticker writes now.
func (t *Ticker) Line() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var far []string
	if t.total > 0 {
		far = append(far, fmt.Sprintf("%d/%d repos", t.done, t.total))
	}
	if n := t.files.Load(); n == 1 {
		far = append(far, "1 file")
	} else if n > 1 {
		far = append(far, fmt.Sprintf("%d files", n))
	}
	if n := t.bytes.Load(); n > 0 {
		far = append(far, Size(n))
	}
	far = append(far, time.Since(t.start).Round(time.Second).String())
	return fmt.Sprintf("%s: %s: %s", t.name, t.step, strings.Join(far, ", "))
}

// Size writes n bytes for people: 512 B, 1.5 KiB, 120.3 MiB, 2.0 GiB.
func Size(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}
