# tunepool — plain Makefile, out-of-tree build, dependencies through pkg-config.
#   make                   build build/tunepool
#   make test              install missing packages, build, run unit + CLI tests
#   make tune              install missing packages, build, run the tuning suite
#   make DEVELOPER=1       -std=c11 -Wall -Wextra -Werror
#   make SANITIZE=address,undefined | SANITIZE=thread   (builds into build-san-*/)
#   make install PREFIX=/usr/local DESTDIR=

PKG_CONFIG ?= pkg-config
CC ?= cc
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
WITH_PAPI ?= auto
VERSION := 0.1.0

PKGS := hwloc jansson inih gsl
# history/: SQLite by default, PostgreSQL through libpq (issue 18).
PKGS += sqlite3 libpq
comma := ,
SANITIZE ?=
ifeq ($(FUZZ),1)
  # libFuzzer targets (tests/fuzz/fuzz_*.c) need clang; the library gets the
  # coverage hooks, each target links the fuzzer driver.
  CC := clang
  B ?= build-fuzz
  SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
else ifneq ($(SANITIZE),)
  ifeq ($(filter-out address undefined,$(subst $(comma), ,$(SANITIZE))),)
  else ifeq ($(SANITIZE),thread)
  else
    $(error SANITIZE must be 'address', 'undefined', 'address,undefined' or 'thread', not '$(SANITIZE)')
  endif
  B ?= build-san-$(subst $(comma),-,$(SANITIZE))
  SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
else
  B ?= build
endif

CFLAGS ?= -O2 -g
# The warning flags live apart from CFLAGS, so `make DEVELOPER=1 CFLAGS=-O0`
# keeps every one of them (they come after CFLAGS on the command line).
WARN_CFLAGS :=
ifeq ($(DEVELOPER),1)
  WARN_CFLAGS := -Wall -Wextra -Werror -Wno-unused-parameter
endif
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread -I. -Iinclude $(SANFLAGS) \
	-DTP_VERSION='"$(VERSION)"' $(PKG_CFLAGS) $(CFLAGS) $(WARN_CFLAGS)
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)

# Quiet build lines ("CC core/log.c"); V=1 prints the whole commands.
ifeq ($(V),1)
  Q :=
  say = @true
else
  Q := @
  say = @printf '  %-6s %s\n' $(1) $(2)
endif
LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -ldl -lm -pthread

# PAPI often lacks a usable .pc: accept PAPI_CFLAGS/PAPI_LIBS, probe otherwise.
ifneq ($(WITH_PAPI),no)
  PAPI_CFLAGS ?= $(shell $(PKG_CONFIG) --cflags papi 2>/dev/null)
  PAPI_LIBS ?= $(shell $(PKG_CONFIG) --libs papi 2>/dev/null || echo -lpapi)
  HAVE_PAPI := $(shell echo 'int main(void){return PAPI_library_init(0);}' | \
	$(CC) -x c -include papi.h - -o /dev/null $(PAPI_CFLAGS) $(PAPI_LIBS) >/dev/null 2>&1 && echo 1)
  ifeq ($(HAVE_PAPI),1)
    ALL_CFLAGS += -DTP_HAVE_PAPI $(PAPI_CFLAGS)
    LIBS += $(PAPI_LIBS)
  else ifeq ($(WITH_PAPI),yes)
    $(error WITH_PAPI=yes but papi.h/libpapi were not found; set PAPI_CFLAGS/PAPI_LIBS)
  endif
endif

LIB_SRC := $(sort $(wildcard core/*.c probes/*.c workloads/*.c runner/*.c tuner/*.c reports/*.c \
	fleet/*.c history/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
# The runner and monitor tests (and fleet's threaded merge) also run under SANITIZE=thread.
TSAN_TESTS := $(filter $(B)/tests/test_runner% $(B)/tests/test_monitor% $(B)/tests/test_controller% \
	$(B)/tests/test_journal% $(B)/tests/test_sampler% $(B)/tests/test_fleet% \
	$(B)/tests/test_parallel% $(B)/tests/test_persistent% $(B)/tests/test_evloop%,$(TEST_SRC:tests/unit/%.c=$(B)/tests/%))
PLUGIN_SRC := $(sort $(wildcard workloads/examples/*.c))

LIB_OBJ := $(LIB_SRC:%.c=$(B)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(B)/%.o)
TESTS := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
PLUGINS := $(PLUGIN_SRC:workloads/examples/%.c=$(B)/plugins/%.so)
FUZZERS := $(FUZZ_SRC:tests/fuzz/%.c=$(B)/fuzz/%)
# Per target: 7 targets x 6 s plus start-up keep the smoke run near 50 s (<= 60 s).
FUZZ_SECONDS ?= 6

.PHONY: help man all deps test unit-test cli-test tsan-test fuzzers fuzz-smoke test-sanitizers valgrind tune install clean bench
all: $(B)/tunepool $(PLUGINS)

help:
	@echo 'tunepool make targets:'
	@echo '  all              build build/tunepool and the example plugins (default)'
	@echo '  test             install missing packages, build, run every test (what CI runs)'
	@echo '  tune             install missing packages, build, run the default tuning suite'
	@echo '  deps             install missing Debian packages (scripts/install-deps.sh)'
	@echo '  unit-test        cmocka unit tests (tests/unit/test_*.c)'
	@echo '  cli-test         numbered CLI tests (tests/cli/t*.sh; TP_ONLY="t3500 t36" picks some)'
	@echo '  test-sanitizers  the suite under ASan+UBSan, runner/monitor under TSan, fuzz, valgrind'
	@echo '  tsan-test        runner, monitor, controller, journal, sampler tests (SANITIZE=thread)'
	@echo '  fuzz-smoke       every fuzz target for FUZZ_SECONDS (FUZZ=1, needs clang)'
	@echo '  valgrind         memcheck over the main commands'
	@echo '  bench            every bench/*.sh (ratios against peers; not part of test)'
	@echo '  man              regenerate the man page lists from the registries'
	@echo '  install          install binary, man page, plugin header (PREFIX, DESTDIR)'
	@echo '  clean            remove build folders'
	@echo 'variables: DEVELOPER=1 (warnings as errors)  SANITIZE=address,undefined|thread'
	@echo '           V=1 (full command lines)  CFLAGS=...  WITH_PAPI=auto|yes|no'

deps:
	@sh scripts/install-deps.sh

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(B)/libtunepool.a: $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(B)/tunepool: $(CLI_OBJ) $(B)/libtunepool.a
	$(call say,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) -rdynamic -o $@ $(CLI_OBJ) $(B)/libtunepool.a $(LIBS)

$(B)/plugins/%.so: workloads/examples/%.c include/tunepool/plugin.h
	@mkdir -p $(dir $@)
	$(call say,CC.so,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -o $@ $<

$(B)/tests/%: tests/unit/%.c $(B)/libtunepool.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -MMD -MP $(shell $(PKG_CONFIG) --cflags cmocka) -o $@ $< \
		$(B)/libtunepool.a $(LIBS) $(shell $(PKG_CONFIG) --libs cmocka)

$(B)/fuzz/%: tests/fuzz/%.c $(B)/libtunepool.a
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$<)
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(B)/libtunepool.a $(LIBS)

# The unit tests run the built binary too (worker mode for the process
# strategy's spawn start, the plugins): build them first, never skip.
unit-test: $(TESTS) $(PLUGINS) $(B)/tunepool
	@TP_BUILD=$(B) sh tests/run-unit.sh $(TESTS)

cli-test: all
	@TP_BUILD=$(B) TP_SANITIZE=$(SANITIZE) sh tests/run-cli.sh

tsan-test: $(TSAN_TESTS) $(B)/tunepool $(PLUGINS)
	@TP_BUILD=$(B) sh tests/run-unit.sh $(TSAN_TESTS)

fuzzers: $(FUZZERS)

# Each fuzz target runs FUZZ_SECONDS over its seed corpus (tests/fuzz/corpus/NAME).
fuzz-smoke: $(FUZZERS)
	@sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZERS)

# valgrind memcheck (errors and definite leaks) over probe, bench, tune,
# report, compare, export and run; about 15 s, the last stage of `make test`
# (skipped with a note when valgrind is not installed).
valgrind: all
	@sh tests/valgrind.sh $(B)

# Everything `make test` adds after the plain suite: the suite under ASan+UBSan,
# runner and monitor tests under TSan, a short fuzz run of every parser, and
# valgrind memcheck over the main commands.
test-sanitizers:
	@$(MAKE) --no-print-directory -j2 SANITIZE=address,undefined unit-test
	@$(MAKE) --no-print-directory -j2 SANITIZE=address,undefined cli-test
	@$(MAKE) --no-print-directory -j2 SANITIZE=thread tsan-test
	@if command -v clang >/dev/null; then $(MAKE) --no-print-directory -j2 FUZZ=1 fuzz-smoke; \
	 else echo "fuzz: skipped (no-clang: clang is not installed)"; fi
	@$(MAKE) --no-print-directory valgrind

test: deps
	@$(MAKE) --no-print-directory -j2 unit-test
	@$(MAKE) --no-print-directory -j2 cli-test
	@$(MAKE) --no-print-directory test-sanitizers

tune: deps
	@$(MAKE) --no-print-directory all
	$(B)/tunepool tune --suite -o tune-results

# The man page's lists of workloads, strategies, searches, formats... come
# from the registries (scripts/man-lists.sh; t0010 checks they are current).
man: all
	@sh scripts/man-lists.sh $(B)/tunepool docs/tunepool.1

bench: all
	@for b in bench/*.sh; do sh $$b; done

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(INCLUDEDIR)/tunepool
	install -m 755 $(B)/tunepool $(DESTDIR)$(BINDIR)/tunepool
	install -m 644 docs/tunepool.1 $(DESTDIR)$(MANDIR)/man1/tunepool.1
	install -m 644 include/tunepool/plugin.h $(DESTDIR)$(INCLUDEDIR)/tunepool/plugin.h

clean:
	rm -rf build build-san-* build-fuzz

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TESTS:=.d) $(FUZZERS:=.d)
