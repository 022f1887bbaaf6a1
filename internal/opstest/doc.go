// Package opstest holds the tests of what operators see of the suite as a
// whole rather than of one tool: "make install" (binaries, man pages,
// completion, --version), progress on a terminal, --quiet and --json
// across tools, and that every tool builds for each platform a release
// ships.
package opstest
