package cmdline

import (
	"strings"
	"testing"

	"github.com/deploytag/deploytag/pkg/config"
)

// The root comes from --root, else $DEPLOY_ROOT, else the config, else
// the XDG state folder (or ~/.local/state), for every tool alike.
func TestRoot(t *testing.T) {
	cfg := &config.Config{Environments: map[string]config.Environment{"qa": {Root: "/c"}}}
	for _, c := range []struct {
		flag, envVar, env, state, home string
		cfg                            *config.Config
		want                           string
	}{
		{"/f", "/e", "qa", "", "", cfg, "/f"},
		{"", "/e", "qa", "", "", cfg, "/e"},
		{"", "", "qa", "/s", "", cfg, "/c"},
		{"", "", "qa", "/s", "/h", nil, "/s/deploytag/qa"},
		{"", "", "qa", "", "/h", nil, "/h/.local/state/deploytag/qa"},
		{"", "", "qa", "rel", "/h", nil, "/h/.local/state/deploytag/qa"},
	} {
		t.Setenv(RootEnvVar, c.envVar)
		t.Setenv("XDG_STATE_HOME", c.state)
		t.Setenv("HOME", c.home)
		got, err := (&Env{Config: c.cfg}).Root(c.flag, c.env)
		if err != nil || got != c.want {
			t.Errorf("%+v: Root = %q, %v, want %q", c, got, err, c.want)
		}
	}
	for _, c := range []struct{ env, home, want string }{
		{"", "/h", "no root: give --root DIR or --environment ENV"},
		{"../x", "/h", `invalid environment name "../x"`},
		{"qa", "", "no root: $HOME and $XDG_STATE_HOME are unset; give --root DIR"},
	} {
		t.Setenv(RootEnvVar, "")
		t.Setenv("XDG_STATE_HOME", "")
		t.Setenv("HOME", c.home)
		if got, err := (&Env{}).Root("", c.env); err == nil || err.Error()[:min(len(c.want), len(err.Error()))] != c.want {
			t.Errorf("Root(%q) with HOME %q = %q, %v; want the error %q", c.env, c.home, got, err, c.want)
		}
	} // An environment the config does not define, when it defines some,
	// is refused whatever else gives the root: the one wording of
	// deploy, show_deploy_tag and verify_deploy_tag.
	for _, flag := range []string{"", "/f"} {
		got, err := (&Env{Config: cfg}).Root(flag, "qaa")
		if want := `unknown environment "qaa": the config defines qa`; err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("Root(%q, qaa) = %q, %v; want the error %q", flag, got, err, want)
		}
	}
}
