package verify_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/proof"
	"github.com/deploytag/deploytag/pkg/verify"
)

// signedTree is a repo's tagged tree built in Go, with the objects a
// release's proof carries: its .gitattributes allow leaving tests/ out
// and expanding ver.txt, nothing else.
type signedTree struct {
	files    map[string]string // path -> content, as tagged
	expanded string            // ver.txt as the export writes it
	tree     string
	commit   []byte
	hash     string
	tag      []byte
	objects  map[string][]byte
	manifest manifest.Manifest
	record   []byte // the honest record.json
}

const fuzzTag = "DEPLOY_20261125_142501_0000000"

func newSignedTree(t testing.TB) *signedTree {
	f := gitobj.SHA1
	st := &signedTree{files: map[string]string{
		".gitattributes": "tests export-ignore\nver.txt export-subst\n",
		"a.txt":          "a\n",
		"ver.txt":        "v=$Format:%H$ s=$Format:%s$\n",
		"tests/t.txt":    "test\n",
		"lib/m.txt":      "m\n",
	}, objects: map[string][]byte{}}
	blob := func(s string) string {
		h := gitobj.HashBytes(f, gitobj.TypeBlob, []byte(s))
		return h
	}
	mkTree := func(ents []gitobj.Entry) string {
		gitobj.Sort(ents)
		raw, err := gitobj.TreeBytes(f, ents)
		if err != nil {
			t.Fatal(err)
		}
		h := gitobj.HashBytes(f, gitobj.TypeTree, raw)
		st.objects[h] = raw
		return h
	}
	tests := mkTree([]gitobj.Entry{{Name: "t.txt", Mode: gitobj.ModeFile, Hash: blob(st.files["tests/t.txt"])}})
	lib := mkTree([]gitobj.Entry{{Name: "m.txt", Mode: gitobj.ModeFile, Hash: blob(st.files["lib/m.txt"])}})
	st.tree = mkTree([]gitobj.Entry{
		{Name: ".gitattributes", Mode: gitobj.ModeFile, Hash: blob(st.files[".gitattributes"])},
		{Name: "a.txt", Mode: gitobj.ModeFile, Hash: blob(st.files["a.txt"])},
		{Name: "ver.txt", Mode: gitobj.ModeFile, Hash: blob(st.files["ver.txt"])},
		{Name: "tests", Mode: gitobj.ModeTree, Hash: tests},
		{Name: "lib", Mode: gitobj.ModeTree, Hash: lib},
	})
	delete(st.objects, tests) // left out by export-ignore: not in the proof
	st.objects[blob(st.files[".gitattributes"])] = []byte(st.files[".gitattributes"])
	st.objects[blob(st.files["ver.txt"])] = []byte(st.files["ver.txt"])
	st.commit = []byte("tree " + st.tree + "\nauthor A <a@example.com> 1764072000 +0000\ncommitter A <a@example.com> 1764072000 +0000\n\nthe subject\n")
	st.hash = gitobj.HashBytes(f, gitobj.TypeCommit, st.commit)
	st.expanded = "v=" + st.hash + " s=the subject\n"
	m, err := manifest.New(manifest.Entry{Name: "app", Commit: st.hash})
	if err != nil {
		t.Fatal(err)
	}
	st.manifest = m
	st.tag = []byte("object " + st.hash + "\ntype commit\ntag " + fuzzTag + "\ntagger A <a@example.com> 1764072000 +0000\n\n" + manifest.TagMessage(fuzzTag, m))
	st.record, err = proof.MarshalRecord(proof.Record{ObjectFormat: "sha1", Export: &proof.Export{
		Ignored: []proof.Ignored{{Path: "tests", Mode: "040000", Hash: tests}},
		Substituted: []proof.Substituted{{Path: "ver.txt", Mode: "100644", Tagged: blob(st.files["ver.txt"]),
			Deployed: blob(st.expanded)}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// release writes the honest release into dir (a fresh folder), the one
// an export makes: the tagged files but tests/, left out, and ver.txt,
// expanded; its proof with the honest record.json.
func (st *signedTree) release(t testing.TB, dir string) string {
	rel := filepath.Join(dir, fuzzTag)
	app := filepath.Join(rel, "app")
	for p, s := range st.files {
		if strings.HasPrefix(p, "tests/") {
			continue
		}
		if p == "ver.txt" {
			s = st.expanded
		}
		write(t, filepath.Join(app, p), s)
	}
	write(t, filepath.Join(rel, "DEPLOY_TAG"), fuzzTag+"\n")
	write(t, filepath.Join(rel, "DEPLOY_MANIFEST"), st.manifest.String())
	pd := filepath.Join(rel, proof.Dir)
	write(t, filepath.Join(pd, proof.FormatFile), proof.Format)
	write(t, filepath.Join(pd, "app", proof.TagFile), string(st.tag))
	write(t, filepath.Join(pd, "app", proof.CommitFile), string(st.commit))
	write(t, filepath.Join(pd, "app", proof.TreeFile), st.tree+"\n")
	write(t, filepath.Join(pd, "app", proof.RecordFile), string(st.record))
	for h, raw := range st.objects {
		write(t, filepath.Join(pd, "app", proof.ObjectsDir, h), string(raw))
	}
	return rel
}

func write(t testing.TB, p, s string) {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// forge changes the honest release rel as a writer of it would: record.json
// replaced, an object added (named by its hash as a tree) or the root tree
// object rewritten (replace), and one change to the files (target);
// undo puts the honest release back.
func (st *signedTree) forge(t testing.TB, rel string, record, obj []byte, replace bool, target uint8, content []byte) (undo func()) {
	app := filepath.Join(rel, "app")
	objs := filepath.Join(rel, proof.Dir, "app", proof.ObjectsDir)
	write(t, filepath.Join(rel, proof.Dir, "app", proof.RecordFile), string(record))
	var extra string
	if len(obj) > 0 {
		extra = gitobj.HashBytes(gitobj.SHA1, gitobj.TypeTree, obj)
		if replace {
			extra = st.tree
		}
		write(t, filepath.Join(objs, extra), string(obj))
	}
	switch target % 6 {
	case 1:
		write(t, filepath.Join(app, "a.txt"), string(content))
	case 2:
		write(t, filepath.Join(app, "ver.txt"), string(content))
	case 3:
		write(t, filepath.Join(app, "tests", "t.txt"), string(content))
	case 4:
		os.Remove(filepath.Join(app, "a.txt"))
	case 5:
		os.RemoveAll(filepath.Join(app, "lib"))
	}
	return func() {
		write(t, filepath.Join(rel, proof.Dir, "app", proof.RecordFile), string(st.record))
		if extra != "" {
			os.Remove(filepath.Join(objs, extra))
			if raw, ok := st.objects[extra]; ok {
				write(t, filepath.Join(objs, extra), string(raw))
			}
		}
		os.RemoveAll(filepath.Join(app, "tests"))
		write(t, filepath.Join(app, "a.txt"), st.files["a.txt"])
		write(t, filepath.Join(app, "ver.txt"), st.expanded)
		write(t, filepath.Join(app, "lib", "m.txt"), st.files["lib/m.txt"])
	}
}

// allowed reports whether the release's files are the tagged tree as its
// own attributes allow it: tests/ left out or as tagged, ver.txt as tagged
// or as the export expands it, everything else as tagged.
func (st *signedTree) allowed(target uint8, content []byte) bool {
	switch target % 6 {
	case 0:
		return true
	case 1:
		return string(content) == st.files["a.txt"]
	case 2:
		return string(content) == st.files["ver.txt"] || string(content) == st.expanded
	case 3:
		return string(content) == st.files["tests/t.txt"]
	}
	return false
}

// FuzzRecord: whatever record.json and tree objects a writer of the
// release puts in its proof, verify never says ok of files that differ
// from the signed tree, except where the tree's own attributes allow it.
func FuzzRecord(f *testing.F) {
	st := newSignedTree(f)
	f.Add(st.record, []byte(nil), false, uint8(0), []byte(nil))
	f.Add(st.record, []byte(nil), false, uint8(1), []byte("evil\n"))
	f.Add(st.record, []byte(nil), false, uint8(2), []byte("v=evil\n"))
	f.Add(bytes.Replace(st.record, []byte(`"ignored": [`), []byte(`"ignored": [{"path": "a.txt", "mode": "100644", "hash": "78981922613b2afb6025042ff6bd878ac1994e85"},`), 1),
		[]byte(nil), false, uint8(4), []byte(nil))
	f.Add(st.record, st.objects[st.tree], true, uint8(5), []byte(nil))
	rel := st.release(f, f.TempDir())
	f.Fuzz(func(t *testing.T, record, obj []byte, replace bool, target uint8, content []byte) {
		undo := st.forge(t, rel, record, obj, replace, target, content)
		defer undo()
		rep, err := verify.Release(context.Background(), rel, verify.ReleaseOptions{Jobs: 1})
		if err != nil {
			return // not checked at all: no verdict, no "ok"
		}
		if rep.OK && !st.allowed(target, content) {
			t.Fatalf("verify says ok of a release whose files the tag does not allow (change %d, %q) with record %s", target%6, content, record)
		}
	})
}

// The honest release verifies: the fuzz target's "ok" is reachable.
func TestSignedTreeVerifies(t *testing.T) {
	st := newSignedTree(t)
	rel := st.release(t, t.TempDir())
	for _, target := range []uint8{0, 2, 0} {
		undo := st.forge(t, rel, st.record, nil, false, target, []byte(st.expanded))
		rep, err := verify.Release(context.Background(), rel, verify.ReleaseOptions{Jobs: 1})
		if err != nil || !rep.OK {
			t.Fatalf("change %d: %v %+v", target, err, rep)
		}
		undo()
	}
	// and the forgeries of the seeds do not
	undo := st.forge(t, rel, st.record, nil, false, 1, []byte("evil\n"))
	if rep, _ := verify.Release(context.Background(), rel, verify.ReleaseOptions{Jobs: 1}); rep.OK {
		t.Fatal("an edited a.txt verifies")
	}
	undo()
}
