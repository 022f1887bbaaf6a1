package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

const (
	h1 = "d969dc1f88eabe71577157884604fddd05a6e497"
	h2 = "f5476fdb225482e195d84828aae9fb4d6b72e91d"
	h3 = "817ad1bea59a76732c6142f499618ae3cb7d37289b2ad4c1a8e6ec4da3bd3e11" // SHA-256 repo
)

func TestParseAlignedAndCanonical(t *testing.T) {
	in := "# deployed to production\n\ntutor-server      " + h1 + "\n  tutor-js  " + h2 + "  \r\nbiglearn-platform\t" + h3 + "\n"
	m, err := Parse(strings.NewReader(in), "m.txt")
	if err != nil {
		t.Fatal(err)
	}
	wantCanon := "biglearn-platform " + h3 + "\ntutor-js " + h2 + "\ntutor-server " + h1 + "\n"
	if got := string(m.Canonical()); got != wantCanon {
		t.Fatalf("canonical:\n%s\nwant:\n%s", got, wantCanon)
	}
	sum := sha256.Sum256([]byte(wantCanon))
	if m.Hash() != hex.EncodeToString(sum[:]) {
		t.Fatal("Hash is not the SHA-256 of the canonical form")
	}
	wantAligned := "biglearn-platform  " + h3 + "\ntutor-js           " + h2 + "\ntutor-server       " + h1 + "\n"
	if got := m.String(); got != wantAligned {
		t.Fatalf("aligned:\n%s\nwant:\n%s", got, wantAligned)
	}
	// The aligned form parses back to the same manifest.
	back, err := Parse(strings.NewReader(m.String()), "x")
	if err != nil || back.Hash() != m.Hash() {
		t.Fatalf("round trip: %v", err)
	}
	if c, ok := m.Lookup("tutor-js"); !ok || c != h2 {
		t.Fatal("Lookup")
	}
	if _, ok := m.Lookup("nope"); ok {
		t.Fatal("Lookup found a missing repo")
	}
}

func TestParseErrorsNameTheLine(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a " + h1 + "\nb\n", "(f:2)"},
		{"a " + h1 + " extra\n", "(f:1)"},
		{"a " + strings.ToUpper(h1) + "\n", `invalid commit hash`},
		{"a " + h1[:39] + "\n", "(f:1)"},
		{"-a " + h1 + "\n", `invalid repo name "-a"`},
		{"../a " + h1 + "\n", `invalid repo name "../a"`},
		{"a/b " + h1 + "\n", `invalid repo name`},
		{"\n\na " + h1 + "\na " + h2 + "\n", `repo "a" listed twice, first on line 3 (f:4)`},
		{"# only comments\n", "manifest lists no repos (f)"},
		{"", "manifest lists no repos (f)"},
	} {
		_, err := Parse(strings.NewReader(tc.in), "f")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q) = %v, want an error containing %q", tc.in, err, tc.want)
		}
	}
}

func TestNewRefusesBadEntries(t *testing.T) {
	if _, err := New(Entry{"a", h1}, Entry{"a", h2}); err == nil {
		t.Error("duplicate accepted")
	}
	if _, err := New(Entry{"a", "xyz"}); err == nil {
		t.Error("bad hash accepted")
	}
	if _, err := New(Entry{"HEAD~1", h1}); err == nil {
		t.Error("bad name accepted")
	}
}

func TestTagMessageRoundTrip(t *testing.T) {
	m, _ := New(Entry{"b", h2}, Entry{"a", h1})
	msg := TagMessage("DEPLOY_20261125_142501_3f9a2c1", m)
	if !strings.HasPrefix(msg, "DEPLOY_20261125_142501_3f9a2c1\n\na  "+h1+"\nb  "+h2+"\n") {
		t.Fatalf("message = %q", msg)
	}
	signed := msg + "-----BEGIN SSH SIGNATURE-----\nabc\n-----END SSH SIGNATURE-----\n"
	back, err := ParseTagMessage("DEPLOY_20261125_142501_3f9a2c1", signed, "tag")
	if err != nil || back.Hash() != m.Hash() {
		t.Fatalf("ParseTagMessage: %v", err)
	}
	if _, err := ParseTagMessage("OTHER", msg, "tag"); err == nil {
		t.Fatal("a message for another tag was accepted")
	}
}
