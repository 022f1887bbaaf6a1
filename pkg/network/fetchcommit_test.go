package network

import (
	"slices"
	"strings"
	"testing"
)

// FetchCommit's two fetches: the commit by its id, then every advertised
// branch and tag into deploytag's own namespace, never forced, never into
// the repo's own refs.
func TestFetchCommitCalls(t *testing.T) {
	const c = "0123456789abcdef0123456789abcdef01234567"
	byID := Argv("fetch", FetchCommitCall("d", "https://h/x.git", c))
	if want := []string{"fetch", "--no-auto-gc", "--quiet", "--no-tags", "--no-recurse-submodules", "--no-write-fetch-head", "--", "https://h/x.git", c}; !slices.Equal(byID, want) {
		t.Errorf("by id: %q, want %q", byID, want)
	}
	adv := Argv("fetch", FetchAdvertisedCall("d", "https://h/x.git"))
	refs := adv[slices.Index(adv, "https://h/x.git")+1:]
	if len(refs) != 2 {
		t.Fatalf("advertised: %q", adv)
	}
	for _, r := range refs {
		src, dst, ok := strings.Cut(r, ":")
		if !ok || strings.HasPrefix(src, "+") || !strings.HasPrefix(dst, FetchedRefs) || !strings.HasSuffix(src, "/*") {
			t.Errorf("refspec %q: want SRC/*:%s..., never forced", r, FetchedRefs)
		}
	}
}

// A host's verdict given to another repo on that host quotes that repo's
// own URL, never the URL of the repo that met it first.
func TestVerdictQuotesOwnURL(t *testing.T) {
	v := &Error{Verb: "fetch", Remote: "http://h/a.git", Kind: KindRefused,
		Cause: "unable to access 'http://h/a.git/': Failed to connect to h port 80", Host: "h"}
	e := (&Error{Verb: "fetch", Remote: "http://h/b.git"}).from(v)
	if want := "unable to access 'http://h/b.git/': Failed to connect to h port 80"; e.Cause != want {
		t.Errorf("cause %q, want %q", e.Cause, want)
	}
	named := (&Error{Verb: "push", Remote: "origin", URL: "http://h/c.git"}).from(v)
	if !strings.Contains(named.Error(), "'http://h/c.git/'") || strings.Contains(named.Error(), "a.git") {
		t.Errorf("%q quotes another repo's URL", named.Error())
	}
}
