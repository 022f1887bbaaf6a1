package live

import (
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/names"
)

// A DEPLOY_TAG file read as a tag gives a valid tag name and nothing else.
func FuzzParseTag(f *testing.F) {
	f.Add([]byte("DEPLOY_20261125_142501_3f9a2c1\n"))
	f.Add([]byte("DEPLOY_20261301_000000_abcdef0\n"))
	f.Add([]byte("a\nb\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tag, err := ParseTag(b, "f")
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("multi-line error %q", err)
			}
			return
		}
		if names.ValidTagName(tag) != nil || strings.TrimSuffix(string(b), "\n") != tag {
			t.Fatalf("ParseTag(%q) = %q", b, tag)
		}
	})
}
