package release

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body, link string
	typ              byte
	mode             int64
}

func mktar(t *testing.T, entries ...entry) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return &b
}

func TestExtractRefusesEscapes(t *testing.T) {
	for _, tc := range []struct {
		name    string
		entries []entry
		want    string
	}{
		{"dotdot", []entry{{name: "../evil", body: "x", typ: tar.TypeReg, mode: 0o644}}, "not a path inside the release"},
		{"deep dotdot", []entry{{name: "a/../../evil", body: "x", typ: tar.TypeReg, mode: 0o644}}, "not a path inside the release"},
		{"absolute", []entry{{name: "/tmp/evil", body: "x", typ: tar.TypeReg, mode: 0o644}}, "not a path inside the release"},
		{"through symlink", []entry{
			{name: "link", link: "..", typ: tar.TypeSymlink},
			{name: "link/evil", body: "x", typ: tar.TypeReg, mode: 0o644},
		}, "passes through something that is not a folder"},
		{"file over symlink", []entry{
			{name: "link", link: "../outside-file", typ: tar.TypeSymlink},
			{name: "link", body: "x", typ: tar.TypeReg, mode: 0o644},
		}, "file exists"},
		{"hard link", []entry{{name: "h", link: "/etc/passwd", typ: tar.TypeLink}}, "unsupported type"},
		{"device", []entry{{name: "d", typ: tar.TypeChar}}, "unsupported type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			top := t.TempDir()
			dest := filepath.Join(top, "release")
			if err := os.Mkdir(dest, 0o755); err != nil {
				t.Fatal(err)
			}
			err := Extract(mktar(t, tc.entries...), dest)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Extract: %v, want an error containing %q", err, tc.want)
			}
			ents, _ := os.ReadDir(top)
			if len(ents) != 1 {
				t.Fatalf("something was written beside the release: %v", ents)
			}
		})
	}
}

func TestExtractModesAndSymlinks(t *testing.T) {
	dest := t.TempDir()
	err := Extract(mktar(t,
		entry{name: "bin/", typ: tar.TypeDir, mode: 0o775},
		entry{name: "bin/run", body: "#!/bin/sh\n", typ: tar.TypeReg, mode: 0o775},
		entry{name: "deep/er/file", body: "data", typ: tar.TypeReg, mode: 0o664},
		entry{name: "up", link: "../../../etc", typ: tar.TypeSymlink},
	), dest)
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"bin/run": 0o755, "deep/er/file": 0o644, "bin": os.ModeDir | 0o755} {
		fi, err := os.Lstat(filepath.Join(dest, p))
		if err != nil || fi.Mode() != want {
			t.Errorf("%s: mode %v, %v; want %v", p, fi.Mode(), err, want)
		}
	}
	if l, err := os.Readlink(filepath.Join(dest, "up")); err != nil || l != "../../../etc" {
		t.Errorf("symlink up = %q, %v", l, err)
	}
}
