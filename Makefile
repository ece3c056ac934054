# hearth: the two commands of the README.
#   make run    builds whatever is missing, then serves on 127.0.0.1:8080
#   make test   builds whatever is missing, then runs every test suite
# Engines are built by scripts/deps.sh into ~/.cache/hearth/deps/<key> (outside the repo).

BUILD ?= build
JOBS ?= $(shell nproc)
HOST ?= 127.0.0.1
PORT ?= 8080
# Models: $HEARTH_MODELS, else ../shared/models when it exists, else ~/.hearth/models.
HEARTH_MODELS ?= $(if $(wildcard ../shared/models),$(abspath ../shared/models),$(HOME)/.hearth/models)
export HEARTH_MODELS

.PHONY: all deps build run test test-unit e2e-deps fuzz soak container-test format clean distclean

all: build

deps:
	@scripts/deps.sh >/dev/null

# Reconfigures from scratch when the engines' prefix changes (a new deps key: no package path of the old
# prefix may survive in the cache) or the build folder is new.
build: deps
	@prefix=$$(scripts/deps.sh --prefix); \
	if ! grep -qs "HEARTH_DEPS_PREFIX:PATH=$$prefix$$" $(BUILD)/CMakeCache.txt; then \
	    rm -f $(BUILD)/CMakeCache.txt; \
	    launcher=""; command -v ccache >/dev/null && launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; \
	    cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DHEARTH_DEPS_PREFIX=$$prefix \
	        -DHEARTH_SHARED_MODELS=$(HEARTH_MODELS) $$launcher >/dev/null || exit 1; \
	fi
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/src/cli/hearth serve --host $(HOST) --port $(PORT) --models-dir $(HEARTH_MODELS)

e2e-deps:
	@cd tests/e2e && { [ -d node_modules/openai ] && [ node_modules/.package-lock.json -nt package-lock.json ]; } || \
	    npm ci --no-audit --no-fund --loglevel=error

test: build e2e-deps
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -L unit

# 30 minutes (SOAK_MINUTES) of mixed traffic over every model kind with disconnects, churn and bad requests:
# fails on any 5xx, resident memory growth of 5% after warm-up, or open files left behind. Not in `make test`.
# SOAK_ARGS=--isolate runs it with every model in a process of its own.
SOAK_MINUTES ?= 30
SOAK_ARGS ?=
soak: build e2e-deps
	HEARTH_BIN=$(BUILD)/src/cli/hearth HEARTH_MKMODEL=$(BUILD)/tools/mkmodel/hearth-mkmodel HEARTH_MODELS=../shared/models \
	    node tests/soak/soak.mjs --minutes $(SOAK_MINUTES) --report $(BUILD)/soak-report.json $(SOAK_ARGS)

# The CPU container image built with podman from a locally made Debian base and checked as a user runs it
# (scripts/container-test.sh; minutes, needs root). Not in `make test`.
container-test:
	scripts/container-test.sh

# Every libFuzzer target for FUZZ_SECONDS each (make test runs them for 10 s); findings in $(BUILD)/fuzz/artifacts.
# FUZZ_RUNS=N stops each target after N executions instead (with FUZZ_SECONDS still a ceiling), e.g.
# `make fuzz FUZZ_RUNS=10000000 FUZZ_SECONDS=86400` for the long campaign; FUZZ_TARGETS and FUZZ_MAX_LEN too.
FUZZ_SECONDS ?= 300
FUZZ_RUNS ?=
FUZZ_TARGETS ?=
FUZZ_MAX_LEN ?= 65536
fuzz: deps
	FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) tests/fuzz/run_fuzz.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $$(scripts/deps.sh --prefix)

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)

# Also drops the engine cache: the next build fetches and builds the engines again.
distclean: clean
	rm -rf $${HEARTH_CACHE:-$$HOME/.cache/hearth}
