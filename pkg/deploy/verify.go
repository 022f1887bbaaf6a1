package deploy

import (
	"context"
	"errors"
	"strings"

	"github.com/deploytag/deploytag/pkg/gitobj"
	"github.com/deploytag/deploytag/pkg/progress"
	"github.com/deploytag/deploytag/pkg/sigcheck"
	"github.com/deploytag/deploytag/pkg/verify"
)

// ProofVerifier is the VerifyFunc of a real host: verify.Release, which
// checks a release against its own proof with no repos and no git, every
// difference named (repo, then what), jobs files hashed at once; with
// signed, each repo's recorded tag object must carry a signature by a key
// the allowed signers file (ssh) or the gpg keyring accepts; with
// signedBuild, each repo's build record (where the environment builds)
// must carry a signature by a key the allowed signers file accepts; a
// shared link the proof records that the host does not make is a
// difference. pr is told as each repo is checked.
func ProofVerifier(jobs int, signed, signedBuild bool, signers sigcheck.Options, pr progress.Reporter) VerifyFunc {
	return func(ctx context.Context, dir, tag string, written *gitobj.Written, shared []string) error {
		rep, err := verify.Release(ctx, dir, verify.ReleaseOptions{Tag: tag, Jobs: jobs, Signed: signed, Progress: pr,
			Signers: signers, Written: written, SignedBuild: signedBuild, Links: verify.SharedLinks{Check: true, Paths: shared}})
		if err != nil {
			return err
		}
		if rep.OK {
			return nil
		}
		var bad []string
		for _, l := range rep.Lines {
			if !l.OK {
				bad = append(bad, l.Name+": "+l.Text())
			}
		}
		return errors.New(strings.Join(bad, "; "))
	}
}
