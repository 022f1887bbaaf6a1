package git

import (
	"context"
	"io"
	"time"
)

// ArchiveTimeout bounds one "git archive": exporting is local work, but a
// large tree on a slow disk can take longer than an ordinary call.
const ArchiveTimeout = 30 * time.Minute

// Archive streams "git archive --format=tar" of rev (a full commit hash
// or a ref already checked by the caller) to w as git writes it.
func (r *Runner) Archive(ctx context.Context, dir, rev string, w io.Writer) error {
	_, err := r.Do(ctx, Call{Dir: dir, Args: ArchiveArgs(rev), Stdout: w, Timeout: ArchiveTimeout})
	return err
}

// ArchiveArgs builds the argv of Archive.
func ArchiveArgs(rev string) []string {
	return []string{"archive", "--format=tar", "--end-of-options", rev}
}
