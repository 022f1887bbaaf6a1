package release

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// hashDir computes, in Go, the git tree hash of a folder as git would
// store it: files as blobs (100755 when executable), symlinks as blobs of
// their target, folders as trees. links maps a folder's path (relative to
// the top) to the commit to enter for it instead, as for a submodule; the
// folder's own tree hash is then reported through subtrees.
func hashDir(t *testing.T, dir, format string, links map[string]string, subtrees map[string]string) string {
	t.Helper()
	h, err := hashTree(dir, "", format, links, subtrees)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newHash(format string) hash.Hash {
	if format == "sha256" {
		return sha256.New()
	}
	return sha1.New()
}

func objectHash(format, typ string, body []byte) []byte {
	h := newHash(format)
	fmt.Fprintf(h, "%s %d\x00", typ, len(body))
	h.Write(body)
	return h.Sum(nil)
}

func hashTree(dir, rel, format string, links, subtrees map[string]string) (string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", err
	}
	type te struct {
		mode, name string
		id         []byte
		sortKey    string
	}
	var list []te
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		r := e.Name()
		if rel != "" {
			r = rel + "/" + e.Name()
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return "", err
		}
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return "", err
			}
			list = append(list, te{"120000", e.Name(), objectHash(format, "blob", []byte(target)), e.Name()})
		case fi.IsDir():
			sub, err := hashTree(p, r, format, links, subtrees)
			if err != nil {
				return "", err
			}
			if c, ok := links[r]; ok {
				subtrees[r] = sub
				id, _ := hex.DecodeString(c)
				list = append(list, te{"160000", e.Name(), id, e.Name()})
				continue
			}
			if sub == "" {
				continue // an empty folder: git has none
			}
			id, _ := hex.DecodeString(sub)
			list = append(list, te{"40000", e.Name(), id, e.Name() + "/"})
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return "", err
			}
			mode := "100644"
			if fi.Mode()&0o111 != 0 {
				mode = "100755"
			}
			list = append(list, te{mode, e.Name(), objectHash(format, "blob", b), e.Name()})
		}
	}
	if len(list) == 0 {
		return "", nil
	}
	sort.Slice(list, func(i, j int) bool { return list[i].sortKey < list[j].sortKey })
	var body []byte
	for _, e := range list {
		body = append(body, e.mode+" "+e.name+"\x00"...)
		body = append(body, e.id...)
	}
	return hex.EncodeToString(objectHash(format, "tree", body)), nil
}
