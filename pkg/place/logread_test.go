package place

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func collect(t *testing.T, path string, stopAfter int) []string {
	t.Helper()
	var tags []string
	for e, err := range Backward(path) {
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, e.Tag+":"+e.Outcome)
		if len(tags) == stopAfter {
			break
		}
	}
	return tags
}

// Backward yields exactly the log's entries, newest first, whatever the
// block size: lines crossing block edges, blank and torn lines, an
// over-long line and a final line without its newline.
func TestBackward(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, LogFile)
	at := time.Date(2026, 11, 25, 14, 25, 1, 0, time.UTC)
	defer func(n int) { maxLogLine = n }(maxLogLine)
	maxLogLine = 300
	var want []string
	for i := range 40 {
		e := Entry{Time: at.Add(time.Duration(i) * time.Minute).Format(time.RFC3339), Environment: "qa",
			Tag: fmt.Sprintf("T%02d", i), User: "ann", Host: "box", Outcome: OutcomeOK}
		if i%7 == 3 {
			e.Outcome, e.Error = OutcomeFailed, "command failed"
		}
		h, err := OpenLog(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(h.Append(e), h.Close()); err != nil {
			t.Fatal(err)
		}
		want = append(want, e.Tag+":"+e.Outcome)
		if i == 10 {
			appendRaw(t, path, "\n   \nnot json\n{\"tag\":\"no outcome\"}\n")
		}
		if i == 20 {
			appendRaw(t, path, `{"tag":"LONG","outcome":"ok","error":"`+strings.Repeat("x", 300)+"\"}\n")
		}
	}
	slices.Reverse(want)
	for _, block := range []int{1, 7, 64, 4096, 32 << 10} {
		logBlock = block
		if got := collect(t, path, 0); !slices.Equal(got, want) {
			t.Fatalf("block %d: got\n%v\nwant\n%v", block, got, want)
		}
	}
	logBlock = 32 << 10

	// A torn last line (no newline, not whole JSON) is skipped; a whole
	// last line without its newline is read.
	appendRaw(t, path, `{"time":"2026-11-25T15:25:01Z","tag":"TORN","out`)
	if got := collect(t, path, 2); !slices.Equal(got, want[:2]) {
		t.Fatalf("torn tail: got %v, want %v", got, want[:2])
	}
	if err := os.WriteFile(path, []byte(`{"tag":"A","outcome":"ok"}`+"\n"+`{"tag":"B","outcome":"failed"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := collect(t, path, 0); !slices.Equal(got, []string{"B:failed", "A:ok"}) {
		t.Fatalf("no final newline: got %v", got)
	}
	if got := collect(t, filepath.Join(dir, "missing.log"), 0); got != nil {
		t.Fatalf("missing log: got %v", got)
	}
}

func appendRaw(t *testing.T, path, s string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(s); err != nil {
		t.Fatal(err)
	}
}
