# panelsim developer tasks. `make help` lists them.
GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
IMAGE    ?= panelsim:dev
FUZZTIME ?= 20s

.PHONY: help build run test race bench fuzz lint golden image loadtest

help: ## this list
	@awk -F':.*## ' '/^[a-z][a-z-]*:.*## / { printf "  %-9s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

build: ## the binary, ./bin/panelsim
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/panelsim ./cmd/panelsim

run: ## serve the default scenario on 127.0.0.1:8080
	$(GO) run ./cmd/panelsim

test: ## every test (Docker tests skip without an engine)
	$(GO) test ./...

race: ## every test under the race detector, as CI runs them
	$(GO) test -race ./...

bench: ## every benchmark, once, with allocations
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz: ## every fuzz target for FUZZTIME each (scripts/fuzz.sh)
	@GO='$(GO)' FUZZTIME='$(FUZZTIME)' scripts/fuzz.sh

loadtest: ## hot paths over TCP with wrk, as ratios against a bare net/http server (apt-get install wrk)
	$(GO) run ./scripts/loadtest

lint: ## gofmt, go vet and staticcheck (pinned in go.mod as a tool)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

golden: ## rewrite every golden file after a deliberate change (the packages whose tests use internal/simtest's -update)
	$(GO) test $$($(GO) list -f '{{.ImportPath}} {{join .TestImports " "}} {{join .XTestImports " "}}' ./... | awk '/internal\/simtest/ && $$1 !~ /internal\/simtest$$/ {print $$1}') -count=1 -update $(GOLDENFLAGS)

image: ## build the binary on the host, then an image FROM scratch around it
	CGO_ENABLED=0 GOOS=linux $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/panelsim-linux ./cmd/panelsim
	docker build --target panelsim -t $(IMAGE) .
