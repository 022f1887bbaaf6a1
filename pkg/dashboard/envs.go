package dashboard

import (
	"fmt"
	"io"
	"path/filepath"
)

// Envs is what --all shows: the configured environments (their roots
// made absolute), then each of roots not among them, named by RootName.
// A root already listed is left out.
func Envs(configured []Env, roots []string) ([]Env, error) {
	var envs []Env
	seen := map[string]bool{}
	for _, e := range configured {
		root, err := filepath.Abs(e.Root)
		if err != nil {
			return nil, err
		}
		envs, seen[root] = append(envs, Env{Name: e.Name, Root: root}), true
	}
	for _, r := range roots {
		root, err := filepath.Abs(r)
		if err != nil {
			return nil, err
		}
		if seen[root] {
			continue
		}
		name, err := RootName(root)
		if err != nil {
			return nil, err
		}
		envs, seen[root] = append(envs, Env{Name: name, Root: root}), true
	}
	return envs, nil
}

// WriteStatuses prints one "ENV TAG" line a status, "-" for no tag.
func WriteStatuses(w io.Writer, sts []Status) error {
	for _, st := range sts {
		tag := "-"
		if st.Tag != nil {
			tag = *st.Tag
		}
		if _, err := fmt.Fprintf(w, "%s %s\n", st.Environment, tag); err != nil {
			return err
		}
	}
	return nil
}
