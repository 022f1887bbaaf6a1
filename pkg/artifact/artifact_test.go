package artifact

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/place"
)

const tag = "DEPLOY_20261125_142501_3f9a2c1"

// mkrelease makes a release folder under top with every kind of entry a
// release holds, its permissions shaped by perm (as a umask would) and
// its times set to at.
func mkrelease(t *testing.T, top string, perm os.FileMode, at time.Time) string {
	t.Helper()
	dir := filepath.Join(top, tag)
	files := map[string]string{
		"DEPLOY_TAG":      tag + "\n",
		"DEPLOY_MANIFEST": "api  0123456789012345678901234567890123456789\n",
		"api/README":      "api\n",
		"api/bin/run":     "#!/bin/sh\n",
		"api/a-b":         "sorts before a/ bytewise\n",
		"api/" + strings.Repeat("long-name/", 14) + "deep.txt": "pax path\n",
		"web/empty": "",
	}
	for p, body := range files {
		full := filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o777&^perm); err != nil {
			t.Fatal(err)
		}
		mode := 0o666 &^ perm
		if strings.HasSuffix(p, "/run") {
			mode = 0o777 &^ perm
		}
		if err := os.WriteFile(full, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("../../../etc", filepath.Join(dir, "api", "up")); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error {
		os.Chtimes(p, at, at)
		return nil
	})
	return dir
}

func write(t *testing.T, dir string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, dir, tag); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestWriteIsReproducible(t *testing.T) {
	a := write(t, mkrelease(t, t.TempDir(), 0o022, time.Now()))
	b := write(t, mkrelease(t, t.TempDir(), 0o002, time.Now().Add(-48*time.Hour)))
	if !bytes.Equal(a, b) {
		t.Fatal("two copies of one release, made at different times with different umasks, gave different artifacts")
	}
	tr := tar.NewReader(bytes.NewReader(a))
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(time.Date(2026, 11, 25, 14, 25, 1, 0, time.UTC)) {
			t.Errorf("%s: uid %d gid %d %q %q mtime %s", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime)
		}
		if !h.AccessTime.IsZero() || !h.ChangeTime.IsZero() {
			t.Errorf("%s records access or change times", h.Name)
		}
		want := map[byte]int64{tar.TypeDir: 0o755, tar.TypeSymlink: 0o777}[h.Typeflag]
		if h.Typeflag == tar.TypeReg {
			want = 0o644
			if strings.HasSuffix(h.Name, "/run") {
				want = 0o755
			}
		}
		if h.Mode != want {
			t.Errorf("%s: mode %o, want %o", h.Name, h.Mode, want)
		}
	}
	wantOrder := []string{tag + "/", tag + "/DEPLOY_MANIFEST", tag + "/DEPLOY_TAG", tag + "/api/", tag + "/api/README",
		tag + "/api/a-b", tag + "/api/bin/", tag + "/api/bin/run", tag + "/api/long-name/"}
	if strings.Join(names[:len(wantOrder)], " ") != strings.Join(wantOrder, " ") {
		t.Errorf("entries in the order\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(wantOrder, "\n"))
	}
	// A non-deploy tag's entries carry the epoch.
	if !MTime("v1.2.3").Equal(time.Unix(0, 0)) {
		t.Errorf("MTime(v1.2.3) = %s", MTime("v1.2.3"))
	}
}

func TestWriteRefusesOtherTypes(t *testing.T) {
	dir := mkrelease(t, t.TempDir(), 0o022, time.Now())
	if err := syscall.Mkfifo(filepath.Join(dir, "api", "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Write(io.Discard, dir, tag)
	if err == nil || !strings.Contains(err.Error(), "neither a file, a folder nor a symlink") {
		t.Fatalf("Write with a fifo: %v", err)
	}
}

func TestUnpackRoundTrip(t *testing.T) {
	src := mkrelease(t, t.TempDir(), 0o022, time.Now())
	a := write(t, src)
	dest := t.TempDir()
	got, err := Unpack(bytes.NewReader(append(a, make([]byte, 9000)...)), dest, Limits{}, nil)
	if err != nil || got != tag {
		t.Fatalf("Unpack = %q, %v", got, err)
	}
	same, err := place.SameTree(src, dest)
	if err != nil || !same {
		t.Fatalf("unpacked release differs from the one written (%v)", err)
	}
	if l, _ := os.Readlink(filepath.Join(dest, "api", "up")); l != "../../../etc" {
		t.Errorf("symlink target %q", l)
	}
}

// Unpack records each file's SHA-1 blob id from the bytes it wrote: the id
// of the file as it is on disk, for every regular file and nothing else;
// and the modes are the release's whatever the umask, though a umask that
// strips nothing saves the chmod.
func TestUnpackWritten(t *testing.T) {
	src := mkrelease(t, t.TempDir(), 0o022, time.Now())
	a := write(t, src)
	for _, mask := range []int{0o022, 0o077} {
		old := syscall.Umask(mask)
		dest := t.TempDir()
		w := gitobj.NewWritten()
		_, err := Unpack(bytes.NewReader(a), dest, Limits{}, w)
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		files := 0
		err = filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
			if err != nil || p == dest {
				return err
			}
			rel, _ := filepath.Rel(dest, p)
			fi, err := os.Lstat(p)
			if err != nil {
				return err
			}
			id, ok := w.Blob(rel, fi.Size())
			want := os.FileMode(0o755)
			if fi.Mode().IsRegular() {
				files++
				f, err := os.Open(p)
				if err != nil {
					return err
				}
				defer f.Close()
				onDisk, err := gitobj.HashBlob(gitobj.SHA1, fi.Size(), f)
				if err != nil {
					return err
				}
				if !ok || id != onDisk {
					t.Errorf("umask %03o: %s: recorded %q (%v), on disk %s", mask, rel, id, ok, onDisk)
				}
				if _, ok := w.Blob(rel, fi.Size()+1); ok {
					t.Errorf("%s: a recorded id for another size", rel)
				}
				if fi.Mode()&0o111 == 0 {
					want = 0o644
				}
			} else if ok {
				t.Errorf("%s: recorded, but not a file", rel)
			}
			if fi.Mode()&fs.ModeSymlink == 0 && fi.Mode().Perm() != want {
				t.Errorf("umask %03o: %s has mode %v, want %v", mask, rel, fi.Mode().Perm(), want)
			}
			return nil
		})
		if err != nil || files < 3 {
			t.Fatalf("walk: %v, %d files", err, files)
		}
	}
}

type ent struct {
	name, body, link string
	typ              byte
}

func mktar(t *testing.T, entries ...ent) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: 0o644, Linkname: e.link}
		if e.typ == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	return b.Bytes()
}

func TestUnpackRefuses(t *testing.T) {
	top := ent{name: tag + "/", typ: tar.TypeDir}
	dtag := ent{name: tag + "/DEPLOY_TAG", body: tag + "\n", typ: tar.TypeReg}
	file := func(name string) ent { return ent{name: tag + "/" + name, body: "x", typ: tar.TypeReg} }
	for _, tc := range []struct {
		name string
		tar  []byte
		lim  Limits
		want string
	}{
		{"no top folder", mktar(t, dtag), Limits{}, "is not the folder of a tag"},
		{"bad tag", mktar(t, ent{name: "-x/", typ: tar.TypeDir}), Limits{}, "is not the folder of a tag"},
		{"empty", mktar(t), Limits{}, "holds no release"},
		{"not a tar", []byte(strings.Repeat("garbage!", 200)), Limits{}, "reading it"},
		{"other top", mktar(t, top, dtag, ent{name: "OTHER/x", body: "x", typ: tar.TypeReg}), Limits{}, "not a path inside the release"},
		{"dotdot", mktar(t, top, dtag, file("../evil")), Limits{}, "not a path inside the release"},
		{"deep dotdot", mktar(t, top, dtag, file("a/../../evil")), Limits{}, "not a path inside the release"},
		{"unclean", mktar(t, top, dtag, file("a/./b")), Limits{}, "not a path inside the release"},
		{"absolute", mktar(t, top, dtag, ent{name: "/etc/evil", body: "x", typ: tar.TypeReg}), Limits{}, "not a path inside the release"},
		{"through symlink", mktar(t, top, dtag, ent{name: tag + "/l", link: "/tmp", typ: tar.TypeSymlink}, file("l/evil")), Limits{}, "passes through something that is not a folder"},
		{"through file", mktar(t, top, dtag, file("f"), file("f/evil")), Limits{}, "passes through something that is not a folder"},
		{"twice", mktar(t, top, dtag, file("f"), file("f")), Limits{}, "given twice"},
		{"folder over symlink", mktar(t, top, dtag, ent{name: tag + "/l", link: "/tmp", typ: tar.TypeSymlink}, ent{name: tag + "/l/", typ: tar.TypeDir}), Limits{}, "given twice"},
		{"hard link", mktar(t, top, dtag, ent{name: tag + "/h", link: "/etc/passwd", typ: tar.TypeLink}), Limits{}, "has type"},
		{"device", mktar(t, top, dtag, ent{name: tag + "/d", typ: tar.TypeChar}), Limits{}, "has type"},
		{"fifo", mktar(t, top, dtag, ent{name: tag + "/p", typ: tar.TypeFifo}), Limits{}, "has type"},
		{"entries", mktar(t, top, dtag, file("a"), file("b")), Limits{Entries: 3}, "more than 3 entries"},
		{"bytes", mktar(t, top, dtag, file("a"), file("b")), Limits{Bytes: int64(len(tag)) + 2}, "more than"},
		{"path", mktar(t, top, dtag, file(strings.Repeat("x", 300))), Limits{Path: 200}, "longer than 200 bytes"},
		{"trailer", append(mktar(t, top, dtag), "junk"...), Limits{}, "data follows the end"},
		{"no DEPLOY_TAG", mktar(t, top, file("a")), Limits{}, "no DEPLOY_TAG file"},
		{"DEPLOY_TAG symlink", mktar(t, top, ent{name: tag + "/DEPLOY_TAG", link: "/etc/hostname", typ: tar.TypeSymlink}), Limits{}, "no DEPLOY_TAG file"},
		{"DEPLOY_TAG other", mktar(t, top, ent{name: tag + "/DEPLOY_TAG", body: "DEPLOY_20200101_000000_aaaaaaa\n", typ: tar.TypeReg}), Limits{}, "DEPLOY_TAG says"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			os.Mkdir(dest, 0o755)
			_, err := Unpack(bytes.NewReader(tc.tar), dest, tc.lim, nil)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Unpack: %v, want ErrCorrupt containing %q", err, tc.want)
			}
			if ents, _ := os.ReadDir(parent); len(ents) != 1 {
				t.Errorf("something was written beside dest: %v", ents)
			}
		})
	}
}

// A release cut short (a transfer that stopped) is refused.
func TestUnpackTruncated(t *testing.T) {
	a := write(t, mkrelease(t, t.TempDir(), 0o022, time.Now()))
	for _, n := range []int{len(a) / 3, len(a) - 1024 - 10, len(a) - 1024, len(a) - 512} {
		_, err := Unpack(bytes.NewReader(a[:n]), t.TempDir(), Limits{}, nil)
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("Unpack of the first %d of %d bytes: %v", n, len(a), err)
		}
	}
}

// Many files, small ones written by the parallel writers and big ones
// streamed, in many folders: every byte and every recorded blob id as the
// release has them.
func TestUnpackManyFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), tag)
	want := map[string][]byte{"DEPLOY_TAG": []byte(tag + "\n")}
	for i := range 300 {
		size := (i * 7919) % (3 * smallFile / 2) // some above smallFile
		if i%50 == 0 {
			size = 3*smallFile + i
		}
		body := bytes.Repeat([]byte{byte(i)}, size)
		want[filepath.Join("app", strings.Repeat("d", i%11+1), "f"+strings.Repeat("x", i%5)+string(rune('a'+i%26))+string(rune('a'+i/26)))] = body
	}
	for p, body := range want {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a := write(t, dir)
	dest := t.TempDir()
	w := gitobj.NewWritten()
	if _, err := Unpack(bytes.NewReader(a), dest, Limits{}, w); err != nil {
		t.Fatal(err)
	}
	for p, body := range want {
		got, err := os.ReadFile(filepath.Join(dest, p))
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: %d bytes (%v), want %d", p, len(got), err, len(body))
			continue
		}
		id, ok := w.Blob(p, int64(len(body)))
		if onDisk, _ := gitobj.HashBlob(gitobj.SHA1, int64(len(body)), bytes.NewReader(body)); !ok || id != onDisk {
			t.Errorf("%s: recorded %q (%v), want %s", p, id, ok, onDisk)
		}
	}
	if same, err := place.SameTree(dir, dest); err != nil || !same {
		t.Errorf("unpacked release differs from the one written (%v)", err)
	}
}

// A file a writer cannot make (one already there, as a full disk would
// fail it) is a failure to write, not a corrupt artifact, and Unpack
// returns only once every writer has stopped.
func TestUnpackWriteFails(t *testing.T) {
	dir := filepath.Join(t.TempDir(), tag)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "DEPLOY_TAG"), []byte(tag+"\n"), 0o644)
	for i := range 200 {
		os.WriteFile(filepath.Join(dir, "f"+strings.Repeat("x", i)), []byte("small"), 0o644)
	}
	a := write(t, dir)
	dest := t.TempDir()
	if err := os.WriteFile(filepath.Join(dest, "fxxx"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	before := runtime.NumGoroutine()
	_, err := Unpack(bytes.NewReader(a), dest, Limits{}, nil)
	if err == nil || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "fxxx") {
		t.Fatalf("Unpack: %v, want a failure to write naming fxxx", err)
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("%d goroutines after Unpack, %d before: a writer outlived it", after, before)
	}
}
