# bulkhead - see README.md.  `make` builds build/bulkhead; `make check` runs
# every test; `make demo` boots it under QEMU; `make bench` prints figures.

VERSION   := 0.1
BUILD     := build
CC        := gcc
FUZZ_CC   := clang-14
CFLAGS    ?= -O2 -g
WARN      := -std=gnu11 -Wall -Wextra -Werror
CPPFLAGS  += -I. -D_GNU_SOURCE -DBULKHEAD_VERSION='"$(VERSION)"'
SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Debian packages: to build, to test, to boot under QEMU.
DEPS_BUILD := gcc make pkg-config libxen-dev libkmod-dev libcairo2-dev libfreetype-dev \
	libevdev-dev libdrm-dev libxkbcommon-dev fonts-dejavu-core xkb-data libdevmapper-dev \
	libvterm-dev libcryptsetup-dev libblkid-dev
DEPS_TEST  := libcmocka-dev clang-14 libclang-rt-14-dev util-linux procps python3 nftables
DEPS_QEMU  := qemu-system-x86 linux-image-amd64 busybox-static cpio kmod socat \
	xen-hypervisor-4.17-amd64 xen-utils-4.17 cryptsetup-bin e2fsprogs python3-cryptography
# `make bench' only: what it compares bulkhead's volumes with.
DEPS_BENCH := lvm2

# Evaluated when used, so that a fresh machine gets the flags after `deps'.
PKGS       := xlutil xenlight xentoollog libkmod cairo freetype2 libevdev libdrm xkbcommon \
	xenvchan xengnttab xenstore devmapper vterm libcryptsetup blkid
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm

MODULES := lib/log lib/log_xtl lib/escape lib/util lib/secret \
	config/cfgfile config/service_config config/sysconfig config/firewall_rules config/domain_config config/domains \
	config/check \
	supervisor/depgraph supervisor/policy supervisor/supervisor supervisor/spawn \
	supervisor/ctlproto supervisor/control \
	config/disks_config init/blockdev init/askpass_console init/unlock init/rootfs \
	init/mounts init/harden init/modules init/emergency init/xen init/init \
	config/storage_config domains/volumes domains/dm domains/loopdev domains/storage \
	domains/hotplug domains/dispvm domains/agentwatch \
	domains/build domains/netconf domains/reload domains/libxllog \
	domains/lifecycle domains/lc_net domains/lc_disposables domains/lc_adopt domains/lc_ctl domains/lc_reload domains/persist domains/xs_agents domains/xl domains/manager \
	agent/agentproto agent/guestxs agent/terminal agent/agent agent/firewall_nft agent/firewall_role \
	agent/firewall \
	gui/guiproto gui/transport_local gui/transport_vchan gui/guiclient gui/font gui/demo \
	input/bindings config/desktop_config \
	drm-compositor/layout drm-compositor/render drm-compositor/desktop drm-compositor/client drm-compositor/domstatus \
	drm-compositor/launcher \
	drm-compositor/output_headless drm-compositor/output_drm drm-compositor/compositor \
	drm-compositor/askpass_screen \
	input/evdev input/keymap input/textline \
	ctl/ctl
UNIT_TESTS := test_policy test_depgraph test_supervisor test_ctlproto test_config test_control \
	test_domains test_build test_volumes test_guiproto test_desktop test_render test_dispvm \
	test_agentproto test_domstatus test_terminal test_disks test_askpass test_blockdev \
	test_firewall test_client test_guiclient test_log test_harden test_storage test_agentwatch \
	test_reload test_libxllog test_lifecycle
FUZZERS    := fuzz_ctlproto fuzz_guiproto fuzz_agentproto fuzz_firewall fuzz_firewall_role \
	fuzz_guistream fuzz_guisession
# Root, in network namespaces: the firewall's tables on real nftables.
NET_TESTS  := test_firewall_net

OBJS      = $(MODULES:%=$(BUILD)/obj/%.o)
ASAN_OBJS = $(MODULES:%=$(BUILD)/asan/%.o)
HEADERS  := $(wildcard */*.h)
# The tests' own: cmocka's order, the fakes.
TEST_HEADERS := $(wildcard tests/*.h tests/unit/*.h)

.PHONY: all deps check check-unit check-asan check-fuzz check-host check-gui check-net \
	check-linux check-xen check-xen-storage check-xen-drivers \
	demo bench clean unit-bins asan-bins fuzz-bins net-bins
all: $(BUILD)/bulkhead

deps:
	@scripts/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_QEMU)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libbulkhead.a: $(OBJS)
	ar rcs $@ $^

$(BUILD)/libbulkhead-asan.a: $(ASAN_OBJS)
	ar rcs $@ $^

$(BUILD)/bulkhead: $(BUILD)/obj/bulkhead.o $(BUILD)/libbulkhead.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/unit/%: tests/unit/%.c $(TEST_HEADERS) $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libbulkhead.a \
		$(PKG_LIBS) -lcmocka

$(BUILD)/net/%: tests/net/%.c $(TEST_HEADERS) $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libbulkhead.a \
		$(PKG_LIBS) -lcmocka

$(BUILD)/unit-asan/%: tests/unit/%.c $(TEST_HEADERS) $(BUILD)/libbulkhead-asan.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) $(PKG_CFLAGS) -o $@ $< \
		$(BUILD)/libbulkhead-asan.a $(PKG_LIBS) -lcmocka

# The decoders a fuzzer exercises, and what they need: no libraries.
FUZZ_SRCS := supervisor/ctlproto.c gui/guiproto.c agent/agentproto.c lib/util.c \
	config/firewall_rules.c agent/firewall_nft.c agent/firewall_role.c lib/log.c lib/escape.c

# A domain's channel in dom0 against the desktop: their code too, and
# libevdev for the key names the default bindings use.
$(BUILD)/fuzz/fuzz_guisession: FUZZ_EXTRA = drm-compositor/client.c drm-compositor/desktop.c \
	drm-compositor/layout.c input/bindings.c
$(BUILD)/fuzz/fuzz_guisession: FUZZ_LIBS = $(shell pkg-config --cflags --libs libevdev)

$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_SRCS) $(HEADERS) $(TEST_HEADERS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(WARN) -O1 -g -fsanitize=fuzzer,address,undefined $(CPPFLAGS) -o $@ $< \
		$(FUZZ_SRCS) $(FUZZ_EXTRA) $(FUZZ_LIBS)

unit-bins: $(UNIT_TESTS:%=$(BUILD)/unit/%)
asan-bins: $(UNIT_TESTS:%=$(BUILD)/unit-asan/%)
fuzz-bins: $(FUZZERS:%=$(BUILD)/fuzz/%)
net-bins: $(NET_TESTS:%=$(BUILD)/net/%)

# Each suite prints its own lines and leaves build/results/SUITE with
# "PASSED FAILED"; `check' runs them all, whatever fails, and adds them up.
check: deps
	@tests/run-suites.sh unit asan fuzz host gui net linux xen xen-storage xen-drivers

check-unit: unit-bins
	@tests/unit/run.sh unit $(BUILD)/unit $(UNIT_TESTS)

check-asan: asan-bins
	@tests/unit/run.sh asan $(BUILD)/unit-asan $(UNIT_TESTS)

check-fuzz: fuzz-bins
	@tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZERS)

check-host: $(BUILD)/bulkhead
	@tests/host/run.sh $(BUILD)/bulkhead

check-gui: $(BUILD)/bulkhead
	@tests/gui/run.sh $(BUILD)/bulkhead

check-net: net-bins
	@tests/unit/run.sh net $(BUILD)/net $(NET_TESTS)

check-linux: $(BUILD)/bulkhead
	@tests/linux/run.sh $(BUILD)/bulkhead

check-xen: $(BUILD)/bulkhead
	@tests/xen/run.sh $(BUILD)/bulkhead

check-xen-drivers: $(BUILD)/bulkhead
	@tests/xen/drivers.sh $(BUILD)/bulkhead

check-xen-storage: $(BUILD)/bulkhead
	@tests/xen/storage.sh $(BUILD)/bulkhead

demo: deps $(BUILD)/bulkhead
	@tests/xen/demo.sh $(BUILD)/bulkhead

$(BUILD)/bench/composite: bench/composite.c $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libbulkhead.a $(PKG_LIBS)

bench: deps $(BUILD)/bulkhead $(BUILD)/bench/composite
	@scripts/deps.sh $(DEPS_BENCH)
	@$(BUILD)/bench/composite
	@bench/input.sh $(BUILD)/bulkhead
	@bench/dm.sh $(BUILD)/bulkhead
	@bench/dispvm.sh $(BUILD)/bulkhead
	@bench/pid1.sh $(BUILD)/bulkhead
	@bench/xen.sh $(BUILD)/bulkhead
	@bench/gui.sh $(BUILD)/bulkhead

clean:
	rm -rf $(BUILD)
