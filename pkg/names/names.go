// Package names holds the grammar of deploy tags and of the other names
// users type: tag names, prefixes and environment names. It does no I/O.
//
// A deploy tag is PREFIX_YYYYMMDD_HHMMSS_HASH7: the time is UTC and HASH7 is
// the first seven hex digits of the SHA-256 of the canonical manifest of the
// commits it names, so tags sort by time as plain strings and the same code
// gets the same suffix.
package names

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DefaultPrefix is the prefix of a deploy tag when none is configured.
const DefaultPrefix = "DEPLOY"

// MaxTagLen is the longest tag name accepted.
const MaxTagLen = 128

const timeLayout = "20060102_150405"

// DescribeExclude is a glob (as "git describe --exclude" and
// %(describe:exclude=...) take it) matching every deploy tag, of any
// prefix, and no tag of another shape such as v2.1.4.
const DescribeExclude = "[A-Z]*_[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]_[0-9][0-9][0-9][0-9][0-9][0-9]_[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]"

var (
	tagName  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	prefixRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*$`)
	envRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	deployRE = regexp.MustCompile(`^([A-Z][A-Z0-9]*)_([0-9]{8}_[0-9]{6})_([0-9a-f]{7})$`)
	// deployShape is what looks like a deploy tag, right or wrong: such a
	// name must then parse as one in full.
	deployShape = regexp.MustCompile(`^[A-Z][A-Z0-9]*_[0-9]{8}_[0-9]{6}_[0-9A-Fa-f]+$`)
	hash7RE     = regexp.MustCompile(`^[0-9a-f]{7}$`)
	maxEnvLen   = 64
	maxPrefLen  = 32
)

// ValidTagName checks a tag name against our grammar, which is
// stricter than git's: [A-Za-z0-9][A-Za-z0-9._+-]*, at most 128
// characters, not HEAD, and acceptable to "git check-ref-format" as
// refs/tags/NAME. A name shaped like a deploy tag must be one in full
// (Parse). Nothing that passes can be taken by git for an option
// or a revision range, and every tag passes through xargs unchanged.
func ValidTagName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty tag name")
	case len(name) > MaxTagLen:
		return fmt.Errorf("tag name %.20q... is %d characters long, the limit is %d", name, len(name), MaxTagLen)
	case !tagName.MatchString(name):
		return fmt.Errorf("invalid tag name %q: use letters, digits and . _ + - only, starting with a letter or digit", name)
	case name == "HEAD":
		return fmt.Errorf("invalid tag name %q: HEAD is reserved", name)
	case strings.Contains(name, ".."):
		return fmt.Errorf("invalid tag name %q: it contains \"..\"", name)
	case strings.HasSuffix(name, ".lock"), strings.HasSuffix(name, "."):
		return fmt.Errorf("invalid tag name %q: it ends in \".lock\" or \".\"", name)
	case deployShape.MatchString(name) && !IsDeployTag(name):
		return fmt.Errorf("invalid deploy tag %q: want PREFIX_YYYYMMDD_HHMMSS_HASH7 with a real UTC date and time and 7 lower-case hex digits", name)
	}
	return nil
}

// ValidPrefix checks a deploy-tag prefix: [A-Z][A-Z0-9]*.
func ValidPrefix(p string) error {
	if !prefixRE.MatchString(p) || len(p) > maxPrefLen {
		return fmt.Errorf("invalid prefix %q: use upper-case letters and digits, starting with a letter", p)
	}
	return nil
}

// ValidEnvironment checks an environment name: [a-z0-9][a-z0-9._-]*, so a
// name is never a path.
func ValidEnvironment(env string) error {
	if !envRE.MatchString(env) || len(env) > maxEnvLen || strings.Contains(env, "..") {
		return fmt.Errorf("invalid environment name %q: use lower-case letters, digits and . _ -, starting with a letter or digit", env)
	}
	return nil
}

// Tag is a parsed deploy tag.
type Tag struct {
	Prefix string
	Time   time.Time // UTC, to the second
	Hash7  string
}

// String returns the tag name.
func (t Tag) String() string {
	return t.Prefix + "_" + t.Time.UTC().Format(timeLayout) + "_" + t.Hash7
}

// New makes a deploy tag from a prefix, a time and the hex SHA-256 of a
// canonical manifest (at least seven digits).
func New(prefix string, at time.Time, manifestHash string) (Tag, error) {
	if err := ValidPrefix(prefix); err != nil {
		return Tag{}, err
	}
	if len(manifestHash) < 7 || !hash7RE.MatchString(manifestHash[:7]) {
		return Tag{}, fmt.Errorf("invalid manifest hash %q", manifestHash)
	}
	at = at.UTC()
	if y := at.Year(); y < 1000 || y > 9999 {
		return Tag{}, fmt.Errorf("time %s is outside years 1000-9999", at.Format(time.RFC3339))
	}
	return Tag{Prefix: prefix, Time: at.Truncate(time.Second), Hash7: manifestHash[:7]}, nil
}

// Parse reads a deploy tag name. ok is false for any other tag, such as
// v2.1.4 or a tag whose date is not a real date.
func Parse(name string) (t Tag, ok bool) {
	m := deployRE.FindStringSubmatch(name)
	if m == nil {
		return Tag{}, false
	}
	at, err := time.ParseInLocation(timeLayout, m[2], time.UTC)
	if err != nil || at.Year() < 1000 || len(m[1]) > maxPrefLen {
		return Tag{}, false
	}
	return Tag{Prefix: m[1], Time: at, Hash7: m[3]}, true
}

// IsDeployTag reports whether name is a deploy tag of any prefix.
func IsDeployTag(name string) bool {
	_, ok := Parse(name)
	return ok
}

// ParseTime reads a --time value in RFC 3339.
func ParseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid time %q: want RFC 3339, e.g. 2026-11-25T14:25:01Z", s)
	}
	return t.UTC(), nil
}
