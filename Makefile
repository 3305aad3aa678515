# ukit: an io_uring HTTP server and load client.
#
#   make            build ./ukit-server, ./ukit-server-epoll and ./ukit-client
#   make run        install missing packages, build, start ./ukit-server 8000
#   make test       install missing packages, build, run every test (release and ASan+UBSan)
#   make asan       the sanitizer build, in build/asan/
#   V=1             show the commands
#
# llhttp is compiled from Debian's node-llhttp sources, in strict mode.

.DEFAULT_GOAL := all

CC ?= cc
FLAVOR ?= release
V ?= 0
Q := $(if $(filter 1,$(V)),,@)

LLHTTP_SRC := /usr/share/llhttp
LLHTTP_INC := /usr/share/include/llhttp

ifeq ($(FLAVOR),asan)
OPT := -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
BIN := build/asan
else
OPT := -O2
BIN := .
endif
OBJ := build/$(FLAVOR)

override CFLAGS += -std=gnu11 -D_GNU_SOURCE -g $(OPT) -pthread -Isrc -I$(LLHTTP_INC) \
	-Wall -Wextra -Werror -MMD -MP
override LDFLAGS += $(OPT) -pthread
LDLIBS := -luring -lcrypto

# what both servers and the client share
CORE_SRC := $(wildcard src/http/*.c src/util/*.c src/ws/*.c) \
	src/loop/rbuf.c src/loop/wheel.c src/loop/out.c
SERVER_SRC := $(filter-out src/server/main.c,$(wildcard src/server/*.c))
CLIENT_SRC := $(wildcard src/client/*.c)
LLHTTP_OBJ := $(OBJ)/llhttp/api.o $(OBJ)/llhttp/http.o $(OBJ)/llhttp/llhttp.o

obj = $(patsubst %.c,$(OBJ)/%.o,$(1))
CORE_OBJ := $(call obj,$(CORE_SRC)) $(LLHTTP_OBJ)
SERVER_OBJ := $(call obj,$(SERVER_SRC))

SERVER := $(BIN)/ukit-server
SERVER_EPOLL := $(BIN)/ukit-server-epoll
CLIENT := $(BIN)/ukit-client
BINARIES := $(SERVER) $(if $(wildcard src/loop/epoll.c),$(SERVER_EPOLL)) \
	$(if $(CLIENT_SRC),$(CLIENT))

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(OBJ)/tests/%,$(UNIT_SRC))
UNIT_SUPPORT := $(call obj,$(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c)))

TEST_TOOLS := build/no-io-uring

all: $(BINARIES)

$(SERVER): $(CORE_OBJ) $(SERVER_OBJ) $(call obj,src/server/main.c src/loop/uring.c)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(SERVER_EPOLL): $(CORE_OBJ) $(SERVER_OBJ) $(call obj,src/server/main.c src/loop/epoll.c)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(CLIENT): $(CORE_OBJ) $(call obj,$(CLIENT_SRC))
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lm

$(OBJ)/%.o: %.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

# third-party code: built as its authors ship it, warnings are theirs
$(OBJ)/llhttp/%.o: $(LLHTTP_SRC)/%.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -std=gnu11 -g $(OPT) -I$(LLHTTP_INC) -DLLHTTP_STRICT_MODE=1 -w -c -o $@ $<

# unit tests link the protocol code with a recording fake of the loop
$(OBJ)/tests/test_%: $(OBJ)/tests/unit/test_%.o $(UNIT_SUPPORT) $(CORE_OBJ) $(SERVER_OBJ) \
		$(call obj,$(filter-out src/client/main.c,$(CLIENT_SRC)))
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcriterion -lm

unit: $(UNIT_BIN) $(TEST_TOOLS)

# helpers the integration tests run
build/no-io-uring: tests/tools/no-io-uring.c
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $@")
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<

asan:
	$(Q)$(MAKE) --no-print-directory FLAVOR=asan all unit

# libFuzzer harnesses (clang): build/fuzz/<name>; `make fuzz FUZZ_TIME=60` runs
# each on a scratch corpus seeded from tests/fuzz/seeds/<name>
FUZZ_TIME ?= 20
FUZZERS := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

# what each harness links besides itself and llhttp
build/fuzz/fuzz_http_request: $(wildcard src/http/*.c src/ws/*.c)
build/fuzz/fuzz_conn: $(CORE_SRC) $(SERVER_SRC)
build/fuzz/fuzz_ws_frame: $(wildcard src/ws/*.c src/http/*.c)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard $(LLHTTP_SRC)/*.c)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-D_GNU_SOURCE -DLLHTTP_STRICT_MODE=1 -Isrc -I$(LLHTTP_INC) -w -o $@ $^ -lcrypto

fuzzers: $(FUZZERS)

fuzz: $(FUZZERS)
	$(Q)for f in $(FUZZERS); do n=$${f#build/fuzz/fuzz_}; mkdir -p build/fuzz/corpus-$$n; \
		$$f -max_total_time=$(FUZZ_TIME) -print_final_stats=1 -artifact_prefix=build/fuzz/ \
			build/fuzz/corpus-$$n \
			tests/fuzz/seeds/$$n || exit 1; done

deps:
	$(Q)tools/install-deps

run: deps
	$(Q)$(MAKE) --no-print-directory all
	exec ./ukit-server 8000

test: deps
	$(Q)$(MAKE) --no-print-directory all unit fuzzers
	$(Q)$(MAKE) --no-print-directory FLAVOR=asan all unit
	$(Q)tests/run

clean:
	rm -rf build ukit-server ukit-server-epoll ukit-client

.PHONY: all unit asan fuzzers fuzz deps run test clean

-include $(shell find build -name '*.d' 2>/dev/null)

# keep objects make would otherwise see as intermediate
.SECONDARY:
