package cmdline

import "testing"

func TestDescribe(t *testing.T) {
	const rev = "86dbc0f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7"
	const gov = "go1.26.8"
	for _, tt := range []struct {
		v, rev   string
		modified bool
		gov      string
		want     string
	}{
		{"0.4.0", rev, false, gov, "0.4.0 (commit 86dbc0f, go1.26.8)"},
		{"v0.4.0", rev, false, gov, "0.4.0 (commit 86dbc0f, go1.26.8)"},
		{"0.4.0", "86dbc0f", false, gov, "0.4.0 (commit 86dbc0f, go1.26.8)"},
		{"v1.2.0-3-g86dbc0f", rev, false, gov, "1.2.0-3-g86dbc0f (commit 86dbc0f, go1.26.8)"},
		{"v1.2.0-dirty", rev, false, gov, "1.2.0 (commit 86dbc0f, modified, go1.26.8)"},
		{"86dbc0f", rev, false, gov, "devel (commit 86dbc0f, go1.26.8)"},
		{"86dbc0f-dirty", rev, false, gov, "devel (commit 86dbc0f, modified, go1.26.8)"},
		{"", rev, true, gov, "devel (commit 86dbc0f, modified, go1.26.8)"},
		{"v0.3.1", "", false, gov, "0.3.1 (go1.26.8)"},
		{"v0.3.1", "", false, "", "0.3.1"},
		{"devel", "", false, "", "devel"},
		{"", "", false, gov, "devel (go1.26.8)"},
		{"86dbc0f-dirty", "", false, "", "86dbc0f-dirty"},
		{"v0.0.0-20261129053701-86dbc0f1c2d3", rev, false, gov, "devel (commit 86dbc0f, go1.26.8)"},
		{"v0.0.0-20261129053701-86dbc0f1c2d3+dirty", rev, false, gov, "devel (commit 86dbc0f, modified, go1.26.8)"},
		{"v1.2.4-0.20261129053701-86dbc0f1c2d3", "", false, gov, "devel (commit 86dbc0f, go1.26.8)"},
		{"v1.2.3-rc.1.0.20261129053701-86dbc0f1c2d3", "", false, gov, "devel (commit 86dbc0f, go1.26.8)"},
		{"v1.2.3+dirty", rev, false, gov, "1.2.3 (commit 86dbc0f, modified, go1.26.8)"},
		{"v1.2.3-rc.1", rev, false, gov, "1.2.3-rc.1 (commit 86dbc0f, go1.26.8)"},
		{"version-x", rev, false, gov, "version-x (commit 86dbc0f, go1.26.8)"},
	} {
		if got := describe(tt.v, tt.rev, tt.modified, tt.gov); got != tt.want {
			t.Errorf("describe(%q, %q, %v, %q) = %q, want %q", tt.v, tt.rev, tt.modified, tt.gov, got, tt.want)
		}
	}
}
