# Kiban. `make run` starts a local cluster; `make test` runs every test. Both install what they
# need on a fresh Debian 12 machine.
SWIFT ?= swift
BUILD_FLAGS ?=
SIM_SEEDS ?= 2000

.PHONY: all deps build release run test lint fuzz soak-store bench bench-store bench-inventory clean

all: build

deps:
	@scripts/install-deps.sh test

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# The README's first command: Kiban's main job on an embedded default.
run: deps
	$(SWIFT) build $(BUILD_FLAGS) --product kiban
	$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kiban dev

# Every test. The Raft simulation runs KIBAN_SIM_SEEDS seeds (default $(SIM_SEEDS)) in release
# mode, so thousands of seeds fit in a few minutes.
test: deps lint
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	$(SWIFT) test $(BUILD_FLAGS) --skip-build --skip KibanRaftSimulationTests
	KIBAN_SIM_SEEDS=$${KIBAN_SIM_SEEDS:-$(SIM_SEEDS)} $(SWIFT) test -c release $(BUILD_FLAGS) --filter KibanRaftSimulationTests

# Rules the compiler does not check.
lint:
	@if grep -rnE '^\s*(@[a-zA-Z]+ )?((public|package|internal) )?import ' Sources/KibanRaft; then \
		echo "Sources/KibanRaft must import nothing but the standard library"; exit 1; fi

# libFuzzer on the HTTP request parser for FUZZ_SECONDS (default 60). `make test` also fuzzes
# it, with a seeded Swift test (KIBAN_FUZZ_SECONDS, default 20; KIBAN_FUZZ_SEED replays).
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz-http.sh

# A longer crash-durability run than `make test` does (SIGKILL 500 times).
soak-store: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	KIBAN_CRASH_KILLS=$${KIBAN_CRASH_KILLS:-500} $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter CrashDurabilityTests

bench:
	@scripts/install-deps.sh bench
	scripts/bench.sh

# Only the store benchmark (in-process 3-member Kiban cluster next to a 3-member etcd).
bench-store:
	@scripts/install-deps.sh bench
	scripts/bench-store.sh

# Only the inventory benchmark (5,000 machines in 100 racks: import, queries, memory).
bench-inventory:
	@scripts/install-deps.sh bench
	scripts/bench-inventory.sh

clean:
	rm -rf .build
