# muster - Kubernetes scheduler extender. See README.md.
#
#   make            build ./muster
#   make run        build, then serve the embedded demo cluster on 127.0.0.1:8888
#   make test       install missing Debian packages, build, run every test
#   make asan       build with ASan+UBSan into build-asan/ and run the tests
#   make bench      service latency benchmark (bench/), then bench-sim
#   make bench-sim  simulator throughput: 100,000 jobs on 1,000 nodes
#   make bench-load wrk load on muster serve (5,000 nodes), bench/out/load.md
#   make soak       10 min of churn, faults and scheduling against the fake
#                   API server (SOAK_SECONDS=N; soak-short: 45 s)
#   make valgrind   integration and unit tests under valgrind memcheck
#   make e2e        muster against a real kube-apiserver + kube-scheduler
#                   v1.20 on 127.0.0.1 (tests/e2e/run.sh; first run builds
#                   them from Debian's source package, ~4 min, then cached)
#   make style      check formatting with clang-format
#   make fuzz-build libFuzzer targets (tests/fuzz/) into build-fuzz/fuzz/
#   make fuzz-smoke each fuzz target 30 s on its corpus (ASan+UBSan)
#   make fuzz       each fuzz target FUZZ_SECONDS (600) s; new inputs go
#                   to build-fuzz/corpus/, not the committed corpus

CC       ?= cc
PKGS     := libmicrohttpd libcjson libcurl yaml-0.1 gnutls
BUILD    ?= build
SANFLAGS ?=
CSTD     := -std=c11
WARN     := -Wall -Wextra -Werror
OPT      ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CRIT_CFLAGS := $(shell pkg-config --cflags criterion 2>/dev/null)
CRIT_LIBS   := $(shell pkg-config --libs criterion 2>/dev/null)
CFLAGS   += $(CSTD) $(WARN) $(OPT) $(SANFLAGS) -Isrc $(PKG_CFLAGS) -MMD -MP \
            -D_GNU_SOURCE -pthread
LDFLAGS  += $(SANFLAGS) -pthread
LDLIBS   += $(PKG_LIBS) -lm

LIB_SRCS  := $(filter-out src/main.c,$(shell find src -name '*.c' | sort))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/src/cache/default_cluster.o
UNIT_SRCS := $(shell find tests/unit -name '*.c' 2>/dev/null | sort)
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
INTEG_SRCS := $(shell find tests/integration -name '*.c' 2>/dev/null | sort)
INTEG_OBJS := $(INTEG_SRCS:%.c=$(BUILD)/%.o)
BENCH_BINS := $(BUILD)/bench/floor $(BUILD)/bench/load \
              $(BUILD)/bench/bench_decode $(BUILD)/bench/bench_jscan \
              $(BUILD)/bench/bench_gang
TEST_BINS := $(if $(UNIT_SRCS),$(BUILD)/unit-tests) \
             $(if $(INTEG_SRCS),$(BUILD)/integration-tests)
# Test helpers: separate programs the integration tests start.
FAKE_BIN  := $(BUILD)/fake-apiserver
# Criterion runs tests in parallel workers; keep it to the machine's cores.
CRITERION_FLAGS ?= --jobs 2

.PHONY: all run test test-build check-deps asan bench bench-build bench-sim style clean e2e
.PHONY: fuzz-build fuzz-smoke fuzz

all: muster

muster: $(BUILD)/muster
	cp $< $@

$(BUILD)/muster: $(BUILD)/src/main.o $(BUILD)/libmuster.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libmuster.a: $(LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

# examples/cluster.json is compiled into the binary (the embedded default).
$(BUILD)/src/cache/default_cluster.o: src/cache/default_cluster.S examples/cluster.json
	@mkdir -p $(dir $@)
	$(CC) -c -o $@ $<

$(BUILD)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CRIT_CFLAGS) -c -o $@ $<

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libmuster.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CRIT_LIBS) $(LDLIBS)

$(BUILD)/integration-tests: $(INTEG_OBJS) $(BUILD)/libmuster.a
	$(CC) $(LDFLAGS) -o $@ $^ $(CRIT_LIBS) $(LDLIBS)

# Benchmark tools: same flags as muster, linked with libmuster for buf/xmalloc.
$(BUILD)/bench/%: $(BUILD)/bench/%.o $(BUILD)/libmuster.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.SECONDARY: $(BENCH_BINS:%=%.o)

bench-build: muster $(BENCH_BINS)

# bench/run.sh: muster vs the trivial floor extender on 100..5,000 nodes;
# prints one markdown table and writes it to bench/out/latest.md.
bench: bench-build
	BUILD=$(BUILD) bench/run.sh
	$(BUILD)/bench/bench_gang
	bench/sim.sh

# bench/load.sh: wrk with bench/load.lua (filter and prioritize with all
# 5,000 node names) for LOAD_SECONDS (30); table in bench/out/load.md.
.PHONY: bench-load
bench-load: muster
	@scripts/deps.sh wrk
	bench/load.sh

# bench/sim.sh: `muster simulate` throughput, 100,000 jobs on 1,000 nodes.
bench-sim: muster
	bench/sim.sh

run: muster
	@echo "muster: serving the embedded demo cluster (examples/cluster.json) on http://127.0.0.1:8888"
	@echo "try:  curl -s http://127.0.0.1:8888/readyz; curl -s -d @tests/data/extender/filter-gpu.json http://127.0.0.1:8888/filter"
	./muster serve --listen 127.0.0.1:8888 --policy policies/default.json

check-deps:
	@scripts/deps.sh

# Test binaries and the muster they start, all inside $(BUILD): the asan
# build must never replace ./muster.
test-build: $(BUILD)/muster $(TEST_BINS) $(FAKE_BIN)

# A fake kube-apiserver (tests/fake/) for the watch and bind tests.
$(FAKE_BIN): $(BUILD)/tests/fake/fake_apiserver.o $(BUILD)/libmuster.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The soak driver (tests/soak/): churn, faults and a kube-scheduler
# stand-in against muster and the fake API server; see tests/soak/README.md.
SOAK_BIN := $(BUILD)/soak
SOAK_SECONDS ?= 600
SOAK_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(sort $(wildcard tests/soak/*.c)))

$(SOAK_BIN): $(SOAK_OBJS) $(BUILD)/libmuster.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.PHONY: soak soak-short
soak: $(BUILD)/muster $(FAKE_BIN) $(SOAK_BIN)
	SOAK_SECONDS=$(SOAK_SECONDS) MUSTER_BIN=$(CURDIR)/$(BUILD)/muster \
	    FAKE_APISERVER=$(CURDIR)/$(FAKE_BIN) nice -n 19 $(SOAK_BIN)

# The CI form: 45 s of the same, RSS sampled every 5 s.
soak-short:
	$(MAKE) soak SOAK_SECONDS=45 SOAK_RSS_EVERY=5

# The integration tests start ./muster (MUSTER_BIN) on 127.0.0.1.
test: check-deps
	$(MAKE) muster test-build
	@set -e; for t in $(TEST_BINS); do \
	    echo "== $$t"; \
	    MUSTER_BIN=$(CURDIR)/$(BUILD)/muster \
	    FAKE_APISERVER=$(CURDIR)/$(FAKE_BIN) $$t $(CRITERION_FLAGS); \
	done

asan:
	$(MAKE) test-build BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all"
	@set -e; for t in $(patsubst $(BUILD)/%,build-asan/%,$(TEST_BINS)); do \
	    echo "== $$t (ASan+UBSan)"; \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    MUSTER_BIN=$(CURDIR)/build-asan/muster \
	    FAKE_APISERVER=$(CURDIR)/build-asan/fake-apiserver $$t $(CRITERION_FLAGS); \
	done

# valgrind memcheck: the integration tests with muster and the fake API
# server run through tests/valgrind/*.sh (one log per process), then the
# unit tests binary (Criterion re-executes itself per test: traced with
# --trace-children; no --jobs, with which Criterion under valgrind runs no
# test at all, so the suites are split by VG_UNIT_FILTERS, one valgrind
# each, run side by side; e.g. VG_UNIT_FILTERS='gang*/*' for one suite);
# tests/valgrind/check.sh then requires 0 errors and no definite or
# indirect leak in every log. Waits are stretched by MUSTER_TEST_SLOW,
# never the assertions.
VG_LOGS := $(CURDIR)/$(BUILD)/valgrind
VG_UNIT_FILTERS ?= [a-k]*/* [l-z]*/*
.PHONY: valgrind
valgrind: test-build
	@scripts/deps.sh valgrind
	rm -rf $(VG_LOGS) && mkdir -p $(VG_LOGS)
	@echo "== integration tests, muster and the fake API server under valgrind"
	VG_LOGS=$(VG_LOGS) VG_MUSTER=$(CURDIR)/$(BUILD)/muster \
	    VG_FAKE=$(CURDIR)/$(FAKE_BIN) MUSTER_TEST_SLOW=10 \
	    MUSTER_BIN=$(CURDIR)/tests/valgrind/muster.sh \
	    FAKE_APISERVER=$(CURDIR)/tests/valgrind/fake-apiserver.sh \
	    $(BUILD)/integration-tests $(CRITERION_FLAGS)
	@echo "== unit tests under valgrind"
	@set -f; pids=""; for f in $(VG_UNIT_FILTERS); do \
	    VG_LOGS=$(VG_LOGS) tests/valgrind/vg.sh $(BUILD)/unit-tests \
	        --filter "$$f" & pids="$$pids $$!"; \
	done; rc=0; for p in $$pids; do wait $$p || rc=1; done; exit $$rc
	tests/valgrind/check.sh $(VG_LOGS)

# Starts etcd, kube-apiserver, kube-scheduler and muster; see tests/e2e/run.sh.
e2e: check-deps
	$(MAKE) muster
	MUSTER_BIN=$(CURDIR)/muster tests/e2e/run.sh

# libFuzzer targets (tests/fuzz/README.md): the library rebuilt with clang
# and fuzzer-no-link,address,undefined into build-fuzz/ (never build/ or
# ./muster), each tests/fuzz/fuzz_<name>.c linked to build-fuzz/fuzz/<name>.
# Warnings stay errors in the gcc builds (make, make asan); here clang's
# extra ones (-Wstring-concatenation on split literals in string tables,
# -Wfor-loop-analysis, ...) are shown but do not stop the fuzz build.
FUZZ_SRCS    := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TARGETS := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=%)
FUZZ_SECONDS ?= 600
FUZZ_JOBS    ?= 2

$(BUILD)/fuzz/%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/libmuster.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

.SECONDARY: $(FUZZ_TARGETS:%=$(BUILD)/tests/fuzz/fuzz_%.o)

fuzz-build:
	@scripts/deps.sh clang libclang-rt-14-dev
	$(MAKE) $(FUZZ_TARGETS:%=build-fuzz/fuzz/%) BUILD=build-fuzz CC=clang \
	    WARN="$(filter-out -Werror,$(WARN))" \
	    OPT="-O1 -g -fno-omit-frame-pointer" \
	    SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all"

fuzz-smoke: fuzz-build
	tests/fuzz/run.sh 30 $(FUZZ_JOBS) $(FUZZ_TARGETS)

fuzz: fuzz-build
	tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_JOBS) $(FUZZ_TARGETS)

style:
	clang-format --dry-run --Werror $$(find src tests bench -name '*.[ch]')

clean:
	rm -rf build build-asan build-fuzz muster

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
