/* SPDX-License-Identifier: BSD-2-Clause */
/* kvmboot: boots the kernel ELF through /dev/kvm in long mode, as Firecracker does (Linux 64-bit boot protocol). */

/*
 * QEMU cannot start a guest directly in long mode, so this is the only way
 * to exercise the kernel's Linux 64-bit boot protocol entry outside a real
 * Firecracker. The guest gets one vCPU, flat RAM below 3 GiB, the in-kernel
 * LAPIC/IOAPIC/PIC/PIT, a COM1 that prints to stdout, a CMOS RTC fed from
 * the host clock and QEMU's isa-debug-exit port. Nothing else.
 *
 * Exit status: the guest's isa-debug-exit code ((v << 1) | 1), 0 when the
 * guest halts or shuts down, 77 when /dev/kvm is unusable (a test skip),
 * 124 on timeout, 125 on bad input or a VMM failure.
 */

#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SKIP	77
#define EXIT_TIMEOUT	124
#define EXIT_BAD	125

#define KiB		0x400ULL
#define MiB		0x100000ULL
#define GiB		0x40000000ULL

/*
 * Guest physical layout of the boot structures. These are the addresses
 * Firecracker uses (src/vmm/src/arch/x86_64/layout.rs and gdt.rs), so a
 * kernel that boots here boots there.
 */
#define GDT_ADDR	0x500ULL
#define IDT_ADDR	0x520ULL
#define ZERO_PAGE_ADDR	0x7000ULL
#define STACK_TOP	0x8ff0ULL
#define PML4_ADDR	0x9000ULL
#define PDPT_ADDR	0xa000ULL
#define PD_ADDR		0xb000ULL	/* one page per GiB mapped: 0xb000..0xdfff */
#define CMDLINE_ADDR	0x20000ULL
#define CMDLINE_MAX	4096ULL		/* including the NUL */
#define EBDA_START	0x9fc00ULL	/* end of conventional RAM, as on a PC */
#define HIMEM_START	MiB		/* kernel segments must load at or above */

/*
 * Addresses KVM needs for its own use on Intel hosts: a three-page TSS
 * region and a one-page identity-map table, both inside the first 4 GiB
 * and outside guest RAM and MMIO (KVM API doc, 4.x "KVM_SET_TSS_ADDR",
 * "KVM_SET_IDENTITY_MAP_ADDR"). Just below the LAPIC/IOAPIC window as
 * QEMU and Firecracker place them.
 */
#define KVM_TSS_ADDR		0xfffbd000ULL
#define KVM_IDMAP_ADDR		0xfffbc000ULL

#define MEM_DEFAULT_MIB	128ULL
#define MEM_MIN_MIB	2ULL
#define MEM_MAX_MIB	3072ULL		/* stay below the 3 GiB PCI hole */

/*
 * struct boot_params ("zero page") offsets, from Linux
 * Documentation/arch/x86/zero-page.rst and boot.rst ("THE REAL-MODE KERNEL
 * HEADER"; setup_header starts at 0x1f1).
 */
#define BP_EXT_RAMDISK_IMAGE	0x0c0
#define BP_EXT_RAMDISK_SIZE	0x0c4
#define BP_EXT_CMD_LINE_PTR	0x0c8
#define BP_E820_ENTRIES		0x1e8
#define BP_BOOT_FLAG		0x1fe
#define BP_HEADER		0x202
#define BP_VERSION		0x206
#define BP_TYPE_OF_LOADER	0x210
#define BP_LOADFLAGS		0x211
#define BP_RAMDISK_IMAGE	0x218
#define BP_RAMDISK_SIZE		0x21c
#define BP_CMD_LINE_PTR		0x228
#define BP_KERNEL_ALIGNMENT	0x230
#define BP_CMDLINE_SIZE		0x238
#define BP_E820_TABLE		0x2d0
#define BP_E820_MAX		128	/* E820_MAX_ENTRIES_ZEROPAGE */
#define E820_ENTRY_SIZE		20	/* u64 addr, u64 size, u32 type */

#define BOOT_FLAG_MAGIC		0xaa55
#define HDRS_MAGIC		0x53726448U	/* "HdrS" little-endian */
#define BOOT_PROTO_VERSION	0x020c	/* 2.12: 64-bit entry, ext_* fields */
#define LOADER_UNDEFINED	0xff	/* boot.rst: "0xFF = undefined" */
#define LOADED_HIGH		0x01	/* loadflags bit 0: loaded at 1 MiB */
#define E820_RAM		1
#define E820_RESERVED		2

/* Control register and EFER bits (Intel SDM Vol. 3A §2.5, §2.2.1). */
#define CR0_PE		(1ULL << 0)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

/* Page-table entry bits (Intel SDM Vol. 3A §4.5). */
#define PTE_P		(1ULL << 0)
#define PTE_RW		(1ULL << 1)
#define PTE_PS		(1ULL << 7)

/* Ports of the devices we model. */
#define COM1_BASE	0x3f8
#define DEBUG_EXIT_PORT	0xf4
#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71

static const char *progname = "kvmboot";

static void die(int status, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void warnx_(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void vmsg(const char *fmt, va_list ap)
{
	/* Keep the guest's console and our messages in order on a terminal. */
	fflush(stdout);
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	exit(status);
}

static void warnx_(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

/*
 * Fault injection (-X): each fault corrupts one thing the loader hands the
 * guest, after the zero page is built, so that tests can check the kernel
 * names the problem and exits instead of hanging or crashing.
 */
enum fault {
	FAULT_E820_TRUNCATED = 1u << 0,
	FAULT_E820_EMPTY = 1u << 1,
	FAULT_CMDLINE_UNTERMINATED = 1u << 2,
	FAULT_CMDLINE_OUTSIDE_RAM = 1u << 3,
	FAULT_INITRD_PAST_RAM = 1u << 4,
	FAULT_NO_HDRS = 1u << 5,
	FAULT_ZEROPAGE_OUTSIDE_RAM = 1u << 6,
	FAULT_E820_NO_RAM = 1u << 7,
};

static const struct {
	const char *name;
	enum fault bit;
	const char *help;
} faults[] = {
	{ "e820-truncated", FAULT_E820_TRUNCATED,
	  "e820_entries = 200: more than are filled, past the 128-entry table" },
	{ "e820-empty", FAULT_E820_EMPTY, "e820_entries = 0" },
	{ "e820-no-ram", FAULT_E820_NO_RAM,
	  "every e820 entry typed reserved: a map with no usable RAM" },
	{ "cmdline-unterminated", FAULT_CMDLINE_UNTERMINATED,
	  "command line area filled to its end (4 KiB) and on to 0x9f000"
	  " with non-NUL bytes" },
	{ "cmdline-outside-ram", FAULT_CMDLINE_OUTSIDE_RAM,
	  "cmd_line_ptr 1 MiB past the end of RAM (where reads float high)" },
	{ "initrd-past-ram", FAULT_INITRD_PAST_RAM,
	  "ramdisk_image one page below the end of RAM, ramdisk_size 1 MiB" },
	{ "no-hdrs", FAULT_NO_HDRS, "zero page without the \"HdrS\" magic" },
	{ "zeropage-outside-ram", FAULT_ZEROPAGE_OUTSIDE_RAM,
	  "rsi points 1 MiB past the end of RAM instead of at the zero page" },
};

static unsigned fault_mask;

static __attribute__((noreturn)) void usage(void)
{
	fprintf(stderr,
		"usage: %s [-m MIB] [-a CMDLINE] [-i INITRD] [-t TIMEOUT_S] [-X FAULT]... KERNEL.elf\n"
		"  -m MIB      guest RAM in MiB (%llu..%llu, default %llu)\n"
		"  -a CMDLINE  kernel command line\n"
		"  -i INITRD   initrd, loaded page-aligned at the top of RAM\n"
		"  -t SECONDS  give up after this long (0: never, default 60)\n"
		"  -X FAULT    hand the guest malformed boot information (repeatable):\n",
		progname, MEM_MIN_MIB, MEM_MAX_MIB, MEM_DEFAULT_MIB);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		fprintf(stderr, "    %-22s %s\n", faults[i].name, faults[i].help);
	exit(EXIT_BAD);
}

/* ---- guest memory ------------------------------------------------------ */

static uint8_t *guest_mem;
static uint64_t guest_size;

/* True when [addr, addr + len) lies inside guest RAM (overflow-safe). */
static bool gpa_range_ok(uint64_t addr, uint64_t len)
{
	return addr <= guest_size && len <= guest_size - addr;
}

static void *gpa(uint64_t addr, uint64_t len)
{
	if (!gpa_range_ok(addr, len))
		die(EXIT_BAD, "internal error: guest range 0x%" PRIx64 "+0x%" PRIx64
		    " outside RAM", addr, len);
	return guest_mem + addr;
}

static void put8(uint64_t addr, uint8_t v)   { *(uint8_t *)gpa(addr, 1) = v; }
static void put16(uint64_t addr, uint16_t v) { memcpy(gpa(addr, 2), &v, 2); }
static void put32(uint64_t addr, uint32_t v) { memcpy(gpa(addr, 4), &v, 4); }
static void put64(uint64_t addr, uint64_t v) { memcpy(gpa(addr, 8), &v, 8); }

/* ---- files ------------------------------------------------------------- */

struct blob {
	uint8_t *data;
	size_t size;
};

static struct blob read_file(const char *what, const char *path)
{
	struct blob b = { NULL, 0 };
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(EXIT_BAD, "%s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0)
		die(EXIT_BAD, "%s %s: %s", what, path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		die(EXIT_BAD, "%s %s: not a regular file", what, path);
	if ((uint64_t)st.st_size > MEM_MAX_MIB * MiB)
		die(EXIT_BAD, "%s %s: too large (%lld bytes)", what, path,
		    (long long)st.st_size);
	b.size = (size_t)st.st_size;
	b.data = malloc(b.size ? b.size : 1);
	if (!b.data)
		die(EXIT_BAD, "%s %s: out of memory", what, path);
	for (size_t done = 0; done < b.size;) {
		ssize_t n = read(fd, b.data + done, b.size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die(EXIT_BAD, "%s %s: %s", what, path, strerror(errno));
		if (n == 0)
			die(EXIT_BAD, "%s %s: file shrank while reading", what, path);
		done += (size_t)n;
	}
	close(fd);
	return b;
}

/* ---- ELF loading ------------------------------------------------------- */

struct segment {
	uint64_t paddr, filesz, memsz, offset;
};

/*
 * Loads every PT_LOAD segment at its p_paddr and returns the entry point.
 * Every field that comes from the file is checked before use (ELF-64
 * Object File Format 1.5, "File Header", "Program Header").
 */
static uint64_t load_elf(const struct blob *f, const char *path,
			 uint64_t *kernel_end)
{
	Elf64_Ehdr eh;
	struct segment seg[64];
	size_t nseg = 0;
	uint64_t entry, end = 0;
	bool entry_ok = false;

	if (f->size < sizeof(eh))
		die(EXIT_BAD, "%s: not an ELF file (only %zu bytes)", path, f->size);
	memcpy(&eh, f->data, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		die(EXIT_BAD, "%s: not an ELF file (bad magic)", path);
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		die(EXIT_BAD, "%s: not a 64-bit ELF (EI_CLASS %u)", path,
		    eh.e_ident[EI_CLASS]);
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		die(EXIT_BAD, "%s: not a little-endian ELF", path);
	if (eh.e_ident[EI_VERSION] != EV_CURRENT || eh.e_version != EV_CURRENT)
		die(EXIT_BAD, "%s: unknown ELF version", path);
	if (eh.e_machine != EM_X86_64)
		die(EXIT_BAD, "%s: not an x86_64 ELF (e_machine %u)", path,
		    eh.e_machine);
	if (eh.e_type != ET_EXEC)
		die(EXIT_BAD, "%s: not an executable ELF (e_type %u)", path,
		    eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		die(EXIT_BAD, "%s: bad e_phentsize %u", path, eh.e_phentsize);
	if (eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
		die(EXIT_BAD, "%s: unsupported e_phnum %u", path, eh.e_phnum);
	if (eh.e_phoff > f->size ||
	    (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr) > f->size - eh.e_phoff)
		die(EXIT_BAD, "%s: program headers lie outside the file", path);

	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;

		memcpy(&ph, f->data + eh.e_phoff + (uint64_t)i * sizeof(ph),
		       sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz)
			die(EXIT_BAD, "%s: segment %u: p_filesz 0x%" PRIx64
			    " > p_memsz 0x%" PRIx64, path, i,
			    (uint64_t)ph.p_filesz, (uint64_t)ph.p_memsz);
		if (ph.p_offset > f->size || ph.p_filesz > f->size - ph.p_offset)
			die(EXIT_BAD, "%s: segment %u: file data 0x%" PRIx64
			    "+0x%" PRIx64 " lies outside the file (%zu bytes)",
			    path, i, (uint64_t)ph.p_offset,
			    (uint64_t)ph.p_filesz, f->size);
		if (ph.p_paddr < HIMEM_START)
			die(EXIT_BAD, "%s: segment %u: p_paddr 0x%" PRIx64
			    " is below 1 MiB, where the boot structures live",
			    path, i, (uint64_t)ph.p_paddr);
		if (!gpa_range_ok(ph.p_paddr, ph.p_memsz))
			die(EXIT_BAD, "%s: segment %u: [0x%" PRIx64 ", +0x%" PRIx64
			    ") does not fit in %" PRIu64 " MiB of guest RAM",
			    path, i, (uint64_t)ph.p_paddr, (uint64_t)ph.p_memsz,
			    (uint64_t)(guest_size / MiB));
		if (nseg == sizeof(seg) / sizeof(seg[0]))
			die(EXIT_BAD, "%s: more than %zu PT_LOAD segments", path,
			    sizeof(seg) / sizeof(seg[0]));
		for (size_t j = 0; j < nseg; j++) {
			if (ph.p_paddr < seg[j].paddr + seg[j].memsz &&
			    seg[j].paddr < ph.p_paddr + ph.p_memsz)
				die(EXIT_BAD, "%s: segment %u [0x%" PRIx64 ", +0x%"
				    PRIx64 ") overlaps an earlier PT_LOAD segment"
				    " [0x%" PRIx64 ", +0x%" PRIx64 ")", path, i,
				    (uint64_t)ph.p_paddr, (uint64_t)ph.p_memsz,
				    seg[j].paddr, seg[j].memsz);
		}
		seg[nseg++] = (struct segment){ ph.p_paddr, ph.p_filesz,
						ph.p_memsz, ph.p_offset };
	}
	if (nseg == 0)
		die(EXIT_BAD, "%s: no loadable (PT_LOAD) segments", path);

	entry = eh.e_entry;
	for (size_t j = 0; j < nseg; j++) {
		/* Guest RAM is fresh anonymous memory, so the bss is already zero. */
		memcpy(gpa(seg[j].paddr, seg[j].filesz), f->data + seg[j].offset,
		       seg[j].filesz);
		if (entry >= seg[j].paddr && entry - seg[j].paddr < seg[j].filesz)
			entry_ok = true;
		if (seg[j].paddr + seg[j].memsz > end)
			end = seg[j].paddr + seg[j].memsz;
	}
	if (!entry_ok)
		die(EXIT_BAD, "%s: e_entry 0x%" PRIx64 " is not inside the file data"
		    " of any PT_LOAD segment (it must be the physical address of"
		    " the 64-bit boot stub)", path, entry);
	*kernel_end = end;
	return entry;
}

/* ---- boot structures --------------------------------------------------- */

static void e820_add(unsigned *n, uint64_t addr, uint64_t size, uint32_t type)
{
	uint64_t e = ZERO_PAGE_ADDR + BP_E820_TABLE + (uint64_t)*n * E820_ENTRY_SIZE;

	put64(e, addr);
	put64(e + 8, size);
	put32(e + 16, type);
	++*n;
}

/*
 * The zero page as a 64-bit boot loader fills it (boot.rst, "64-bit BOOT
 * PROTOCOL"): the setup_header fields a loader sets, the command line and
 * initrd, and an e820 map describing RAM like a PC's.
 */
static void setup_zero_page(const char *cmdline, uint64_t initrd_addr,
			    uint64_t initrd_size)
{
	uint64_t zp = ZERO_PAGE_ADDR;
	size_t len = strlen(cmdline);
	unsigned n = 0;

	memset(gpa(zp, 4096), 0, 4096);
	put16(zp + BP_BOOT_FLAG, BOOT_FLAG_MAGIC);
	put32(zp + BP_HEADER, HDRS_MAGIC);
	put16(zp + BP_VERSION, BOOT_PROTO_VERSION);
	put8(zp + BP_TYPE_OF_LOADER, LOADER_UNDEFINED);
	put8(zp + BP_LOADFLAGS, LOADED_HIGH);
	put32(zp + BP_KERNEL_ALIGNMENT, (uint32_t)(2 * MiB));

	memset(gpa(CMDLINE_ADDR, CMDLINE_MAX), 0, CMDLINE_MAX);
	memcpy(gpa(CMDLINE_ADDR, len + 1), cmdline, len + 1);
	put32(zp + BP_CMD_LINE_PTR, (uint32_t)CMDLINE_ADDR);
	put32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(CMDLINE_ADDR >> 32));
	put32(zp + BP_CMDLINE_SIZE, (uint32_t)(CMDLINE_MAX - 1));

	if (initrd_size) {
		put32(zp + BP_RAMDISK_IMAGE, (uint32_t)initrd_addr);
		put32(zp + BP_RAMDISK_SIZE, (uint32_t)initrd_size);
		put32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(initrd_addr >> 32));
		put32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(initrd_size >> 32));
	}

	e820_add(&n, 0, EBDA_START, E820_RAM);
	e820_add(&n, EBDA_START, HIMEM_START - EBDA_START, E820_RESERVED);
	e820_add(&n, HIMEM_START, guest_size - HIMEM_START, E820_RAM);
	put8(zp + BP_E820_ENTRIES, (uint8_t)n);
}

/* Where the faults that corrupt memory (not registers) do their damage. */
static void inject_faults(void)
{
	uint64_t zp = ZERO_PAGE_ADDR;

	if (fault_mask & FAULT_E820_TRUNCATED)
		put8(zp + BP_E820_ENTRIES, 200);
	if (fault_mask & FAULT_E820_EMPTY)
		put8(zp + BP_E820_ENTRIES, 0);
	if (fault_mask & FAULT_E820_NO_RAM) {
		for (unsigned i = 0; i < BP_E820_MAX; i++)
			put32(zp + BP_E820_TABLE + i * E820_ENTRY_SIZE + 16,
			      E820_RESERVED);
	}
	if (fault_mask & FAULT_CMDLINE_UNTERMINATED) {
		/*
		 * Past the command line area too, up to the EBDA: a kernel
		 * that runs on past its limit reads junk, not a lucky NUL.
		 */
		uint64_t end = EBDA_START & ~0xfffULL;

		memset(gpa(CMDLINE_ADDR, end - CMDLINE_ADDR), 'x', end - CMDLINE_ADDR);
		put32(zp + BP_CMD_LINE_PTR, (uint32_t)CMDLINE_ADDR);
		put32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(CMDLINE_ADDR >> 32));
	}
	if (fault_mask & FAULT_CMDLINE_OUTSIDE_RAM) {
		uint64_t a = guest_size + MiB;

		put32(zp + BP_CMD_LINE_PTR, (uint32_t)a);
		put32(zp + BP_EXT_CMD_LINE_PTR, (uint32_t)(a >> 32));
	}
	if (fault_mask & FAULT_INITRD_PAST_RAM) {
		uint64_t a = guest_size - 4096, n = MiB;

		put32(zp + BP_RAMDISK_IMAGE, (uint32_t)a);
		put32(zp + BP_RAMDISK_SIZE, (uint32_t)n);
		put32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(a >> 32));
		put32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)(n >> 32));
	}
	if (fault_mask & FAULT_NO_HDRS)
		put32(zp + BP_HEADER, 0);
}

/*
 * Identity map of max(1 GiB, RAM) with 2 MiB pages. The boot protocol
 * promises only the kernel, zero page and command line; mapping all of
 * RAM also covers an initrd placed above 1 GiB.
 */
static void setup_page_tables(void)
{
	uint64_t gibs = (guest_size + GiB - 1) / GiB;

	if (gibs < 1)
		gibs = 1;
	memset(gpa(PML4_ADDR, 4096), 0, 4096);
	memset(gpa(PDPT_ADDR, 4096), 0, 4096);
	put64(PML4_ADDR, PDPT_ADDR | PTE_P | PTE_RW);
	for (uint64_t g = 0; g < gibs; g++) {
		uint64_t pd = PD_ADDR + g * 4096;

		put64(PDPT_ADDR + g * 8, pd | PTE_P | PTE_RW);
		for (uint64_t i = 0; i < 512; i++)
			put64(pd + i * 8, (g * GiB + i * 2 * MiB) |
			      PTE_P | PTE_RW | PTE_PS);
	}
}

/*
 * A GDT descriptor from Firecracker's packed form: flags holds the access
 * byte in bits 0..7 and G/DB/L/AVL in bits 12..15 (Intel SDM Vol. 3A
 * §3.4.5, "Segment Descriptors").
 */
static uint64_t gdt_entry(uint16_t flags, uint32_t base, uint32_t limit)
{
	return ((uint64_t)(base & 0xff000000u) << 32) |
	       ((uint64_t)(flags & 0xf0ffu) << 40) |
	       ((uint64_t)(limit & 0x000f0000u) << 32) |
	       ((uint64_t)(base & 0x00ffffffu) << 16) |
	       (uint64_t)(limit & 0x0000ffffu);
}

static struct kvm_segment segment_from_gdt(uint64_t d, uint16_t sel)
{
	uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
	struct kvm_segment s = {
		.base = ((d >> 16) & 0xffffff) | ((d >> 32) & 0xff000000),
		.selector = sel,
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.present = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};

	/* kvm_segment.limit is in bytes whatever the granularity. */
	s.limit = s.g ? (limit << 12) | 0xfff : limit;
	s.unusable = !s.present;
	return s;
}

/* ---- emulated devices -------------------------------------------------- */

/*
 * COM1 as a 16550 that is always ready: enough state to survive a driver's
 * initialisation (divisor latch, scratch and loopback tests) and to print
 * what it transmits. Register map: TI PC16550D datasheet, table 2.
 */
static struct {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t rbr;
	bool rbr_full;
} uart;

#define LCR_DLAB	0x80
#define MCR_LOOP	0x10
#define LSR_DR		0x01
#define LSR_THRE	0x20
#define LSR_TEMT	0x40

static void console_putc(uint8_t c)
{
	putchar(c);
	if (c == '\n')
		fflush(stdout);
}

static void uart_out(unsigned reg, uint8_t v)
{
	bool dlab = uart.lcr & LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab)
			uart.dll = v;
		else if (uart.mcr & MCR_LOOP) {
			uart.rbr = v;
			uart.rbr_full = true;
		} else
			console_putc(v);
		break;
	case 1:
		if (dlab)
			uart.dlm = v;
		else
			uart.ier = v & 0x0f;
		break;
	case 3: uart.lcr = v; break;
	case 4: uart.mcr = v & 0x1f; break;
	case 7: uart.scr = v; break;
	default: break;	/* FCR, LSR, MSR: nothing to model */
	}
}

static uint8_t uart_in(unsigned reg)
{
	bool dlab = uart.lcr & LCR_DLAB;

	switch (reg) {
	case 0:
		if (dlab)
			return uart.dll;
		uart.rbr_full = false;
		return uart.rbr;
	case 1: return dlab ? uart.dlm : uart.ier;
	case 2: return 0x01;	/* IIR: no interrupt pending */
	case 3: return uart.lcr;
	case 4: return uart.mcr;
	case 5: return LSR_THRE | LSR_TEMT | (uart.rbr_full ? LSR_DR : 0);
	case 6:
		/* MSR: in loopback the outputs feed the inputs; else CTS|DSR|DCD. */
		if (uart.mcr & MCR_LOOP)
			return (uint8_t)(((uart.mcr & 0x02) << 3) | ((uart.mcr & 0x01) << 5) |
					 ((uart.mcr & 0x04) << 4) | ((uart.mcr & 0x08) << 4));
		return 0xb0;
	default: return uart.scr;
	}
}

/*
 * CMOS RTC (Motorola MC146818A datasheet, "Address Map"): time registers
 * read as BCD from the host's UTC clock, status B says 24-hour BCD, status
 * A never shows an update in progress, status D says the battery is good.
 * Other bytes are plain storage. 0x32 is the usual century byte (the ACPI
 * FADT CENTURY field points there on PCs).
 */
static struct {
	uint8_t index;
	uint8_t ram[128];
} cmos;

static uint8_t bcd(int v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static uint8_t cmos_read(void)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm))
		memset(&tm, 0, sizeof(tm));
	switch (cmos.index) {
	case 0x00: return bcd(tm.tm_sec > 59 ? 59 : tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);	/* 1 = Sunday */
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd((tm.tm_year + 1900) / 100);
	case 0x0a: return 0x26;	/* UIP clear, 32.768 kHz base, 1024 Hz rate */
	case 0x0b: return 0x02;	/* 24-hour, BCD, no interrupts */
	case 0x0c: return 0x00;	/* no interrupt flags */
	case 0x0d: return 0x80;	/* VRT: RAM and time valid */
	default: return cmos.ram[cmos.index];
	}
}

/* ---- the run loop ------------------------------------------------------ */

static struct kvm_run *run;
static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
	(void)sig;
	timed_out = 1;
	/*
	 * Makes a KVM_RUN that has not yet entered the guest return at once
	 * with EINTR; one already running is kicked out by the signal itself
	 * (KVM API doc, "immediate_exit" in struct kvm_run).
	 */
	if (run)
		run->immediate_exit = 1;
}

static void guest_exit(unsigned v)
{
	/* QEMU's isa-debug-exit: exit status (v << 1) | 1. */
	fflush(stdout);
	exit((int)(((v << 1) | 1) & 0xff));
}

static void handle_io(void)
{
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned size = run->io.size, port = run->io.port;

	for (uint32_t n = 0; n < run->io.count; n++, data += size) {
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			uint32_t v = 0;

			memcpy(&v, data, size < 4 ? size : 4);
			if (port >= COM1_BASE && port < COM1_BASE + 8)
				uart_out(port - COM1_BASE, (uint8_t)v);
			else if (port == DEBUG_EXIT_PORT)
				guest_exit(v);
			else if (port == CMOS_INDEX)
				cmos.index = v & 0x7f;	/* bit 7 is the NMI mask */
			else if (port == CMOS_DATA && cmos.index >= 0x0e)
				cmos.ram[cmos.index] = (uint8_t)v;
		} else {
			memset(data, 0xff, size);
			if (port >= COM1_BASE && port < COM1_BASE + 8)
				data[0] = uart_in(port - COM1_BASE);
			else if (port == CMOS_INDEX)
				data[0] = cmos.index;
			else if (port == CMOS_DATA)
				data[0] = cmos_read();
		}
	}
}

static void dump_regs(int vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (ioctl(vcpu, KVM_GET_REGS, &r) < 0 || ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		return;
	fprintf(stderr,
		"  rip %016llx rsp %016llx rflags %08llx\n"
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx cr0 %08llx cr2 %016llx cr3 %016llx\n"
		"  cr4 %08llx efer %llx cs %04x\n",
		r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi,
		s.cr0, s.cr2, s.cr3, s.cr4, s.efer, s.cs.selector);
}

static void run_loop(int vcpu, unsigned timeout)
{
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				die(EXIT_BAD, "KVM_RUN: %s", strerror(errno));
			if (timed_out) {
				struct kvm_mp_state mp;

				run->immediate_exit = 0;
				warnx_("timeout after %u s", timeout);
				if (ioctl(vcpu, KVM_GET_MP_STATE, &mp) == 0 &&
				    mp.mp_state == KVM_MP_STATE_HALTED)
					fprintf(stderr, "  (the vCPU is halted; with"
						" the in-kernel LAPIC a hlt does not"
						" exit to the VMM)\n");
				dump_regs(vcpu);
				exit(EXIT_TIMEOUT);
			}
			continue;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			handle_io();
			break;
		case KVM_EXIT_MMIO:
			/* No MMIO devices: reads float high, writes vanish. */
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
			break;
		case KVM_EXIT_HLT:
			warnx_("guest halted");
			fflush(stdout);
			exit(0);
		case KVM_EXIT_SHUTDOWN:
			warnx_("guest shut down (triple fault)");
			dump_regs(vcpu);
			exit(0);
		case KVM_EXIT_SYSTEM_EVENT:
			warnx_("guest requested system event %u (%s)",
			       run->system_event.type,
			       run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ?
			       "shutdown" : run->system_event.type ==
			       KVM_SYSTEM_EVENT_RESET ? "reset" : "other");
			exit(0);
		case KVM_EXIT_FAIL_ENTRY:
			warnx_("VM entry failed: hardware_entry_failure_reason 0x%llx"
			       " on cpu %u",
			       (unsigned long long)run->fail_entry.hardware_entry_failure_reason,
			       run->fail_entry.cpu);
			dump_regs(vcpu);
			exit(EXIT_BAD);
		case KVM_EXIT_INTERNAL_ERROR:
			fflush(stdout);
			fprintf(stderr, "%s: KVM internal error: suberror %u", progname,
				run->internal.suberror);
			for (uint32_t i = 0; i < run->internal.ndata && i < 16; i++)
				fprintf(stderr, " %llx",
					(unsigned long long)run->internal.data[i]);
			fputc('\n', stderr);
			/* struct emulation_failure overlays internal (linux/kvm.h). */
			if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION &&
			    (run->emulation_failure.flags &
			     KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) {
				unsigned len = run->emulation_failure.insn_size;

				fprintf(stderr, "  failed to emulate instruction:");
				for (unsigned i = 0; i < len && i < 15; i++)
					fprintf(stderr, " %02x",
						run->emulation_failure.insn_bytes[i]);
				fprintf(stderr, " (from rip; %u bytes fetched)\n", len);
			}
			dump_regs(vcpu);
			exit(EXIT_BAD);
		case KVM_EXIT_INTR:
			/* A signal other than ours, or ours: the next KVM_RUN says. */
			break;
		default:
			warnx_("unhandled KVM exit reason %u", run->exit_reason);
			dump_regs(vcpu);
			exit(EXIT_BAD);
		}
	}
}

/* ---- VM setup ---------------------------------------------------------- */

static int kvm_ioctl(int fd, unsigned long req, void *arg, const char *name)
{
	int r = ioctl(fd, req, arg);

	if (r < 0)
		die(EXIT_BAD, "%s: %s", name, strerror(errno));
	return r;
}

static void setup_cpuid(int kvm, int vcpu)
{
	struct kvm_cpuid2 *c = NULL;

	/* The kernel says E2BIG until the buffer is big enough. */
	for (unsigned n = 64; n <= 4096; n *= 2) {
		free(c);
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			die(EXIT_BAD, "out of memory");
		c->nent = n;
		if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG)
			die(EXIT_BAD, "KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
		c->nent = 0;
	}
	if (c->nent == 0)
		die(EXIT_BAD, "KVM_GET_SUPPORTED_CPUID: too many entries");
	for (uint32_t i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];

		/* Leaf 1: initial APIC ID 0, one logical CPU (SDM Vol. 2A CPUID). */
		if (e->function == 1)
			e->ebx = (e->ebx & 0x0000ffffu) | (1u << 16);
	}
	kvm_ioctl(vcpu, KVM_SET_CPUID2, c, "KVM_SET_CPUID2");
	free(c);
}

static void setup_vcpu_state(int vcpu, uint64_t entry)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	struct kvm_fpu fpu;
	uint64_t gdt[4];

	/*
	 * Firecracker's boot GDT (null, code 0x8, data 0x10, TSS 0x18) and an
	 * empty IDT: the kernel installs its own before enabling interrupts.
	 */
	gdt[0] = 0;
	gdt[1] = gdt_entry(0xa09b, 0, 0xfffff);	/* 64-bit code, DPL 0 */
	gdt[2] = gdt_entry(0xc093, 0, 0xfffff);	/* data, read/write */
	gdt[3] = gdt_entry(0x808b, 0, 0xfffff);	/* busy TSS */
	for (unsigned i = 0; i < 4; i++)
		put64(GDT_ADDR + i * 8, gdt[i]);
	put64(IDT_ADDR, 0);

	kvm_ioctl(vcpu, KVM_GET_SREGS, &s, "KVM_GET_SREGS");
	s.gdt.base = GDT_ADDR;
	s.gdt.limit = sizeof(gdt) - 1;
	s.idt.base = IDT_ADDR;
	s.idt.limit = 7;
	s.cs = segment_from_gdt(gdt[1], 0x08);
	s.ds = s.es = s.fs = s.gs = s.ss = segment_from_gdt(gdt[2], 0x10);
	s.tr = segment_from_gdt(gdt[3], 0x18);
	/* Long mode with paging, caches enabled (CD/NW clear). */
	s.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_PG;
	s.cr3 = PML4_ADDR;
	s.cr4 = CR4_PAE;
	s.efer = EFER_LME | EFER_LMA;
	kvm_ioctl(vcpu, KVM_SET_SREGS, &s, "KVM_SET_SREGS");

	memset(&r, 0, sizeof(r));
	r.rip = entry;
	r.rsi = fault_mask & FAULT_ZEROPAGE_OUTSIDE_RAM ? guest_size + MiB
						       : ZERO_PAGE_ADDR;
	r.rsp = r.rbp = STACK_TOP;
	r.rflags = 0x2;	/* reserved bit 1; IF clear */
	kvm_ioctl(vcpu, KVM_SET_REGS, &r, "KVM_SET_REGS");

	/* x87 and SSE in their power-on state (SDM Vol. 1 §8.1.5, §10.2.3). */
	memset(&fpu, 0, sizeof(fpu));
	fpu.fcw = 0x37f;
	fpu.mxcsr = 0x1f80;
	if (ioctl(vcpu, KVM_SET_FPU, &fpu) < 0)
		warnx_("KVM_SET_FPU refused (%s); continuing", strerror(errno));
}

/*
 * LINT0 as ExtINT and LINT1 as NMI, as a PC BIOS (and Firecracker) leaves
 * them (MultiProcessor Specification 1.4 §3.6.2.2, virtual wire mode).
 */
static void setup_lapic(int vcpu)
{
	struct kvm_lapic_state la;
	uint32_t v;

	if (ioctl(vcpu, KVM_GET_LAPIC, &la) < 0) {
		warnx_("KVM_GET_LAPIC refused (%s); LINT0/1 left as they are",
		       strerror(errno));
		return;
	}
	memcpy(&v, &la.regs[0x350], 4);
	v = (v & ~0x700u) | (7u << 8);	/* delivery mode ExtINT */
	memcpy(&la.regs[0x350], &v, 4);
	memcpy(&v, &la.regs[0x360], 4);
	v = (v & ~0x700u) | (4u << 8);	/* delivery mode NMI */
	memcpy(&la.regs[0x360], &v, 4);
	if (ioctl(vcpu, KVM_SET_LAPIC, &la) < 0)
		warnx_("KVM_SET_LAPIC refused (%s); continuing", strerror(errno));
}

static unsigned long parse_num(const char *opt, const char *s,
			       unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		die(EXIT_BAD, "-%s: '%s' is not a number in %lu..%lu", opt, s,
		    min, max);
	return v;
}

static unsigned parse_fault(const char *name)
{
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		if (strcmp(name, faults[i].name) == 0)
			return faults[i].bit;
	warnx_("-X: unknown fault '%s'", name);
	usage();
}

int main(int argc, char **argv)
{
	unsigned long mem_mib = MEM_DEFAULT_MIB;
	unsigned long timeout = 60;
	const char *cmdline = "", *initrd_path = NULL, *kernel_path;
	struct blob kernel, initrd = { NULL, 0 };
	uint64_t entry, kernel_end, initrd_addr = 0;
	int kvm, vm, vcpu, api, mmap_size, opt;
	struct kvm_userspace_memory_region region;
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t idmap = KVM_IDMAP_ADDR;
	struct sigaction sa;

	while ((opt = getopt(argc, argv, "m:a:i:t:X:h")) != -1) {
		switch (opt) {
		case 'm':
			mem_mib = parse_num("m", optarg, MEM_MIN_MIB, MEM_MAX_MIB);
			break;
		case 'a': cmdline = optarg; break;
		case 'i': initrd_path = optarg; break;
		case 't': timeout = parse_num("t", optarg, 0, 86400); break;
		case 'X': fault_mask |= parse_fault(optarg); break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();
	kernel_path = argv[optind];
	if (strlen(cmdline) >= CMDLINE_MAX)
		die(EXIT_BAD, "command line too long (%zu bytes, at most %llu)",
		    strlen(cmdline), CMDLINE_MAX - 1);

	/* Read and check the inputs before touching /dev/kvm. */
	kernel = read_file("kernel", kernel_path);
	if (initrd_path) {
		initrd = read_file("initrd", initrd_path);
		if (initrd.size == 0)
			die(EXIT_BAD, "initrd %s: file is empty", initrd_path);
	}
	guest_size = (uint64_t)mem_mib * MiB;
	guest_mem = mmap(NULL, guest_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (guest_mem == MAP_FAILED)
		die(EXIT_BAD, "cannot map %lu MiB of guest memory: %s", mem_mib,
		    strerror(errno));
	entry = load_elf(&kernel, kernel_path, &kernel_end);
	if (initrd.size) {
		/* Highest page-aligned spot, as Firecracker places it. */
		if (initrd.size > guest_size - kernel_end)
			die(EXIT_BAD, "initrd %s (%zu bytes) does not fit between the"
			    " kernel's end (0x%" PRIx64 ") and the end of RAM"
			    " (0x%" PRIx64 ")", initrd_path, initrd.size,
			    kernel_end, guest_size);
		initrd_addr = (guest_size - initrd.size) & ~0xfffULL;
		if (initrd_addr < kernel_end)
			die(EXIT_BAD, "initrd %s (%zu bytes) would overlap the kernel"
			    " (which ends at 0x%" PRIx64 "); use more memory (-m)",
			    initrd_path, initrd.size, kernel_end);
		memcpy(gpa(initrd_addr, initrd.size), initrd.data, initrd.size);
	}
	setup_zero_page(cmdline, initrd_addr, initrd.size);
	inject_faults();
	setup_page_tables();

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die(EXIT_SKIP, "/dev/kvm not available: %s", strerror(errno));
	api = ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (api != KVM_API_VERSION)
		die(EXIT_SKIP, "/dev/kvm not available: API version %d, need %d",
		    api, KVM_API_VERSION);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		die(EXIT_SKIP, "/dev/kvm not available: KVM_CREATE_VM: %s",
		    strerror(errno));

	/* Needed on Intel (real-mode emulation); harmless elsewhere. */
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(vm, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR) < 0)
		warnx_("KVM_SET_TSS_ADDR refused (%s); continuing", strerror(errno));
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_IDENTITY_MAP_ADDR) > 0 &&
	    ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &idmap) < 0)
		warnx_("KVM_SET_IDENTITY_MAP_ADDR refused (%s); continuing",
		       strerror(errno));
	/* The kernel needs a LAPIC and IOAPIC; without them there is no point. */
	kvm_ioctl(vm, KVM_CREATE_IRQCHIP, NULL, "KVM_CREATE_IRQCHIP");
	if (ioctl(vm, KVM_CREATE_PIT2, &pit) < 0)
		warnx_("KVM_CREATE_PIT2 refused (%s); continuing without a PIT",
		       strerror(errno));

	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = guest_size,
		.userspace_addr = (uintptr_t)guest_mem,
	};
	kvm_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region,
		  "KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die(EXIT_BAD, "KVM_CREATE_VCPU: %s", strerror(errno));
	mmap_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(*run))
		die(EXIT_BAD, "KVM_GET_VCPU_MMAP_SIZE: %s",
		    mmap_size < 0 ? strerror(errno) : "too small");
	run = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu, 0);
	if (run == MAP_FAILED)
		die(EXIT_BAD, "mmap of the vCPU run area: %s", strerror(errno));

	setup_cpuid(kvm, vcpu);
	setup_vcpu_state(vcpu, entry);
	setup_lapic(vcpu);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: KVM_RUN must see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	if (timeout)
		alarm((unsigned)timeout);

	run_loop(vcpu, (unsigned)timeout);
	return EXIT_BAD;	/* not reached */
}
