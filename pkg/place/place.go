// Package place is the standard place on disk, defined once: an
// environment's root, the releases it keeps, which one is live, who may
// change it, and its history. Its layout is drawn here and nowhere else:
//
//	ROOT/
//	  current -> releases/TAG     the live release (a relative symlink)
//	  releases/TAG/               one release
//	    DEPLOY_TAG                the tag and a newline
//	    DEPLOY_MANIFEST           its manifest
//	    DEPLOY_PROOF/             what proves it (pkg/proof)
//	    REPO/...                  each repo's tagged tree (pkg/release)
//	  shared/REPO/...             state kept across releases: what the
//	                              environment's shared paths link to
//	  deploys.log                 one JSON line per deploy attempt
//	  deploy.lock                 held by the deploy at work
//
// It names these files, says where an environment's root is when nothing
// names one (DefaultRoot: the XDG state folder), opens a root (Open), takes
// its lock, installs a release put together in a hidden folder under
// releases/ (Install: renamed to its tag's name only when complete, so a
// crash never leaves a half-built release under a tag's name), switches
// current atomically, prunes, and appends to and reads deploys.log.
// Nothing is written outside the root, and no symlink found inside the
// root is ever followed out of it: paths the package writes are checked
// with Lstat and opened O_NOFOLLOW.
//
// It reads and writes plain files only and starts no process, so a
// deployed program can use it through pkg/live without pulling in git.
package place

import "strings"

// Names inside an environment's root.
const (
	ReleasesDir = "releases"
	CurrentLink = "current"
	LogFile     = "deploys.log"
	LockFile    = "deploy.lock"
	SharedDir   = "shared"
)

// Names at the top of a release, beside the repos' folders.
const (
	TagFile      = "DEPLOY_TAG"
	ManifestFile = "DEPLOY_MANIFEST"
	ProofDir     = "DEPLOY_PROOF"
)

// TopFiles are the names a release holds at its top beside the repos'
// folders: no repo may take one of them (pkg/manifest), and a release's
// top holds nothing else but repos (pkg/release tests it).
var TopFiles = []string{TagFile, ManifestFile, ProofDir}

// SharedLink is the target of the link a release holds at p (relative to
// the release: REPO/...) for a shared path: relative, up from the link's
// folder to the root, then into shared/, so the root can move.
func SharedLink(p string) string {
	return strings.Repeat("../", strings.Count(p, "/")+2) + SharedDir + "/" + p
}
