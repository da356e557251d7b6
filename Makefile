# vfiobind - bind declared PCI functions to vfio-pci in early boot.
#
#   make              build build/vfiobind (dynamic, the distribution build)
#   make check        every test: unit, fixtures (plain and ASan+UBSan),
#                     shellcheck, clang-format, and the QEMU boot tests;
#                     JOBS of them at once (default: one per core), JOBS=1
#                     one after another
#   make deps         install the Debian packages the build and tests need
#                     (./bootstrap GOAL... first installs make itself)
#   make demo         boot the GPU-shaped QEMU machine and show bind working
#   make install      DESTDIR= PREFIX= as usual
#   make static       build/static-musl/vfiobind, fully static, at most 1 MiB;
#                     make STATIC=1 install|check-boot|demo use it
#   make bench        the figures of README "Measured"
#
# Caller's CFLAGS/LDFLAGS win; ours are added, never overwritten.

VERSION    := 0.1
PREFIX     ?= /usr
BINDIR     ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
DATADIR    ?= $(PREFIX)/share
PKG_CONFIG ?= pkg-config
CC         ?= cc
CFLAGS     ?= -O2 -g
WERROR     ?= -Werror
BUILD      ?= build

# STATIC=1: $(BUILD)/vfiobind is the fully static binary instead, built in
# $(BUILD)/static-$(STATIC_LIBC), so that install, check-boot and demo take
# it unchanged (see "static build" below).
STATIC_LIBC  ?= musl
STATIC_BUILD := $(BUILD)/static-$(STATIC_LIBC)
ifeq ($(STATIC),1)
override BUILD := $(STATIC_BUILD)
# Every image pays for these bytes: -Os unless the caller sets CFLAGS
# (410 KB against 400 KB for the boot flavour, measured 2026-12-03), and
# each function and object in its own section, so that --gc-sections
# drops what the boot flavour links but never calls (the host-only half
# of a shared object): 2.5 KB less code, measured 2026-12-06. The file
# size did not move (511120 bytes): the code segment is padded to a page
# (ld's -z separate-code), and had 30 bytes of that page left; it has
# 2590 now before the next change to the boot code costs a whole page
# (readelf -lW: the R E segment's FileSiz).
ifeq ($(origin CFLAGS),file)
CFLAGS := -Os -g -ffunction-sections -fdata-sections
endif
endif

# Asked of pkg-config when a compile first needs them, not when make reads
# this file: in `make deps demo` the -dev packages are installed by the
# first goal, after the Makefile was read (`:=` would freeze an empty
# answer and the build would miss -I/usr/include/blkid). The eval caches
# the answer, so pkg-config runs once per make.
KMOD_CFLAGS = $(eval KMOD_CFLAGS := $$(shell $$(PKG_CONFIG) --cflags libkmod blkid mount 2>/dev/null))$(KMOD_CFLAGS)
KMOD_LIBS   = $(eval KMOD_LIBS := $$(shell $$(PKG_CONFIG) --libs libkmod blkid mount 2>/dev/null || echo -lkmod -lblkid -lmount))$(KMOD_LIBS)
# libarchive: doctor's image reader (helper/doctor/image.c), so the host
# program and the fuzz harnesses only; vfiobind-boot never links it. zlib,
# libzstd, liblzma and libbz2 (no .pc) tell it where each compressed
# segment ends.
ARCHIVE_PC     := libarchive libzstd liblzma zlib
ARCHIVE_CFLAGS = $(eval ARCHIVE_CFLAGS := $$(shell $$(PKG_CONFIG) --cflags $$(ARCHIVE_PC) 2>/dev/null))$(ARCHIVE_CFLAGS)
ARCHIVE_LIBS   = $(eval ARCHIVE_LIBS := $$(shell $$(PKG_CONFIG) --libs $$(ARCHIVE_PC) 2>/dev/null || echo -larchive -lzstd -llzma -lz) -lbz2)$(ARCHIVE_LIBS)

VB_CPPFLAGS := -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -MMD -MP -iquote helper
VB_CFLAGS   = -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wmissing-prototypes -Wno-missing-field-initializers -Wvla $(KMOD_CFLAGS) $(ARCHIVE_CFLAGS)

# helper/<layer>/: every file includes another by its folder
# ("basic/log.h"), from the root given by -iquote helper; tests/layers.sh
# holds the layers to their order.
#
# One library, two programs (kmod's libkmod/ and tools/): every source but
# the two command tables goes into $(BUILD)/libvfiobind.a once, and each
# program is its table linked against it. The static linker takes from an
# archive only the members a program reaches, so vfiobind-boot (the
# initramfs's /usr/bin/vfiobind: helper/cmd/boot.c) holds no launcher,
# doctor, image reader, completion helper or JSON writer, without an #ifdef.
SRCS     := $(wildcard helper/*/*.c)
OBJS     := $(SRCS:%.c=$(BUILD)/%.o)
PROGRAMS := helper/cmd/host.c helper/cmd/boot.c
LIB_OBJS := $(filter-out $(PROGRAMS:%.c=$(BUILD)/%.o),$(OBJS))
LIB      := $(BUILD)/libvfiobind.a

.PHONY: all check check-unit check-fixtures check-asan check-boot check-hooks lint format format-check \
        shellcheck deps demo install install-hooks clean asan

all: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $(LIB_OBJS)

$(BUILD)/vfiobind: $(BUILD)/helper/cmd/host.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(ARCHIVE_LIBS) $(KMOD_LIBS) $(LDLIBS)

$(BUILD)/vfiobind-boot: $(BUILD)/helper/cmd/boot.o $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(KMOD_LIBS) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)

# The same sources with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
# check-asan and check-vm-asan both need it: as their common prerequisite it
# is built once, never by two makes at once under make -j.
SAN_CC ?= clang
.PHONY: asan-build
asan-build:
	$(MAKE) CC=$(SAN_CC) BUILD=$(BUILD)/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" $(BUILD)/asan/vfiobind

clean:
	rm -rf $(BUILD)

# ---- static build ----------------------------------------------------------
# `make static`: a fully static vfiobind for any initramfs (busybox-only,
# hand made): nothing to resolve at boot, no dlopen. static/libs.sh builds
# what it links from Debian's source packages (`make deps` adds the deb-src
# entry): libkmod, which Debian ships only shared, with zstd and xz so that
# .ko.zst and .ko.xz load; zstd's decoder; with musl also liblzma and
# libblkid. musl is the default because glibc cannot make the size limit:
# STATIC_LIBC=glibc links Debian's liblzma.a and libblkid.a and comes out
# near 1.5 MB, 650 KB of it glibc's own static printf, iconv and string
# functions, 300 KB libblkid's probers; and its getpwnam would dlopen NSS.
# The host program alone links libarchive (doctor's image reader), built
# there too, with zlib, bzip2 and lz4 (and the zstd and xz above).
STATIC_MAX_BYTES ?= 1048576
# What an image carries (helper/cmd/boot.c): 500 KiB. It was 450 KiB
# until libmount read the mount tables (+58 KB measured: its table parser
# and the libblkid tag cache it calls for a /dev/root source).
STATIC_BOOT_MAX_BYTES ?= 512000
MUSL_CC          ?= musl-gcc
STATIC_DEPS      := $(STATIC_BUILD)/deps

.PHONY: static check-static check-boot-static check-boot-compressed

ifeq ($(STATIC),1)
ifeq ($(STATIC_LIBC),musl)
override CC := $(MUSL_CC)
endif
override CPPFLAGS := -I$(STATIC_DEPS)/include -I$(STATIC_DEPS)/include/blkid -I$(STATIC_DEPS)/include/libmount $(CPPFLAGS)
override LDFLAGS  += -static -s -Wl,--gc-sections -L$(STATIC_DEPS)/lib
KMOD_LIBS := -lkmod -lzstd -llzma -lmount -lblkid
ARCHIVE_CFLAGS :=
ARCHIVE_LIBS := -larchive -lz -lbz2 -llz4 -lzstd -llzma

$(OBJS): | $(STATIC_DEPS)/.done
$(BUILD)/vfiobind $(BUILD)/vfiobind-boot: $(STATIC_DEPS)/.done

$(STATIC_DEPS)/.done: static/libs.sh
	CC="$(CC)" static/libs.sh $(STATIC_LIBC) $(STATIC_DEPS)

# The size every image pays, printed and held to the limit where it is
# built: the boot flavour goes into images; the host program, also static
# here, to packages that want no shared libraries.
static: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	@for f in $^; do \
		if readelf -lW $$f | grep -q INTERP || readelf -dW $$f | grep -q NEEDED; then \
			echo "static: $$f is dynamically linked"; exit 1; fi; done
	@size=$$(stat -c %s $(BUILD)/vfiobind-boot); \
	echo "static: $(BUILD)/vfiobind-boot ($(STATIC_LIBC)): $$size bytes, limit $(STATIC_BOOT_MAX_BYTES)"; \
	[ $$size -le $(STATIC_BOOT_MAX_BYTES) ] || { echo "static: over the limit"; exit 1; }
	@size=$$(stat -c %s $(BUILD)/vfiobind); \
	echo "static: $(BUILD)/vfiobind ($(STATIC_LIBC)): $$size bytes, limit $(STATIC_MAX_BYTES)"; \
	[ $$size -le $(STATIC_MAX_BYTES) ] || { echo "static: over the limit"; exit 1; }
else
static:
	@$(MAKE) --no-print-directory STATIC=1 static

# The static binary against the fixtures that need no kernel model (it
# cannot preload one), and the proof that it opens no shared object.
# check-static and check-boot-static take the static build as a
# prerequisite: under make -j it is built once (its deps take minutes),
# never by two makes into the same folder at once.
check-static: static $(BUILD)/kmodel.so
	VFIOBIND=$(abspath $(STATIC_BUILD)/vfiobind) VFIOBIND_BOOT=$(abspath $(STATIC_BUILD)/vfiobind-boot) \
		KMODEL=$(abspath $(BUILD)/kmodel.so) BUILD=$(abspath $(STATIC_BUILD)/fixtures) static/check.sh

# The real boots (tests/boot) with the static binary, plus one whose vfio
# modules are .ko.zst and .ko.xz.
check-boot-static: static
	@$(MAKE) --no-print-directory STATIC=1 static check-boot check-boot-compressed
endif

check-boot-compressed: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	$(BOOT_ENV) tests/boot/test-compressed.sh

# ---- tests ---------------------------------------------------------------
# The kernel model (tests/kmodel) is an LD_PRELOAD library: it only works
# with the dynamic build, which is why the fixture tests use it.
KMODEL_CFLAGS := -shared -fPIC -O1 -g -Wall -Wextra $(WERROR) -Wno-format-truncation -Wno-unused-result

$(BUILD)/kmodel.so: tests/kmodel/kmodel.c
	@mkdir -p $(@D)
	$(CC) $(KMODEL_CFLAGS) -o $@ $< -ldl

check-fixtures: $(BUILD)/vfiobind $(BUILD)/kmodel.so
	VFIOBIND=$(abspath $(BUILD)/vfiobind) KMODEL=$(abspath $(BUILD)/kmodel.so) \
		BUILD=$(abspath $(BUILD)/fixtures) tests/fixtures/run.sh

fixtures-update: $(BUILD)/vfiobind $(BUILD)/kmodel.so
	VFIOBIND=$(abspath $(BUILD)/vfiobind) KMODEL=$(abspath $(BUILD)/kmodel.so) \
		BUILD=$(abspath $(BUILD)/fixtures) tests/fixtures/run.sh -u

# The fixture suite again on the ASan+UBSan build. clang links its ASan
# runtime statically, so the kernel model preloads cleanly after it.
check-asan: asan-build $(BUILD)/kmodel.so
	VFIOBIND=$(abspath $(BUILD)/asan/vfiobind) KMODEL=$(abspath $(BUILD)/kmodel.so) \
		BUILD=$(abspath $(BUILD)/asan/fixtures) ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
		UBSAN_OPTIONS=print_stacktrace=1 tests/fixtures/run.sh

# ---- style ---------------------------------------------------------------
C_SOURCES  = $(wildcard helper/*/*.[ch] tests/kmodel/*.c tests/unit/*.c tests/fuzz/*.c bench/*.c)
# By shebang; #!/usr/bin/ash is mkinitcpio's runtime hooks (busybox ash).
SH_SOURCES = $(shell grep -rlE '^\#!(/usr)?/bin/(ba|a)?sh' bootstrap tests hook bench static .ci 2>/dev/null)
# The suites' libraries have no shebang (they are sourced): named here.
SH_SOURCES += $(wildcard tests/lib/*.sh) tests/boot/init-lib.sh

format:
	clang-format -i $(C_SOURCES)

format-check:
	@for f in $(C_SOURCES); do clang-format "$$f" | diff -u "$$f" - || exit 1; done
	@echo "clang-format: $(words $(C_SOURCES)) files clean"

shellcheck:
	shellcheck -x $(SH_SOURCES)
	@echo "shellcheck: $(words $(SH_SOURCES)) files clean"

# helper/'s folders in their layers (basic, config, system, plan, apply,
# report, doctor|vm, cmd), and no include cycle: tests/layers.sh.
.PHONY: check-layers
check-layers:
	tests/layers.sh
check-all: check-layers

# ---- Debian packages -----------------------------------------------------
# What the main job needs on a fresh Debian 12 (DEB_PACKAGES: the build,
# `make static`, `make demo`; `make deps`), and what the test suite needs
# besides (TEST_PACKAGES; `make deps-check` installs both), each installed
# only when missing (so a machine that has them never touches the network).
# The README's first command installs the first list alone: a user who
# wants the helper does not get lintian, rpm and zsh.
DEB_PACKAGES := gcc make pkg-config libkmod-dev libblkid-dev libmount-dev kmod cpio \
                busybox-static qemu-system-x86 linux-image-amd64 zstd xz-utils
# libclang-rt-14-dev holds clang's ASan/UBSan and libFuzzer runtimes, which
# clang only recommends (--no-install-recommends leaves them out).
TEST_PACKAGES := clang libclang-rt-14-dev clang-format shellcheck \
                 dracut-core initramfs-tools systemd e2fsprogs \
                 dosfstools fdisk ntfs-3g btrfs-progs
# The static build: musl, Debian's source packages (dpkg-source), the glibc
# flavour's liblzma.a; check-static watches the binary with strace.
DEB_PACKAGES += musl-tools dpkg-dev liblzma-dev
TEST_PACKAGES += strace
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get -o DPkg::Lock::Timeout=600 \
			install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all $(words $(DEB_PACKAGES)) packages present"; fi

# Both lists in one apt-get run.
.PHONY: deps-check
deps-check:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(DEB_PACKAGES) $(TEST_PACKAGES)"

# static/libs.sh fetches Debian source packages with `apt-get source`, which
# needs deb-src entries. When apt has none, static/deb-src.sh writes the
# deb-src twins of this machine's own Debian entries (same mirrors, suites,
# components and keys; third-party repositories left out) into
# /etc/apt/sources.list.d/vfiobind-src.{sources,list}.
deps: deps-src
deps-src:
	@if apt-get source --print-uris kmod >/dev/null 2>&1; then \
		echo "deps: Debian source packages reachable"; \
	else \
		tmp=$$(mktemp -d) && static/deb-src.sh "$$tmp" >/dev/null && \
		for f in "$$tmp"/*; do \
			echo "deps: adding /etc/apt/sources.list.d/$${f##*/} (deb-src)"; \
			$(SUDO) install -m 0644 "$$f" /etc/apt/sources.list.d/; \
		done; rm -rf "$$tmp"; \
		$(SUDO) apt-get update -qq && apt-get source --print-uris kmod >/dev/null || \
			{ echo "deps: apt-get source kmod still fails; see /etc/apt/sources.list.d/vfiobind-src.*"; exit 1; }; \
	fi

# ---- install -------------------------------------------------------------
# The config is never overwritten: a user's device list is theirs.
install: $(BUILD)/vfiobind install-hooks
	install -D -m 0755 $(BUILD)/vfiobind $(DESTDIR)$(BINDIR)/vfiobind
	install -D -m 0644 conf/vfiobind.conf $(DESTDIR)$(DATADIR)/vfiobind/vfiobind.conf.example
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/vfiobind.conf ]; then \
		echo "keeping existing $(DESTDIR)$(SYSCONFDIR)/vfiobind.conf"; \
	else \
		install -D -m 0644 conf/vfiobind.conf $(DESTDIR)$(SYSCONFDIR)/vfiobind.conf; \
	fi

# The initramfs hooks, each where its tool looks. hook/TOOL/ holds a tool's
# build-time and boot-time parts, laid out as the tool installs them
# (mkinitcpio's install/ and hooks/, dracut's module folder, initramfs-tools'
# hooks/ and scripts/); systemd/vfiobind.service is the unit that the
# systemd images of mkinitcpio and dracut start. The build-time hooks name
# the helper and the config by the paths above: the sed rewrites their
# `vfiobind_bin=`/`vfiobind_boot=`/`vfiobind_conf=`/`vfiobind_unit=` lines
# (mkinitcpio's own Makefile does the same to its paths). They check the
# config with $(BINDIR)/vfiobind, the host's program, and put the boot
# flavour, $(PKGLIBDIR)/vfiobind-boot, into the image: inside every image
# the helper is /usr/bin/vfiobind and the config /etc/vfiobind.conf.
INITCPIODIR   ?= $(PREFIX)/lib/initcpio
DRACUTMODDIR  ?= $(PREFIX)/lib/dracut/modules.d
ITOOLSDIR     ?= $(DATADIR)/initramfs-tools
PKGLIBDIR     ?= $(PREFIX)/lib/vfiobind
# udev's rules (udev/): the late bind of hot-plugged functions.
UDEVRULESDIR  ?= $(PREFIX)/lib/udev/rules.d
HOOK_SED = sed -e 's|^vfiobind_bin=.*|vfiobind_bin=$(BINDIR)/vfiobind|' \
               -e 's|^vfiobind_boot=.*|vfiobind_boot=$(PKGLIBDIR)/vfiobind-boot|' \
               -e 's|^vfiobind_conf=.*|vfiobind_conf=$(SYSCONFDIR)/vfiobind.conf|' \
               -e 's|^vfiobind_unit=.*|vfiobind_unit=$(PKGLIBDIR)/vfiobind.service|'
# One staging folder per destination: the tests install into scratch
# roots from the same build (check-hooks, check-doctor, check-vm,
# check-packages), at the same time under make -j, each with its own paths.
HOOK_TMP = $(BUILD)/install-hooks$(abspath /$(DESTDIR)$(PKGLIBDIR))

install-hooks: $(BUILD)/vfiobind-boot
	@mkdir -p $(HOOK_TMP)
	$(HOOK_SED) hook/mkinitcpio/install/vfiobind >$(HOOK_TMP)/mkinitcpio
	$(HOOK_SED) hook/dracut/90vfiobind/module-setup.sh >$(HOOK_TMP)/module-setup.sh
	$(HOOK_SED) hook/initramfs-tools/hooks/vfiobind >$(HOOK_TMP)/initramfs-tools
	install -D -m 0644 $(HOOK_TMP)/mkinitcpio $(DESTDIR)$(INITCPIODIR)/install/vfiobind
	install -D -m 0644 hook/mkinitcpio/hooks/vfiobind $(DESTDIR)$(INITCPIODIR)/hooks/vfiobind
	install -D -m 0755 $(BUILD)/vfiobind-boot $(DESTDIR)$(PKGLIBDIR)/vfiobind-boot
	install -D -m 0644 systemd/vfiobind.service $(DESTDIR)$(PKGLIBDIR)/vfiobind.service
	install -D -m 0755 $(HOOK_TMP)/module-setup.sh $(DESTDIR)$(DRACUTMODDIR)/90vfiobind/module-setup.sh
	install -D -m 0755 hook/dracut/90vfiobind/vfiobind-pre-udev.sh $(DESTDIR)$(DRACUTMODDIR)/90vfiobind/vfiobind-pre-udev.sh
	install -D -m 0644 systemd/vfiobind.service $(DESTDIR)$(DRACUTMODDIR)/90vfiobind/vfiobind.service
	install -D -m 0755 $(HOOK_TMP)/initramfs-tools $(DESTDIR)$(ITOOLSDIR)/hooks/vfiobind
	sed -e 's|/usr/lib/vfiobind/vfiobind-boot |$(PKGLIBDIR)/vfiobind-boot |' udev/69-vfiobind.rules >$(HOOK_TMP)/69-vfiobind.rules
	install -D -m 0644 $(HOOK_TMP)/69-vfiobind.rules $(DESTDIR)$(UDEVRULESDIR)/69-vfiobind.rules
	install -D -m 0755 hook/initramfs-tools/scripts/init-top/00vfiobind $(DESTDIR)$(ITOOLSDIR)/scripts/init-top/00vfiobind

# ---- unit tests ----------------------------------------------------------
BASIC_OBJS := $(BUILD)/helper/basic/diags.o $(BUILD)/helper/basic/fileio.o $(BUILD)/helper/basic/str.o \
              $(BUILD)/helper/basic/cpulist.o \
              $(BUILD)/helper/basic/strv.o
UNIT_OBJS := $(BUILD)/helper/config/selector.o $(BUILD)/helper/config/conf.o $(BUILD)/helper/config/cmdline.o \
             $(BUILD)/helper/config/vmconf.o $(BASIC_OBJS)

$(BUILD)/test-parse: tests/unit/test-parse.c $(UNIT_OBJS)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_OBJS)

$(BUILD)/test-vmconf: tests/unit/test-vmconf.c $(UNIT_OBJS)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(UNIT_OBJS)

# The CPU-list parser, the -smp derivation, the -m and -smp a VM gets,
# and cpu_topo_read() on a scratch sysfs under $TMPDIR.
CPU_OBJS := $(BUILD)/helper/system/cpu.o $(BUILD)/helper/system/vmcpu.o $(BUILD)/helper/basic/sysfs.o $(UNIT_OBJS)
$(BUILD)/test-cpu: tests/unit/test-cpu.c $(CPU_OBJS)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(CPU_OBJS)

JSON_OBJS := $(BUILD)/helper/basic/jsonread.o $(BUILD)/helper/vm/qmp.o $(BUILD)/helper/basic/str.o \
             $(BUILD)/helper/basic/jsonwrite.o $(BUILD)/helper/basic/utf8.o
$(BUILD)/test-json: tests/unit/test-json.c $(JSON_OBJS)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(JSON_OBJS)

# write_atomic() and read_full() in a scratch directory under $TMPDIR.
$(BUILD)/test-fileio: tests/unit/test-fileio.c $(BUILD)/helper/basic/fileio.o
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/helper/basic/fileio.o

# kparam_next() (the kernel's next_arg()) and modprobe_options_drop().
KPARAM_OBJS := $(BUILD)/helper/system/modprobe.o $(BUILD)/helper/basic/sysfs.o $(BASIC_OBJS)
$(BUILD)/test-kparam: tests/unit/test-kparam.c $(KPARAM_OBJS)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(KPARAM_OBJS)

# Where a handed file is recorded (tmpfs or not) and what it is known by;
# needs root for its scratch roots (skips otherwise).
$(BUILD)/test-handover: tests/unit/test-handover.c $(LIB)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(KMOD_LIBS) $(LDLIBS)

check-unit: $(BUILD)/test-parse $(BUILD)/test-vmconf $(BUILD)/test-json $(BUILD)/test-fileio $(BUILD)/test-kparam \
            $(BUILD)/test-handover $(BUILD)/test-cpu
	$(BUILD)/test-parse
	$(BUILD)/test-vmconf
	$(BUILD)/test-cpu
	$(BUILD)/test-json
	$(BUILD)/test-fileio
	$(BUILD)/test-kparam
	$(BUILD)/test-handover

# ---- real boots ------------------------------------------------------------
# The images get the boot flavour (VFIOBIND_BOOT), as the hooks put it in;
# VFIOBIND is the full program, for what runs on this side.
BOOT_ENV = VFIOBIND=$(abspath $(BUILD)/vfiobind) VFIOBIND_BOOT=$(abspath $(BUILD)/vfiobind-boot)

check-boot: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	$(BOOT_ENV) tests/boot/test-boot.sh

demo: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	$(BOOT_ENV) tests/boot/demo.sh

# Late binding: a real systemd-udevd with udev/69-vfiobind.rules in one
# boot, two functions hot-plugged over QMP (tests/boot/test-late.sh).
.PHONY: check-late
check-late: $(BUILD)/vfiobind-boot
	$(BOOT_ENV) tests/boot/test-late.sh

# The fault matrix: one real boot per fault (or per set of independent ones).
check-faults: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	$(BOOT_ENV) tests/boot/test-faults.sh

# The initramfs hooks: real dracut (shell and systemd), initramfs-tools and
# mkinitcpio (busybox and systemd) images, each built from a scratch make
# install and booted. mkinitcpio v41 is staged from ../shared/mkinitcpio
# under $(BUILD)/mkinitcpio unless the host has its own.
check-hooks: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	MAKE="$(MAKE)" tests/hooks/test-hooks.sh

# Everything a reviewer needs: check-all, whose prerequisites are listed
# with each part below (`check-all: ...`). `make check` runs them JOBS at a
# time (default: one per core): most suites are one process at a time (a
# fixture case, a QEMU boot, a fuzzer), so on 2 cores two of them at once
# nearly halve the time (CI's budget). JOBS=1 runs them one after another
# in the order listed. --output-sync: each target's output is printed
# whole when it ends (make streams the lines that run make themselves:
# check-hooks, check-doctor and check-packages print line by line as they
# go); the first failure stops make from starting more and fails the check. Suites that share a
# build (the static one, the ASan one) take it as a prerequisite, so it is
# built once; none shares a scratch path, a mount or a process name with
# another.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
.PHONY: check-all
# The programs first, on every job: nearly every suite waits for them, and
# with them still linking make -j would hand the free job to the next
# suite that needs nothing (check-fresh, the static deps: minutes each),
# leaving the rest waiting for the link.
check:
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target all $(BUILD)/kmodel.so
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target check-all

# make -j starts them in the order of this list: the cheap checks first (a
# typo fails in seconds), then the longest, so that none of them is left
# to run alone at the end (check-fresh alone is about 12 minutes). The
# `check-all: ...` lines further down name the same targets again, each
# with its part; a name already listed keeps its place here.
# The fixture suite and the launcher suite run once, on the ASan build
# (check-asan, check-vm-asan: the same goldens and assertions as
# check-fixtures and check-vm's first half, plus the sanitizers); the
# static binary runs the fixtures too (check-static).
check-all: format-check shellcheck check-unit \
           check-fresh check-hooks check-packages check-faults check-e2e check-boot-static check-static \
           check-asan check-boot check-fuzz check-doctor check-vm-asan check-doc \
           check-units check-sha256 check-programs check-late

# ---- fuzzing ---------------------------------------------------------------
# libFuzzer (clang) with ASan+UBSan on every parser of bytes from outside:
# one harness per parser, tests/fuzz/fuzz-NAME.c, with its seed corpus in
# tests/fuzz/corpus/NAME/ (a new harness is picked up by the wildcard). The
# harnesses link the whole library, built once with the fuzzer's
# instrumentation in $(BUILD)/fuzz (fuzz-lib), against the same libraries
# the host program links.
#
# check-fuzz is the short CI run on a copy of the committed corpus:
# FUZZ_SECONDS each. The long run of README "Measured":
#   FUZZ_SECONDS=600 FUZZ_MAX_RUNS=10000000 make -j2 check-fuzz
# each stops at 10 minutes or 10 M executions, whichever comes first.
FUZZ_SECONDS  ?= 20
FUZZ_MAX_RUNS ?= -1
FUZZ_FLAGS := -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZERS    := $(patsubst tests/fuzz/fuzz-%.c,%,$(wildcard tests/fuzz/fuzz-*.c))
FUZZ_LIB   := $(BUILD)/fuzz/libvfiobind.a

# The library with the fuzzer's edge counters; its own make, so that its
# objects (and their -MMD dependencies) live apart from the plain build.
.PHONY: fuzz-lib
fuzz-lib:
	@$(MAKE) --no-print-directory CC=$(SAN_CC) BUILD=$(BUILD)/fuzz CFLAGS="$(FUZZ_FLAGS)" $(FUZZ_LIB)
$(FUZZ_LIB): fuzz-lib ; @:

$(BUILD)/fuzz-%: tests/fuzz/fuzz-%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(SAN_CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(FUZZ_FLAGS) -fsanitize=fuzzer -std=c11 $(KMOD_CFLAGS) \
		-o $@ $< $(FUZZ_LIB) $(ARCHIVE_LIBS) $(KMOD_LIBS)

# One target per fuzzer: each runs FUZZ_SECONDS of wall time on one core,
# so under make -j (make check) they run beside each other and the other
# suites instead of one after another. ASan's allocator is capped at
# 512 MiB: a harness that asks for more is a finding (-rss_limit_mb).
FUZZ_RUNS := $(FUZZERS:%=fuzz-run-%)
.PHONY: check-fuzz $(FUZZ_RUNS)
check-fuzz: $(FUZZ_RUNS)
$(FUZZ_RUNS): fuzz-run-%: $(BUILD)/fuzz-%
	@rm -rf $(BUILD)/fuzz-corpus/$* && mkdir -p $(BUILD)/fuzz-corpus/$* && \
	cp tests/fuzz/corpus/$*/* $(BUILD)/fuzz-corpus/$*/ && \
	$(BUILD)/fuzz-$* -max_total_time=$(FUZZ_SECONDS) -runs=$(FUZZ_MAX_RUNS) -max_len=4096 \
		-rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
		$(BUILD)/fuzz-corpus/$* >$(BUILD)/fuzz-$*.log 2>&1; rc=$$?; \
	execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(BUILD)/fuzz-$*.log); \
	secs=$$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' $(BUILD)/fuzz-$*.log); \
	if [ $$rc = 0 ]; then echo "fuzz $*: $$execs executions in $${secs:-$(FUZZ_SECONDS)} s, no crash"; \
	else tail -40 $(BUILD)/fuzz-$*.log; echo "fuzz $*: FAILED (exit $$rc)"; exit 1; fi

# The static binary is what busybox-only and hand-made images get: its size
# limit and its real boots are part of every check.
check-all: check-static check-boot-static

# ---- benchmarks ------------------------------------------------------------
# Not tests: figures (README "Measured"), each a ratio measured side by side
# in one run. bench/run list|boot|size runs one part.
BENCH_PACKAGES := pciutils valgrind

.PHONY: bench deps-bench
$(BUILD)/bench/mktree: bench/mktree.c
	@mkdir -p $(@D)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $<

deps-bench:
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_PACKAGES)"

bench: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot $(BUILD)/bench/mktree
	@$(MAKE) --no-print-directory STATIC=1 static $(STATIC_BUILD)/vfiobind-boot
	$(BOOT_ENV) VFIOBIND_STATIC=$(abspath $(STATIC_BUILD)/vfiobind) \
		VFIOBIND_STATIC_BOOT=$(abspath $(STATIC_BUILD)/vfiobind-boot) \
		MKTREE=$(abspath $(BUILD)/bench/mktree) bench/run

# ---- the VM launcher -------------------------------------------------------
# vfiobind-vm@NAME.service goes where systemd looks, naming the helper by
# its installed path (the sed, as for the hooks). check-units runs
# systemd-analyze verify on every unit shipped; check-vm runs the launcher
# against a fake tree with real QEMU and swtpm (tests/vm/test-launcher.sh),
# then the end-to-end boot from a scratch `make install`: systemd as PID 1
# starts the VM, a nested QEMU with the card passed through
# (tests/vm/test-vm.sh).
# swtpm is the TPM the launcher starts; binutils assembles the test's
# inner guest.
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
UNIT_SED = sed -e 's|/usr/bin/vfiobind|$(BINDIR)/vfiobind|g'
TEST_PACKAGES += swtpm binutils

.PHONY: install-units check-units check-vm
install: install-units
# Staged per destination, as the hooks are (HOOK_TMP).
UNIT_TMP = $(BUILD)/units$(abspath /$(DESTDIR)$(BINDIR))
install-units:
	@mkdir -p $(UNIT_TMP)
	$(UNIT_SED) systemd/vfiobind-vm@.service >$(UNIT_TMP)/vfiobind-vm@.service
	install -D -m 0644 $(UNIT_TMP)/vfiobind-vm@.service $(DESTDIR)$(SYSTEMDUNITDIR)/vfiobind-vm@.service

check-units: $(BUILD)/vfiobind
	VFIOBIND=$(abspath $(BUILD)/vfiobind) WORK=$(abspath $(BUILD)/units-verify) tests/vm/verify-units.sh

# check-vm: the launcher suite (tests/vm/test-launcher.sh) on the plain
# build, then the end-to-end boot. check-all runs the launcher suite on
# the ASan build only (check-vm-asan: the same assertions, plus the
# sanitizers) and the end-to-end boot as check-e2e.
.PHONY: check-e2e
check-vm: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot $(BUILD)/kmodel.so
	VFIOBIND=$(abspath $(BUILD)/vfiobind) KMODEL=$(abspath $(BUILD)/kmodel.so) tests/vm/test-launcher.sh
	@$(MAKE) --no-print-directory check-e2e

check-e2e: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	rm -rf $(BUILD)/vm-stage
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/vm-stage) PREFIX=/usr SYSCONFDIR=/etc >/dev/null
	$(BOOT_ENV) STAGE=$(abspath $(BUILD)/vm-stage) tests/vm/test-vm.sh

check-all: check-units check-e2e

# ---- from nothing ----------------------------------------------------------
# check-fresh: a fresh minbase Debian 12 root (mmdebstrap), this tree copied
# in with git archive, and in it the README's first command, then `make deps
# static`: the one proof that every install step exists, since this machine
# has every package already. Needs root (re-runs itself with sudo).
TEST_PACKAGES += mmdebstrap git
.PHONY: check-fresh
check-fresh:
	BUILD=$(abspath $(BUILD)/fresh) tests/fresh/check-fresh.sh

check-all: check-fresh

# ---- man pages, shell completions, packages ---------------------------------
# vfiobind(8) and vfiobind.conf(5) are mdoc(7) written by hand (man/: why
# not scdoc is said there); `make` puts them in $(BUILD) beside the helper,
# so `man ./build/vfiobind.8` reads what will be installed. The completions
# ask the helper for live candidates (`vfiobind complete devices|vms`).
# The directories are where each tool looks with PREFIX=/usr: man-db's
# man5/man8, `pkg-config --variable=completionsdir bash-completion`
# (and fish), zsh's site-functions (Debian's zsh reads vendor-completions
# instead: debian/rules says so).
MANDIR      ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR  ?= $(DATADIR)/zsh/site-functions
FISHCOMPDIR ?= $(DATADIR)/fish/vendor_completions.d
MANPAGES    := $(BUILD)/vfiobind.8 $(BUILD)/vfiobind.conf.5

.PHONY: man install-doc check-doc dist check-packages
all: man
man: $(MANPAGES)
$(MANPAGES): $(BUILD)/%: man/%
	@mkdir -p $(@D)
	cp $< $@

# The suites that run `make install` from this build get everything it
# installs made first: under make -j their sub-makes then build nothing,
# and never the same file as another make at the same time.
check-hooks check-doctor check-vm check-packages: $(MANPAGES)

install: install-doc
install-doc: $(MANPAGES)
	install -D -m 0644 $(BUILD)/vfiobind.8 $(DESTDIR)$(MANDIR)/man8/vfiobind.8
	install -D -m 0644 $(BUILD)/vfiobind.conf.5 $(DESTDIR)$(MANDIR)/man5/vfiobind.conf.5
	install -D -m 0644 completions/vfiobind.bash $(DESTDIR)$(BASHCOMPDIR)/vfiobind
	install -D -m 0644 completions/_vfiobind $(DESTDIR)$(ZSHCOMPDIR)/_vfiobind
	install -D -m 0644 completions/vfiobind.fish $(DESTDIR)$(FISHCOMPDIR)/vfiobind.fish

# The bash completion has no shebang (bash-completion sources it).
SH_SOURCES += completions/vfiobind.bash

# mandoc -Tlint, --help against vfiobind(8) and the completions, bash
# completion under `bash -i`, zsh and fish loaded.
TEST_PACKAGES += mandoc bash-completion zsh fish
check-doc: $(BUILD)/vfiobind $(MANPAGES)
	VFIOBIND=$(abspath $(BUILD)/vfiobind) MANDIR=$(abspath $(BUILD)) tests/packages/test-doc.sh

# The source tarball every package is built from: the files git knows
# (tracked, and new ones not ignored) as they are in this tree, with
# fixed owners, order and times, so the same tree gives the same bytes.
DIST := $(BUILD)/vfiobind-$(VERSION).tar.gz
dist:
	@mkdir -p $(BUILD)
	@git rev-parse --git-dir >/dev/null 2>&1 || { echo "dist: needs a git checkout"; exit 1; }
	git ls-files -z --cached --others --exclude-standard | \
		xargs -0 sh -c 'for f; do [ -e "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		tar --null -T - --sort=name --owner=0 --group=0 --numeric-owner \
			--mtime=@$$(git log -1 --format=%ct 2>/dev/null || echo 0) \
			--transform 's,^,vfiobind-$(VERSION)/,' -cf - | gzip -n >$(DIST)
	@echo "dist: $(DIST)"

# The three packages built from `make dist` (makepkg, dpkg-buildpackage,
# rpmbuild), each file list against tests/packages/files.list, lintian;
# the .deb installed into a fresh Debian 12 minbase root, its initramfs
# rebuilt by the trigger, and that image booted on the check-boot machine.
TEST_PACKAGES += makepkg pacman-package-manager libarchive-tools fakeroot debhelper lintian rpm mmdebstrap
check-packages: dist
	MAKE="$(MAKE)" DIST=$(abspath $(DIST)) VERSION=$(VERSION) WORK=$(abspath $(BUILD)/packages) \
		tests/packages/check-packages.sh

check-all: check-doc check-packages

# ---- the launcher under ASan+UBSan -------------------------------------------
# tests/vm/test-launcher.sh again on the clang ASan+UBSan build (the one
# check-asan builds): `vm run` against a hostile QEMU, a SIGKILLed
# launcher, a VM of 100 functions; any sanitizer report in a launcher's
# log fails it. About a minute.
# procps: pgrep, pkill and ps, which the launcher tests use (perl-base and
# util-linux's unshare are Essential).
TEST_PACKAGES += procps
.PHONY: check-vm-asan
check-vm-asan: asan-build $(BUILD)/kmodel.so
	VFIOBIND=$(abspath $(BUILD)/asan/vfiobind) KMODEL=$(abspath $(BUILD)/kmodel.so) \
		ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 tests/vm/test-launcher.sh

check-all: check-vm-asan
# ---- doctor, --json, the stale-image check ---------------------------------
# jq parses every --json golden in the fixture tests (tests/fixtures/run.sh).
TEST_PACKAGES += jq
# doctor reads initramfs images with libarchive; the fixture cases build
# images with the compressors (tests/fixtures/doctor-lib.sh).
DEB_PACKAGES += libarchive-dev libzstd-dev liblzma-dev zlib1g-dev libbz2-dev
TEST_PACKAGES += zstd xz-utils lz4 gzip bzip2

$(BUILD)/test-sha256: tests/unit/test-sha256.c $(BUILD)/helper/basic/sha256.o
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/helper/basic/sha256.o

.PHONY: check-sha256
check-sha256: $(BUILD)/test-sha256
	$(BUILD)/test-sha256
check-all: check-sha256

# doctor against real images: mkinitramfs and dracut builds from a scratch
# make install, with and without the hook, the config edited after.
.PHONY: check-doctor
check-doctor: $(BUILD)/vfiobind
	VFIOBIND=$(abspath $(BUILD)/vfiobind) MAKE="$(MAKE)" tests/doctor/test-images.sh
check-all: check-doctor

# bench/run floor: vfiobind list against a bare loop reading the same files.
$(BUILD)/bench/floor: bench/floor.c
	@mkdir -p $(@D)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) -Wno-format-truncation $(CFLAGS) $(LDFLAGS) -o $@ $<
bench: $(BUILD)/bench/floor
# ---- real mkinitcpio (check-hooks, bench size) -----------------------------
# tests/hooks/stage-mkinitcpio.sh stages mkinitcpio v41 from
# ../shared/mkinitcpio: patch applies upstream's fix; mkinitcpio and
# lsinitcpio need bsdtar (libarchive-tools) and zstd for the images.
TEST_PACKAGES += libarchive-tools patch zstd

# ---- two programs over one library -------------------------------------------
# The boot flavour holds none of the host-only code (symbols compared with
# the objects they come from), each table answers as it should, and the
# static boot flavour keeps its size limit (make static enforces it too).
.PHONY: check-programs
check-programs: $(BUILD)/vfiobind $(BUILD)/vfiobind-boot
	VFIOBIND=$(abspath $(BUILD)/vfiobind) VFIOBIND_BOOT=$(abspath $(BUILD)/vfiobind-boot) \
		OBJDIR=$(abspath $(BUILD)/helper) tests/programs.sh
check-all: check-programs
