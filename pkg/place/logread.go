package place

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"iter"
	"os"
)

// logBlock is how much of deploys.log Backward reads at a time; a test
// makes it small to cross many block edges.
var logBlock = 32 << 10

// maxLogLine bounds one line of deploys.log. A longer line is not one the
// deploy tool wrote: it is skipped like any other malformed line, and the
// reader never holds more than this much of it. A test makes it small.
var maxLogLine = 1 << 20

// Backward yields the entries of the deploys.log at path newest first,
// reading the file from its end a block at a time, so the last few entries
// cost the same however long the log has grown: a reader that stops early
// reads only the tail. Lines that are not a log entry (blank, torn, not
// JSON, no tag or outcome) are skipped, as is an over-long line. A missing
// log yields nothing; any other failure is yielded once, as the last
// value, with a zero Entry.
func Backward(path string) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			yield(Entry{}, err)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			yield(Entry{}, err)
			return
		}
		var (
			pos = fi.Size()
			// parts hold the start of the file's later part, a line not
			// yet whole, as blocks read (the latest read first); size is
			// their length.
			parts [][]byte
			size  int
			skip  bool // the line outgrew maxLogLine: drop it up to the next newline
			buf   = make([]byte, logBlock)
		)
		line := func(head []byte) []byte {
			out := make([]byte, 0, len(head)+size)
			out = append(out, head...)
			for i := len(parts) - 1; i >= 0; i-- {
				out = append(out, parts[i]...)
			}
			return out
		}
		emit := func(head []byte) bool {
			if skip || len(head)+size > maxLogLine {
				return true
			}
			if e, ok := parseLogLine(line(head)); ok {
				return yield(e, nil)
			}
			return true
		}
		for pos > 0 {
			n := min(int64(len(buf)), pos)
			pos -= n
			if _, err := f.ReadAt(buf[:n], pos); err != nil && !errors.Is(err, io.EOF) {
				yield(Entry{}, err)
				return
			}
			block := buf[:n]
			// Lines ending inside the block, last first; the part before
			// the block's first newline joins the parts.
			for {
				i := bytes.LastIndexByte(block, '\n')
				if i < 0 {
					break
				}
				if !emit(block[i+1:]) {
					return
				}
				parts, size, skip = parts[:0], 0, false
				block = block[:i]
			}
			if skip || len(block) == 0 {
				continue
			}
			if size+len(block) > maxLogLine {
				parts, size, skip = parts[:0], 0, true
				continue
			}
			parts = append(parts, bytes.Clone(block))
			size += len(block)
		}
		emit(nil)
	}
}

// parseLogLine reads one line of deploys.log; ok is false for a line that
// is not an entry.
func parseLogLine(line []byte) (Entry, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return Entry{}, false
	}
	var e Entry
	if json.Unmarshal(line, &e) != nil || e.Tag == "" || e.Outcome == "" {
		return Entry{}, false
	}
	return e, true
}
