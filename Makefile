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
# The Redis scripts are kept as .lua files and embedded as C strings in files
# that are checked in, since nginx's build (`config`) runs no step of ours:
# `make scripts` writes them again, `make check-scripts` (in `make test`)
# fails when one is stale.
EMBED_CORE := -o src/sg_scripts.c -i sg_density.h -i sg_session.h \
              -i sg_volume.h \
              sg_session_script=src/lua/session.lua \
              sg_density_script=src/lua/density.lua \
              sg_volume_script=src/lua/volume.lua
EMBED_TOOL := -o tools/sg-replay/timeshift_script.c -i timeshift.h \
              sg_ts_script=tools/sg-replay/timeshift.lua
# Events and the dashboard: their scripts, and the page as a C string.
EMBED_EVENTS := -o src/sg_event_scripts.c -i sg_event.h \
              sg_event_script=src/lua/event.lua \
              sg_index_script=src/lua/index.lua \
              sg_dashboard_script=src/lua/dashboard.lua
EMBED_PAGE := -o src/sg_dashboard_page.c -i sg_dashboard.h \
              sg_dashboard_page=dashboard/index.html
EMBEDDED   := src/sg_scripts.c tools/sg-replay/timeshift_script.c \
              src/sg_event_scripts.c src/sg_dashboard_page.c
# ngx_module/ follows nginx's own code style (aligned declarations, command
# tables), which clang-format cannot express; the rest is clang-formatted.
# The files scripts/embed-lua writes are left out: their lines are the Lua
# scripts' lines, which clang-format would split and join again.
FORMATTED  := $(filter-out $(EMBEDDED),\
              $(wildcard src/*.[ch] t/unit/*.[ch] t/helpers/*.c tools/*.c \
                         tools/*/*.[ch] tools/*/t/*.c fuzz/*.[ch]))

# make fuzz: seconds each libFuzzer target runs; FUZZ_TARGET=NAME runs one.
FUZZ_TIME ?= 60
FUZZ_TARGET ?=

export SG_TEST_MMDB := $(REPO)/$(BUILD)/mmdb

# Keep the core objects between runs: make would delete them as intermediates.
.SECONDARY:

.PHONY: all deps module unit tools helpers check-unit prove test run format \
        replay scripts check-scripts format-check fuzz bench clean help \
        mmdb check-includes test-nginx test-asan test-valgrind

all: module unit tools helpers

help:
	@echo "make            build the module, unit tests and tools"
	@echo "make run        install deps, build, start the demo on localhost"
	@echo "make test       install deps, build, run every test"
	@echo "make test-nginx NGINX_SRC=nginx-X.tar.gz [NGINX_BUILD=dynamic|static]"
	@echo "                build that nginx with the module, run t/ against it"
	@echo "make test-asan  build nginx from source with the module compiled in,"
	@echo "                under ASan+UBSan, run t/ against it (TESTS=...)"
	@echo "make test-valgrind  the valgrind suite (t/90-valgrind.t)"
	@echo "make deps       install missing Debian packages"
	@echo "make fuzz       run each parser's fuzzer (FUZZ_TIME=$(FUZZ_TIME) s each,"
	@echo "                FUZZ_TARGET=NAME for one: fuzz/fuzz_NAME.c)"
	@echo "make replay SCENARIO=FILE   replay a scenario through its own stack"
	@echo "make bench      module vs stock nginx benchmarks"
	@echo "make format     clang-format the C sources"
	@echo "make scripts    embed the Redis scripts (*.lua) in C again"
	@echo "make clean      remove build/"

deps:
	@scripts/install-deps

module: $(MODULE)

$(MODULE): config scripts/build-module $(CORE_SRCS) $(CORE_HDRS) $(GLUE_FILES)
	@scripts/check-includes
	scripts/build-module

# nginx's headers come first in every glue file (nginx's development guide).
check-includes:
	@scripts/check-includes

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
		$(UNIT_SUPPORT) -lcmocka -lhiredis $(LIBS)

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
# OpenSSL, nghttp2, hiredis.
$(BUILD)/sg-replay: $(REPLAY_SRCS) $(REPLAY_HDRS) $(TLIB_REL_OBJS) $(REL_OBJS)
	$(CC) $(CSTD) -g -O2 $(WARN) -Isrc -Itools/lib -Itools/sg-replay -o $@ \
		$(REPLAY_SRCS) $(TLIB_REL_OBJS) $(REL_OBJS) -lssl -lnghttp2 \
		-lhiredis $(LIBS)

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

scripts:
	scripts/embed-lua $(EMBED_CORE)
	scripts/embed-lua $(EMBED_TOOL)
	scripts/embed-lua $(EMBED_EVENTS)
	scripts/embed-lua $(EMBED_PAGE)

check-scripts:
	scripts/embed-lua --check $(EMBED_CORE)
	scripts/embed-lua --check $(EMBED_TOOL)
	scripts/embed-lua --check $(EMBED_EVENTS)
	scripts/embed-lua --check $(EMBED_PAGE)

test: deps
	$(MAKE) check-scripts
	$(MAKE) all
	$(MAKE) format-check
	$(MAKE) check-includes
	$(MAKE) check-unit
	$(MAKE) prove

# The suites against another nginx, built from source under build/:
#     make test-nginx NGINX_SRC=path/to/nginx-1.31.4.tar.gz NGINX_BUILD=static
# (TESTS=t/10-skeleton.t runs only those suites.)
NGINX_BUILD ?= dynamic

test-nginx: deps
	$(MAKE) tools mmdb check-includes
	NGINX_SRC='$(NGINX_SRC)' NGINX_BUILD='$(NGINX_BUILD)' \
		scripts/test-nginx $(TESTS)

# Every suite against nginx built from source (../shared/nginx, or
# NGINX_SRC=...) with the module compiled in, all of it under ASan and UBSan;
# any sanitizer report fails (scripts/test-asan).
test-asan: deps
	$(MAKE) tools helpers mmdb check-includes
	scripts/test-asan $(TESTS)

# nginx with the module under valgrind: no invalid access, no leak of ours.
test-valgrind: deps
	$(MAKE) module tools helpers mmdb
	prove -I t/lib t/90-valgrind.t

run: deps
	$(MAKE) all mmdb
	scripts/demo

fuzz:
	scripts/fuzz $(FUZZ_TIME) $(FUZZ_TARGET)

# Replays a scenario through a stack it starts itself:
#     make replay SCENARIO=t/corpus/02-stolen-cookie-curl.jsonl
replay: deps
	$(MAKE) all mmdb
	scripts/replay $(SCENARIO)

bench: deps
	$(MAKE) all mmdb
	bench/run

clean:
	rm -rf $(BUILD)
