package dashboard

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/deploytag/deploytag/pkg/config"
)

// Envs is what runs where: the configured environments (their roots
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

// Configured is every environment of cfg, in the file's order, at the
// root rootOf gives it, then each of roots not among them (see Envs):
// what runs where. None at all (no environment configured, no root
// given) is for the caller to word.
func Configured(cfg *config.Config, rootOf func(env string) (string, error), roots []string) ([]Env, error) {
	var configured []Env
	for _, name := range cfg.EnvironmentOrder {
		root, err := rootOf(name)
		if err != nil {
			return nil, err
		}
		configured = append(configured, Env{Name: name, Root: root})
	}
	return Envs(configured, roots)
}

// StatusLines is the text of what runs where: one "ENV TAG" line a status, "-"
// for no tag.
func StatusLines(sts []Status) string {
	var b strings.Builder
	for _, st := range sts {
		tag := "-"
		if st.Tag != nil {
			tag = *st.Tag
		}
		fmt.Fprintf(&b, "%s %s\n", st.Environment, tag)
	}
	return b.String()
}
