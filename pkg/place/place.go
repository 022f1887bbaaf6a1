// Package place is the standard place on disk, defined once: the names of
// the files and folders of an environment's root and of a release's top,
// which root an environment has (flag, environment variable, config, XDG
// default), and deploys.log's record, its appender and its reader. It
// reads and writes plain files only, so a deployed program can use it
// through pkg/live without pulling in git.
//
//	ROOT/
//	  current -> releases/TAG     the live release (a symlink)
//	  releases/TAG/               one release
//	    DEPLOY_TAG                the tag and a newline
//	    DEPLOY_MANIFEST           its manifest
//	    DEPLOY_PROOF/             what proves it (pkg/proof)
//	    REPO/...                  each repo's tagged tree
//	  deploys.log                 one JSON line per deploy attempt
//	  deploy.lock                 held by the deploy at work
package place

// Names inside an environment's root.
const (
	ReleasesDir = "releases"
	CurrentLink = "current"
	LogFile     = "deploys.log"
	LockFile    = "deploy.lock"
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
