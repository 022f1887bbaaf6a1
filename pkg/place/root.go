package place

import (
	"errors"
	"path/filepath"
)

// ErrNoHome is DefaultRoot's answer when there is no folder to keep
// state in: neither $XDG_STATE_HOME nor $HOME is an absolute path.
var ErrNoHome = errors.New("$HOME and $XDG_STATE_HOME are unset")

// DefaultRoot is the root of environment when nothing names one:
// STATE/deploytag/ENV, where STATE is stateHome ($XDG_STATE_HOME) or else
// home/.local/state; only an absolute path counts. environment must
// already be checked against names.ValidEnvironment.
func DefaultRoot(environment, stateHome, home string) (string, error) {
	state := stateHome
	if state == "" || !filepath.IsAbs(state) {
		if home == "" || !filepath.IsAbs(home) {
			return "", ErrNoHome
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "deploytag", environment), nil
}
