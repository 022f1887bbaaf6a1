// Package progress shows how far multi-repo work has got: on a terminal,
// one line on stderr with a count, a bar and the repo just finished,
// redrawn in place and cleared when the step ends; anywhere else, nothing.
//
// Work reports to a Reporter, which is safe for concurrent use:
//
//	pr := progress.Or(o.Progress) // nil means "report nothing"
//	pr.Start("tagging", len(repos))
//	defer pr.Stop()
//	... pr.Done(repo.Name) as each repo finishes ...
package progress

import (
	"fmt"
	"io"
	"strings"
	"sync"

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

// fder is an *os.File, or anything else with a file descriptor.
type fder interface{ Fd() uintptr }

// IsTerminal says whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(fder)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New returns a Bar named name (the tool) drawing on w if w is a
// terminal, and Nop otherwise: piped or redirected, stderr stays free of
// progress.
func New(w io.Writer, name string) Reporter {
	if !IsTerminal(w) {
		return Nop
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
