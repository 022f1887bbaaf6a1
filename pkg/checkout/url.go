package checkout

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/deploytag/deploytag/pkg/redact"
)

// Placeholder is what a URL template writes for the repo name.
const Placeholder = "{name}"

// transportRE matches git's "<transport>::<address>" remote-helper syntax
// (ext::, fd::, ...). Such a URL can run programs, so templates refuse it.
var transportRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9+.-]*::`)

// ValidURLTemplate checks a URL template: it must contain {name}, must not
// start with "-" (git would take it for an option), must hold no
// whitespace or control characters, and must not use git's
// "<transport>::" syntax (ext:: runs commands).
func ValidURLTemplate(t string) error {
	switch {
	case t == "":
		return errors.New("empty URL template")
	case !strings.Contains(t, Placeholder):
		return fmt.Errorf("URL template %q does not contain %s", redactTemplate(t), Placeholder)
	case strings.HasPrefix(t, "-"):
		return fmt.Errorf("URL template %q starts with '-'", redactTemplate(t))
	case strings.IndexFunc(t, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar }) >= 0:
		return fmt.Errorf("URL template %q contains whitespace or control characters", redactTemplate(t))
	case transportRE.MatchString(t):
		return fmt.Errorf("URL template %q uses a git transport helper (\"%s\"); use ssh, https, git or a path", redactTemplate(t), transportRE.FindString(t))
	}
	return nil
}

// Expand returns the URL of repo name: the template with every {name}
// replaced. name must already be a valid repo name.
func Expand(template, name string) string {
	return strings.ReplaceAll(template, Placeholder, name)
}

// DeriveTemplate turns the remote URL of an existing repo into a template
// by replacing its last path element with {name}, keeping a ".git" suffix
// if the URL has one: git://host/org/repo-a.git gives git://host/org/{name}.git,
// git@host:repo-a gives git@host:{name}.
func DeriveTemplate(url string) (string, error) {
	u := strings.TrimRight(url, "/")
	i := strings.LastIndexAny(u, "/:")
	if i < 0 || i == len(u)-1 || strings.HasSuffix(u[:i+1], "//") {
		return "", fmt.Errorf("cannot derive other repos' URLs from remote URL %q: it has no path element to replace", redactTemplate(url))
	}
	t := u[:i+1] + Placeholder
	if strings.HasSuffix(u[i+1:], ".git") {
		t += ".git"
	}
	if err := ValidURLTemplate(t); err != nil {
		return "", fmt.Errorf("cannot derive other repos' URLs from remote URL: %w", err)
	}
	return t, nil
}

func redactTemplate(s string) string { return redact.Credentials(s) }
