package network

import (
	"context"
	"errors"
	"fmt"

	"github.com/deploytag/deploytag/pkg/redact"
)

// FetchedRefs is the namespace FetchCommit fetches a server's branches
// and tags into when the server will not give a commit by its id: the
// repo's own branches and tags are never touched, and nothing is forced.
const FetchedRefs = "refs/deploytag/fetched/"

// FetchCommitCall is the argv of FetchCommit's fetch of commit itself from
// url (Argv of it is what git runs): no tags, no submodules, no ref
// written, not even FETCH_HEAD.
func FetchCommitCall(dir, url, commit string) Call {
	return Call{Dir: dir, Remote: url, Args: fetchCommitArgs, Refs: []string{commit}}
}

// FetchAdvertisedCall is the argv of FetchCommit's second try: every
// branch and tag url advertises, each into FetchedRefs (heads/, tags/),
// never forced.
func FetchAdvertisedCall(dir, url string) Call {
	return Call{Dir: dir, Remote: url, Args: fetchCommitArgs,
		Refs: []string{"refs/heads/*:" + FetchedRefs + "heads/*", "refs/tags/*:" + FetchedRefs + "tags/*"}}
}

var fetchCommitArgs = []string{"--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head"}

// FetchCommit makes commit present in the repo at dir (a git directory or
// a work tree) by fetching it from url, under the network policy (the
// Runner's deadline, no prompt, only the allowed transports, the host's
// verdict, credentials never printed). It asks first for the commit by
// its id, which servers allow for any commit (protocol v2, and v0 with
// uploadpack.allowAnySHA1InWant or allowReachableSHA1InWant); when that
// does not bring it, for every branch and tag the server advertises
// (FetchAdvertisedCall), so a commit reachable from one of them comes
// along. It returns nil once dir has the commit, even if a ref in
// FetchedRefs could not be updated; otherwise a *Error naming url with
// what the server said, or an error saying that url gave no commit
// of that id. A failure no second try can help (the host, the
// credentials, the repo's existence) is returned after the first.
func (cl *Client) FetchCommit(ctx context.Context, dir, url, commit string) error {
	_, err := cl.Fetch(ctx, FetchCommitCall(dir, url, commit))
	if cl.hasCommit(ctx, dir, commit) {
		return nil
	}
	var ne *Error
	if errors.As(err, &ne) && ne.Kind != KindOther {
		return err
	}
	byID := err
	_, err = cl.Fetch(ctx, FetchAdvertisedCall(dir, url))
	switch {
	case cl.hasCommit(ctx, dir, commit):
		return nil
	case err != nil:
		return err
	}
	why := "none of its branches and tags holds it"
	if byID != nil {
		why += ", and asked for it by its id it said: " + cause(byID)
	}
	return fmt.Errorf("%s has no commit %s: %s", redact.Credentials(url), commit, why)
}

// cause is what a failed fetch said: a *Error's cause, else its
// message.
func cause(err error) string {
	var ne *Error
	if errors.As(err, &ne) && ne.Cause != "" {
		return ne.Cause
	}
	return err.Error()
}

func (cl *Client) hasCommit(ctx context.Context, dir, commit string) bool {
	objs, err := cl.Resolve(ctx, dir, commit+"^{commit}")
	return err == nil && len(objs) == 1 && !objs[0].Missing && objs[0].Oid == commit
}
