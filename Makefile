# session_guard: nginx module, C unit tests, tools, and the two commands a new
# user needs (`make run`, `make test`).  Run `make help` for the targets.

REPO    := $(CURDIR)
BUILD   := build
SHARED  ?= $(abspath $(REPO)/../shared)
MODULE  := $(BUILD)/ngx_http_session_guard_module.so

CC      ?= cc
WARN    := -Wall -Wextra -Werror -Wpointer-arith
CSTD    := -std=gnu11 -D_GNU_SOURCE
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all \
           -fno-omit-frame-pointer
LIBS    := -lcrypto -lmaxminddb -lm

CORE_SRCS  := $(wildcard src/*.c)
CORE_HDRS  := $(wildcard src/*.h)
GLUE_FILES := $(wildcard ngx_module/*.c ngx_module/*.h)
UNIT_SRCS  := $(wildcard t/unit/test_*.c)
UNIT_BINS  := $(UNIT_SRCS:t/unit/%.c=$(BUILD)/unit/%)
SAN_OBJS   := $(CORE_SRCS:src/%.c=$(BUILD)/core-san/%.o)
REL_OBJS   := $(CORE_SRCS:src/%.c=$(BUILD)/core/%.o)
TOOL_SRCS  := $(wildcard tools/*.c)
TOOL_BINS  := $(TOOL_SRCS:tools/%.c=$(BUILD)/%)
# Clients the integration tests drive (t/helpers/*.c -> build/t/NAME).
HELPER_SRCS := $(wildcard t/helpers/*.c)
HELPER_BINS := $(HELPER_SRCS:t/helpers/%.c=$(BUILD)/t/%)
REPLAY_SRCS := $(wildcard tools/sg-replay/*.c)
REPLAY_HDRS := $(wildcard tools/sg-replay/*.h)
# The replay harness's libraries (JSON, HAR, PROXY protocol, reading and
# scoring verdicts): tools/lib/, never part of the module.  Their unit tests,
# tools/lib/t/test_*.c, link them with the core and run with the core's.
TLIB_SRCS  := $(wildcard tools/lib/*.c)
TLIB_HDRS  := $(wildcard tools/lib/*.h)
TLIB_SAN_OBJS := $(TLIB_SRCS:tools/lib/%.c=$(BUILD)/tools-lib-san/%.o)
TLIB_REL_OBJS := $(TLIB_SRCS:tools/lib/%.c=$(BUILD)/tools-lib/%.o)
TLIB_UNIT_SRCS := $(wildcard tools/lib/t/test_*.c)
UNIT_BINS  += $(TLIB_UNIT_SRCS:tools/lib/t/%.c=$(BUILD)/unit-tools/%)
ifneq ($(REPLAY_SRCS),)
TOOL_BINS  += $(BUILD)/sg-replay
endif
# ngx_module/ follows nginx's own code style (aligned declarations, command
# tables), which clang-format cannot express; the rest is clang-formatted.
FORMATTED  := $(wildcard src/*.[ch] t/unit/*.[ch] t/helpers/*.c tools/*.c \
                         tools/*/*.[ch] tools/*/t/*.c fuzz/*.c)

FUZZ_TIME ?= 600

export SG_TEST_MMDB := $(REPO)/$(BUILD)/mmdb

# Keep the core objects between runs: make would delete them as intermediates.
.SECONDARY:

.PHONY: all deps module unit tools helpers check-unit prove test run format \
        replay \
        format-check fuzz bench clean help mmdb

all: module unit tools helpers

help:
	@echo "make            build the module, unit tests and tools"
	@echo "make run        install deps, build, start the demo on localhost"
	@echo "make test       install deps, build, run every test"
	@echo "make deps       install missing Debian packages"
	@echo "make fuzz       run the ClientHello fuzzer (FUZZ_TIME=$(FUZZ_TIME) s)"
	@echo "make replay SCENARIO=FILE   replay a scenario through its own stack"
	@echo "make bench      module vs stock nginx benchmarks"
	@echo "make format     clang-format the C sources"
	@echo "make clean      remove build/"

deps:
	@scripts/install-deps

module: $(MODULE)

$(MODULE): config $(CORE_SRCS) $(CORE_HDRS) $(GLUE_FILES)
	scripts/build-module

# Unit tests link the core built with sanitizers, once.
$(BUILD)/core-san/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O1 $(WARN) $(SAN) -Isrc -c -o $@ $<

$(BUILD)/core/%.o: src/%.c $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O2 $(WARN) -Isrc -c -o $@ $<

# Test support shared by the unit tests (t/unit/*.c that are not test_*).
UNIT_SUPPORT := $(patsubst t/unit/%.c,$(BUILD)/unit/%.o,\
                  $(filter-out t/unit/test_%,$(wildcard t/unit/*.c)))

$(BUILD)/unit/%.o: t/unit/%.c $(wildcard t/unit/*.h) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O1 $(WARN) $(SAN) -Isrc -c -o $@ $<

$(BUILD)/unit/%: t/unit/%.c $(SAN_OBJS) $(UNIT_SUPPORT) $(wildcard t/unit/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O1 $(WARN) $(SAN) -Isrc -It/unit -o $@ $< $(SAN_OBJS) \
		$(UNIT_SUPPORT) -lcmocka $(LIBS)

$(BUILD)/unit-tools/%: tools/lib/t/%.c $(TLIB_SAN_OBJS) $(SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O1 $(WARN) $(SAN) -Isrc -Itools/lib -o $@ $< \
		$(TLIB_SAN_OBJS) $(SAN_OBJS) -lcmocka $(LIBS)

$(BUILD)/tools-lib-san/%.o: tools/lib/%.c $(TLIB_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O1 $(WARN) $(SAN) -Isrc -Itools/lib -c -o $@ $<

$(BUILD)/tools-lib/%.o: tools/lib/%.c $(TLIB_HDRS) $(CORE_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O2 $(WARN) -Isrc -Itools/lib -c -o $@ $<

$(BUILD)/%: tools/%.c $(REL_OBJS)
	$(CC) $(CSTD) -g -O2 $(WARN) -Isrc -o $@ $< $(REL_OBJS) -lssl $(LIBS)

# The replay harness: several files of its own, its libraries, the core,
# OpenSSL, hiredis.
$(BUILD)/sg-replay: $(REPLAY_SRCS) $(REPLAY_HDRS) $(TLIB_REL_OBJS) $(REL_OBJS)
	$(CC) $(CSTD) -g -O2 $(WARN) -Isrc -Itools/lib -Itools/sg-replay -o $@ \
		$(REPLAY_SRCS) $(TLIB_REL_OBJS) $(REL_OBJS) -lssl -lhiredis $(LIBS)

$(BUILD)/t/%: t/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CSTD) -g -O1 $(WARN) -o $@ $< -lssl -lcrypto

unit: $(UNIT_BINS)

helpers: $(HELPER_BINS)

tools: $(TOOL_BINS)

mmdb: $(BUILD)/mmdb/.stamp

$(BUILD)/mmdb/.stamp: $(wildcard t/fixtures/*) $(wildcard t/lib/SGTest/MMDB.pm)
	@mkdir -p $(dir $@)
	@if [ -f t/fixtures/make-mmdb.pl ]; then \
		perl -It/lib t/fixtures/make-mmdb.pl $(BUILD)/mmdb; fi
	@touch $@

check-unit: unit mmdb
	@scripts/run-unit-tests $(UNIT_BINS)

prove: module tools helpers mmdb
	prove -I t/lib t/

format:
	clang-format -i $(FORMATTED)

format-check:
	clang-format --dry-run --Werror $(FORMATTED)

test: deps
	$(MAKE) all
	$(MAKE) format-check
	$(MAKE) check-unit
	$(MAKE) prove

run: deps
	$(MAKE) all mmdb
	scripts/demo

fuzz:
	scripts/fuzz $(FUZZ_TIME)

# Replays a scenario through a stack it starts itself:
#     make replay SCENARIO=t/corpus/02-stolen-cookie-curl.jsonl
replay: deps
	$(MAKE) all mmdb
	scripts/replay $(SCENARIO)

bench: deps
	$(MAKE) all
	bench/run

clean:
	rm -rf $(BUILD)
