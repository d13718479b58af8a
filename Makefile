# redline's build: one Makefile for the whole tree (no recursion into
# directories); header dependencies come from the compiler (-MMD -MP).
#
#   make            build redline into $(BUILD)/
#   make test       install missing packages, build, run every test suite
#   make demo       install missing packages, run redline on the bundled example
#   make sanitize   the whole test suite again under ASan + UBSan
#   make fuzz       build the fuzz harnesses and run each for FUZZ_TIME seconds
#   make install    PREFIX=/usr/local DESTDIR= (staged installs honoured)
#   make clean
#
# CI=true turns warnings into errors.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
# Objects built by pattern chains (the fuzz harnesses') are kept, not
# deleted as intermediates and rebuilt on every run.
.SECONDARY:

BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR := $(PREFIX)/bin
LIBEXECDIR := $(PREFIX)/lib/redline
MANDIR := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR := $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR := $(PREFIX)/share/fish/vendor_completions.d

ifeq ($(origin CC),default)
CC := gcc
endif
FUZZ_CC ?= clang
PKG_CONFIG ?= pkg-config
FUZZ_TIME ?= 30

# Libraries, found through pkg-config. (Evaluated lazily: 'make test' runs
# the dependency script before a sub-make that compiles anything.) Those
# in DLOPEN_PKGS are not linked: redline loads them when a command first
# needs them (src/base/dynlib.h), so that no command pays for the start-up
# of libraries only another one uses; scripts/sonames names the files.
PKGS := jansson zlib libdw libprotobuf-c
DLOPEN_PKGS := libcmark openssl sqlite3 libpq
DLOPEN_LIBS := cmark ssl sqlite3 pq
pkg_cflags = $(shell $(PKG_CONFIG) --cflags $(PKGS) $(DLOPEN_PKGS) 2>/dev/null)
pkg_libs = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

OPTIMIZE ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wformat=2 -Wmissing-prototypes \
	-Wstrict-prototypes
ifeq ($(CI),true)
WARNINGS += -Werror
endif
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
endif

BASE_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPTIMIZE) $(WARNINGS) $(SAN_FLAGS)
SRC_CFLAGS = $(BASE_CFLAGS) -Isrc -I$(BUILD)/gen -include src/base/prelude.h \
	$(PKG_CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) -liberty -lm -ldl

# Computed once per make run (a ':=' here would run before the deps exist).
PKG_CFLAGS = $(eval PKG_CFLAGS := $(pkg_cflags))$(PKG_CFLAGS)
PKG_LIBS = $(eval PKG_LIBS := $(pkg_libs))$(PKG_LIBS)

# --- the program -----------------------------------------------------------

# Every module directory under src/ goes into the library; a directory
# whose code is not part of the redline binary (a preload library, say)
# is listed in NOT_LIB_DIRS and gets its own rules.
NOT_LIB_DIRS := src/mem/preload src/libexec
LIB_SRC := $(sort $(filter-out $(NOT_LIB_DIRS:%=%/%), $(wildcard src/*/*.c)))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/src/redline.o
LIB := $(BUILD)/libredline.a
REDLINE := $(BUILD)/redline

VERSION_BASE := 0.1.0
GIT_DESC := $(shell git describe --always --dirty --tags 2>/dev/null)
REDLINE_VERSION := $(VERSION_BASE)$(if $(GIT_DESC), ($(GIT_DESC)))
VERSION_H := $(BUILD)/gen/version.h
SONAMES_H := $(BUILD)/gen/sonames.h

PRELOAD := $(BUILD)/libredline-mem.so
ATTACH_LIB := $(BUILD)/libredline-mem-attach.so

all: $(REDLINE) $(PRELOAD) $(ATTACH_LIB) helpers fixtures examples docs

# --- man pages and shell completions ----------------------------------------
# Written by redline itself from its commands' option tables (the tables
# --help prints), so that neither can drift from the options.
MAN_STAMP := $(BUILD)/man/redline.1
COMPLETIONS := $(BUILD)/completions/redline.bash $(BUILD)/completions/_redline \
	$(BUILD)/completions/redline.fish

$(MAN_STAMP): $(REDLINE)
	@rm -rf $(BUILD)/man.tmp && mkdir -p $(BUILD)/man.tmp
	$(REDLINE) --generate man $(BUILD)/man.tmp
	@rm -rf $(BUILD)/man && mv $(BUILD)/man.tmp $(BUILD)/man

$(BUILD)/completions/redline.bash: $(REDLINE)
	@mkdir -p $(@D)
	$(REDLINE) --generate bash > $@.tmp && mv $@.tmp $@
$(BUILD)/completions/_redline: $(REDLINE)
	@mkdir -p $(@D)
	$(REDLINE) --generate zsh > $@.tmp && mv $@.tmp $@
$(BUILD)/completions/redline.fish: $(REDLINE)
	@mkdir -p $(@D)
	$(REDLINE) --generate fish > $@.tmp && mv $@.tmp $@

docs: $(MAN_STAMP) $(COMPLETIONS)

$(VERSION_H): FORCE
	@mkdir -p $(@D)
	@printf '#define REDLINE_VERSION "%s"\n' '$(REDLINE_VERSION)' > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi

$(SONAMES_H): scripts/sonames
	@mkdir -p $(@D)
	scripts/sonames $(CC) $(DLOPEN_LIBS) > $@.tmp && mv $@.tmp $@

# Code generated at build time: protoc-c turns the pprof schema into C,
# compiled into the library like any module (with the warnings that
# generated code cannot help relaxed).
PROTO := src/prof/profile.proto
GEN_PB_C := $(BUILD)/gen/prof/profile.pb-c.c
GEN_PB_H := $(BUILD)/gen/prof/profile.pb-c.h
GEN_OBJ := $(BUILD)/obj/gen/prof/profile.pb-c.o
GEN_CFLAGS = $(filter-out -Werror -Wmissing-prototypes -Wshadow,$(BASE_CFLAGS)) \
	-I$(BUILD)/gen $(PKG_CFLAGS)

$(GEN_PB_C) $(GEN_PB_H) &: $(PROTO)
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=src --c_out=$(BUILD)/gen $(PROTO)

$(GEN_OBJ): $(GEN_PB_C) $(GEN_PB_H)
	@mkdir -p $(@D)
	$(CC) $(GEN_CFLAGS) $(CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: %.c | $(VERSION_H) $(SONAMES_H) $(GEN_PB_H)
	@mkdir -p $(@D)
	$(CC) $(SRC_CFLAGS) $(CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJ) $(GEN_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(REDLINE): $(MAIN_OBJ) $(LIB)
	$(CC) $(BASE_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS_ALL)

# --- libredline-mem.so: the preload library of redline mem ------------------
# Loaded into the traced program, so built on its own: position independent,
# frame pointers (the stack walk starts from the interposer's own frame),
# initial-exec TLS (no allocation on first access), only its entry points
# exported, none of redline's library, and never sanitized (it interposes
# the allocator that the sanitizers replace). 'redline mem' looks for it
# beside the redline binary, then in ../lib/redline/ (where 'make install'
# puts it).

# With it, the self-contained part of the Python reader (the frame source
# of src/mem/preload/python.c reads the allocating thread's Python stack).
PY_INPROC_SRC := src/python/inproc.c src/python/lineiter.c src/python/layout.c \
	$(sort $(wildcard src/python/v3_*.c))
PRELOAD_SRC := $(sort $(wildcard src/mem/preload/*.c)) $(PY_INPROC_SRC)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/preload/%.o)
PRELOAD_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARNINGS) -Isrc -fPIC \
	-fvisibility=hidden -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-ftls-model=initial-exec -fno-builtin-malloc -fno-builtin-calloc \
	-fno-builtin-realloc -fno-builtin-free -MMD -MP

$(BUILD)/preload/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(PRELOAD_CFLAGS) -c -o $@ $<

$(PRELOAD): $(PRELOAD_OBJ)
	$(CC) -shared -Wl,-z,now -Wl,--no-undefined -o $@ $^ -lm

# The same sources with dynamic TLS: the library 'redline mem -p' loads into a
# running process with dlopen, which has no room for the large initial-exec TLS
# (src/mem/preload/attach.h).
ATTACH_OBJ := $(PRELOAD_SRC:%.c=$(BUILD)/preload-attach/%.o)
ATTACH_CFLAGS := $(filter-out -ftls-model=initial-exec,$(PRELOAD_CFLAGS)) \
	-ftls-model=global-dynamic -DPRELOAD_TLS_MODEL='"global-dynamic"'

$(BUILD)/preload-attach/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ATTACH_CFLAGS) -c -o $@ $<

$(ATTACH_LIB): $(ATTACH_OBJ)
	$(CC) -shared -Wl,-z,now -Wl,--no-undefined -o $@ $^ -lm

# --- helper programs redline runs (installed in LIBEXECDIR) ----------------
# calib-true: the static program 'redline calibrate' forks and execs. The
# build tree keeps it in $(BUILD)/lib/redline/, beside $(BUILD)/redline, where
# redline looks (and in ../lib/redline/ from its bin/ once installed).
# Never sanitized: its exec is what is measured.

HELPERS := $(BUILD)/lib/redline/calib-true
helpers: $(HELPERS)
$(BUILD)/lib/redline/calib-true: src/libexec/calib-true.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -O2 $(WARNINGS) -static -o $@ $<

# --- fixtures and examples: plain programs with known behaviour -------------
# Never sanitized: their memory and time are what the tests measure.

# tests/fixtures/libNAME.c are shared libraries (build/fixtures/libNAME.so).
FIXTURE_LIB_SRC := $(sort $(wildcard tests/fixtures/lib*.c))
FIXTURE_SRC := $(sort $(filter-out $(FIXTURE_LIB_SRC), $(wildcard tests/fixtures/*.c)))
FIXTURES := $(FIXTURE_SRC:tests/fixtures/%.c=$(BUILD)/fixtures/%) \
	$(FIXTURE_LIB_SRC:tests/fixtures/%.c=$(BUILD)/fixtures/%.so)
FIXTURE_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g $(WARNINGS)

FIXTURE_CXX_SRC := $(sort $(wildcard tests/fixtures/*.cc))
FIXTURES += $(FIXTURE_CXX_SRC:tests/fixtures/%.cc=$(BUILD)/fixtures/%)
CXX_FIXTURE_FLAGS := -std=c++17 -O2 -g -Wall -Wextra

# A statically linked long runner: what redline mem -p must refuse.
FIXTURES += $(BUILD)/fixtures/memattach-static
$(BUILD)/fixtures/memattach-static: tests/fixtures/memattach.c
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -static -o $@ $< -lpthread

fixtures: $(FIXTURES)
$(BUILD)/fixtures/%.so: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -fPIC -shared -o $@ $<
$(BUILD)/fixtures/%: tests/fixtures/%.c
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -o $@ $< -lm -lpthread
$(BUILD)/fixtures/%: tests/fixtures/%.cc
	@mkdir -p $(@D)
	$(CXX) $(CXX_FIXTURE_FLAGS) -o $@ $< -lpthread

# The profiling fixtures (tests/cli/3xx) need special builds: frame
# pointers explicitly off (split) and on (split-fp, jit: leaf functions
# included, as distributions that build with frame pointers do), C++
# (cxx), and a library that dlopen loads at run time (libspin.so, beside
# the program).
PROF_FIXTURES := $(BUILD)/fixtures/split-fp $(BUILD)/fixtures/cxx \
	$(BUILD)/fixtures/libspin.so
fixtures: $(PROF_FIXTURES)
$(BUILD)/fixtures/split: FIXTURE_CFLAGS += -fomit-frame-pointer
# GCC 12 leaves frame pointers out of leaf functions whatever the flags
# say; clang keeps them when told, once shrink-wrapping (which would set up
# the frame only after a function's hot loop) is off.
FP_CC ?= clang
FP_FLAGS := -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer \
	-mllvm -enable-shrink-wrap=false
$(BUILD)/fixtures/jit: tests/fixtures/jit.c tests/fixtures/spin.h
	@mkdir -p $(@D)
	$(FP_CC) $(FIXTURE_CFLAGS) $(FP_FLAGS) -o $@ $<
$(BUILD)/fixtures/split $(BUILD)/fixtures/inline $(BUILD)/fixtures/dlopen \
	$(BUILD)/fixtures/forkexec: tests/fixtures/spin.h
$(BUILD)/fixtures/split-fp: tests/fixtures/split.c tests/fixtures/spin.h
	@mkdir -p $(@D)
	$(FP_CC) $(FIXTURE_CFLAGS) $(FP_FLAGS) -o $@ $< -lpthread
$(BUILD)/fixtures/cxx: tests/fixtures/cxx.cc tests/fixtures/spin.h
	@mkdir -p $(@D)
	$(CXX) -std=c++17 -O2 -g -Wall -Wextra -o $@ $<
$(BUILD)/fixtures/libspin.so: tests/fixtures/lib/spinlib.c tests/fixtures/spin.h
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -shared -fPIC -o $@ $<
$(BUILD)/fixtures/dlopen $(BUILD)/fixtures/memfdlib: | $(BUILD)/fixtures/libspin.so
$(BUILD)/fixtures/memfdlib: tests/fixtures/spin.h
# plt calls libc's labs through its PLT: never as a builtin.
$(BUILD)/fixtures/plt: FIXTURE_CFLAGS += -fno-builtin
# A Google Benchmark program (tests/cli/640-import-results): Debian's
# libbenchmark-dev is the producer whose JSON redline imports.
$(BUILD)/fixtures/gbench: tests/fixtures/gbench.cc
	@mkdir -p $(@D)
	$(CXX) $(CXX_FIXTURE_FLAGS) -o $@ $< -lbenchmark -lpthread
# movehot twice: the hot spot moves from a() to b() (tests/cli/620-diff).
fixtures: $(BUILD)/fixtures/movehot-v2
$(BUILD)/fixtures/movehot: tests/fixtures/spin.h
$(BUILD)/fixtures/movehot-v2: tests/fixtures/movehot.c tests/fixtures/spin.h
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -DMOVEHOT_V2 -o $@ $<
$(BUILD)/fixtures/forkexec: | $(BUILD)/fixtures/split
$(BUILD)/fixtures/livesplit: tests/fixtures/spin.h

EXAMPLES := $(BUILD)/examples/dedup
examples: $(EXAMPLES)
$(BUILD)/examples/%: examples/%.c
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -o $@ $<

# --- tests -----------------------------------------------------------------

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

$(BUILD)/tests/unit/%: tests/unit/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes -Isrc -I$(BUILD)/gen \
		$(PKG_CFLAGS) $(CMOCKA_CFLAGS) -MMD -MP -o $@ $< $(UNIT_EXTRA) $(LIB) \
		$(CMOCKA_LIBS) $(LDLIBS_ALL)

# Test helpers: small programs that expose internals to the CLI tests;
# tests/helper/libNAME.c are shared libraries a test loads into a target.
TEST_HELPER_LIB_SRC := $(sort $(wildcard tests/helper/lib*.c))
TEST_HELPER_SRC := $(sort $(filter-out $(TEST_HELPER_LIB_SRC), $(wildcard tests/helper/*.c)))
TEST_HELPER_BIN := $(TEST_HELPER_SRC:tests/helper/%.c=$(BUILD)/tests/helper/%) \
	$(TEST_HELPER_LIB_SRC:tests/helper/%.c=$(BUILD)/tests/helper/%.so)

# libpyinproc.so carries the Python reader's self-contained part (the
# preload library's PY_INPROC_SRC) into a Python process for the tests.
# Never sanitized: they are loaded into programs that are not.
$(BUILD)/tests/helper/%.so: tests/helper/%.c $(PY_INPROC_SRC)
	@mkdir -p $(@D)
	$(CC) $(FIXTURE_CFLAGS) -Wno-missing-prototypes -fPIC -shared -Isrc -o $@ \
		$< $(PY_INPROC_SRC) -ldl

$(BUILD)/tests/helper/%: tests/helper/%.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes -Isrc -I$(BUILD)/gen \
		-include src/base/prelude.h $(PKG_CFLAGS) -MMD -MP -o $@ $< $(LIB) \
		$(LDLIBS_ALL)

test-helpers: $(TEST_HELPER_BIN)

# The preload library's stack walker is tested as it is built for the library.
UNWIND_OBJ := $(BUILD)/preload/src/mem/preload/unwind.o
$(BUILD)/tests/unit/test_unwind: $(UNWIND_OBJ)
$(BUILD)/tests/unit/test_unwind: UNIT_EXTRA = $(UNWIND_OBJ) -lpthread
# So are the sampling distances of redline mem --sample.
SAMPLER_OBJ := $(BUILD)/preload/src/mem/preload/sampler.o
$(BUILD)/tests/unit/test_sampler: $(SAMPLER_OBJ)
$(BUILD)/tests/unit/test_sampler: UNIT_EXTRA = $(SAMPLER_OBJ) -lm

check: $(REDLINE) $(PRELOAD) $(ATTACH_LIB) $(UNIT_BIN) $(TEST_HELPER_BIN) helpers fixtures examples docs \
	fuzz-build
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) tests/run-all

test:
	@scripts/install-deps
	@$(MAKE) --no-print-directory check

sanitize:
	@scripts/install-deps
	@$(MAKE) --no-print-directory BUILD=build/sanitize SANITIZE=1 check

# --- fuzzing ---------------------------------------------------------------
# libFuzzer harnesses, built with clang and ASan+UBSan. 'make check' replays
# each one's seed corpus (fuzz/corpus/NAME/) as a regression test;
# 'make fuzz' searches for FUZZ_TIME seconds per harness.

FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/fuzz/obj/%.o) $(BUILD)/fuzz/obj/gen/prof/profile.pb-c.o
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -Wall -Wextra

$(BUILD)/fuzz/obj/gen/prof/profile.pb-c.o: $(GEN_PB_C) $(GEN_PB_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(filter-out -Wall -Wextra,$(FUZZ_FLAGS)) -fsanitize=fuzzer-no-link \
		-I$(BUILD)/gen $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/fuzz/obj/%.o: %.c | $(VERSION_H) $(SONAMES_H) $(GEN_PB_H)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -Isrc -I$(BUILD)/gen \
		-include src/base/prelude.h $(PKG_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Isrc -I$(BUILD)/gen \
		$(PKG_CFLAGS) -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS_ALL)

# The sanitizer build replays nothing extra: the harnesses are sanitized anyway.
ifeq ($(SANITIZE),1)
fuzz-build:
else
fuzz-build: $(FUZZ_BIN)
endif

fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do \
		name=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus/$$name; \
		echo "fuzzing $$name for $(FUZZ_TIME) s"; \
		$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 \
			$(BUILD)/fuzz/corpus/$$name fuzz/corpus/$$name || exit 1; \
	done

# --- demo, install, clean --------------------------------------------------

demo:
	@scripts/install-deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) scripts/demo

install: $(REDLINE) $(PRELOAD) $(ATTACH_LIB) helpers docs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MANDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(REDLINE) $(DESTDIR)$(BINDIR)/redline
	install -m 755 $(HELPERS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 $(PRELOAD) $(DESTDIR)$(LIBEXECDIR)/libredline-mem.so
	install -m 644 $(ATTACH_LIB) $(DESTDIR)$(LIBEXECDIR)/libredline-mem-attach.so
	install -m 644 $(BUILD)/man/*.1 $(DESTDIR)$(MANDIR)/
	install -m 644 $(BUILD)/completions/redline.bash $(DESTDIR)$(BASHCOMPDIR)/redline
	install -m 644 $(BUILD)/completions/_redline $(DESTDIR)$(ZSHCOMPDIR)/_redline
	install -m 644 $(BUILD)/completions/redline.fish $(DESTDIR)$(FISHCOMPDIR)/redline.fish

clean:
	rm -rf $(BUILD) build/sanitize

.PHONY: all docs helpers test-helpers fixtures examples check test sanitize fuzz fuzz-build demo \
	install clean FORCE

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
