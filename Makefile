# Jetway: build, test and demo. Needs only Go; run `make help` for targets.

GO      ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS := -X main.version=$(VERSION)

# The race detector needs cgo, which Go turns off when it finds no C
# compiler; the tests then run without it and say so.
RACE := $(if $(filter 1,$(shell $(GO) env CGO_ENABLED)),-race,)

TEST_TIMEOUT ?= 10m
BENCHTIME    ?= 1s
FUZZTIME     ?= 10s
# staticcheck is built from the Go module proxy at this version.
STATICCHECK  ?= v0.8.2

.PHONY: help build run test bench fuzz lint clean

help:
	@echo "make build   bin/jetway and bin/jetway-backend"
	@echo "make run     two demo backends and Jetway on configs/quickstart.yaml"
	@echo "make test    lint, then every test with the race detector"
	@echo "make bench   Go benchmarks (BENCHTIME=$(BENCHTIME))"
	@echo "make fuzz    each fuzz target for FUZZTIME=$(FUZZTIME)"
	@echo "make lint    gofmt, go vet and staticcheck"
	@echo "make compare side-by-side benchmark against nginx and HAProxy (bench/README.md)"
	@echo "make probes  health-check CPU at 10,000 nodes, Jetway and HAProxy (bench/README.md)"

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/jetway ./cmd/jetway
	$(GO) build -o bin/jetway-backend ./bench/backend

run: build
	./scripts/run-demo.sh

test: lint
ifeq ($(RACE),)
	@echo "warning: no C compiler, so cgo is off: testing without -race" >&2
endif
	$(GO) test $(RACE) -count=1 -timeout $(TEST_TIMEOUT) ./...
	@# core's and the end-to-end suites once more with
	@# gateway.http.engine: goroutines (the default is loop on Linux).
	JETWAY_TEST_ENGINE=goroutines $(GO) test $(RACE) -count=1 -timeout $(TEST_TIMEOUT) ./core/ ./bench/e2e/
	@# The race detector allocates, so the allocation tests (built with
	@# !race where they must be) run again without it, and with them the
	@# request path's lock check, which type-checks the whole program and
	@# is built with !race to spare the race run that time.
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) -run 'Alloc|AllocatesNothing|DoesNotAllocate|TakesNoLock' ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) ./...

# go test -fuzz takes one target in one package at a time.
fuzz:
	@set -e; \
	for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -r -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' $$dir | grep '^Fuzz'); do \
			echo "fuzz $$dir $$target"; \
			$(GO) test -run '^$$' -fuzz "^$$target$$" -fuzztime $(FUZZTIME) $$dir; \
		done; \
	done

lint:
	@unformatted=$$(gofmt -l .); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK) ./...

clean:
	rm -rf bin

include bench/bench.mk
