package git

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
)

// BatchObject is one answer of "git cat-file --batch": the object and,
// unless Missing, its contents.
type BatchObject struct {
	Object
	Contents []byte
}

// ReadObjects looks up several revisions in one git process, with each
// one's contents. As with Resolve, the revisions go to git on stdin and a
// missing revision is reported in its BatchObject, not as an error.
func (r *Runner) ReadObjects(ctx context.Context, dir string, revs ...string) ([]BatchObject, error) {
	out, err := r.catFileBatch(ctx, dir, "--batch=%(objectname) %(objecttype) %(objectsize)", revs)
	if err != nil {
		return nil, err
	}
	return ParseBatch(out, revs)
}

// ParseBatch parses "--batch=%(objectname) %(objecttype) %(objectsize)"
// output for the given revisions, in order: per object a header line, then
// that many bytes of contents and a newline; "REV missing" (or
// "ambiguous") for a revision that names no object.
func ParseBatch(out []byte, revs []string) ([]BatchObject, error) {
	objs := make([]BatchObject, len(revs))
	for i := range revs {
		objs[i].Rev = revs[i]
		line, rest, ok := bytes.Cut(out, []byte{'\n'})
		if !ok {
			return nil, fmt.Errorf("cat-file: %d answers for %d revisions", i, len(revs))
		}
		out = rest
		h := string(line)
		if strings.HasSuffix(h, " missing") || strings.HasSuffix(h, " ambiguous") {
			objs[i].Missing = true
			continue
		}
		f := strings.Split(h, " ")
		if len(f) != 3 || !IsOid(f[0]) || f[1] == "" {
			return nil, fmt.Errorf("cat-file: malformed line %q", h)
		}
		size, err := strconv.Atoi(f[2])
		if err != nil || size < 0 || size >= len(out) || out[size] != '\n' {
			return nil, fmt.Errorf("cat-file: object %s: contents not of the size given (%s)", f[0], f[2])
		}
		objs[i].Oid, objs[i].Type = f[0], f[1]
		objs[i].Contents, out = out[:size:size], out[size+1:]
	}
	if len(out) > 0 {
		return nil, fmt.Errorf("cat-file: more answers than the %d revisions", len(revs))
	}
	return objs, nil
}
