# SPDX-License-Identifier: BSD-2-Clause
# Mote build: kernel objects per configuration, one bootable image per application, tests, benchmarks.
#
#   make [APP=apps/NAME]        build build/kernel/apps/NAME/mote.elf (PVH/Linux-boot ELF) and mote.mb (multiboot)
#   make APP=... INITRD=DIR     also pack DIR as build/kernel/NAME/initrd.cpio (make run boots with it)
#   make run [APP=...] [PLAT=microvm|pc|q35] [ARGS="key=value -- app args"]
#   make test | make bench | make debug
#   make defconfig | menuconfig | olddefconfig

APP ?= apps/hello
PLAT ?= microvm
ARGS ?=
MEM ?= 64M
BUILD ?= build
# Kernel objects and images for one configuration live under O.
O ?= $(BUILD)/kernel
KCONFIG_CONFIG ?= .config

ifeq ($(origin CC),default)
CC := gcc
endif
LD := ld
OBJCOPY := objcopy
NM := nm
HOSTCC ?= gcc
MUSLCC ?= musl-gcc

APP_NAME := $(notdir $(patsubst %/,%,$(APP)))
IMG := $(O)/$(APP_NAME)
Q := @

.PHONY: all run test unit-test guest-test bench debug clean defconfig menuconfig olddefconfig setup FORCE
all: $(IMG)/mote.elf $(IMG)/mote.mb

# ---------------------------------------------------------------- configuration
KCONF_ENV := KCONFIG_CONFIG=$(abspath $(KCONFIG_CONFIG))
AUTOCONF := $(O)/include/generated/autoconf.h

# A flavour built from a defconfig (make test's, make bench's) follows it when it changes;
# the default .config is the user's own (make menuconfig) and is only created here.
$(KCONFIG_CONFIG): $(DEFCONFIG)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(KCONF_ENV) kconfig-conf --defconfig=$(if $(DEFCONFIG),$(DEFCONFIG),configs/defconfig) Kconfig >/dev/null

defconfig:
	$(Q)$(KCONF_ENV) kconfig-conf --defconfig=configs/defconfig Kconfig
olddefconfig:
	$(Q)$(KCONF_ENV) kconfig-conf --olddefconfig Kconfig
menuconfig:
	$(Q)$(KCONF_ENV) kconfig-mconf Kconfig

# kconfig writes include/config/ relative to its working directory: run it inside O.
# New options take their defaults (olddefconfig): an older .config keeps working.
$(AUTOCONF): $(KCONFIG_CONFIG) Kconfig
	$(Q)mkdir -p $(O)/include/config $(O)/include/generated
	$(Q)cd $(O) && $(KCONF_ENV) kconfig-conf --olddefconfig $(abspath Kconfig) >/dev/null && \
		$(KCONF_ENV) kconfig-conf --silentoldconfig $(abspath Kconfig) >/dev/null
	$(Q)touch $@

# Make rebuilds the included auto.conf first and restarts, so CONFIG_* are known below.
$(O)/include/config/auto.conf: $(AUTOCONF)
	$(Q)touch $@
-include $(O)/include/config/auto.conf

# ---------------------------------------------------------------- kernel
KDIRS := arch/x86_64 lib kernel plat drivers fs net abi
KSRCS := $(shell find $(KDIRS) -name '*.c' -o -name '*.S' | LC_ALL=C sort)
ifeq ($(CONFIG_KTEST),y)
KSRCS += $(sort $(wildcard tests/guest/*.c))
endif
# Drivers are linked only when configured (DESIGN.md principle 4).
KSRCS := $(filter-out $(if $(filter y,$(CONFIG_PCI)),,drivers/pci/% tests/guest/ktest_pci.c) \
	$(if $(filter y,$(CONFIG_VIRTIO)),,drivers/virtio/% tests/guest/ktest_virtio.c) \
	$(if $(filter y,$(CONFIG_VIRTIO_MMIO)),,drivers/virtio/virtio_mmio.c) \
	$(if $(filter y,$(CONFIG_VIRTIO_PCI)),,drivers/virtio/virtio_pci.c) \
	$(if $(filter y,$(CONFIG_VIRTIO_CONSOLE)),,drivers/virtio/virtio_console.c tests/guest/ktest_virtio_console.c) \
	$(if $(filter y,$(CONFIG_VIRTIO_RNG)),,drivers/virtio/virtio_rng.c) \
	$(if $(filter y,$(CONFIG_VIRTIO_NET)),,drivers/virtio/virtio_net.c) \
	$(if $(filter y,$(CONFIG_VIRTIO_BLK)),,drivers/virtio/virtio_blk.c) \
	$(if $(filter y,$(CONFIG_PIPES_POLL)),,fs/pipe.c fs/eventfd.c fs/eventpoll.c abi/sys_pipe.c abi/sys_poll.c tests/guest/ktest_poll.c) \
	$(if $(filter y,$(CONFIG_SYSCALL_TRACE)),,abi/strace.c) \
	$(if $(filter y,$(CONFIG_PROCFS)),,fs/procfs.c) \
	$(if $(filter y,$(CONFIG_INITRD)),,fs/initrd.c lib/cpio.c) \
	$(if $(filter y,$(CONFIG_SOCKETS)),,net/socket.c net/unix.c abi/sys_socket.c) \
	$(if $(filter y,$(CONFIG_LWIP)),,net/lwip/% tests/guest/ktest_lwip%.c),$(KSRCS))
KOBJS := $(patsubst %,$(O)/obj/%.o,$(basename $(KSRCS)))

KOPT ?= -O2
# Jump targets and loops packed, not padded to 16 bytes (gcc's -O2 default), as Linux does
# on x86: the padding is ~3% of the text, which the image maps in whole pages, and a loop's
# padding is executed on entry. (clang has no -falign-jumps and pads no jump targets.)
KALIGN := -falign-loops=1 $(if $(shell $(CC) --version 2>/dev/null | grep clang),,-falign-jumps=1)
KCFLAGS = -std=gnu11 $(KOPT) $(KALIGN) -g -Wall -Wextra -Werror \
	-ffreestanding -fno-pie -fno-pic -mcmodel=kernel -mno-red-zone -mgeneral-regs-only \
	-fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-stack-protector \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -fno-common \
	-ffunction-sections -fdata-sections \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -I. -I$(O)/include -include $(AUTOCONF)
KASFLAGS := -D__ASSEMBLER__ -Iinclude -I. -I$(O)/include
KLDFLAGS := -nostdlib -static -T arch/x86_64/kernel.ld -z max-page-size=4096 -z noexecstack \
	--gc-sections --no-warn-rwx-segments --build-id=none

# Code that runs once or rarely (parsers, loaders, formatting, the VMA tree's
# updates, timer and clock set-up) is built for size; the rest, on the boot
# path and in every switch, fault and syscall, for speed. Each section of the
# image is page-aligned, so a few hundred bytes over a page boundary cost 4 KiB.
KOPT_SIZE_SRCS := $(wildcard lib/cmdline.c lib/elf.c plat/pc/acpi.c plat/pc/aml.c plat/pc/mptable.c \
	arch/x86_64/boot/*_info.c kernel/bootinfo.c abi/stack.c abi/sys_process.c \
	kernel/ktest.c kernel/panic.c kernel/ksyms.c kernel/futex.c kernel/rwlock.c \
	kernel/semaphore.c kernel/condvar.c kernel/completion.c plat/pc/rtc.c abi/sys_time.c \
	kernel/device.c kernel/blkdev.c net/netdev.c plat/pc/ioapic.c plat/pc/pic.c kernel/console.c \
	arch/x86_64/traps.c kernel/thread.c kernel/kva.c abi/sys_mm.c $(wildcard drivers/pci/*.c) \
	lib/cpio.c fs/initrd.c fs/devfs.c fs/procfs.c kernel/random.c abi/sys_random.c \
	abi/process.c abi/syscall.c abi/sys_thread.c abi/sys_signal.c abi/sys_futex.c \
	lib/format.c lib/vma.c kernel/time.c kernel/timer.c arch/x86_64/lapic.c kernel/waitq.c \
	kernel/mutex.c plat/pc/platform.c fs/namei.c fs/vfs.c abi/sys_fs.c abi/strace.c abi/fdtable.c \
	abi/sys_sched.c abi/sys_pipe.c abi/sys_poll.c fs/eventfd.c fs/eventpoll.c)
$(patsubst %.c,$(O)/obj/%.o,$(KOPT_SIZE_SRCS)): KOPT := -Os

$(O)/obj/%.o: %.c $(AUTOCONF) Makefile
	$(Q)mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -MMD -MP -c $< -o $@

$(O)/obj/%.o: %.S $(AUTOCONF) Makefile
	$(Q)mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -MMD -MP -c $< -o $@

# lwIP (CONFIG_LWIP): Debian's source package, fetched into $(BUILD)/lwip by scripts/fetch-lwip
# before anything that includes its headers is compiled; never committed. Only the core,
# IPv4, IPv6, Ethernet and tcpip.c (the thread and core lock) are built: no sockets.c, netconn
# or api/err.c (errno mapping, which only the socket layer needs).
LWIP_STAMP := $(BUILD)/lwip/.fetched
LWIP_SRC := $(BUILD)/lwip/src/src
LWIP_CSRCS := $(addprefix core/,def.c dns.c inet_chksum.c init.c ip.c mem.c memp.c netif.c pbuf.c \
	raw.c stats.c sys.c tcp.c tcp_in.c tcp_out.c timeouts.c udp.c) \
	$(addprefix core/ipv4/,dhcp.c etharp.c icmp.c ip4.c ip4_addr.c ip4_frag.c) \
	$(addprefix core/ipv6/,ethip6.c icmp6.c inet6.c ip6.c ip6_addr.c ip6_frag.c mld6.c nd6.c) \
	netif/ethernet.c api/tcpip.c
# Our lwipopts.h and arch/ first, then <string.h>/<stdlib.h> for lwIP's includes, then lwIP's headers.
LWIP_INC := -Inet/lwip -Inet/lwip/include -I$(LWIP_SRC)/include
ifeq ($(CONFIG_LWIP),y)
LWIP_OBJS := $(patsubst %.c,$(O)/obj/lwip/%.o,$(LWIP_CSRCS))
LWIP_USERS := $(filter $(O)/obj/net/lwip/% $(O)/obj/tests/guest/ktest_lwip%.o,$(KOBJS))
KOBJS += $(LWIP_OBJS)
$(LWIP_USERS): KCFLAGS += $(LWIP_INC)
$(LWIP_USERS): $(LWIP_STAMP)
endif

$(LWIP_STAMP): scripts/fetch-lwip $(wildcard net/lwip/patches/*.patch) net/lwip/patches
	$(Q)scripts/fetch-lwip $(BUILD)
$(addprefix $(LWIP_SRC)/,$(LWIP_CSRCS)): $(LWIP_STAMP) ;

# lwIP's own files are built with our flags; only the warnings its code trips are relaxed, for it alone.
LWIP_WARN := -Wno-unused-parameter -Wno-sign-compare
# clang: tcp.c compares a u16_t MSS with TCP_WND / 2, which a scaled window puts above 65535 (harmless).
LWIP_WARN += $(if $(shell $(CC) --version 2>/dev/null | grep clang),-Wno-tautological-constant-out-of-range-compare)
$(O)/obj/lwip/%.o: $(LWIP_SRC)/%.c $(LWIP_STAMP) $(AUTOCONF) Makefile net/lwip/lwipopts.h
	$(Q)mkdir -p $(dir $@)
	@echo "  CC      lwip/$*.c"
	$(Q)$(CC) $(KCFLAGS) $(LWIP_INC) $(LWIP_WARN) -MMD -MP -c $< -o $@

-include $(KOBJS:.o=.d)

# ---------------------------------------------------------------- application
# An app is a directory of C files built against musl as an ordinary static Linux
# executable. apps/NAME/app.mk may set APP_CFLAGS, APP_LDFLAGS, or APP_PIE := y
# (static-pie, loaded at a random base), or APP_MANGLE := CMD (run as `CMD FILE` on the
# built executable: how tests make a corrupt ELF).
APP_CFLAGS :=
APP_LDFLAGS :=
APP_PIE :=
APP_MANGLE :=
-include $(APP)/app.mk
APP_SRCS := $(wildcard $(APP)/*.c)
MUSL_LIB := /usr/lib/x86_64-linux-musl

ifeq ($(APP_PIE),y)
# musl-gcc's specs cannot make a static-pie (they add an interpreter): link by hand with rcrt1.o.
$(IMG)/app: $(APP_SRCS) $(wildcard $(APP)/*.h) $(wildcard $(APP)/app.mk)
	$(Q)mkdir -p $(dir $@)
	@echo "  MUSLCC  $(APP) (static-pie)"
	$(Q)$(MUSLCC) -std=gnu11 -O2 -Wall -Wextra -Werror -fPIE $(APP_CFLAGS) -c $(APP_SRCS) -o $@.o
	$(Q)$(HOSTCC) -static-pie -nostdlib -nostartfiles -o $@ $(MUSL_LIB)/rcrt1.o $(MUSL_LIB)/crti.o \
		$(shell $(HOSTCC) -print-file-name=crtbeginS.o) $@.o $(APP_LDFLAGS) $(MUSL_LIB)/libc.a \
		$(shell $(HOSTCC) -print-libgcc-file-name) $(shell $(HOSTCC) -print-file-name=crtendS.o) $(MUSL_LIB)/crtn.o
	$(Q)$(if $(APP_MANGLE),$(APP_MANGLE) $@)
else
$(IMG)/app: $(APP_SRCS) $(wildcard $(APP)/*.h) $(wildcard $(APP)/app.mk)
	$(Q)mkdir -p $(dir $@)
	@echo "  MUSLCC  $(APP)"
	$(Q)$(MUSLCC) -std=gnu11 -O2 -Wall -Wextra -Werror -static $(APP_CFLAGS) $(APP_SRCS) $(APP_LDFLAGS) -o $@
	$(Q)$(if $(APP_MANGLE),$(APP_MANGLE) $@)
endif

$(IMG)/app_image.o: apps/app_image.S $(IMG)/app
	$(Q)$(CC) $(KASFLAGS) -DAPP_IMAGE='"$(IMG)/app"' -DAPP_NAME='"$(APP_NAME)"' -c $< -o $@

# ---------------------------------------------------------------- initrd
# INITRD=DIR packs DIR as a cpio newc archive beside the image (what the kernel unpacks
# into / at boot, fs/initrd.c); `make run` boots with it. Rebuilt when a file under DIR
# changes or a directory gains or loses a name. Owners become root; modes, mtimes,
# symlinks and hard links are kept (--reproducible numbers the inodes in order, not by disk).
INITRD ?=
INITRD_CPIO := $(if $(INITRD),$(IMG)/initrd.cpio)
ifneq ($(INITRD),)
$(if $(wildcard $(INITRD)/.),,$(error INITRD=$(INITRD) is not a directory))
all: $(INITRD_CPIO)
# Which directory was packed: a different one rebuilds the archive even if its files are older.
$(IMG)/initrd.src: FORCE
	$(Q)mkdir -p $(dir $@)
	$(Q)echo "$(abspath $(INITRD))" | cmp -s - $@ || echo "$(abspath $(INITRD))" > $@
$(INITRD_CPIO): $(shell find $(INITRD) ! -type l) $(IMG)/initrd.src Makefile
	@echo "  CPIO    $(INITRD) -> $@"
	$(Q)cd "$(INITRD)" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z | \
		cpio -o -H newc --null --quiet --reproducible -R 0:0 > "$(abspath $@).tmp"
	$(Q)mv "$@.tmp" "$@"
endif

# ---------------------------------------------------------------- image
# Two link passes: the symbol table goes last in the image, so adding it moves nothing.
$(IMG)/ksyms0.o: tools/ksyms.sh
	$(Q)mkdir -p $(dir $@)
	$(Q)tools/ksyms.sh > $(IMG)/ksyms0.S
	$(Q)$(CC) $(KASFLAGS) -c $(IMG)/ksyms0.S -o $@

$(IMG)/mote-pass1.elf: $(KOBJS) $(IMG)/app_image.o $(IMG)/ksyms0.o arch/x86_64/kernel.ld
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(IMG)/app_image.o $(IMG)/ksyms0.o

$(IMG)/mote-full.elf: $(IMG)/mote-pass1.elf $(KOBJS) $(IMG)/app_image.o
	@echo "  LD      $@"
	$(Q)$(if $(filter y,$(CONFIG_KSYMS)),NM=$(NM) tools/ksyms.sh $<,tools/ksyms.sh) > $(IMG)/ksyms.S
	$(Q)$(CC) $(KASFLAGS) -c $(IMG)/ksyms.S -o $(IMG)/ksyms.o
	$(Q)$(LD) $(KLDFLAGS) -o $@ $(KOBJS) $(IMG)/app_image.o $(IMG)/ksyms.o
	$(Q)$(NM) $< | grep ' [tT] ' > $@.syms1; $(NM) $@ | grep ' [tT] ' > $@.syms2; \
		cmp -s $@.syms1 $@.syms2 || { echo "ksyms: the second link pass moved code" >&2; exit 1; }

# The PVH image: everything not loaded is stripped.
$(IMG)/mote.elf: $(IMG)/mote-full.elf
	$(Q)$(OBJCOPY) --strip-all --remove-section=.comment $< $@
	@echo "  IMAGE   $@ ($$(stat -c %s $@) bytes)"

$(IMG)/mote.mb: $(IMG)/mote-full.elf $(BUILD)/tools/mkmultiboot
	$(Q)$(BUILD)/tools/mkmultiboot $< $@ >/dev/null

# ---------------------------------------------------------------- host tools
$(BUILD)/tools/mkmultiboot: tools/mkmultiboot.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

$(BUILD)/tools/kvmboot: tests/kvmboot/kvmboot.c
	$(Q)mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -o $@ $<

# ---------------------------------------------------------------- run, debug
RUN_PLAT_ARGS = --plat $(PLAT) --mem $(MEM) $(if $(ARGS),--append "$(ARGS)") \
	$(if $(INITRD_CPIO),--initrd $(INITRD_CPIO))

# Plain `make run` is the HTTP demo: apps/httpreply with QEMU user networking and host
# port PORT (127.0.0.1 only) forwarded to the guest's 8080. APP=... boots another app as
# before; NET=user gives it the same network, NET= takes it away from httpreply.
# The demo's console is not the guest's keyboard (it does not read one): Ctrl-C reaches
# the runner, which stops QEMU. Other apps get the terminal (--interactive: Ctrl-A X quits).
PORT ?= 8080
NET ?= $(if $(filter httpreply,$(APP_NAME)),user)
RUN_NIC := $(if $(filter microvm%,$(PLAT)),virtio-net-device,virtio-net-pci)
# (Commas cannot appear inside $(if ...): the options sit in variables.)
RUN_NETDEV = user,id=n0,hostfwd=tcp:127.0.0.1:$(PORT)-:8080
RUN_NIC_OPTS := ,netdev=n0
RUN_NET_ARGS = $(if $(filter user,$(NET)),--qemu-arg -netdev --qemu-arg $(RUN_NETDEV) \
	--qemu-arg -device --qemu-arg $(RUN_NIC)$(RUN_NIC_OPTS))

ifeq ($(origin APP),file)
run:
	$(Q)$(MAKE) --no-print-directory APP=apps/httpreply run
else
run: setup $(IMG)/mote.elf $(INITRD_CPIO)
ifeq ($(APP_NAME),httpreply)
	$(Q)echo "httpreply: open http://localhost:$(PORT)/  (Ctrl-C stops it)"
	$(Q)tools/mote-run --timeout 0 $(RUN_PLAT_ARGS) $(RUN_NET_ARGS) $(IMG)/mote.elf || \
		{ rc=$$?; [ $$rc -eq 130 ] || exit $$rc; }
else
	$(Q)tools/mote-run --interactive $(RUN_PLAT_ARGS) $(RUN_NET_ARGS) $(IMG)/mote.elf
endif
endif

debug: setup $(IMG)/mote.elf $(INITRD_CPIO)
	$(Q)echo "QEMU waits on $(BUILD)/gdb.sock; in another terminal: gdb -ex 'target remote $(BUILD)/gdb.sock' $(IMG)/mote-full.elf"
	$(Q)tools/mote-run --interactive --gdb $(BUILD)/gdb.sock $(RUN_PLAT_ARGS) $(IMG)/mote.elf

setup:
	$(Q)scripts/setup

# ---------------------------------------------------------------- tests, bench
test: setup
	$(Q)tests/run-all.sh $(BUILD)

# Figures are for the release configuration (no debug checks), as shipped.
bench: setup
	$(Q)$(MAKE) --no-print-directory O=$(BUILD)/release KCONFIG_CONFIG=$(BUILD)/release/.config \
		DEFCONFIG=configs/release.config APP=apps/hello all
	$(Q)$(MAKE) --no-print-directory O=$(BUILD)/ktest KCONFIG_CONFIG=$(BUILD)/ktest/.config \
		DEFCONFIG=configs/ktest.config APP=apps/hello all
	$(Q)BENCH_KTEST=$(BUILD)/ktest/hello/mote.elf bench/run.sh $(BUILD)/release/hello

clean:
	rm -rf $(BUILD)
