package tags

import (
	"time"

	"github.com/deploytag/deploytag/pkg/manifest"
	"github.com/deploytag/deploytag/pkg/names"
)

// NewTag is a new deploy tag for the commits of m, with prefix and time,
// as create_deploy_tag prints it; nothing is created.
type NewTag struct {
	Tag    string            `json:"tag"`
	Prefix string            `json:"prefix"`
	Time   string            `json:"time"` // RFC 3339, UTC
	Hash   string            `json:"hash"` // of m's canonical form
	Repos  manifest.Manifest `json:"repos"`
}

// Name names the deploy tag of m (see names.New). Its JSON form is
// create_deploy_tag --json (docs/json.md).
func Name(prefix string, at time.Time, m manifest.Manifest) (NewTag, error) {
	t, err := names.New(prefix, at, m.Hash())
	if err != nil {
		return NewTag{}, err
	}
	if m == nil {
		m = manifest.Manifest{} // "repos": [], never null
	}
	return NewTag{Tag: t.String(), Prefix: t.Prefix, Time: t.Time.UTC().Format(time.RFC3339), Hash: m.Hash(), Repos: m}, nil
}
