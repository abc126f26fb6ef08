# Kiban. `make run` starts a local cluster; `make test` runs every test. Both install what they
# need on a fresh Debian 12 machine.
SWIFT ?= swift
BUILD_FLAGS ?=
SIM_SEEDS ?= 2000
VERSION := $(shell cat VERSION)

.PHONY: all deps build release run test sim sim-build sim-run sim-and-package lint format fuzz soak-store soak-jepsen bench bench-store bench-inventory bench-boot clean deb test-package cli-docs

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

# Every test, then the simulation sweep (see `sim`) and the package tests. Suites run one after
# another: several start real processes, network namespaces and servers, and would otherwise
# starve each other of the machine's cores. The simulator's own tests run 50 seeds in debug mode
# here; `sim` sweeps thousands in release mode. The sweep (deterministic: no clock, no timing to
# disturb) runs while the package's release binary builds; docs/testing.md has the time budget.
test: deps lint
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	KIBAN_SIM_TEST_SEEDS=$${KIBAN_SIM_TEST_SEEDS:-50} $(SWIFT) test $(BUILD_FLAGS) --skip-build --no-parallel
	scripts/cli-docs.py --check --binary "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kiban" --markdown docs/cli.md
	$(MAKE) sim-and-package

# `make sim` and `make test-package`, the sweep running while the package's binary builds.
sim-and-package: sim-build
	@sim=$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/kiban-sim; \
	if [ "$$(id -u)" -ne 0 ]; then $(MAKE) sim-run SIM="$$sim" test-package; else \
		echo "sim-run in the background (log: .build-release/sim.log) while make deb builds"; \
		$(MAKE) sim-run SIM="$$sim" >.build-release/sim.log 2>&1 & pid=$$!; \
		$(MAKE) deb; deb=$$?; wait $$pid; simrc=$$?; cat .build-release/sim.log; \
		[ $$simrc -eq 0 ] && [ $$deb -eq 0 ] && integration/package/test-package.sh out/kiban_$(VERSION)_amd64.deb && \
		integration/package/test-guide.sh out/kiban_$(VERSION)_amd64.deb; fi

# Release builds (`sim`, `deb`) share one scratch directory and the package's flags, so what
# both use (KibanRaft, ArgumentParser) is compiled once. scripts/build-deb.sh uses the same.
RELEASE_FLAGS = -c release --static-swift-stdlib --scratch-path .build-release \
	-Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now

# The Raft simulation sweep in release mode: KIBAN_SIM_SEEDS seeds (default $(SIM_SEEDS)) from
# KIBAN_SIM_FIRST_SEED, plus a quarter as many with the adversarial profile. (`swift test` above
# runs the simulator's own tests on fewer seeds, in debug mode.)
sim: sim-build sim-run

sim-build:
	$(SWIFT) build $(RELEASE_FLAGS) $(BUILD_FLAGS) --product kiban-sim

# SIM: the kiban-sim binary (asked of swift build when unset).
sim-run:
	sim="$${SIM:-$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)/kiban-sim}"; \
	"$$sim" --seeds $${KIBAN_SIM_SEEDS:-$(SIM_SEEDS)} --first-seed $${KIBAN_SIM_FIRST_SEED:-0} && \
	"$$sim" --adversarial --seeds $$(( $${KIBAN_SIM_SEEDS:-$(SIM_SEEDS)} / 4 )) --first-seed $${KIBAN_SIM_FIRST_SEED:-0}

# The Debian package out/kiban_$(VERSION)_amd64.deb (docs/packaging.md): a release binary with
# the Swift runtime linked in (built in .build-release), the unit, kiban.yaml, man page, completions.
deb: deps
	scripts/build-deb.sh

# The package under a real systemd in Debian 12 containers, and lintian and piuparts; then
# docs/operator-guide.md run as written (integration/package/test-guide.sh). Root only.
test-package:
	@if [ "$$(id -u)" -ne 0 ]; then echo "test-package: skipped: needs root (containers, namespaces, piuparts)"; \
	else $(MAKE) deb && integration/package/test-package.sh out/kiban_$(VERSION)_amd64.deb && \
		integration/package/test-guide.sh out/kiban_$(VERSION)_amd64.deb; fi

# docs/cli.md from the binary's --help (make test checks that it is current).
cli-docs: build
	scripts/cli-docs.py --binary "$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kiban" --markdown docs/cli.md

# Rules the compiler does not check.
# Style: swift format with the checked-in .swift-format (160 columns); `make format` applies it.
lint:
	@swift format lint --strict --recursive --parallel Sources Tests Package.swift || \
		{ echo "swift format lint failed: run make format"; exit 1; }
	@if grep -rnE '^\s*(@[a-zA-Z]+ )?((public|package|internal) )?import ' Sources/KibanRaft; then \
		echo "Sources/KibanRaft must import nothing but the standard library"; exit 1; fi
	@if grep -rlE 'UnsafeVariant|unsafeVariants' Sources | grep -vE '^Sources/(KibanRaft|KibanRaftSimulation|kiban-sim)/'; then \
		echo "the unsafe Raft variants are for the simulator and its tests only"; exit 1; fi

format:
	swift format format --in-place --recursive --parallel Sources Tests Package.swift

# libFuzzer on the HTTP request parser for FUZZ_SECONDS (default 60). `make test` also fuzzes
# it, with a seeded Swift test (KIBAN_FUZZ_SECONDS, default 20; KIBAN_FUZZ_SEED replays).
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} scripts/fuzz-http.sh

# A longer Jepsen-style run than `make test` does (KIBAN_JEPSEN_SECONDS, default 300).
soak-jepsen: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	KIBAN_JEPSEN_SECONDS=$${KIBAN_JEPSEN_SECONDS:-300} $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter JepsenTests/registerUnderFaults

# Longer durability runs than `make test` does: SIGKILL 500 times, then 30 power cuts of a VM
# (integration/harness/powerloss-vm.sh, docs/testing.md), then the store without fsync through 10
# power cuts, each on an empty disk, counting those that lose acknowledged writes.
soak-store: deps
	$(SWIFT) build $(BUILD_FLAGS) --build-tests
	KIBAN_CRASH_KILLS=$${KIBAN_CRASH_KILLS:-500} $(SWIFT) test $(BUILD_FLAGS) --skip-build --filter CrashDurabilityTests
	STORE_CRASH="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kiban-store-crash" CYCLES=$${KIBAN_POWERLOSS_CYCLES:-30} \
		integration/harness/powerloss-vm.sh
	STORE_CRASH="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/kiban-store-crash" CYCLES=$${KIBAN_POWERLOSS_UNSAFE_CYCLES:-10} \
		UNSAFE=1 UNSAFE_EVERY_CYCLE=1 integration/harness/powerloss-vm.sh

bench:
	@scripts/install-deps.sh bench
	bench/bench.sh

# Only the store benchmark (in-process 3-member Kiban cluster next to a 3-member etcd).
bench-store:
	@scripts/install-deps.sh bench
	bench/bench-store.sh

# Only the inventory benchmark (5,000 machines in 100 racks: import, queries, memory).
bench-inventory:
	@scripts/install-deps.sh bench
	bench/bench-inventory.sh

# Only the boot storm (N=1000 machines: perfdhcp + HTTP fetches, Kiban next to dnsmasq + nginx;
# N, C, ROUNDS, KERNEL_MB override).
bench-boot:
	@scripts/install-deps.sh bench
	bench/bench-boot.sh

clean:
	rm -rf .build .build-release out
