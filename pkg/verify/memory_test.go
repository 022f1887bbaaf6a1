package verify

import (
	"fmt"
	"reflect"
	"sync"
	"testing"

	"github.com/deploytag/deploytag/pkg/manifest"
)

// Every copy of a deploy tag records the whole manifest, so keeping one
// manifest per repo would make memory grow with the square of the repo
// count. The per-repo state must hold no manifest (only its hash); the one
// manifest kept is the first repo's.
func TestRepoStateHoldsNoManifest(t *testing.T) {
	mt := reflect.TypeOf(manifest.Manifest(nil))
	st := reflect.TypeOf(repoState{})
	for i := 0; i < st.NumField(); i++ {
		f := st.Field(i)
		if f.Type == mt || f.Type == reflect.TypeOf(manifest.Entry{}) || f.Type == reflect.SliceOf(reflect.TypeOf(manifest.Entry{})) {
			t.Errorf("repoState.%s holds a manifest (%s): one per repo makes memory quadratic", f.Name, f.Type)
		}
	}
}

func TestFirstManifestKeepsTheLowestRepo(t *testing.T) {
	const n = 200
	var f firstManifest
	var wg sync.WaitGroup
	// Offered in an order unrelated to the repo order, concurrently, as
	// the workers of Verify do; repo 0 records none.
	for k := 1; k < n; k++ {
		i := (k * 37) % n
		if i == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m, err := manifest.New(manifest.Entry{Name: fmt.Sprintf("r%d", i), Commit: fmt.Sprintf("%040x", i)})
			if err != nil {
				t.Error(err)
				return
			}
			f.offer(i, m)
		}()
	}
	wg.Wait()
	if f.idx != 1 || len(f.m) != 1 || f.m[0].Name != "r1" {
		t.Errorf("kept repo %d's manifest %v, want repo 1's", f.idx, f.m)
	}
}
