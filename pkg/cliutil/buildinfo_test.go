package cliutil

import "testing"

func TestDescribe(t *testing.T) {
	const rev = "86dbc0f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7"
	for _, tt := range []struct {
		v, rev   string
		modified bool
		want     string
	}{
		{"v1.2.0", rev, false, "v1.2.0 (commit " + rev + ")"},
		{"v1.2.0-3-g86dbc0f", rev, false, "v1.2.0-3-g86dbc0f (commit " + rev + ")"},
		{"v1.2.0-dirty", rev, false, "v1.2.0 (commit " + rev + ", modified)"},
		{"86dbc0f", rev, false, "devel (commit " + rev + ")"},
		{"86dbc0f-dirty", rev, false, "devel (commit " + rev + ", modified)"},
		{"", rev, true, "devel (commit " + rev + ", modified)"},
		{"v0.3.1", "", false, "v0.3.1"},
		{"devel", "", false, "devel"},
		{"", "", false, "devel"},
		{"86dbc0f-dirty", "", false, "86dbc0f-dirty"},
	} {
		if got := describe(tt.v, tt.rev, tt.modified); got != tt.want {
			t.Errorf("describe(%q, %q, %v) = %q, want %q", tt.v, tt.rev, tt.modified, got, tt.want)
		}
	}
}
