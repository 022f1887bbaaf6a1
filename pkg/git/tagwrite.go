package git

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// writeTag writes the annotated tag t as "git tag -a --cleanup=verbatim"
// would, without starting git: the tag object as a loose object, then
// refs/tags/NAME. handled is false, with nothing written, whenever git
// itself must do it: a signed tag (or tag.gpgSign, tag.forceSignAnnotated),
// a reference-transaction hook or core.hooksPath, reftable, a shared
// repository, any core.fsync setting, reflogs for every ref
// (core.logAllRefUpdates=always), an extension other than objectFormat, a
// tagger or date this writer does not take as git would, a config it
// cannot read (see ReadConfig), a reflog already kept for the name,
// and packed-refs, a lock or a ref folder in the way. env is the
// environment git would run with; now is the time git would take when
// GIT_COMMITTER_DATE is unset. t.Commit must name a commit the repo has
// (the callers resolved it, with "^{commit}" or as HEAD).
//
// The ref is made by link(2) from a complete file, which fails if the
// ref exists: it never replaces a tag, and at every moment the ref is
// either absent or whole, so a kill at any point leaves no lock and no
// half-written ref (at most a temporary file, named after this process,
// which the next write removes once the process is gone). It takes no
// refs/tags/NAME.lock of its own (a lock is what a kill leaves behind)
// but honours git's: a lock seen before the write leaves the tag to git,
// and after the link it waits for any lock on the name to go and reads
// the ref again (settleRef), so a "git tag" that took its lock and found
// the name free before the link, and so renames its own tag over this
// one, is never reported as this write's tag. It returns an error
// wrapping ErrTagExists when the name is taken.
func writeTag(env []string, workTree string, t TagOptions, now time.Time) (handled bool, err error) {
	if t.Sign || t.Message == "" || strings.IndexByte(t.Message, 0) >= 0 || !IsOid(t.Commit) {
		return false, nil
	}
	for _, k := range []string{"GIT_OBJECT_DIRECTORY", "GIT_NAMESPACE", "GIT_QUARANTINE_PATH", "GIT_REF_PARANOIA"} {
		if v, set := lookupEnv(env, k); set && v != "" {
			return false, nil
		}
	}
	_, common, err := GitDir(workTree)
	if err != nil || !filesBackend(common) {
		return false, nil
	}
	entries, ok := ReadConfig(env, workTree)
	if !ok {
		return false, nil
	}
	format := "sha1"
	cfg := map[string]string{}
	for _, e := range entries {
		k := e.Key
		switch {
		case k == "extensions.objectformat":
			format = strings.ToLower(e.Value)
		case k == "tag.gpgsign", k == "tag.forcesignannotated", k == "user.useconfigonly":
			if !isFalse(e.Value) {
				return false, nil
			}
		case strings.HasPrefix(k, "extensions."),
			// a signing key set: whoever set it may expect git to sign
			k == "user.signingkey",
			k == "core.hookspath", k == "core.sharedrepository",
			strings.HasPrefix(k, "core.fsync"),
			k == "core.logallrefupdates" && strings.EqualFold(e.Value, "always"):
			return false, nil
		}
		cfg[k] = e.Value // the last value wins, as for git
	}
	// objectFormat is an extension: git takes it from a version 1 repo only.
	if _, hasFormat := cfg["extensions.objectformat"]; hasFormat && cfg["core.repositoryformatversion"] != "1" {
		return false, nil
	}
	if format != "sha1" && format != "sha256" || (format == "sha256") != (len(t.Commit) == 64) {
		return false, nil
	}
	// A hook git would run, or a reflog git would append to (git keeps
	// one going for a ref whose log file exists, whatever the config).
	for _, p := range []string{filepath.Join(common, "hooks", "reference-transaction"), filepath.Join(common, "logs", "refs", "tags", t.Name)} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			return false, nil
		}
	}
	tagger, ok := taggerLine(env, cfg, now)
	if !ok {
		return false, nil
	}
	body := fmt.Sprintf("object %s\ntype commit\ntag %s\ntagger %s\n\n%s", t.Commit, t.Name, tagger, t.Message)
	refs := filepath.Join(common, "refs", "tags")
	ref := filepath.Join(refs, t.Name)
	// A tag there, a lock, or anything in the way: git words it.
	if !TagCertainlyAbsent(workTree, t.Name) {
		return false, nil
	}
	sweepTemps(common)
	oid, err := writeLooseObject(common, format, "tag", []byte(body))
	if err != nil {
		return false, nil // git says better what is wrong with the store
	}
	if err := os.MkdirAll(refs, 0o777); err != nil {
		return false, nil
	}
	tmp, err := writeTemp(common, []byte(oid+"\n"))
	if err != nil {
		return false, nil
	}
	defer os.Remove(tmp)
	switch err := os.Link(tmp, ref); {
	case err == nil:
		if testOnlyAfterLink != nil {
			testOnlyAfterLink(ref)
		}
		return true, settleRef(common, ref, t.Name, oid)
	case errors.Is(err, os.ErrExist):
		if fi, err := os.Lstat(ref); err == nil && fi.IsDir() {
			return false, nil // refs below the name: git words it
		}
		return true, fmt.Errorf("%w: refs/tags/%s", ErrTagExists, t.Name)
	default:
		return false, nil // another file system: git words it
	}
}

// testOnlyAfterLink, when set by a test, runs right after the ref is
// linked: a concurrent "git tag" acting at the worst moment.
var testOnlyAfterLink func(ref string)

// lockWait bounds how long settleRef waits for another writer's lock on
// the name to go. git holds a ref's lock for the moments between
// checking the ref and renaming the lock onto it (longer only while a
// reference-transaction hook runs).
var lockWait = 5 * time.Second

// settleRef makes sure the tag just linked at ref is still this write's
// once no other writer can be about to change it. A git that took
// refs/tags/NAME.lock before the link may have found the name free and
// will rename its lock onto the ref, replacing this tag: so it waits
// while the lock is there, then reads the ref (the loose file, or its
// line in packed-refs if a "git pack-refs" moved it there). Anything but
// this write's object there is ErrTagExists: this write made no tag.
// A git that takes the lock after the link finds the ref and refuses. A
// lock still there after lockWait is a dead writer's: it will never be
// renamed.
func settleRef(common, ref, name, oid string) error {
	deadline := time.Now().Add(lockWait)
	for wait := 100 * time.Microsecond; ; wait = min(2*wait, 20*time.Millisecond) {
		if _, err := os.Lstat(ref + ".lock"); errors.Is(err, os.ErrNotExist) || time.Now().After(deadline) {
			break
		}
		time.Sleep(wait)
	}
	got, err := os.ReadFile(ref)
	if errors.Is(err, os.ErrNotExist) {
		if data, err := os.ReadFile(filepath.Join(common, "packed-refs")); err == nil {
			if packed, found, ok := packedRefsFind(data, "refs/tags/"+name); ok && found {
				got = []byte(packed + "\n")
			}
		}
	}
	if string(got) != oid+"\n" {
		return fmt.Errorf("%w: refs/tags/%s (written by another process at the same moment)", ErrTagExists, name)
	}
	return nil
}

// lookupEnv returns the value of k in env, the last one if it is set
// more than once, as exec does.
func lookupEnv(env []string, k string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if v, ok := strings.CutPrefix(env[i], k+"="); ok {
			return v, true
		}
	}
	return "", false
}

// isFalse reports whether v is one of git's words for false.
func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "no", "off", "0", "":
		return true
	}
	return false
}

// taggerLine is "NAME <EMAIL> SECONDS ZONE" as git writes a tagger: the
// committer's identity (GIT_COMMITTER_NAME, committer.name, user.name;
// GIT_COMMITTER_EMAIL, committer.email, user.email, EMAIL) and date
// (GIT_COMMITTER_DATE, else now in the zone TZ names). ok is false when
// git must decide: an identity git would clean up or make up, or a date
// in a form this reader does not take.
func taggerLine(env []string, cfg map[string]string, now time.Time) (string, bool) {
	get := func(k string) (string, bool) { return lookupEnv(env, k) }
	first := func(vals ...func() (string, bool)) string {
		for _, f := range vals {
			if v, ok := f(); ok {
				return v
			}
		}
		return ""
	}
	conf := func(k string) func() (string, bool) {
		return func() (string, bool) { v, ok := cfg[k]; return v, ok }
	}
	envv := func(k string) func() (string, bool) { return func() (string, bool) { return get(k) } }
	name := first(envv("GIT_COMMITTER_NAME"), conf("committer.name"), conf("user.name"))
	email := first(envv("GIT_COMMITTER_EMAIL"), conf("committer.email"), conf("user.email"), envv("EMAIL"))
	if !plainIdent(name) || !plainIdent(email) {
		return "", false
	}
	var secs int64
	var zone string
	if d, set := get("GIT_COMMITTER_DATE"); set {
		var ok bool
		if secs, zone, ok = parseGitDate(d); !ok {
			return "", false
		}
	} else {
		loc, ok := zoneOf(get)
		if !ok {
			return "", false
		}
		now = now.In(loc)
		secs = now.Unix()
		_, off := now.Zone()
		zone = formatZone(off)
	}
	return fmt.Sprintf("%s <%s> %d %s", name, email, secs, zone), true
}

// zoneOf is the zone git's C library takes from TZ in git's
// environment: the local zone when TZ is unset (as it is for this
// process), UTC when it is empty, else the zoneinfo file it names. ok is
// false for anything else (a POSIX rule such as "UTC+3", which Go does
// not read, another TZDIR, a TZ this process does not share when unset).
func zoneOf(get func(string) (string, bool)) (*time.Location, bool) {
	tz, set := get("TZ")
	if _, tzdir := get("TZDIR"); tzdir {
		return nil, false
	}
	if !set {
		if _, own := os.LookupEnv("TZ"); own {
			return nil, false // this process's local zone is not git's
		}
		return time.Local, true
	}
	name := strings.TrimPrefix(tz, ":")
	if name == "" || name == "UTC" {
		return time.UTC, true
	}
	if !filepath.IsLocal(name) {
		return nil, false
	}
	if fi, err := os.Stat(filepath.Join("/usr/share/zoneinfo", name)); err != nil || !fi.Mode().IsRegular() {
		return nil, false
	}
	loc, err := time.LoadLocation(name)
	return loc, err == nil
}

// plainIdent reports whether s is a name or email git writes as it is:
// not empty, none of the characters git strips from either end, no angle
// bracket, no control character.
func plainIdent(s string) bool {
	if s == "" {
		return false
	}
	crud := func(c byte) bool {
		return c <= ' ' || strings.IndexByte(".,:;<>\"\\'", c) >= 0
	}
	if crud(s[0]) || crud(s[len(s)-1]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == '<' || s[i] == '>' || s[i] == 0x7f {
			return false
		}
	}
	return true
}

var (
	// git keeps a zone of -1400 to +1459 as written, but for -0000 (it
	// writes +0000); minutes past 59 it carries into the hour.
	rawDate  = regexp.MustCompile(`^@([0-9]{1,12}) ([+-](?:0[0-9]|1[0-4])[0-5][0-9])$`)
	isoZDate = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)
)

// parseGitDate reads the two forms of GIT_COMMITTER_DATE this writer
// takes: git's own "@SECONDS +HHMM" and RFC 3339 in UTC
// ("2026-11-25T12:00:00Z"). Any other is left to git's parser.
func parseGitDate(s string) (secs int64, zone string, ok bool) {
	if m := rawDate.FindStringSubmatch(s); m != nil && m[2] != "-0000" {
		n, err := strconv.ParseInt(m[1], 10, 64)
		return n, m[2], err == nil
	}
	if isoZDate.MatchString(s) {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil || t.Year() < 1970 {
			return 0, "", false
		}
		return t.Unix(), "+0000", true
	}
	return 0, "", false
}

func formatZone(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60)
}

// writeLooseObject stores an object as git stores a loose one
// (objects/XX/REST, zlib, 0444), unless it is there already, and returns
// its id. The file appears whole or not at all: written under a
// temporary name in its folder, then linked to its name.
func writeLooseObject(common, format, typ string, body []byte) (string, error) {
	var h hash.Hash = sha1.New()
	if format == "sha256" {
		h = sha256.New()
	}
	hdr := fmt.Sprintf("%s %d\x00", typ, len(body))
	h.Write([]byte(hdr))
	h.Write(body)
	oid := hex.EncodeToString(h.Sum(nil))
	dir := filepath.Join(common, "objects", oid[:2])
	final := filepath.Join(dir, oid[2:])
	if _, err := os.Lstat(final); err == nil {
		return oid, nil
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(hdr))
	zw.Write(body)
	if err := zw.Close(); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return "", err
	}
	// git's own prefix (git gc removes what a killed writer left) and
	// git's own mode: 0444 less the umask.
	tmp, err := createExcl(dir, "tmp_obj_", 0o444)
	if err != nil {
		return "", err
	}
	_, err = tmp.Write(z.Bytes())
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Link(tmp.Name(), final)
		if errors.Is(err, os.ErrExist) {
			err = nil
		}
	}
	os.Remove(tmp.Name())
	return oid, err
}

// tempPrefix starts the name of writeTag's temporary ref file, in the
// repo's git folder, followed by the writer's pid.
const tempPrefix = "deploytag-ref-"

// writeTemp writes data to a new temporary file in dir, named after this
// process.
func writeTemp(dir string, data []byte) (string, error) {
	// 0666 less the umask, as git makes a ref (os.CreateTemp's 0600
	// would hide the tag from the other users who read the repo).
	f, err := createExcl(dir, fmt.Sprintf("%s%d-", tempPrefix, os.Getpid()), 0o666)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err = errors.Join(err, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

// sweepTemps removes the temporary ref files that writers killed before
// they could remove them left in common: those of pids no process has.
func sweepTemps(common string) {
	ents, err := os.ReadDir(common)
	if err != nil {
		return
	}
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if !ok || !e.Type().IsRegular() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() || syscall.Kill(pid, 0) != syscall.ESRCH {
			continue
		}
		os.Remove(filepath.Join(common, e.Name()))
	}
}

// createExcl creates a new file in dir named prefix and a random suffix,
// with perm less the umask (os.CreateTemp always uses 0600).
func createExcl(dir, prefix string, perm os.FileMode) (*os.File, error) {
	for try := 0; ; try++ {
		name := filepath.Join(dir, prefix+strconv.FormatUint(uint64(rand.Uint32()), 36))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, os.ErrExist) && try < 100 {
			continue
		}
		return f, err
	}
}
