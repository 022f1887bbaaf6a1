package gitobj

import (
	"bytes"
	"testing"
)

// A tree object that parses prints back byte for byte; tag and commit
// objects never crash the parsers.
func FuzzParseObjects(f *testing.F) {
	tree, _ := TreeBytes(SHA1, []Entry{{Mode: ModeFile, Name: "README", Hash: "ba165d93a1dff67855dfa80f5770601ea1f66cfd"}})
	f.Add(tree)
	f.Add([]byte("object ba165d93a1dff67855dfa80f5770601ea1f66cfd\ntype commit\ntag T\ntagger A <a@b> 1 +0000\n\nT\n\nr ba165d93a1dff67855dfa80f5770601ea1f66cfd\n"))
	f.Add([]byte("tree ba165d93a1dff67855dfa80f5770601ea1f66cfd\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, fm := range []Format{SHA1, SHA256} {
			if entries, err := ParseTree(fm, b); err == nil {
				out, err := TreeBytes(fm, entries)
				if err != nil || !bytes.Equal(out, b) {
					t.Fatalf("tree %q parses to %v, which prints as %q (%v)", b, entries, out, err)
				}
			}
			_, _ = ParseTag(fm, b)
			_, _ = ParseCommit(fm, b)
		}
	})
}
