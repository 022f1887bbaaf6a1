package manifest

import (
	"bytes"
	"strings"
	"testing"
)

// Any input either fails with an error or gives a manifest whose every name
// and commit is valid, sorted and unique, and whose canonical text parses
// back to the same manifest.
func FuzzParse(f *testing.F) {
	f.Add([]byte("repo-a  ba165d93a1dff67855dfa80f5770601ea1f66cfd\n# c\n\nrepo-b ba165d93a1dff67855dfa80f5770601ea1f66cfd\n"))
	f.Add([]byte("DEPLOY_TAG ba165d93a1dff67855dfa80f5770601ea1f66cfd\n"))
	f.Add([]byte("a\tba165d93a1dff67855dfa80f5770601ea1f66cfd\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(bytes.NewReader(b), "f")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		for i, e := range m {
			if ValidName(e.Name) != nil || ValidCommit(e.Commit) != nil {
				t.Fatalf("accepted entry %q %q", e.Name, e.Commit)
			}
			if i > 0 && m[i-1].Name >= e.Name {
				t.Fatalf("not sorted and unique: %q then %q", m[i-1].Name, e.Name)
			}
		}
		again, err := Parse(strings.NewReader(m.String()), "again")
		if err != nil || again.String() != m.String() || again.Hash() != m.Hash() {
			t.Fatalf("canonical form %q does not parse back: %v", m.String(), err)
		}
	})
}
