package place

import (
	"errors"
	"testing"
)

func TestDefaultRoot(t *testing.T) {
	for _, c := range []struct {
		state, home, want string
	}{
		{"/s", "/h", "/s/deploytag/qa"},
		{"", "/h", "/h/.local/state/deploytag/qa"},
		{"rel", "/h", "/h/.local/state/deploytag/qa"},
	} {
		got, err := DefaultRoot("qa", c.state, c.home)
		if err != nil || got != c.want {
			t.Errorf("DefaultRoot(qa, %q, %q) = %q, %v, want %q", c.state, c.home, got, err, c.want)
		}
	}
	for _, home := range []string{"", "rel"} {
		if got, err := DefaultRoot("qa", "", home); !errors.Is(err, ErrNoHome) {
			t.Errorf("DefaultRoot(qa, \"\", %q) = %q, %v, want ErrNoHome", home, got, err)
		}
	}
}
