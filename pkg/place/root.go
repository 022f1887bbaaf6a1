package place

import (
	"errors"
	"path/filepath"

	"github.com/deploytag/deploytag/pkg/names"
)

// RootSources are the places the root of an environment comes from, in
// order of precedence: Flag (--root), then EnvVar ($DEPLOY_ROOT), then
// Config ([environments.ENV].root), then StateHome/deploytag/ENV, where
// StateHome is $XDG_STATE_HOME or else Home/.local/state.
type RootSources struct {
	Flag        string
	EnvVar      string
	Config      string
	Environment string
	StateHome   string
	Home        string
}

// ResolveRoot picks the root from s. A relative path is returned as given
// (relative to the working directory); the config package has already made
// a configured root absolute.
func ResolveRoot(s RootSources) (string, error) {
	for _, p := range []string{s.Flag, s.EnvVar, s.Config} {
		if p != "" {
			return filepath.Clean(p), nil
		}
	}
	if s.Environment == "" {
		return "", errors.New("no root: give --root DIR or --environment ENV")
	}
	if err := names.ValidEnvironment(s.Environment); err != nil {
		return "", err
	}
	state := s.StateHome
	if state == "" || !filepath.IsAbs(state) {
		if s.Home == "" || !filepath.IsAbs(s.Home) {
			return "", errors.New("no root: $HOME and $XDG_STATE_HOME are unset; give --root DIR")
		}
		state = filepath.Join(s.Home, ".local", "state")
	}
	return filepath.Join(state, "deploytag", s.Environment), nil
}
