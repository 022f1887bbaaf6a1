package place

import "testing"

func TestResolveRoot(t *testing.T) {
	for _, c := range []struct {
		s    RootSources
		want string
	}{
		{RootSources{Flag: "/f", EnvVar: "/e", Config: "/c", Environment: "qa"}, "/f"},
		{RootSources{EnvVar: "/e", Config: "/c", Environment: "qa"}, "/e"},
		{RootSources{Config: "/c", Environment: "qa", StateHome: "/s"}, "/c"},
		{RootSources{Environment: "qa", StateHome: "/s", Home: "/h"}, "/s/deploytag/qa"},
		{RootSources{Environment: "qa", Home: "/h"}, "/h/.local/state/deploytag/qa"},
		{RootSources{Environment: "qa", StateHome: "rel", Home: "/h"}, "/h/.local/state/deploytag/qa"},
	} {
		got, err := ResolveRoot(c.s)
		if err != nil || got != c.want {
			t.Errorf("ResolveRoot(%+v) = %q, %v, want %q", c.s, got, err, c.want)
		}
	}
	for _, s := range []RootSources{{}, {Environment: "../x", Home: "/h"}, {Environment: "qa"}} {
		if got, err := ResolveRoot(s); err == nil {
			t.Errorf("ResolveRoot(%+v) = %q, want an error", s, got)
		}
	}
}
