# digest: build, test, bench, install.
#
#   make                  bin/digest
#   make test             unit tests (cmocka) and CLI tests against real servers
#   make SAN=1 test       the same, built with ASan + UBSan (in build/san/)
#   make bench            benchmarks that print figures
#   make install          PREFIX=/usr/local, DESTDIR for staging
#   make CC=clang         any C11 compiler; warnings are errors with gcc and clang

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
DATADIR = $(PREFIX)/share/digest

PKGS = libcurl libetpan jansson uuid libxml-2.0 libmicrohttpd sqlite3 libidn2
# libetpan.pc's Libs carry -specs=no-pie-link.specs (non-PIE binaries) and
# overlinking, so it is linked by name (see ../shared/deps.md).
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs libcurl jansson uuid libxml-2.0 libmicrohttpd sqlite3 libidn2 2>/dev/null) -letpan \
	-lunistring -lresolv

CFLAGS ?= -O2 -g
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wvla -Wformat=2 -Wno-format-nonliteral
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -Idigest -Isubscribers \
	$(PKG_CFLAGS) -DDIGEST_VERSION='"$(VERSION)"' -DDIGEST_DATADIR='"$(DATADIR)"' \
	-MMD -MP
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

test: build-tests
	@DIGEST="$(CURDIR)/$(DIGEST_BIN)" BUILD="$(CURDIR)/$(O)" SAN="$(SAN)" \
		tests/run.sh $(T)

bench: $(DIGEST_BIN) $(BENCH_BIN)
	@DIGEST="$(CURDIR)/$(DIGEST_BIN)" BUILD="$(CURDIR)/$(O)" bench/run.sh $(B)

install: $(DIGEST_BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/samples
	install -m 755 $(DIGEST_BIN) $(DESTDIR)$(BINDIR)/digest
	install -m 644 samples/* $(DESTDIR)$(DATADIR)/samples/
	if [ -n "$$(ls templates 2>/dev/null)" ]; then \
		install -d $(DESTDIR)$(DATADIR)/templates && \
		install -m 644 templates/* $(DESTDIR)$(DATADIR)/templates/; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/digest
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build bin

.PHONY: all test build-tests build-all bench install uninstall clean
.SECONDARY:

-include $(LIB_OBJ:.o=.d) $(CMD_OBJ:.o=.d)

# ---- fuzzing (issue 6) ------------------------------------------------
#
#   make fuzz-build            libFuzzer targets in build/fuzz/fuzz/
#   make fuzz FUZZ_SECONDS=N   runs each target N seconds on its corpus
#   make fuzz T="addr date"    only those targets
#   tests/fuzz/seed.sh         rebuilds the seeds from tests/data, templates
#
# The targets are clang-only: the library is built again by the SAN=1
# machinery above into its own O=build/fuzz, with the fuzzer's coverage
# hooks added (fuzzer-no-link), and each tests/fuzz/fuzz_<name>.c links
# libFuzzer's main. New inputs go to a scratch directory outside the
# repository; tests/fuzz/corpus/ grows only by hand (regress-* cases).
FUZZ_SECONDS ?= 60
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
		tests/fuzz/run.sh $(T)

.PHONY: fuzz fuzz-build fuzz-bins
-include $(FUZZ_BIN:=.d)
