#!/bin/sh
# fuzz.sh [SECONDS]: fuzz every parser of outside input for a few seconds
# each (default 2; FUZZTIME=... or the first operand), two targets at a
# time with one worker each. Part of make test.
# A crash fails the run and leaves its input in the package's
# testdata/fuzz/FuzzName/, to be kept as a test once the bug is fixed.
set -eu
FUZZTIME=${1:-${FUZZTIME:-2}}
export FUZZTIME
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
grep -v '^#' <<'LIST' | xargs -P 2 -L 1 sh -c '
	log="$0/$2.$(echo "$1" | tr / _).log"
	pkg=$1 target=$2
	fuzz() { go test -run "^\$" -fuzz "^$target\$" -fuzztime "${FUZZTIME}s" -parallel 1 "./$pkg" >"$log" 2>&1; }
	# go'"'"'s fuzzer can end a timed run with a bare "context deadline
	# exceeded" and no failing input (its own race at -fuzztime'"'"'s end):
	# that one is run again, once; a real failure writes its input and fails.
	if fuzz || { ! grep -q "Failing input written" "$log" && grep -q "context deadline exceeded" "$log" && fuzz; }; then
		touch "$log.ok"
		echo "fuzz: $1 $2 ok (${FUZZTIME}s, $(grep -o "execs: [0-9]*" "$log" | tail -1))"
	else
		cat "$log" >&2; echo "fuzz: $1 $2 FAILED" >&2; exit 255
	fi' "$out"
# package       target: the parser of outside input it feeds
pkg/manifest    FuzzParse
pkg/names       FuzzTagName
pkg/names       FuzzEnvironment
pkg/config      FuzzParse
pkg/place       FuzzLogBackward
pkg/place       FuzzAppend
pkg/redact      FuzzRedact
pkg/live  FuzzParseTag
pkg/proof       FuzzUnmarshalRecord
pkg/proof       FuzzParsePointer
pkg/gitobj      FuzzParseObjects
pkg/git         FuzzParseConfig
pkg/gitattr     FuzzAgainstGit
pkg/subst       FuzzAgainstGit
pkg/verify      FuzzRecord
LIST
echo "fuzz: $(ls "$out"/*.ok | wc -l) passed, 0 failed"
