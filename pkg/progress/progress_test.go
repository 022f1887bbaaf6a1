package progress

import (
	"bytes"
	"os"
	"strings"
	"sync"
	"testing"

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

func TestNewOnlyOnTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if New(w, "x") != Nop {
		t.Error("New on a pipe is not Nop")
	}
	if New(&bytes.Buffer{}, "x") != Nop {
		t.Error("New on a buffer is not Nop")
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	defer tty.Close()
	if _, ok := New(tty, "x").(*Bar); !ok {
		t.Error("New on a terminal is not a Bar")
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
