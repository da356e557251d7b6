# vfiobind - bind declared PCI functions to vfio-pci in early boot.
#
#   make              build build/vfiobind (dynamic, the distribution build)
#   make check        every test: unit, fixtures (plain and ASan+UBSan),
#                     shellcheck, clang-format, and the QEMU boot tests
#   make deps         install the Debian packages the build and tests need
#   make demo         boot the GPU-shaped QEMU machine and show bind working
#   make install      DESTDIR= PREFIX= as usual
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

KMOD_CFLAGS := $(shell $(PKG_CONFIG) --cflags libkmod 2>/dev/null)
KMOD_LIBS   := $(shell $(PKG_CONFIG) --libs libkmod 2>/dev/null || echo -lkmod)

VB_CPPFLAGS := -D_GNU_SOURCE -DVERSION='"$(VERSION)"' -MMD -MP
VB_CFLAGS   := -std=c11 -Wall -Wextra $(WERROR) -Wshadow -Wformat=2 -Wstrict-prototypes \
               -Wmissing-prototypes -Wno-missing-field-initializers -Wvla $(KMOD_CFLAGS)

SRCS := $(wildcard helper/*.c)
OBJS := $(SRCS:%.c=$(BUILD)/%.o)

.PHONY: all check check-unit check-fixtures check-asan check-boot lint format format-check \
        shellcheck deps demo install clean asan

all: $(BUILD)/vfiobind

$(BUILD)/vfiobind: $(OBJS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(KMOD_LIBS) $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(VB_CPPFLAGS) $(CPPFLAGS) $(VB_CFLAGS) $(CFLAGS) -c -o $@ $<

-include $(OBJS:.o=.d)

# The same sources with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
asan:
	$(MAKE) BUILD=$(BUILD)/asan CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" $(BUILD)/asan/vfiobind

clean:
	rm -rf $(BUILD)

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
