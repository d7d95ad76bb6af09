# digest: build, test, bench, install.
#
#   make                  bin/digest
#   make test             unit tests (cmocka) and CLI tests against real servers
#   make SAN=1 test       the same, built with ASan + UBSan (in build/san/)
#   make bench            benchmarks that print figures
#   make install          PREFIX=/usr/local, DESTDIR for staging
#   make man              the man pages, digest(1) and digest.conf(5)
#   make readme           README.md's usage blocks, from the option tables
#   make CC=clang         any C11 compiler; warnings are errors with gcc and clang

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/digest

PKGS = libcurl libetpan jansson uuid libxml-2.0 libmicrohttpd sqlite3 libidn2 gnutls
# libetpan.pc's Libs carry -specs=no-pie-link.specs (non-PIE binaries) and
# overlinking, so it is linked by name (see ../shared/deps.md).
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs libcurl jansson uuid libxml-2.0 libmicrohttpd sqlite3 libidn2 gnutls 2>/dev/null) -letpan \
	-lunistring -lresolv

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2 -Wno-format-nonliteral
MANDIR = $(PREFIX)/share/man
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -Idigest -Isubscribers \
	$(PKG_CFLAGS) -DDIGEST_VERSION='"$(VERSION)"' $(PATH_DEFS) -MMD -MP
ALL_LDFLAGS = -pthread $(LDFLAGS)

# O is the build directory: `make O=build/clang CC=clang` keeps a second
# compiler's objects apart. Only the default build writes bin/digest.
ifeq ($(SAN),1)
O ?= build/san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
ALL_CFLAGS += $(SANFLAGS)
ALL_LDFLAGS += $(SANFLAGS)
else
O ?= build
endif
DIGEST_BIN = $(if $(filter build,$(O)),bin/digest,$(O)/bin/digest)

# The paths compiled into the program (digest/config.c): the installed
# templates, and the checkout's for the program its build leaves here.
# $(O)/paths.stamp holds them and is rewritten only when they change, so
# that `make install PREFIX=/elsewhere` after `make` rebuilds what uses
# them instead of installing a program that looks in the old PREFIX.
PATH_DEFS = -DDIGEST_DATADIR='"$(DATADIR)"' -DDIGEST_SRCDIR='"$(CURDIR)"' \
	-DDIGEST_BUILD_BIN='"$(CURDIR)/$(DIGEST_BIN)"'
PATH_STAMP = $(O)/paths.stamp

LIB_SRC = $(wildcard digest/*.c subscribers/*.c)
CMD_SRC = $(wildcard cmd/*.c)
TEST_SRC = $(wildcard tests/test_*.c)
BENCH_SRC = $(wildcard bench/bench_*.c)

LIB_OBJ = $(LIB_SRC:%.c=$(O)/%.o)
CMD_OBJ = $(CMD_SRC:%.c=$(O)/%.o)
TEST_BIN = $(TEST_SRC:tests/%.c=$(O)/tests/%)
BENCH_BIN = $(BENCH_SRC:bench/%.c=$(O)/bench/%)
LIB = $(O)/libdigest.a

# `make V=1` shows the commands.
ifneq ($(V),1)
Q = @
SAY = @echo
else
SAY = @true
endif

all: $(DIGEST_BIN)

$(O)/%.o: %.c
	@mkdir -p $(@D)
	$(SAY) "  CC      $<"
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(PATH_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$(DATADIR)" "$(CURDIR)" "$(DIGEST_BIN)" >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(O)/digest/config.o: $(PATH_STAMP)

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(SAY) "  AR      $@"
	$(Q)$(AR) rcs $@ $^

$(DIGEST_BIN): $(CMD_OBJ) $(LIB)
	@mkdir -p $(@D)
	$(SAY) "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(CMD_OBJ) $(LIB) $(PKG_LIBS) -lm

$(O)/tests/%: tests/%.c $(LIB) tests/testutil.h
	@mkdir -p $(@D)
	$(SAY) "  TEST    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lcmocka -lm

$(O)/bench/%: bench/%.c $(LIB) bench/bench.h
	@mkdir -p $(@D)
	$(SAY) "  BENCH   $@"
	$(Q)$(CC) $(ALL_CFLAGS) -Ibench -o $@ $< $(LIB) $(ALL_LDFLAGS) $(PKG_LIBS) -lm

build-tests: $(DIGEST_BIN) $(TEST_BIN)

build-all: $(DIGEST_BIN) $(TEST_BIN) $(BENCH_BIN)

# TEST_JOBS tests at a time (most of their time is spent waiting on
# servers and timers, not on a core); `make test T="feed send"` runs
# the tests whose names contain "feed" or "send".
TEST_JOBS ?= 2

test: build-tests
	@DIGEST="$(CURDIR)/$(DIGEST_BIN)" BUILD="$(CURDIR)/$(O)" SAN="$(SAN)" \
		tests/run.sh -j $(TEST_JOBS) $(T)

bench: $(DIGEST_BIN) $(BENCH_BIN)
	@DIGEST="$(CURDIR)/$(DIGEST_BIN)" BUILD="$(CURDIR)/$(O)" bench/run.sh $(B)

# Man pages: digest(1) from `digest --help` and each command's usage,
# digest.conf(5) from the configuration table (`digest config
# --describe`), by scripts/mkman: the program is their one source.
MAN_PAGES = $(O)/man/digest.1 $(O)/man/digest.conf.5

$(O)/man/%: $(DIGEST_BIN) scripts/mkman $(PATH_STAMP)
	@mkdir -p $(@D)
	$(SAY) "  MAN     $@"
	$(Q)DIGEST_CONFIG=/dev/null scripts/mkman $(DIGEST_BIN) $* \
		"$(VERSION)" "$(DATADIR)" >$@.tmp && mv $@.tmp $@

man: $(MAN_PAGES)

# README.md's usage blocks, from the same tables (scripts/mkreadme).
readme: $(DIGEST_BIN)
	$(Q)scripts/mkreadme $(DIGEST_BIN) README.md

# contrib/ goes to share/digest/contrib with the program's real path.
install: $(DIGEST_BIN) $(MAN_PAGES)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/samples \
		$(DESTDIR)$(DATADIR)/templates $(DESTDIR)$(DATADIR)/contrib \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(DIGEST_BIN) $(DESTDIR)$(BINDIR)/digest
	install -m 644 samples/* $(DESTDIR)$(DATADIR)/samples/
	install -m 644 templates/* $(DESTDIR)$(DATADIR)/templates/
	for f in contrib/*; do \
		sed 's|/usr/local/bin/digest|$(BINDIR)/digest|g' "$$f" \
			>$(DESTDIR)$(DATADIR)/$$f && \
		chmod 644 $(DESTDIR)$(DATADIR)/$$f || exit 1; done
	install -m 644 $(O)/man/digest.1 $(DESTDIR)$(MANDIR)/man1/digest.1
	install -m 644 $(O)/man/digest.conf.5 \
		$(DESTDIR)$(MANDIR)/man5/digest.conf.5

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/digest $(DESTDIR)$(MANDIR)/man1/digest.1 \
		$(DESTDIR)$(MANDIR)/man5/digest.conf.5
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build bin

# ---- Static checks and valgrind (issue 6, "Hardening") ----------------------
#
#   make lint       cppcheck and clang-tidy over digest/ subscribers/ cmd/;
#                   any finding fails (-j2 runs clang-tidy two files at once)
#                   (tests/ and bench/ not yet: cppcheck still reports seven
#                   findings there, mostly cmocka failures it takes for
#                   returning; `make lint LINT_MORE=1` shows them)
#   make valgrind   the unit tests and some CLI tests under valgrind
#
# Both see the flags the build uses: the include paths and -D defines of
# ALL_CFLAGS (cppcheck), the whole of ALL_CFLAGS after "--" (clang-tidy).
LINT_SRC = $(LIB_SRC) $(CMD_SRC)
LINT_DEFS = -D_GNU_SOURCE -DDIGEST_VERSION='"$(VERSION)"' $(PATH_DEFS)

# cppcheck: the posix, gnu, libcurl and sqlite3 library models it ships, and
# tests/cppcheck.cfg for jansson's iteration macros.
# Suppressions are inline (cppcheck-suppress id), each with its reason,
# except two that are wrong for the whole tree:
#  missingIncludeSystem  the system headers are not given to cppcheck (the
#      library models stand for them; parsing them would take minutes).
#  readdirCalled  recommends readdir_r(), which glibc deprecates: readdir()
#      on a DIR that one thread owns is the thread-safe way.
CPPCHECK = cppcheck
CPPCHECK_FLAGS = --enable=warning,performance,portability --std=c11 \
	--error-exitcode=1 --inline-suppr -q --library=posix,gnu,libcurl,sqlite3 \
	--library=tests/cppcheck.cfg --suppress=missingIncludeSystem \
	--suppress=readdirCalled \
	--template='{file}:{line}: {severity} ({id}): {message}' \
	$(LINT_DEFS) -Idigest -Isubscribers -Itests -Ibench

# clang-tidy: whole groups, minus the checks that do not fit this code:
#  bugprone-easily-swappable-parameters  a naming heuristic, not a defect: it
#      fires on every (buffer, length) and (source, destination) signature.
#  bugprone-implicit-widening-of-multiplication-result  fires on products of
#      small constants (60 * 60, 4 * n with n bounded) that cannot overflow.
#  bugprone-narrowing-conversions (and cppcoreguidelines' alias)  int to
#      char of tolower() and hex-digit results already in 0..255; the
#      compiler's -Wconversion would be the way to take this on.
#  bugprone-not-null-terminated-result  digest's text is (pointer, length)
#      pairs: the check takes every memcpy of a string's bytes for strcpy.
#  cert-err33-c  wants every fprintf/fputc/snprintf result read: stdout and
#      stderr errors are caught once at exit; the unchecked snprintf calls
#      (about 40, truncation of error texts) are a follow-up, not ignored.
#  misc-no-recursion  mustache sections and partials nest, so template
#      rendering recurses by design (depth bounded by the parser).
#  clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling
#      asks for Annex K (memset_s, snprintf_s), which glibc does not have.
#  clang-analyzer-valist.Uninitialized  a clang 14 false positive on every
#      va_start() followed by vsnprintf()/vfprintf().
CLANG_TIDY = clang-tidy
TIDY_CHECKS = -*,bugprone-*,cert-*,clang-analyzer-*,misc-*,performance-*,\
portability-*,\
-bugprone-easily-swappable-parameters,\
-bugprone-implicit-widening-of-multiplication-result,\
-bugprone-narrowing-conversions,-cppcoreguidelines-narrowing-conversions,\
-bugprone-not-null-terminated-result,\
-cert-err33-c,\
-misc-no-recursion,\
-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling,\
-clang-analyzer-valist.Uninitialized
TIDY_FLAGS = -quiet --checks='$(TIDY_CHECKS)' --warnings-as-errors='*'
TIDY_STAMP = $(LINT_SRC:%.c=$(O)/lint/%.tidy)

lint: cppcheck tidy

cppcheck:
	$(SAY) "  CPPCHECK digest subscribers cmd$(if $(LINT_MORE), tests bench)"
	$(Q)$(CPPCHECK) $(CPPCHECK_FLAGS) $(LINT_SRC) \
		$(if $(LINT_MORE),$(TEST_SRC) $(BENCH_SRC))

tidy: $(TIDY_STAMP)

# A stamp per file, so that make -j runs them side by side and a second
# `make lint` checks again only what changed (or any header: they are
# cheap to list, and a header change re-checks everything).
$(O)/lint/%.tidy: %.c $(wildcard digest/*.h subscribers/*.h cmd/*.h) Makefile
	@mkdir -p $(@D)
	$(SAY) "  TIDY    $<"
	$(Q)$(CLANG_TIDY) $(TIDY_FLAGS) $< -- $(filter-out -MMD -MP,$(ALL_CFLAGS)) \
		2>/dev/null >$@.out || { cat $@.out; rm -f $@.out; exit 1; }
	$(Q)mv $@.out $@

# valgrind: what it finds that ASan and UBSan (make SAN=1 test) do not,
# reads of uninitialised memory (and leaks, which LeakSanitizer finds
# too): the unit tests under valgrind, and the CLI tests that take the
# code in cmd/ (which no unit test reaches) through its main paths
# (VALGRIND_CLI), with every digest process they start (also through
# Python or script(1)) under valgrind: tests/valgrind.sh stands in for
# the binary (DIGEST). Each process writes its own report into
# VALGRIND_LOGS, and any non-empty report fails the run even when the
# test itself passed. Library suppressions are in tests/valgrind.supp,
# each with its reason.
# Left out (VALGRIND_NEVER; reported as skipped):
#  unit/test_extract, unit/test_feed  their hostile inputs (many MB) take
#      minutes under valgrind and break their time bounds; the parsers
#      run under valgrind through the CLI tests and the other unit tests.
#  unit/test_smtp  timeouts and slow servers: timing, not memory.
#  cli/signup_browser, cli/templates_browser  headless Chromium waits on
#      pages with fixed timeouts; ten times slower pages make them flaky.
#  cli/send_resume, cli/fault_kill, cli/mailbox_faults  kill -9 leaves no
#      report (and kills valgrind before it has started).
#  cli/signup_during_send  a load test, which under valgrind measures
#      valgrind.
# The other CLI tests go through the same code again (ingest, send over
# SMTP, the signup server and its mail, the return mailbox): they took
# 14 of the 15 minutes a run of them all under valgrind took. `make valgrind
# VALGRIND_CLI=all` runs them anyway; `make valgrind T=cli/send` one.
VALGRIND_CLI = cli/send cli/serve cli/mailbox cli/ingest_http
VALGRIND_NEVER = unit/test_extract unit/test_feed unit/test_smtp \
	cli/signup_browser cli/templates_browser cli/send_resume \
	cli/fault_kill cli/mailbox_faults cli/signup_during_send
VALGRIND_LOGS = $(CURDIR)/$(O)/valgrind

valgrind: $(DIGEST_BIN) $(TEST_BIN)
	@rm -rf $(VALGRIND_LOGS) && mkdir -p $(VALGRIND_LOGS)
	@DIGEST="$(CURDIR)/tests/valgrind.sh" DIGEST_REAL="$(CURDIR)/$(DIGEST_BIN)" \
		TEST_WRAP="$(CURDIR)/tests/valgrind.sh --run" \
		VALGRIND_LOGS="$(VALGRIND_LOGS)" BUILD="$(CURDIR)/$(O)" \
		TEST_TIMEOUT=1800 TESTS_EXCLUDE="$(VALGRIND_NEVER)" \
		TESTS_EXCLUDE_WHY="left out under valgrind (Makefile)" \
		tests/run.sh -j $(TEST_JOBS) $(or $(T),unit/ \
		$(if $(filter all,$(VALGRIND_CLI)),cli/,$(VALGRIND_CLI))); rc=$$?; \
	bad=$$(find $(VALGRIND_LOGS) -type f -size +0 | sort); \
	for f in $$bad; do echo "== $$f"; cat "$$f"; done; \
	echo "valgrind: $$(ls $(VALGRIND_LOGS) | wc -l) processes, $$(echo $$bad | wc -w) with errors"; \
	[ $$rc -eq 0 ] && [ -z "$$bad" ]

.PHONY: lint cppcheck tidy valgrind
# ---- end of static checks and valgrind -------------------------------------

.PHONY: all test build-tests build-all bench install uninstall clean man readme FORCE
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d) $(TEST_BIN:=.d)

# ---- fuzzing (issue 6) ------------------------------------------------
#
#   make fuzz-build            libFuzzer targets in build/fuzz/fuzz/
#   make fuzz FUZZ_SECONDS=N   runs each target N seconds on its corpus
#   make fuzz T="addr date"    only those targets
#   make fuzz FUZZ_JOBS=2      two targets at a time
#   tests/fuzz/seed.sh         rebuilds the seeds from tests/data, templates
#
# The targets are clang-only: the library is built again by the SAN=1
# machinery above into its own O=build/fuzz, with the fuzzer's coverage
# hooks added (fuzzer-no-link), and each tests/fuzz/fuzz_<name>.c links
# libFuzzer's main. New inputs go to a scratch directory outside the
# repository; tests/fuzz/corpus/ grows only by hand (regress-* cases).
FUZZ_SECONDS ?= 60
# Targets at a time: each uses one core for FUZZ_SECONDS.
FUZZ_JOBS ?= 1
FUZZ_CC ?= clang
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(O)/fuzz/%)

ifeq ($(FUZZ),1)
ALL_CFLAGS += -fsanitize=fuzzer-no-link
endif

$(O)/fuzz/%: tests/fuzz/%.c $(LIB) tests/fuzz/fuzz.h
	@mkdir -p $(@D)
	$(SAY) "  FUZZ    $@"
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -Itests/fuzz -o $@ $< $(LIB) \
		$(ALL_LDFLAGS) $(PKG_LIBS) -lm

fuzz-bins: $(FUZZ_BIN)
	@:

fuzz-build:
	$(Q)$(MAKE) --no-print-directory SAN=1 FUZZ=1 O=build/fuzz \
		CC=$(FUZZ_CC) fuzz-bins

fuzz: fuzz-build
	@BUILD="$(CURDIR)/build/fuzz" FUZZ_SECONDS="$(FUZZ_SECONDS)" \
		FUZZ_JOBS="$(FUZZ_JOBS)" tests/fuzz/run.sh $(T)

.PHONY: fuzz fuzz-build fuzz-bins
-include $(FUZZ_BIN:=.d)
