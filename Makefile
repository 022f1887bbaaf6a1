# deploytag: thin wrappers; scripts/ holds the glue.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
TOOLS   ?= create_deploy_tag tag_repos tag_for_deploy push_tag deploy show_deploy_tag verify_deploy_tag checkout_deploy_tag deploy_manifest list_deploy_tags
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X github.com/deploytag/deploytag/pkg/cliutil.version=$(VERSION)
GO      ?= go

.PHONY: build test demo bench lint install clean

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/ ./cmd/...

test:
	$(GO) vet ./...
	$(GO) test -race -timeout 20m ./...

demo: build
	./scripts/demo.sh

bench: build
	./scripts/bench.sh

lint:
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

install: build
	install -d $(DESTDIR)$(BINDIR)
	for t in $(TOOLS); do [ ! -x bin/$$t ] || install -m 0755 bin/$$t $(DESTDIR)$(BINDIR)/$$t; done

clean:
	rm -rf bin
