# evictsim — build, run and test.
# `make` builds ./evictsim; `make run` serves fixtures/default.yaml; `make check` runs every test.
# Missing Debian packages are installed when root, otherwise the apt-get line is printed.

DEBS      := libmicrohttpd-dev libcjson-dev uthash-dev check libyaml-dev zlib1g-dev pkg-config \
             protobuf-c-compiler libprotobuf-c-dev python3-kubernetes python3-pytest
PKGS      := libmicrohttpd libcjson check yaml-0.1 zlib
CC        ?= cc
OPT       ?= -O2 -g
# Recursively expanded: evaluated after `deps` has installed pkg-config.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs libmicrohttpd libcjson yaml-0.1 zlib libprotobuf-c) -lpthread -lm
CHECK_LIBS = $(shell pkg-config --libs check)
# Every folder of model/ and server/ is on the include path: a file names a
# header by its basename wherever it lives.
SRC_DIRS   := $(sort $(patsubst %/,%,$(dir $(wildcard model/*.c model/*/*.c server/*.c server/*/*.c))))
CFLAGS_ALL = -std=gnu11 $(OPT) -Wall -Wextra -Werror $(addprefix -I,$(SRC_DIRS)) \
             $(PKG_CFLAGS) $(EXTRA_CFLAGS)

MODEL_SRC  := $(sort $(wildcard model/*.c model/*/*.c))
SERVER_SRC := $(filter-out server/main.c,$(sort $(wildcard server/*.c server/*/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
BUILD      ?= build
LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(MODEL_SRC) $(SERVER_SRC))
HDRS       := $(wildcard model/*.h model/*/*.h server/*.h server/*/*.h)
# The web view's files and the fixtures, embedded in the binary (server/ui.c).
UI_FILES   := $(sort $(wildcard server/ui/*.html server/ui/*.css server/ui/*.js server/ui/*.png)) \
              $(sort $(wildcard fixtures/*.yaml fixtures/lessons/*.yaml fixtures/scenarios/*.yaml \
                                fixtures/scenarios/clusters/*.yaml))
LIB_OBJ    += $(BUILD)/server/ui_assets.o
# Protobuf: the wire schema (proto/, upstream's generated.proto) compiled by
# protoc-c into build/pb/ (C sources, with a table of every message and the
# Go JSON shapes of proto/goshape.tsv). Generated C is the same for every build.
PROTOS     := $(sort $(shell find proto -name '*.proto'))
PB_DIR     := build/pb
PB_SRC     := $(patsubst proto/%.proto,$(PB_DIR)/%.pb-c.c,$(PROTOS)) $(PB_DIR)/pb_all.c
PB_OBJ     := $(patsubst $(PB_DIR)/%.c,$(BUILD)/pbo/%.o,$(PB_SRC))
LIB_OBJ    += $(PB_OBJ)
CFLAGS_ALL += -I$(PB_DIR) -Ulinux

# The man page is written by help2man from --help (docs/man); the helpers' and the
# install tests need groff (man page text) and Go (pytest and the Python client: DEBS).
DOC_DEBS  := help2man
TEST_DEBS := groff-base golang-go
PREFIX    ?= /usr/local
DESTDIR   ?=

.PHONY: all deps deps-doc deps-test pbgen run check unit http clients browser python asan bench fuzz clean help \
        man install uninstall install-test helpers
.PHONY: print-libs print-incs
all: evictsim ## build ./evictsim (the default)

help: ## list the targets
	@awk -F':.*## ' '/^[a-z][a-z_-]*:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

# $(call need_debs,PACKAGES): install the missing ones (as root) or print the apt-get line.
need_debs = @missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    (apt-get install -y -q $$missing || (apt-get update -q && apt-get install -y -q $$missing)) >/dev/null || exit 1; \
	  else echo "evictsim needs Debian packages; run as root:"; \
	    echo "  apt-get install -y$$missing"; exit 1; fi; fi

# The Debian packages are checked once, before the build (a stamp remembers
# it until the Makefile changes), not for every object.
DEPS_STAMP := build/.deps-ok
deps: $(DEPS_STAMP) ## install the Debian packages the build needs (as root), or name them
$(DEPS_STAMP): Makefile
	$(call need_debs,$(DEBS))
	@mkdir -p $(dir $@) && touch $@
deps-doc:
	$(call need_debs,$(DOC_DEBS))
deps-test:
	$(call need_debs,$(TEST_DEBS))

$(BUILD)/%.o: %.c $(HDRS) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(PB_DIR)/.stamp: $(PROTOS) proto/goshape.tsv proto/pb_all.sh | $(DEPS_STAMP)
	@rm -rf $(PB_DIR) && mkdir -p $(PB_DIR)
	protoc-c -Iproto --c_out=$(PB_DIR) $(PROTOS) 2>$(PB_DIR)/protoc.log || { cat $(PB_DIR)/protoc.log; exit 1; }
	sh proto/pb_all.sh $(PB_DIR) > $(PB_DIR)/pb_all.c
	@touch $@
$(PB_SRC): $(PB_DIR)/.stamp
pbgen: $(PB_DIR)/.stamp
$(BUILD)/pbo/%.o: $(PB_DIR)/%.c $(PB_DIR)/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@
$(patsubst %.c,$(BUILD)/%.o,$(wildcard server/*.c server/*/*.c)): $(PB_DIR)/.stamp

$(BUILD)/server/ui_assets.c: $(UI_FILES) server/ui/embed.sh
	@mkdir -p $(dir $@)
	sh server/ui/embed.sh $@ $(UI_FILES)

$(BUILD)/server/ui_assets.o: $(BUILD)/server/ui_assets.c server/ui.h | $(DEPS_STAMP)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

evictsim: $(BUILD)/evictsim
	@if [ "$(BUILD)" = build ]; then cp $< $@.tmp && mv -f $@.tmp $@; fi

$(BUILD)/evictsim: $(LIB_OBJ) $(BUILD)/server/main.o
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(EXTRA_LDFLAGS)

# --help's text is docs/man/help.txt, made a C string here (one source with the man page).
$(BUILD)/gen/help.h: docs/man/help.txt
	@mkdir -p $(dir $@)
	@{ echo '/* Generated from docs/man/help.txt by the Makefile: edit that file. */'; \
	   echo 'static const char evictsim_help[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' $<; echo ';'; } > $@.tmp && mv $@.tmp $@
$(BUILD)/server/main.o: $(BUILD)/gen/help.h
$(BUILD)/server/main.o: CFLAGS_ALL += -I$(BUILD)/gen

# evictsim(1): help2man runs the binary's --help and --version and adds docs/man/evictsim.h2m.
$(BUILD)/evictsim.1: $(BUILD)/evictsim docs/man/evictsim.h2m | deps-doc
	help2man -N -s 1 -m 'User Commands' -i docs/man/evictsim.h2m -o $@.tmp $(BUILD)/evictsim \
	  && mv $@.tmp $@
man: $(BUILD)/evictsim.1 ## write the man page, build/evictsim.1, from --help and docs/man

$(BUILD)/tests/unit/suites.h: $(UNIT_SRC) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	@grep -ho '^Suite \*[a-z_0-9]*_suite(void)' $(filter-out tests/unit/main.c,$(UNIT_SRC)) \
	  | sed 's/^Suite \*\(.*\)(void)/X(\1)/' > $@.tmp && mv $@.tmp $@

$(BUILD)/unit_tests: $(LIB_OBJ) $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC))
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) $(EXTRA_LDFLAGS)

$(BUILD)/tests/unit/main.o: $(BUILD)/tests/unit/suites.h
$(BUILD)/tests/unit/main.o: CFLAGS_ALL += -I$(BUILD)/tests/unit

run: evictsim ## build and serve fixtures/default.yaml on http://127.0.0.1:8080
	./evictsim --kubeconfig evictsim.kubeconfig fixtures/default.yaml

unit: $(BUILD)/unit_tests ## the Check unit tests
	CK_FORK=no $(BUILD)/unit_tests

# the Node suites' npm packages (client-node, protobufjs), installed once per lock file
NODE_DEPS := tests/clients/node_modules/.package-lock.json
$(NODE_DEPS): tests/clients/package-lock.json
	cd tests/clients && npm ci --no-audit --no-fund
	@touch $@

http: $(BUILD)/evictsim $(NODE_DEPS) ## HTTP tests against a started server (Node)
	EVICTSIM=$(BUILD)/evictsim tests/run-node.sh tests/http

clients: $(BUILD)/evictsim $(NODE_DEPS) ## real kubectl 1.27-1.33 and client-node tests
	EVICTSIM=$(BUILD)/evictsim tests/run-node.sh tests/clients

# The web view in Debian's chromium via playwright-core (tests/browser/), and
# the page script's unit tests; installs chromium (root) and the npm deps.
browser: $(BUILD)/evictsim ## the web view in chromium (playwright-core), its script's unit tests
	@command -v chromium >/dev/null 2>&1 || dpkg -s chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then echo "installing: chromium"; \
	    (apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)) >/dev/null; \
	  else echo "the browser tests need chromium; run as root: apt-get install -y chromium"; fi; }
	@[ tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json ] || (cd tests/browser && npm ci --no-audit --no-fund)
	EVICTSIM=$(BUILD)/evictsim tests/run-node.sh tests/browser

python: $(BUILD)/evictsim | $(DEPS_STAMP) ## the Python client (python3-kubernetes) tests
	EVICTSIM=$(BUILD)/evictsim tests/run-python.sh tests/python

check: evictsim ## every test: unit, http, clients, browser, python, install-test, helpers
	$(MAKE) unit
	$(MAKE) http
	$(MAKE) clients
	$(MAKE) browser
	$(MAKE) python
	$(MAKE) install-test
	$(MAKE) helpers

# The test helpers' own tests (helpers/): Go (Debian's golang-go, nothing fetched), Python
# (tests/run-python.sh: Debian's python3 with pytest and the kubernetes client) and Node.
GOENV   = GOPROXY=off GOFLAGS=-count=1 GOCACHE=$(abspath $(BUILD))/go/cache GOPATH=$(abspath $(BUILD))/go/path
helpers: $(BUILD)/evictsim | deps-test $(DEPS_STAMP) ## the Go, Python and Node test helpers' own tests
	cd helpers/go && EVICTSIM=$(abspath $(BUILD)/evictsim) $(GOENV) go test ./...
	EVICTSIM=$(abspath $(BUILD)/evictsim) tests/run-python.sh helpers/python
	EVICTSIM=$(BUILD)/evictsim tests/run-node.sh tests/helpers

# The binary, the man page and the fixtures (share/evictsim: the default cluster, lessons,
# scenarios); evictsim finds them from its own location (docs/man/evictsim.h2m, FILES).
install: $(BUILD)/evictsim $(BUILD)/evictsim.1 ## install under PREFIX (/usr/local), staged under DESTDIR
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/evictsim
	install -m 755 $(BUILD)/evictsim $(DESTDIR)$(PREFIX)/bin/evictsim
	install -m 644 $(BUILD)/evictsim.1 $(DESTDIR)$(PREFIX)/share/man/man1/evictsim.1
	cp -R fixtures/. $(DESTDIR)$(PREFIX)/share/evictsim/
	install -d $(DESTDIR)$(PREFIX)/share/evictsim/helpers/go $(DESTDIR)$(PREFIX)/share/evictsim/helpers/node \
	  $(DESTDIR)$(PREFIX)/share/evictsim/helpers/python/evictsimtest
	install -m 644 helpers/go/go.mod helpers/go/evictsimtest.go $(DESTDIR)$(PREFIX)/share/evictsim/helpers/go/
	install -m 644 helpers/node/evictsim.mjs $(DESTDIR)$(PREFIX)/share/evictsim/helpers/node/
	install -m 644 helpers/python/evictsimtest/*.py $(DESTDIR)$(PREFIX)/share/evictsim/helpers/python/evictsimtest/

uninstall: ## remove what make install wrote (same PREFIX and DESTDIR)
	rm -f $(DESTDIR)$(PREFIX)/bin/evictsim $(DESTDIR)$(PREFIX)/share/man/man1/evictsim.1
	rm -rf $(DESTDIR)$(PREFIX)/share/evictsim

# Installs into a temporary DESTDIR, runs the installed binary, compares --help with the man page.
install-test: $(BUILD)/evictsim $(BUILD)/evictsim.1 | deps-test ## install into a temporary DESTDIR and test that
	EVICTSIM=$(BUILD)/evictsim EVICTSIM_BUILD=$(BUILD) tests/run-node.sh tests/install

asan: ## every suite again under AddressSanitizer and UBSan (clang)
	EVICTSIM_DOC_CACHE=0 EVICTSIM_DOC_CHECK=1 $(MAKE) BUILD=build/asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  unit http clients python

fuzz: | $(DEPS_STAMP) ## a short run of every libFuzzer target
	bash tests/fuzz/run.sh

bench: $(BUILD)/evictsim ## the performance targets (timings live here, not in check)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || \
	  { echo "make bench needs wrk; run as root: apt-get install -y wrk"; exit 1; }
	EVICTSIM=$(BUILD)/evictsim bash bench/run.sh

# For scripts that build against the same objects (bench/run.sh, tests/fuzz/run.sh):
# the libraries to link and the include flags, in one place.
print-libs:
	@echo $(PKG_LIBS)
print-incs:
	@echo $(filter -I% -U% -D% -pthread,$(CFLAGS_ALL))

clean: ## remove build/ and what make run wrote
	rm -rf build evictsim evictsim.kubeconfig
