package main

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deploytag/deploytag/pkg/fail"
)

// req is the request of a command line: "--name=value" and "--name" set
// a flag as given, anything else is an operand.
func req(t *testing.T, args ...string) request {
	t.Helper()
	r := request{Given: map[string]bool{}}
	bools := map[string]*bool{"no-push": &r.NoPush, "dry-run": &r.DryRun, "json": &r.JSON, "allow-dirty": &r.AllowDirty,
		"stage": &r.Stage, "rollback": &r.Rollback, "signed": &r.Signed}
	strs := map[string]*string{"environment": &r.Environment, "tag": &r.Tag, "artifact": &r.Artifact,
		"from-artifact": &r.FromArtifact, "sha256": &r.SHA256, "switch": &r.Switch, "allowed-signers": &r.AllowedSigners}
	for _, a := range args {
		name, val, _ := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") {
			r.Operands = append(r.Operands, a)
			continue
		}
		r.Given[name] = true
		if b, ok := bools[name]; ok {
			*b = val != "false"
			continue
		}
		if v, ok := strs[name]; ok {
			*v = val
			continue
		}
		var err error
		switch name {
		case "keep":
			r.Keep, err = strconv.Atoi(val)
		case "lock-timeout":
			r.LockTimeout, err = time.ParseDuration(val)
		case "prefix", "sign", "time", "remote", "root", "basedir", "jobs", "timeout", "config", "quiet":
			// shared flags: read by the command line scaffolding, only
			// their being given matters here
		default:
			t.Fatalf("unknown flag %s", a)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return r
}

const (
	okTag    = "DEPLOY_20261125_142501_3f9a2c1"
	okSHA256 = "3f9a2c1e3f9a2c1e3f9a2c1e3f9a2c1e3f9a2c1e3f9a2c1e3f9a2c1e3f9a2c1e"
)

func TestRequestCheckRefuses(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // the message, or its start where the grammar's own words follow
	}{
		{[]string{"--environment=qa", "extra"}, `unexpected operand "extra": deploy takes flags only`},
		{nil, "--environment is required"},
		{[]string{"--tag=" + okTag}, "--environment is required"},
		{[]string{"--environment="}, `invalid environment name "": use lower-case letters, digits and . _ -, starting with a letter or digit`},
		{[]string{"--environment=Prod"}, `invalid environment name "Prod"`},
		{[]string{"--environment=../etc"}, `invalid environment name "../etc"`},
		{[]string{"--environment=qa", "--keep=-1"}, "--keep must be 0 (keep all) or more, not -1"},
		{[]string{"--environment=qa", "--lock-timeout=-1s"}, "--lock-timeout must not be negative, not -1s"},

		// an existing tag, or one to make
		{[]string{"--environment=qa", "--tag="}, "empty tag name"},
		{[]string{"--environment=qa", "--tag=-x"}, `invalid tag name "-x"`},
		{[]string{"--environment=qa", "--tag=HEAD"}, `invalid tag name "HEAD": HEAD is reserved`},
		{[]string{"--environment=qa", "--tag=" + okTag, "--prefix"}, "--prefix makes a new tag; it cannot go with --tag"},
		{[]string{"--environment=qa", "--tag=" + okTag, "--sign=false"}, "--sign makes a new tag; it cannot go with --tag"},
		{[]string{"--environment=qa", "--tag=" + okTag, "--allow-dirty"}, "--allow-dirty makes a new tag; it cannot go with --tag"},
		{[]string{"--environment=qa", "--tag=" + okTag, "--time=2026-11-25T14:25:01Z"}, "--time makes a new tag; it cannot go with --tag"},

		// --artifact
		{[]string{"--environment=qa", "--artifact="}, "--artifact is empty"},
		{[]string{"--environment=qa", "--artifact=r.tar", "--dry-run"}, "--artifact writes a file; it cannot go with --dry-run or --json"},
		{[]string{"--environment=qa", "--artifact=-", "--json"}, "--artifact writes a file; it cannot go with --dry-run or --json"},

		// one mode at a time
		{[]string{"--environment=qa", "--artifact=r.tar", "--from-artifact=r.tar"}, "--artifact and --from-artifact cannot go together"},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--switch=" + okTag}, "--from-artifact and --switch cannot go together"},
		{[]string{"--environment=qa", "--switch=" + okTag, "--rollback"}, "--switch and --rollback cannot go together"},
		{[]string{"--environment=qa", "--artifact=r.tar", "--rollback=false"}, "--artifact and --rollback cannot go together"},
		{[]string{"--environment=qa", "--stage"}, "--stage goes with --from-artifact"},
		{[]string{"--environment=qa", "--rollback", "--sha256=" + okSHA256}, "--sha256 goes with --from-artifact"},

		// the modes on a host have no repos
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--tag=" + okTag}, "--tag needs the repos; it cannot go with --from-artifact"},
		{[]string{"--environment=qa", "--rollback", "--no-push"}, "--no-push needs the repos; it cannot go with --rollback"},
		{[]string{"--environment=qa", "--switch=" + okTag, "--prefix"}, "--prefix needs the repos; it cannot go with --switch"},
		{[]string{"--environment=qa", "--rollback", "--sign"}, "--sign needs the repos; it cannot go with --rollback"},
		{[]string{"--environment=qa", "--rollback", "--allow-dirty"}, "--allow-dirty needs the repos; it cannot go with --rollback"},
		{[]string{"--environment=qa", "--from-artifact=-", "--time=2026-11-25T14:25:01Z"}, "--time needs the repos; it cannot go with --from-artifact"},
		{[]string{"--environment=qa", "--switch=" + okTag, "--remote=origin"}, "--remote needs the repos; it cannot go with --switch"},
		{[]string{"--environment=qa", "--from-artifact="}, "--from-artifact is empty"},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--dry-run"}, "--dry-run goes with --switch or --rollback, not --from-artifact"},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--sha256=abc"}, `--sha256 "abc" is not 64 hex digits`},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--sha256=" + okSHA256 + "0"}, `--sha256 "` + okSHA256 + `0" is not 64 hex digits`},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--sha256=" + okSHA256[:40]}, `--sha256 "` + okSHA256[:40] + `" is not 64 hex digits`},
		{[]string{"--environment=qa", "--switch="}, "empty tag name"},
		{[]string{"--environment=qa", "--switch=a..b"}, `invalid tag name "a..b"`},

		// a signature is checked on a host, from its proof
		{[]string{"--environment=qa", "--signed"}, "--signed goes with --from-artifact, --switch or --rollback"},
		{[]string{"--environment=qa", "--tag=" + okTag, "--signed"}, "--signed goes with --from-artifact, --switch or --rollback"},
		{[]string{"--environment=qa", "--artifact=r.tar", "--allowed-signers=s"}, "--allowed-signers goes with --from-artifact, --switch or --rollback"},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--signed", "--allowed-signers="}, "--allowed-signers is empty"},
		{[]string{"--environment=qa", "--rollback", "--allowed-signers=s"}, "--allowed-signers goes with --signed"},
	} {
		err := req(t, tc.args...).check()
		switch {
		case err == nil:
			t.Errorf("%q: no error, want %q", tc.args, tc.want)
		case !fail.IsUsage(err):
			t.Errorf("%q: %v is not a usage error", tc.args, err)
		case !strings.HasPrefix(err.Error(), tc.want):
			t.Errorf("%q: error %q, want %q", tc.args, err, tc.want)
		}
	}
}

func TestRequestCheckPasses(t *testing.T) {
	for _, tc := range []struct {
		args   []string
		onHost bool
	}{
		{[]string{"--environment=qa"}, false},
		{[]string{"--environment=production.eu-1", "--tag=" + okTag, "--no-push", "--dry-run", "--json", "--keep=0", "--lock-timeout=0s", "--remote=up"}, false},
		{[]string{"--environment=qa", "--prefix", "--sign", "--allow-dirty", "--time=2026-11-25T14:25:01Z", "--keep=3"}, false},
		{[]string{"--environment=qa", "--dry-run", "--root=/srv", "--basedir=src", "--jobs=2", "--timeout=1s", "--config=d.toml", "--quiet"}, false},
		{[]string{"--environment=qa", "--tag=" + okTag, "--artifact=release.tar", "--no-push"}, false},
		{[]string{"--environment=qa", "--artifact=-"}, false},
		{[]string{"--environment=qa", "--from-artifact=release.tar", "--sha256=" + strings.ToUpper(okSHA256), "--stage", "--keep=2", "--json"}, true},
		{[]string{"--environment=qa", "--from-artifact=-", "--root=/srv"}, true},
		{[]string{"--environment=qa", "--switch=" + okTag, "--dry-run"}, true},
		{[]string{"--environment=qa", "--rollback", "--dry-run", "--json", "--keep=0"}, true},
		{[]string{"--environment=qa", "--from-artifact=r.tar", "--signed", "--allowed-signers=s", "--stage"}, true},
		{[]string{"--environment=qa", "--switch=" + okTag, "--signed"}, true},
		{[]string{"--environment=qa", "--rollback", "--signed", "--allowed-signers=/etc/s"}, true},
	} {
		r := req(t, tc.args...)
		if err := r.check(); err != nil {
			t.Errorf("%q: %v", tc.args, err)
		}
		if r.onHost() != tc.onHost {
			t.Errorf("%q: onHost is %v, want %v", tc.args, r.onHost(), tc.onHost)
		}
	}
}
