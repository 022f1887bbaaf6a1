# deploytag: thin wrappers; scripts/ holds the glue.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
TOOLS   ?= $(notdir $(wildcard cmd/*))
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/deploytag/deploytag/internal/cmdline.version=$(VERSION)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS += -X github.com/deploytag/deploytag/internal/cmdline.commit=$(COMMIT)
GO      ?= go

.PHONY: build test chaos demo bench floors realworld lint install clean share notices uninstall dist dist-check

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

# test runs lint first: .ci/run runs exactly `make test`, so CI lints too.
# -count=1: the script tests drive binaries built from the sources, which go
# test's result cache cannot see, so a cached "ok" could hide a change.
# DEPLOYTAG_TEST_ALL=1: a test whose program is missing fails instead of
# skipping (internal/testneed), so make test runs everything or fails.
test: lint
	./scripts/test-deps.sh
	DEPLOYTAG_TEST_ALL=1 $(GO) test -race -count=1 -timeout 20m ./...
	./scripts/fuzz.sh

# chaos [N=50] [SEED=...]: the chaos suite, long: N iterations per tool of
# kill -9 at a random moment, rerun, check every invariant; two at once.
# A short run (CHAOS_N unset: 3 each) is part of make test.
N ?= 50
chaos:
	CHAOS_N=$(N) $(if $(SEED),CHAOS_SEED=$(SEED)) $(GO) test -count=1 -v -timeout 120m -run 'TestChaos' ./internal/chaos/

demo: build
	./scripts/demo.sh

# bench: every goal timed against its loop, into bench/RESULTS.md. Take it
# on a quiet machine (load average below 1.5): a run started above it, or
# a row during which other processes took more than 0.2 cores, is marked
# unreliable. BENCH_FLAGS=-quick is a smoke run that keeps nothing.
bench: build
	./scripts/bench.sh

# floors [FLOORS_FLAGS=-perf]: what each tool does per repo and per file
# against its loop (processes, git subcommands, syscalls; under strace),
# into bench/FLOORS.md; -perf adds where the CPU time goes. Counts hold on
# a loaded machine.
floors: build
	BENCH_FLAGS="-floors $(FLOORS_FLAGS)" ./scripts/bench.sh

# realworld REALWORLD_DIR=DIR [REALWORLD_ONLY="git zstd"]: the whole pipeline
# over local clones of the public repos scripts/realworld.sh names (its
# --setup DIR clones them), every release compared with git's own view of
# its tag. Not part of make test: CI cannot fetch the clones.
realworld: build
	@[ -n "$(REALWORLD_DIR)" ] || { echo "make realworld: REALWORLD_DIR=DIR is needed, a folder of clones (scripts/realworld.sh --setup DIR makes one)" >&2; exit 2; }
	./scripts/realworld.sh "$(REALWORLD_DIR)" $(REALWORLD_ONLY)

# lint: go vet, staticcheck and errorlint (errors compared with errors.Is
# and errors.As, wrapped with %w), at pinned versions from the module proxy.
lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	$(GO) run codeberg.org/polyfloyd/go-errorlint@v1.9.1 ./...

# share: a man page and bash and zsh completion for every tool, in bin/share,
# generated from each built binary's --help and its doc comment.
share: build
	$(GO) run ./internal/docgen -src . -out bin/share $(addprefix bin/,$(notdir $(wildcard cmd/*)))

# notices: bin/share/doc/THIRD_PARTY_NOTICES, the licenses of Go and of
# every module compiled into the tools, from GOROOT and the module cache
# (never the network): what a binary distribution must carry. make dist
# puts it into every archive and package.
notices:
	$(GO) run ./internal/notices -o bin/share/doc/THIRD_PARTY_NOTICES

MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions

# install [PREFIX=/usr/local] [DESTDIR=] [TOOLS="show_deploy_tag verify_deploy_tag"]
install: share
	@for t in $(TOOLS); do [ -x bin/$$t ] || { echo "make install: no tool $$t (tools: $(notdir $(wildcard cmd/*)))" >&2; exit 1; }; done
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	for t in $(TOOLS); do \
		install -m 0755 bin/$$t $(DESTDIR)$(BINDIR)/$$t && \
		install -m 0644 bin/share/man/man1/$$t.1 $(DESTDIR)$(MANDIR)/man1/$$t.1 && \
		install -m 0644 bin/share/bash-completion/completions/$$t $(DESTDIR)$(BASHCOMPDIR)/$$t && \
		install -m 0644 bin/share/zsh/site-functions/_$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t || exit 1; \
	done

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 $(DESTDIR)$(BASHCOMPDIR)/$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t; \
	done

# dist: what a release ships, in dist/: per platform (linux and darwin,
# amd64 and arm64) an archive with every tool, man pages, completion,
# README and CHANGELOG; .deb and .rpm packages; SHA256SUMS. GoReleaser in
# snapshot mode, nothing is published; pinned in tools/go.mod (kept apart
# from go.mod so the project never depends on GoReleaser's modules) and
# built by the first run. At a clean vX.Y.Z commit the version is X.Y.Z.
GORELEASER ?= $(GO) tool -modfile=tools/go.mod goreleaser

# GoReleaser reads the git state only in a repository with a remote; a
# clone without one (git init, a test's copy) gets its own folder as origin,
# in GoReleaser's environment only.
dist:
	@echo "make dist: GoReleaser, from tools/go.mod (its first run on a machine compiles it: minutes)" >&2
	if git remote | grep -q .; then \
		$(GORELEASER) release --snapshot --clean; \
	else \
		GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=remote.origin.url GIT_CONFIG_VALUE_0="$(CURDIR)" \
			$(GORELEASER) release --snapshot --clean; \
	fi

# dist-check: make dist from a clean copy of the tree, tagged v1.2.3, then
# every archive, package and checksum checked, and the .deb installed with
# dpkg (as root) and removed again. Slow (it runs make dist), so apart from
# make test; CI runs it after make test. It prints its steps as it goes
# (-v), and leaves the files it built and checked in dist-check/ (dist/ is
# make dist's own).
dist-check:
	./scripts/test-deps.sh
	$(GO) vet -tags dist ./internal/opstest/
	DIST_KEEP="$(CURDIR)/dist-check" $(GO) test -v -tags dist -count=1 -timeout 45m -run '^TestMakeDist$$' ./internal/opstest/

clean:
	rm -rf bin dist dist-check
