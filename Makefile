# bulkhead - see README.md.  `make` builds build/bulkhead; `make check` runs
# every test; `make demo` boots it under QEMU; `make bench` writes build/bench/REPORT.md.

VERSION   := 0.1
BUILD     := build
CC        := gcc
FUZZ_CC   := clang-14
CFLAGS    ?= -O2 -g
WARN      := -std=gnu11 -Wall -Wextra -Werror
CPPFLAGS  += -I. -I$(BUILD)/gen -D_GNU_SOURCE -DBULKHEAD_VERSION='"$(VERSION)"'
SANITIZE  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer

# Debian packages: to build, to test, to boot under QEMU.
DEPS_BUILD := gcc make pkg-config libxen-dev libkmod-dev libcairo2-dev libfreetype-dev \
	libevdev-dev libdrm-dev libxkbcommon-dev fonts-dejavu-core xkb-data libdevmapper-dev \
	libvterm-dev libcryptsetup-dev libblkid-dev libwayland-dev wayland-protocols libxcb1-dev libxcb-composite0-dev \
	libcrypt-dev python3
DEPS_TEST  := libcmocka-dev clang-14 libclang-rt-14-dev util-linux procps python3 nftables gdb groff-base \
	weston foot gtk-3-examples xwayland xterm
DEPS_QEMU  := qemu-system-x86 linux-image-amd64 busybox-static cpio zstd kmod socat dbus-daemon libglib2.0-bin \
	xen-hypervisor-4.17-amd64 xen-utils-4.17 cryptsetup-bin e2fsprogs python3-cryptography
# `make template' only: the template's root file system.
DEPS_TEMPLATE := mmdebstrap e2fsprogs kmod cpio zstd
# `make check-xen-grub' only: a bootable ISO with BIOS and EFI GRUB
# (grub-mkrescue), an EFI system partition (mtools), EFI firmware for QEMU.
DEPS_GRUB := grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools ovmf

# Evaluated when used, so that a fresh machine gets the flags after `deps'.
PKGS       := xlutil xenlight xentoollog libkmod cairo pixman-1 freetype2 libevdev libdrm xkbcommon \
	xenvchan xengnttab xenstore devmapper vterm libcryptsetup blkid wayland-server xcb xcb-composite libxcrypt
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lm
# build/bulkhead keeps in DT_NEEDED only what PID 1 uses (LINKED_LIBS), reads
# its configuration with libxlutil linked in, and loads LAZY_LIBS in the roles
# that use them (bulkhead.c's role table, lib/implib.h); the tests link all.
LINKED_LIBS := c
LAZY_LIBS   := blkid kmod xenlight xentoollog cairo pixman-1 freetype evdev drm xkbcommon xenvchan xengnttab \
	xenstore devmapper vterm cryptsetup wayland-server xcb xcb-composite m crypt
XLUTIL_A    = $(shell $(CC) -print-file-name=libxlutil.a)
BIN_LIBS    = $(XLUTIL_A) $(filter-out -lc,$(LINKED_LIBS:%=-l%))

MODULES := lib/log lib/log_xtl lib/implib lib/escape lib/util lib/secret lib/loop lib/confine \
	lib/confine_profiles lib/latency \
	config/cfgfile config/usbid config/service_config config/sysconfig config/firewall_rules config/domain_config config/domains config/rpc_policy \
	tools/check tools/hwcheck \
	lib/depgraph lib/backoff supervisor/supervisor supervisor/spawn \
	proto/ctlproto proto/control \
	config/disks_config sys/blockdev sys/mapper unlock/askpass_console unlock/unlock init/rootfs \
	init/mounts init/harden init/memtrim sys/modules init/emergency init/xen init/init \
	config/storage_config domains/volumes domains/dm domains/loopdev domains/storage \
	domains/hotplug domains/dispvm domains/agentwatch domains/rpc_broker \
	domains/build domains/netconf domains/reload domains/libxllog \
	domains/lifecycle domains/lc_net domains/lc_disposables domains/lc_adopt domains/lc_ctl \
	domains/lc_reload domains/persist domains/xs_agents domains/xs_rpc domains/blocklend domains/usbauto domains/xs_usb domains/xs_block domains/xl domains/manager \
	proto/agentproto proto/usbproto proto/blockproto proto/rpcproto proto/rpc_relay proto/rpc_vchan proto/filecopy guest/filecopy_pack guest/filecopy_unpack guest/filecopy guest/rpc_agent guest/rpc_local guest/rpc_guest guest/rpc_call guest/openvm guest/open_in_dvm guest/guestxs guest/vtscreen guest/terminal guest/ws_surface guest/positioner guest/ws_xdg guest/ws_data guest/xwayland guest/wayland guest/inventory guest/usbdevs guest/blockdevs guest/usbip guest/inputfwd guest/agent guest/firewall_nft \
	guest/firewall_role \
	guest/firewall \
	proto/guiproto gui/transport_local gui/transport_vchan gui/guiclient display/font gui/demo \
	input/bindings config/desktop_config \
	drm-compositor/layout drm-compositor/blit drm-compositor/render drm-compositor/desktop drm-compositor/client drm-compositor/clipboard drm-compositor/domstatus drm-compositor/asks drm-compositor/launch_ask \
	drm-compositor/launcher drm-compositor/menu drm-compositor/lock drm-compositor/usbnotes drm-compositor/proxyinput drm-compositor/inputasks \
	display/output_headless display/uevent display/output_drm drm-compositor/sandbox drm-compositor/compositor \
	unlock/askpass_screen \
	input/evdev input/broker input/keymap input/textline \
	tools/ctl tools/ctl_call tools/ctl_update tools/ctl_usb
UNIT_TESTS := test_policy test_depgraph test_supervisor test_ctlproto test_config test_control \
	test_domains test_build test_volumes test_guiproto test_desktop test_render test_dispvm \
	test_agentproto test_domstatus test_terminal test_vtscreen test_disks test_askpass test_blockdev \
	test_firewall test_client test_guiclient test_positioner test_log test_harden test_storage test_agentwatch \
	test_reload test_libxllog test_loop test_confine test_lifecycle test_broker test_filecopy test_rpc_policy test_rpcproto test_rpc_broker test_rpc_relay test_rpc_agent test_rpc_local test_asks test_openvm test_menu test_uevent \
	test_hwcheck test_ctl_update test_usb test_block test_inputfwd test_proxyinput test_inputasks test_latency test_usbauto test_memtrim
FUZZERS    := fuzz_ctlproto fuzz_guiproto fuzz_agentproto fuzz_firewall fuzz_firewall_role \
	fuzz_guistream fuzz_guisession fuzz_filecopy fuzz_rpcproto fuzz_openvm fuzz_inventory fuzz_usbip
# Root, in network namespaces: the firewall's tables on real nftables.
NET_TESTS  := test_firewall_net

# Made by wayland-scanner: the Wayland protocols' interfaces, core ones
# included (data a role cannot import lazily: lib/implib.h), and xdg-shell's
# server header.
WL_PROTOCOLS := wayland-protocol xdg-shell-protocol xdg-decoration-unstable-v1-protocol \
	primary-selection-unstable-v1-protocol
OBJS      = $(MODULES:%=$(BUILD)/obj/%.o) $(WL_PROTOCOLS:%=$(BUILD)/obj/gen/%.o)
ASAN_OBJS = $(MODULES:%=$(BUILD)/asan/%.o) $(WL_PROTOCOLS:%=$(BUILD)/asan/gen/%.o)
HEADERS  := $(wildcard */*.h)
# The tests' own: cmocka's order, the fakes.
TEST_HEADERS := $(wildcard tests/*.h tests/unit/*.h)

.PHONY: all deps check check-layers check-unit check-asan check-fuzz check-host check-gui check-net \
	check-linux check-xen check-xen-storage check-xen-drivers check-xen-grub \
	demo run bench template clean unit-bins asan-bins fuzz-bins net-bins man install
all: $(BUILD)/bulkhead man

# The man pages and the bash completion, made from the binary's usage and
# the config headers (scripts/manpages.py).
MAN_SOURCES := $(wildcard config/*.h) scripts/manpages.py
$(BUILD)/man/stamp: $(BUILD)/bulkhead $(MAN_SOURCES)
	@rm -rf $(BUILD)/man && mkdir -p $(BUILD)/man
	scripts/manpages.py $(BUILD)/bulkhead $(BUILD)/man
	@touch $@
man: $(BUILD)/man/stamp

PREFIX ?= /usr/local
DESTDIR ?=
install: $(BUILD)/bulkhead $(BUILD)/man/stamp
	install -D -m 0755 $(BUILD)/bulkhead $(DESTDIR)$(PREFIX)/sbin/bulkhead
	install -d $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0644 $(BUILD)/man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 0644 $(BUILD)/man/man8/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -D -m 0644 $(BUILD)/man/completion/bulkhead \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/bulkhead

deps:
	@scripts/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(DEPS_QEMU)

$(BUILD)/obj/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/asan/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(WARN) -O1 -g $(SANITIZE) $(CPPFLAGS) $(PKG_CFLAGS) -c $< -o $@

WL_XML_CORE = $(shell pkg-config --variable=pkgdatadir wayland-scanner)/wayland.xml
WL_XML_DIR  = $(shell pkg-config --variable=pkgdatadir wayland-protocols)
WL_XML_XDG  = $(WL_XML_DIR)/stable/xdg-shell/xdg-shell.xml
WL_XML_DECO = $(WL_XML_DIR)/unstable/xdg-decoration/xdg-decoration-unstable-v1.xml
WL_XML_PRIMARY = $(WL_XML_DIR)/unstable/primary-selection/primary-selection-unstable-v1.xml
WL_HEADERS  = $(BUILD)/gen/xdg-shell-server-protocol.h \
	$(BUILD)/gen/xdg-decoration-unstable-v1-server-protocol.h \
	$(BUILD)/gen/primary-selection-unstable-v1-server-protocol.h

$(BUILD)/gen/wayland-protocol.c:
	@mkdir -p $(dir $@)
	wayland-scanner private-code $(WL_XML_CORE) $@

$(BUILD)/gen/xdg-shell-protocol.c:
	@mkdir -p $(dir $@)
	wayland-scanner private-code $(WL_XML_XDG) $@

$(BUILD)/gen/xdg-shell-server-protocol.h:
	@mkdir -p $(dir $@)
	wayland-scanner server-header $(WL_XML_XDG) $@

$(BUILD)/gen/xdg-decoration-unstable-v1-protocol.c:
	@mkdir -p $(dir $@)
	wayland-scanner private-code $(WL_XML_DECO) $@

$(BUILD)/gen/xdg-decoration-unstable-v1-server-protocol.h:
	@mkdir -p $(dir $@)
	wayland-scanner server-header $(WL_XML_DECO) $@

$(BUILD)/gen/primary-selection-unstable-v1-protocol.c:
	@mkdir -p $(dir $@)
	wayland-scanner private-code $(WL_XML_PRIMARY) $@

$(BUILD)/gen/primary-selection-unstable-v1-server-protocol.h:
	@mkdir -p $(dir $@)
	wayland-scanner server-header $(WL_XML_PRIMARY) $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/asan/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) -O1 -g $(SANITIZE) $(CPPFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(addprefix $(BUILD)/obj/guest/,wayland.o ws_surface.o ws_xdg.o ws_data.o xwayland.o) \
$(addprefix $(BUILD)/asan/guest/,wayland.o ws_surface.o ws_xdg.o ws_data.o xwayland.o): $(WL_HEADERS)

$(BUILD)/libbulkhead.a: $(OBJS)
	ar rcs $@ $^

$(BUILD)/libbulkhead-asan.a: $(ASAN_OBJS)
	ar rcs $@ $^

# A trampoline for each function the binary imports from LAZY_LIBS.
$(BUILD)/gen/implib.c: scripts/implib.sh $(BUILD)/obj/bulkhead.o $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	scripts/implib.sh $(CC) $@ "$(LAZY_LIBS)" "$(LINKED_LIBS)" $(BUILD)/obj/bulkhead.o \
		$(BUILD)/libbulkhead.a $(XLUTIL_A)

$(BUILD)/gen/implib.o: $(BUILD)/gen/implib.c lib/implib.h
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) -c $< -o $@

$(BUILD)/bulkhead: $(BUILD)/obj/bulkhead.o $(BUILD)/gen/implib.o $(BUILD)/libbulkhead.a
	$(CC) $(CFLAGS) -o $@ $^ $(BIN_LIBS)

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
FUZZ_SRCS := proto/ctlproto.c proto/rpcproto.c proto/guiproto.c proto/agentproto.c proto/usbproto.c config/usbid.c proto/blockproto.c \
	lib/util.c \
	config/firewall_rules.c guest/firewall_nft.c guest/firewall_role.c lib/log.c lib/escape.c

# A domain's channel in dom0 against the desktop: their code too, and
# libevdev for the key names the default bindings use.
$(BUILD)/fuzz/fuzz_guisession: FUZZ_EXTRA = drm-compositor/client.c drm-compositor/desktop.c drm-compositor/proxyinput.c \
	drm-compositor/layout.c input/bindings.c
$(BUILD)/fuzz/fuzz_guisession: FUZZ_LIBS = $(shell pkg-config --cflags --libs libevdev)

# A call's request and frames.


# A file opened in a disposable: its name, the disposable's answer.
$(BUILD)/fuzz/fuzz_openvm: FUZZ_EXTRA = guest/openvm.c

# The unpacker, making real files in a scratch directory.
$(BUILD)/fuzz/fuzz_filecopy: FUZZ_EXTRA = proto/filecopy.c guest/filecopy_unpack.c

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
	@tests/run-suites.sh layers unit asan fuzz host gui net linux xen xen-storage xen-drivers xen-template xen-grub

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

# The include rule (scripts/layers.py): which folder's code may use which.
check-layers: $(BUILD)/bulkhead
	@tests/layers.sh $(BUILD)/obj $(BUILD)/obj/bulkhead.o $(OBJS)

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

# The install guide's GRUB entry (examples/laptop/grub.d/42_bulkhead) booting
# Xen and bulkhead as dom0 from a GRUB ISO under QEMU (docs/INSTALL.md).
check-xen-grub: $(BUILD)/bulkhead
	@scripts/deps.sh $(DEPS_QEMU) $(DEPS_GRUB)
	@tests/xen/grub.sh $(BUILD)/bulkhead

check-xen-template: template
	@TEMPLATE_DIR=$(BUILD)/templates tests/xen/template.sh $(BUILD)/bulkhead

# `make demo' and `make run' (the same boot, the desktop then the user's
# over VNC or in a QEMU window) say a line per step; apt's and the build's
# output go to build/NAME-build.log.
demo run:
	@mkdir -p $(BUILD) && echo "$@: installing what it needs and building (log: $(BUILD)/$@-build.log)"
	@if ! $(MAKE) -s deps $(BUILD)/bulkhead > $(BUILD)/$@-build.log 2>&1; then \
		tail -n 20 $(BUILD)/$@-build.log; echo "$@: FAILED: see $(BUILD)/$@-build.log"; exit 1; fi
	@$(if $(filter run,$@),RUN=1 )tests/xen/demo.sh $(BUILD)/bulkhead

$(BUILD)/bench/composite $(BUILD)/bench/vtscreen: $(BUILD)/bench/%: bench/%.c bench/bench.h $(BUILD)/libbulkhead.a
	@mkdir -p $(dir $@)
	$(CC) $(WARN) $(CFLAGS) $(CPPFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libbulkhead.a $(PKG_LIBS)

# A Debian 12 template's root image from this machine's apt sources
# (templates/mktemplate.sh, templates/debian.packages), and the domains'
# initramfs: bulkhead mounts the domain's xvda and switches to its root.
template: deps $(BUILD)/bulkhead
	@scripts/deps.sh $(DEPS_TEMPLATE)
	@templates/mktemplate.sh --bulkhead $(BUILD)/bulkhead --out $(BUILD)/templates/debian.img
	@initramfs/mkinitramfs.sh --bulkhead $(BUILD)/bulkhead --config templates/boot \
		--roles "init modprobe" --out $(BUILD)/templates/boot.cpio.zst

# Every bench of bench/report.py's list, one after the other, into one
# report: $(BUILD)/bench/REPORT.md and REPORT.json (bench/run.sh).
bench: deps $(BUILD)/bulkhead $(BUILD)/bench/composite $(BUILD)/bench/vtscreen
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD)
