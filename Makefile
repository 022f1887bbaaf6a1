# deploytag: thin wrappers; scripts/ holds the glue.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
TOOLS   ?= $(notdir $(wildcard cmd/*))
VERSION ?= $(shell git describe --tags --match 'v[0-9]*' --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/deploytag/deploytag/pkg/cliutil.version=$(VERSION)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
LDFLAGS += -X github.com/deploytag/deploytag/pkg/cliutil.commit=$(COMMIT)
GO      ?= go

.PHONY: build test chaos demo bench lint install clean share uninstall

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

# test runs lint first: .ci/run runs exactly `make test`, so CI lints too.
test: lint
	./scripts/test-deps.sh
	$(GO) test -race -timeout 20m ./...
	./scripts/fuzz.sh

# chaos [N=50] [SEED=...]: the chaos suite, long: N iterations per tool of
# kill -9 at a random moment, rerun, check every invariant; two at once.
# A short run (CHAOS_N unset: 3 each) is part of make test.
N ?= 50
chaos:
	CHAOS_N=$(N) $(if $(SEED),CHAOS_SEED=$(SEED)) $(GO) test -count=1 -v -timeout 120m -run 'TestChaos' ./internal/chaos/

demo: build
	./scripts/demo.sh

bench: build
	./scripts/bench.sh

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

clean:
	rm -rf bin
