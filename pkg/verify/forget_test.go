package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/proof"
)

// memObjects serves tree objects from a map.
type memObjects map[string][]byte

func (m memObjects) Object(_ context.Context, _, hash string) ([]byte, error) {
	if b, ok := m[hash]; ok {
		return b, nil
	}
	return nil, errors.New("no object " + hash)
}

// treeOf records the tree objects of dir (plain files only) and returns
// its hash, as the tagged tree of a release holding exactly dir.
func treeOf(t *testing.T, dir string, objs memObjects) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var es []gitobj.Entry
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if e.IsDir() {
			es = append(es, gitobj.Entry{Name: e.Name(), Mode: gitobj.ModeTree, Hash: treeOf(t, p, objs)})
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, gitobj.Entry{Name: e.Name(), Mode: gitobj.ModeFile, Hash: gitobj.HashBytes(gitobj.SHA1, gitobj.TypeBlob, b)})
	}
	gitobj.Sort(es)
	raw, err := gitobj.TreeBytes(gitobj.SHA1, es)
	if err != nil {
		t.Fatal(err)
	}
	h := gitobj.HashBytes(gitobj.SHA1, gitobj.TypeTree, raw)
	objs[h] = raw
	return h
}

// With the tagged trees at hand (a proof), each folder is compared as soon
// as it is done and its entries forgotten: memory holds the folders on the
// walk's path, not the repo. A folder that differs is still named.
func TestEagerWalkForgetsComparedFolders(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for i := range 40 {
		p := filepath.Join(dir, fmt.Sprintf("d%d", i%4), fmt.Sprintf("e%d", i%2), fmt.Sprintf("f%d", i))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(p), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	objs := memObjects{}
	tree := treeOf(t, dir, objs)
	if err := os.WriteFile(filepath.Join(dir, "d1", "e1", "f1.new"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	k := &checker{TreeCheck: TreeCheck{Folder: dir, Tree: tree, Objects: objs, Sem: make(chan struct{}, 4), Eager: true,
		Record: proof.Record{ObjectFormat: "sha1"}}, f: gitobj.SHA1, seen: map[[2]string]bool{}}
	root, err := k.walk(context.Background(), dir, "", "", tree)
	if err != nil {
		t.Fatal(err)
	}
	if root.kids != nil || !root.compared {
		t.Errorf("the root kept %d entries after it was compared", len(root.kids))
	}
	if got := fmt.Sprint(k.res.Diff.Added, k.res.Problems); got != "[d1/e1/f1.new] []" {
		t.Errorf("differences %s, want the one added file", got)
	}
}
