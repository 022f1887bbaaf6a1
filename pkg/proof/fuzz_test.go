package proof

import (
	"strings"
	"testing"
)

// record.json: any input is refused with an error or gives a record that
// passes its own check and marshals back to what parses to the same.
func FuzzUnmarshalRecord(f *testing.F) {
	f.Add([]byte(`{"export":null,"lfs":[],"object_format":"sha1","submodules":[]}`))
	f.Add([]byte(`{"export":null,"lfs":[],"object_format":"sha1","submodules":[],"x":1}`))
	f.Add([]byte(`{"object_format":"sha256"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var r Record
		if err := UnmarshalRecord(b, &r); err != nil {
			return
		}
		out, err := MarshalRecord(r)
		if err != nil {
			t.Fatalf("accepted %q, which does not marshal: %v", b, err)
		}
		var again Record
		if err := UnmarshalRecord(out, &again); err != nil {
			t.Fatalf("marshalled record %q does not parse back: %v", out, err)
		}
	})
}

// An LFS pointer that parses has a sha256 and a size that are well formed.
func FuzzParsePointer(f *testing.F) {
	f.Add("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")
	f.Add("version https://git-lfs.github.com/spec/v1\nsize 1\n")
	f.Add("version https://git-lfs.github.com/spec/v1\noid sha256:xyz\nsize -1\n")
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePointer(text)
		if err != nil {
			return
		}
		if len(p.Oid) != 64 || strings.Trim(p.Oid, "0123456789abcdef") != "" || p.Size < 0 {
			t.Fatalf("ParsePointer(%q) = %+v", text, p)
		}
	})
}
