package config

import (
	"strings"
	"testing"
)

func TestLookupEnvironment(t *testing.T) {
	none, err := Parse([]byte(`prefix = "DEPLOY"`), "deploy.toml")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := none.LookupEnvironment("anything"); err != nil || !e.Pushes() {
		t.Errorf("no environments configured: %+v, %v; want the defaults", e, err)
	}
	some, err := Parse([]byte("[environments.qa]\npush = false\n[environments.production]\nkeep = 3\n"), "dir/deploy.toml")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := some.LookupEnvironment("qa"); err != nil || e.Pushes() {
		t.Errorf("qa: %+v, %v", e, err)
	}
	_, err = some.LookupEnvironment("prodution")
	if err == nil || err.Error() != `unknown environment "prodution": the config defines production, qa (dir/deploy.toml)` {
		t.Errorf("typo: %v", err)
	}
	if err != nil && !strings.Contains(err.Error(), "dir/deploy.toml") {
		t.Error("the error does not name the file")
	}
}
