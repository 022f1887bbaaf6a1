// Package tags is the deploy tag across the repos of a basedir: made,
// applied, read back and listed.
//
// Making and applying: a tag is named after the HEADs (or a manifest) and
// the time (Name, Heads); a Plan checks every repo before any is tagged:
// the commit to tag exists, the tag is either absent or already at that
// commit (then it counts as done), and no stale lock blocks it. Apply then
// creates the annotated tags in parallel; if any fails, it deletes exactly
// the tags it created, and only while they still point where it put them.
// No tag is ever moved or deleted otherwise. ForDeploy is the
// tag_for_deploy flow, and the manifest repo's branch records each
// deploy's manifest.
//
// Reading back: each repo's copy of a tag and what is wrong with it (the
// one reader and the one wording deploy, checkout and verify use), the
// manifest a deploy tag records, which deploy tags exist locally or on
// the remotes, what changed between two deploys, and which release
// versions a deployed commit contains.
package tags
