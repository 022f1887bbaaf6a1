package progress

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

func TestBarLines(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, "push_tag", 80)
	b.Start("pushing", 4)
	if got, want := b.Line(), "push_tag: pushing [>                   ] 0/4"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	b.Done("tutor-js")
	b.Done("tutor-server")
	if got, want := b.Line(), "push_tag: pushing [==========>         ] 2/4 tutor-server"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	b.Done("a")
	b.Done("b")
	b.Done("one too many")
	if got, want := b.Line(), "push_tag: pushing [====================] 4/4 one too many"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
	b.Stop()
	out := buf.String()
	if !strings.HasPrefix(out, "\rpush_tag: pushing [>") || !strings.HasSuffix(out, "\r\x1b[K") || strings.Contains(out, "\n") {
		t.Errorf("drawn %q: want lines redrawn in place with \\r and cleared at the end, no newline", out)
	}
}

func TestBarTruncatesToWidth(t *testing.T) {
	b := NewBar(&bytes.Buffer{}, "tag_repos", 30)
	b.Start("tagging", 3)
	b.Done("a-very-long-repository-name-indeed")
	if got := b.Line(); len(got) != 29 {
		t.Errorf("line %q is %d columns, want 29", got, len(got))
	}
}

func TestBarConcurrent(t *testing.T) {
	var buf bytes.Buffer
	b := NewBar(&buf, "x", 80)
	b.Start("checking", 50)
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Done("r") }()
	}
	wg.Wait()
	if !strings.Contains(b.Line(), " 50/50 ") {
		t.Errorf("line %q after 50 Done", b.Line())
	}
}

func TestNewBarOnATerminalTickerElsewhere(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if tk, ok := New(w, "x", 0).(*Ticker); !ok || tk.every != Every {
		t.Errorf("New on a pipe = %#v, want a Ticker every %s", New(w, "x", 0), Every)
	}
	if tk, ok := New(&bytes.Buffer{}, "x", time.Second).(*Ticker); !ok || tk.every != time.Second {
		t.Error("New on a buffer is not a Ticker every second")
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if _, ok := New(tty, "x", time.Millisecond).(*Bar); !ok {
		t.Error("New on a terminal is not a Bar")
	}
}

// syncBuffer is a buffer a Ticker's goroutine writes while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestTickerLine(t *testing.T) {
	tk := NewTicker(&bytes.Buffer{}, "deploy", time.Hour)
	tk.Start("exporting", 3)
	defer tk.Stop()
	tk.Done("a")
	if got := tk.Line(); !regexp.MustCompile(`^deploy: exporting: 1/3 repos, 0s$`).MatchString(got) {
		t.Errorf("line %q", got)
	}
	Files(tk, 12345)
	Bytes(tk, 3<<20+1<<19)
	if got := tk.Line(); !regexp.MustCompile(`^deploy: exporting: 1/3 repos, 12345 files, 3\.5 MiB, 0s$`).MatchString(got) {
		t.Errorf("line %q", got)
	}
	tk.Start("unpacking", 0) // a new step: counts start again
	n, err := io.Copy(io.Discard, CountingReader(tk, strings.NewReader(strings.Repeat("x", 2048))))
	if got := tk.Line(); n != 2048 || err != nil || got != "deploy: unpacking: 2.0 KiB, 0s" {
		t.Errorf("line %q after reading %d bytes (%v)", got, n, err)
	}
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := Size(n); got != want {
			t.Errorf("Size(%d) = %q, want %q", n, got, want)
		}
	}
}

// A Ticker writes whole lines while a step runs, and none once Stop has
// returned.
func TestTickerWritesWhileAStepRuns(t *testing.T) {
	var buf syncBuffer
	tk := NewTicker(&buf, "push_tag", time.Millisecond)
	tk.Start("pushing", 2)
	for !strings.Contains(buf.String(), "\n") {
		time.Sleep(time.Millisecond)
	}
	tk.Done("a")
	tk.Stop()
	out := buf.String()
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !regexp.MustCompile(`^push_tag: pushing: [01]/2 repos, \d+[mµn]?s$`).MatchString(l) {
			t.Errorf("line %q", l)
		}
	}
	time.Sleep(10 * time.Millisecond)
	if buf.String() != out {
		t.Errorf("wrote after Stop: %q", strings.TrimPrefix(buf.String(), out))
	}
	tk.Stop() // again: nothing to stop

	// A step that lasted an interval shows, even if its writer never ran
	// in time (here: an interval of an hour, a step started an hour ago).
	var late syncBuffer
	tk = NewTicker(&late, "deploy", time.Hour)
	tk.Start("checking", 1)
	tk.mu.Lock()
	tk.start = tk.start.Add(-time.Hour)
	tk.mu.Unlock()
	tk.Stop()
	if got := late.String(); got != "deploy: checking: 0/1 repos, 1h0m0s\n" {
		t.Errorf("a step that lasted an interval wrote %q", got)
	}
	tk.Start("exporting", 1)
	tk.Stop()
	if got := late.String(); got != "deploy: checking: 0/1 repos, 1h0m0s\n" {
		t.Errorf("a step shorter than the interval wrote %q", strings.TrimPrefix(got, "deploy: checking: 0/1 repos, 1h0m0s\n"))
	}
}

// Reporters that do not count (Nop, Bar) are left alone by Files and
// Bytes, and a reader is passed on as it is.
func TestCountersOnlyWhereCounted(t *testing.T) {
	b := NewBar(&bytes.Buffer{}, "x", 80)
	b.Start("s", 1)
	Files(b, 3)
	Bytes(Nop, 3)
	r := strings.NewReader("x")
	if CountingReader(b, r) != io.Reader(r) || CountingReader(Nop, r) != io.Reader(r) {
		t.Error("a reader is wrapped for a reporter that does not count")
	}
}

func TestOr(t *testing.T) {
	if Or(nil) != Nop {
		t.Error("Or(nil) is not Nop")
	}
	b := NewBar(&bytes.Buffer{}, "x", 80)
	if Or(b) != Reporter(b) {
		t.Error("Or(b) is not b")
	}
}
