# partnerd - plain GNU Makefile.  `make` builds build/partnerd and build/partnerctl from one
# static library; `make run` and `make test` install missing Debian packages first.
# `make sanitize` builds the same under ASan+UBSan into build/san/.

BUILD   ?= build
CC      ?= cc
PKGS    := libevent libevent_pthreads libevent_openssl openssl libcurl jansson sqlite3 libsodium libutf8proc libpq opencc
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith -Wundef
OPT     ?= -O2 -g
override CFLAGS := $(OPT) $(EXTRA_CFLAGS) -std=c11 -D_GNU_SOURCE -pthread -fno-common $(WARN) $(SANFLAGS) \
           -Isrc/core -Isrc/store -Isrc/http -Isrc/api -Isrc/cli \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer

LIB_SRC := $(wildcard src/core/*.c src/store/*.c src/http/*.c src/api/*.c src/cli/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations_sqlite.o $(BUILD)/obj/gen/data.o \
           $(BUILD)/obj/gen/web.o $(BUILD)/obj/gen/migrations_pg.o $(BUILD)/obj/gen/pinyin.o
MIGRATIONS := $(sort $(wildcard src/store/migrations/sqlite/*.sql))
PG_MIGRATIONS := $(sort $(wildcard src/store/migrations/pg/*.sql))
UNIT_SRC := $(wildcard tests/unit/*.c)

.PHONY: all run test test-run unit api e2e sanitize clean deps deps-test format lint docs bench fuzz fuzz-build soak \
	install test-package test-ha
all: $(BUILD)/partnerd $(BUILD)/partnerctl

$(BUILD)/libpartnerd.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && $(AR) rcs $@ $^ # anew: a member of a deleted source must not linger in the archive

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/migrations_sqlite.c: $(MIGRATIONS) tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh pd_sqlite_migrations $(MIGRATIONS) > $@

$(BUILD)/gen/migrations_pg.c: $(PG_MIGRATIONS) tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh pd_pg_migrations $(PG_MIGRATIONS) > $@

$(BUILD)/gen/data.c: data/catalog.json tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh pd_data_files data/catalog.json > $@

# The pinyin readings of Han characters (src/core/pinyin.c), from Unihan (Debian's unicode-data).
UNIHAN := $(firstword $(wildcard /usr/share/unicode/Unihan_Readings.txt /usr/share/unicode/Unihan_Readings.txt.bz2) \
	    /usr/share/unicode/Unihan_Readings.txt)
$(BUILD)/gen/pinyin.c: $(UNIHAN) tools/pinyin.sh
	@mkdir -p $(@D)
	sh tools/pinyin.sh $(UNIHAN:.bz2=) > $@.tmp && mv $@.tmp $@

# The portal: web/ is flat (base names are the URLs under /assets/).
WEB := $(sort $(wildcard web/*))
$(BUILD)/gen/web.c: $(WEB) tools/embed.sh
	@mkdir -p $(@D)
	sh tools/embed.sh pd_web_files $(WEB) > $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/partnerd: $(BUILD)/obj/src/bin/partnerd.o $(BUILD)/obj/src/bin/settings.o $(BUILD)/libpartnerd.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/partnerctl: $(BUILD)/obj/src/bin/partnerctl.o $(BUILD)/libpartnerd.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# partnerctl's man page and bash completion, generated from its own help tables; partnerd's
# man page from its settings table (src/bin/settings.c).
all: $(BUILD)/partnerctl.1 $(BUILD)/partnerctl.bash $(BUILD)/partnerd.8
$(BUILD)/partnerd.8: $(BUILD)/partnerd
	./$< --man > $@
$(BUILD)/partnerctl.1: $(BUILD)/partnerctl
	./$< --man > $@
$(BUILD)/partnerctl.bash: $(BUILD)/partnerctl
	./$< completion bash > $@

# Test only: the LD_PRELOAD shim that makes disk writes fail on demand (tests/api/test_faults.py).
$(BUILD)/faultfs.so: tests/fault/faultfs.c
	$(CC) -O2 -g -Wall -Wextra -Werror -shared -fPIC $< -o $@ -ldl

$(BUILD)/unit: $(UNIT_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libpartnerd.a
	$(CC) $(CFLAGS) $^ -o $@ $(LDLIBS) -lcriterion

deps:
	@sh tools/deps.sh run
deps-test:
	@sh tools/deps.sh test

run: deps
	@$(MAKE) --no-print-directory all
	./$(BUILD)/partnerd serve

sanitize:
	@$(MAKE) --no-print-directory BUILD=build/san SANFLAGS="$(SAN)" OPT="-O1 -g" all build/san/unit build/san/faultfs.so

unit: $(BUILD)/unit
	./$(BUILD)/unit --jobs 2

api: all $(BUILD)/faultfs.so
	PARTNERD_BIN=$(BUILD)/partnerd FAULTFS=$(BUILD)/faultfs.so pytest-3 -q tests/api

# The portal in Debian's chromium (tests/e2e); screenshots go to build/screenshots/.
tests/e2e/node_modules/.package-lock.json: tests/e2e/package-lock.json
	cd tests/e2e && npm ci --no-audit --no-fund --loglevel=error

e2e: all tests/e2e/node_modules/.package-lock.json
	PARTNERD_BIN=$(BUILD)/partnerd node --test --test-concurrency=1 tests/e2e/portal.test.js tests/e2e/portal2.test.js tests/e2e/webhooks.test.js

# Every test, on the normal build and again on the sanitizer build; the store tests and the
# API tests also on PostgreSQL, in a throwaway cluster that tests/pg/with-postgres.sh starts
# for the run and removes afterwards.
test: deps-test
	@$(MAKE) --no-print-directory all $(BUILD)/unit $(BUILD)/faultfs.so
	sh tests/pg/with-postgres.sh $(MAKE) --no-print-directory test-run

test-run:
	./$(BUILD)/unit --jobs 2
	PARTNERD_TEST_DB=postgresql ./$(BUILD)/unit --jobs 2 --filter 'store/*'
	PARTNERD_BIN=$(BUILD)/partnerd FAULTFS=$(BUILD)/faultfs.so pytest-3 -q tests/api
	PARTNERD_TEST_DB=postgresql PARTNERD_BIN=$(BUILD)/partnerd FAULTFS=$(BUILD)/faultfs.so pytest-3 -q tests/api
	PARTNERCTL_BIN=$(BUILD)/partnerctl PARTNERD_BIN=$(BUILD)/partnerd pytest-3 -q tests/cli
	@$(MAKE) --no-print-directory e2e
	@$(MAKE) --no-print-directory sanitize
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 ./build/san/unit --jobs 2
	PARTNERD_TEST_DB=postgresql ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 ./build/san/unit --jobs 2 --filter 'store/*'
	PARTNERD_BIN=build/san/partnerd FAULTFS=build/san/faultfs.so PARTNERD_SANITIZED=1 pytest-3 -q tests/api
	PARTNERD_TEST_DB=postgresql PARTNERD_BIN=build/san/partnerd FAULTFS=build/san/faultfs.so PARTNERD_SANITIZED=1 pytest-3 -q tests/api
	PARTNERCTL_BIN=build/san/partnerctl PARTNERD_BIN=build/san/partnerd PARTNERD_SANITIZED=1 pytest-3 -q tests/cli

# The benchmark (bench/README.md): not part of `make test`; at most 10 minutes.
# BENCH_CUSTOMERS=100000 for a quick run.
# The seeded stores are kept in build/bench/ for the next run (BENCH_FRESH=1 seeds anew).
bench:
	@sh tools/deps.sh bench
	@$(MAKE) --no-print-directory all $(BUILD)/sqlite_ref $(BUILD)/evhttp_ref $(BUILD)/h2o_ref
	PARTNERD_BIN=$(BUILD)/partnerd SQLITE_REF_BIN=$(BUILD)/sqlite_ref EVHTTP_REF_BIN=$(BUILD)/evhttp_ref \
	  H2O_REF_BIN=$(BUILD)/h2o_ref \
	  timeout 1800 python3 bench/$(if $(filter postgresql,$(BENCH_DB)),run-pg,run)

# The benchmark's reference for durable creates: a plain SQLite loop (bench/sqlite_ref.c).
$(BUILD)/sqlite_ref: bench/sqlite_ref.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lsqlite3

# The reference for partnerd's HTTP library: evhttp alone serving the GET's bytes (bench/evhttp_ref.c).
$(BUILD)/evhttp_ref: bench/evhttp_ref.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -levent_pthreads -levent -pthread

# The reference for the library partnerd could move to: libh2o alone, the same bytes (bench/h2o_ref.c).
$(BUILD)/h2o_ref: bench/h2o_ref.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $< -o $@ -lh2o-evloop -lssl -lcrypto -pthread

# The failover tests (tests/ha, issue 20): per test a pg_auto_failover formation (monitor,
# primary, synchronous standby) on loopback ports, started and removed by tests/ha/cluster.py,
# and partnerd on its multi-host URL; the primary is killed, then hung.  About a minute.
# .ci/run calls it after `make test-package`.
test-ha:
	@sh tools/deps.sh test
	@$(MAKE) --no-print-directory all
	PARTNERD_BIN=$(BUILD)/partnerd timeout 900 pytest-3 -q tests/ha

# libFuzzer targets (tests/fuzz/README.md): clang, ASan+UBSan, into build/fuzz/.  `make fuzz`
# runs each for FUZZ_SECONDS (default 60), FUZZ_JOBS (default 2) at a time, from its seed corpus.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SAN := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 2
fuzz-build:
	@sh tools/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang SANFLAGS="$(FUZZ_SAN)" OPT="-O1 -g" \
		$(FUZZ_TARGETS:%=build/fuzz/%)
$(BUILD)/fuzz_%: $(BUILD)/obj/tests/fuzz/fuzz_%.o $(BUILD)/obj/tests/fuzz/harness.o $(BUILD)/libpartnerd.a
	$(CC) $(CFLAGS) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)
.SECONDARY: $(FUZZ_TARGETS:%=build/fuzz/obj/tests/fuzz/%.o)
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# The soak test (issue 9): a steady mixed load on loopback, SOAK_SECONDS (default 600) long;
# PASS/FAIL for errors, memory and fd growth and p99 drift.  Not part of `make test`.
SOAK_SECONDS ?= 600
soak: all
	SOAK_SECONDS=$(SOAK_SECONDS) PARTNERD_BIN=$(BUILD)/partnerd python3 bench/soak

# `make install` (PREFIX=/usr/local, DESTDIR for staging): the two programs, their manual
# pages, partnerctl's bash completion, the systemd unit (packaging/partnerd.service.in with
# the installed paths) and /etc/default/partnerd (kept when it exists).  debian/rules calls it.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSCONFDIR ?= /etc
$(BUILD)/partnerd.service: packaging/partnerd.service.in
	sed 's|@SBINDIR@|$(SBINDIR)|g' $< > $@
install: all $(BUILD)/partnerd.service
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(COMPLETIONDIR) $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSCONFDIR)/default
	install -m 755 $(BUILD)/partnerd $(DESTDIR)$(SBINDIR)/partnerd
	install -m 755 $(BUILD)/partnerctl $(DESTDIR)$(BINDIR)/partnerctl
	install -m 644 $(BUILD)/partnerd.8 $(DESTDIR)$(MANDIR)/man8/partnerd.8
	install -m 644 $(BUILD)/partnerctl.1 $(DESTDIR)$(MANDIR)/man1/partnerctl.1
	install -m 644 $(BUILD)/partnerctl.bash $(DESTDIR)$(COMPLETIONDIR)/partnerctl
	install -m 644 $(BUILD)/partnerd.service $(DESTDIR)$(SYSTEMDUNITDIR)/partnerd.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/default/partnerd ] || \
		install -m 644 packaging/partnerd.default $(DESTDIR)$(SYSCONFDIR)/default/partnerd

# The Debian package, built in a scratch copy of the tree (build/package/), checked by
# lintian and systemd-analyze, unpacked into a scratch root and started from there with an
# /etc/default/partnerd-style file (tests/package/run.sh).  .ci/run calls it after `make test`.
test-package:
	@sh tools/deps.sh pkg
	sh tests/package/run.sh

# Documents generated from the code (a test fails when they are stale).
docs: $(BUILD)/partnerd
	./$(BUILD)/partnerd permissions --markdown > docs/permissions.md
	./$(BUILD)/partnerd --settings-markdown > $(BUILD)/settings.md
	awk -v table=$(BUILD)/settings.md '/<!-- settings: begin/ { print; while ((getline l < table) > 0) print l; skip = 1; next } \
		/<!-- settings: end/ { skip = 0 } !skip' README.md > $(BUILD)/README.md && mv $(BUILD)/README.md README.md

format:
	clang-format -i $(LIB_SRC) src/bin/*.c $(UNIT_SRC)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--suppress=missingIncludeSystem -Isrc/core -Isrc/store -Isrc/http -Isrc/api -Isrc/cli src

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
