package place

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// Reading deploys.log from its end, a block at a time, finds exactly the
// entries a plain reading from the start finds, newest first, whatever
// the file holds (torn lines, blank lines, junk, block edges anywhere).
func FuzzLogBackward(f *testing.F) {
	f.Add([]byte(`{"time":"2026-11-25T14:25:01Z","environment":"qa","tag":"T1","user":"u","host":"h","outcome":"ok"}
{"time":"2026-11-25T14:26:01Z","environment":"qa","tag":"T2","user":"u","host":"h","outcome":"failed","error":"x"}
`), uint8(7))
	f.Add([]byte("{\"tag\":\"T1\",\"outcome\":\"ok\"}\n{\"time\":\"2020-01-0"), uint8(3))
	f.Add([]byte("\n\n{torn\n{\"tag\":\"T\",\"outcome\":\"ok\"}"), uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, block uint8) {
		oldBlock, oldMax := logBlock, maxLogLine
		logBlock, maxLogLine = int(block%64)+1, 256
		defer func() { logBlock, maxLogLine = oldBlock, oldMax }()
		path := filepath.Join(t.TempDir(), LogFile)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var want []Entry
		for _, line := range bytes.Split(b, []byte("\n")) {
			if len(line) > maxLogLine {
				continue
			}
			if e, ok := parseLogLine(line); ok {
				want = append(want, e)
			}
		}
		slices.Reverse(want)
		var got []Entry
		for e, err := range Backward(path) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, e)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("backward %v\nforward %v", got, want)
		}
	})
}

// Appending to any existing log leaves the new record a whole last line
// that reads back as the newest entry.
func FuzzAppend(f *testing.F) {
	f.Add([]byte(""))
	f.Add([]byte("{\"tag\":\"T1\",\"outcome\":\"ok\"}\n{\"time\":\"2020"))
	f.Add([]byte("junk"))
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(t.TempDir(), LogFile)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		e := Entry{Time: "2026-11-25T14:25:01Z", Environment: "qa", Tag: "T9", User: "u", Host: "h", Outcome: OutcomeOK}
		h, err := OpenLog(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(h.Append(e), h.Close()); err != nil {
			t.Fatal(err)
		}
		for got, err := range Backward(path) {
			if err != nil || got != e {
				t.Fatalf("newest entry %v, %v; want %v", got, err, e)
			}
			break
		}
		after, _ := os.ReadFile(path)
		if !bytes.HasPrefix(after, b) || after[len(after)-1] != '\n' {
			t.Fatalf("log %q became %q", b, after)
		}
	})
}
