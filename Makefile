# evictsim — build, run and test.
# `make` builds ./evictsim; `make run` serves fixtures/; `make check` runs every test.
# Missing Debian packages are installed when root, otherwise the apt-get line is printed.

DEBS      := libmicrohttpd-dev libcjson-dev uthash-dev check libyaml-dev pkg-config
PKGS      := libmicrohttpd libcjson check yaml-0.1
CC        ?= cc
OPT       ?= -O2 -g
# Recursively expanded: evaluated after `deps` has installed pkg-config.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs libmicrohttpd libcjson yaml-0.1) -lpthread -lm
CHECK_LIBS = $(shell pkg-config --libs check)
# Every folder of model/ and server/ is on the include path: a file names a
# header by its basename wherever it lives.
SRC_DIRS   := $(sort $(patsubst %/,%,$(dir $(wildcard model/*.c model/*/*.c server/*.c))))
CFLAGS_ALL = -std=gnu11 $(OPT) -Wall -Wextra -Werror $(addprefix -I,$(SRC_DIRS)) \
             $(PKG_CFLAGS) $(EXTRA_CFLAGS)

MODEL_SRC  := $(sort $(wildcard model/*.c model/*/*.c))
SERVER_SRC := $(filter-out server/main.c,$(sort $(wildcard server/*.c)))
UNIT_SRC   := $(sort $(wildcard tests/unit/*.c))
BUILD      ?= build
LIB_OBJ    := $(patsubst %.c,$(BUILD)/%.o,$(MODEL_SRC) $(SERVER_SRC))
HDRS       := $(wildcard model/*.h model/*/*.h server/*.h)

.PHONY: all deps run check unit http clients asan bench fuzz clean
all: evictsim

deps:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "installing:$$missing"; \
	    (apt-get install -y -q $$missing || (apt-get update -q && apt-get install -y -q $$missing)) >/dev/null || exit 1; \
	  else echo "evictsim needs Debian packages; run as root:"; \
	    echo "  apt-get install -y$$missing"; exit 1; fi; fi

$(BUILD)/%.o: %.c $(HDRS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

evictsim: $(BUILD)/evictsim
	@if [ "$(BUILD)" = build ]; then cp $< $@.tmp && mv -f $@.tmp $@; fi

$(BUILD)/evictsim: $(LIB_OBJ) $(BUILD)/server/main.o
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(EXTRA_LDFLAGS)

$(BUILD)/tests/unit/suites.h: $(UNIT_SRC) | deps
	@mkdir -p $(dir $@)
	@grep -ho '^Suite \*[a-z_0-9]*_suite(void)' $(filter-out tests/unit/main.c,$(UNIT_SRC)) \
	  | sed 's/^Suite \*\(.*\)(void)/X(\1)/' > $@.tmp && mv $@.tmp $@

$(BUILD)/unit_tests: $(LIB_OBJ) $(patsubst %.c,$(BUILD)/%.o,$(UNIT_SRC))
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS) $(EXTRA_LDFLAGS)

$(BUILD)/tests/unit/main.o: $(BUILD)/tests/unit/suites.h
$(BUILD)/tests/unit/main.o: CFLAGS_ALL += -I$(BUILD)/tests/unit

run: evictsim
	./evictsim --kubeconfig evictsim.kubeconfig fixtures/

unit: $(BUILD)/unit_tests
	CK_FORK=no $(BUILD)/unit_tests

http: $(BUILD)/evictsim
	EVICTSIM=$(BUILD)/evictsim tests/run-node.sh tests/http

clients: $(BUILD)/evictsim
	EVICTSIM=$(BUILD)/evictsim tests/run-node.sh tests/clients

check: evictsim
	$(MAKE) unit
	$(MAKE) http
	$(MAKE) clients

asan:
	EVICTSIM_DOC_CACHE=0 EVICTSIM_DOC_CHECK=1 $(MAKE) BUILD=build/asan CC=clang OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  unit http clients

fuzz: | deps
	bash tests/fuzz/run.sh

bench: $(BUILD)/evictsim
	EVICTSIM=$(BUILD)/evictsim bash bench/run.sh

clean:
	rm -rf build evictsim evictsim.kubeconfig
