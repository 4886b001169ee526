/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the boot information parsers (PVH, multiboot, Linux zero page) and helpers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mote/errno.h>

#include "kernel/bootinfo.h"
#include "tests/unit/check.h"
#include "tests/unit/fake_phys.h"

static struct bootinfo bi;

static void reset(void)
{
	memset(mem, 0, MEM_SIZE);
	memset(&bi, 0xa5, sizeof(bi));	/* parsers must not rely on a zeroed bootinfo */
	bi.tsc_entry = 1234;
}

/* ---- helpers ------------------------------------------------------------- */

static void test_helpers(void)
{
	reset();
	bootinfo_init(&bi, BOOT_PVH);
	CHECK_EQ(bi.tsc_entry, 1234);

	/* Unsorted, overlapping, adjacent: reserved wins, neighbours merge. */
	CHECK_EQ(bootinfo_add_mem(&bi, 0x100000, 0x7f00000, 1), 0);	/* RAM 1M..128M */
	CHECK_EQ(bootinfo_add_mem(&bi, 0, 0x9fc00, 1), 0);
	CHECK_EQ(bootinfo_add_mem(&bi, 0x9fc00, 0x400, 2), 0);
	CHECK_EQ(bootinfo_add_mem(&bi, 0xf0000, 0x10000, 2), 0);
	CHECK_EQ(bootinfo_add_mem(&bi, 0x7000000, 0x2000000, 2), 0);	/* 112M..144M reserved over RAM end */
	CHECK_EQ(bootinfo_add_mem(&bi, 0x200000, 0x100000, 1), 0);	/* duplicate RAM inside RAM */
	CHECK_EQ(bootinfo_add_mem(&bi, 0x400000, 0, 2), 0);		/* ignored */
	CHECK_EQ(bootinfo_add_mem(&bi, 0x500000, 0x1000, 3), 0);	/* ACPI carved out of RAM */
	CHECK_EQ(bootinfo_add_mem(&bi, 0xfee00000, 0x1000, 99), 0);	/* unknown type → reserved */
	CHECK_EQ(bootinfo_finish(&bi), 0);
	CHECK_EQ(bi.nmem, 8);
	CHECK_EQ(bi.mem[0].base, 0);
	CHECK_EQ(bi.mem[0].len, 0x9fc00);
	CHECK_EQ(bi.mem[0].type, BOOTINFO_MEM_RAM);
	CHECK_EQ(bi.mem[1].base, 0x9fc00);
	CHECK_EQ(bi.mem[1].type, BOOTINFO_MEM_RESERVED);
	CHECK_EQ(bi.mem[2].base, 0xf0000);
	CHECK_EQ(bi.mem[2].type, BOOTINFO_MEM_RESERVED);
	CHECK_EQ(bi.mem[3].base, 0x100000);
	CHECK_EQ(bi.mem[3].len, 0x400000);
	CHECK_EQ(bi.mem[3].type, BOOTINFO_MEM_RAM);
	CHECK_EQ(bi.mem[4].base, 0x500000);
	CHECK_EQ(bi.mem[4].type, BOOTINFO_MEM_ACPI);
	CHECK_EQ(bi.mem[5].base, 0x501000);
	CHECK_EQ(bi.mem[5].len, 0x7000000 - 0x501000);
	CHECK_EQ(bi.mem[5].type, BOOTINFO_MEM_RAM);
	CHECK_EQ(bi.mem[6].base, 0x7000000);
	CHECK_EQ(bi.mem[6].len, 0x2000000);
	CHECK_EQ(bi.mem[6].type, BOOTINFO_MEM_RESERVED);
	CHECK_EQ(bi.mem[7].base, 0xfee00000);
	CHECK_EQ(bi.mem[7].type, BOOTINFO_MEM_RESERVED);
	CHECK_EQ(bootinfo_ram_top(&bi), 0x7000000);
	for (unsigned int i = 1; i < bi.nmem; i++)
		CHECK(bi.mem[i - 1].base + bi.mem[i - 1].len <= bi.mem[i].base);

	/* Overflowing range is clamped, not wrapped. */
	reset();
	bootinfo_init(&bi, BOOT_PVH);
	CHECK_EQ(bootinfo_add_mem(&bi, 0x100000, UINT64_MAX, 1), 0);
	CHECK_EQ(bootinfo_finish(&bi), 0);
	CHECK_EQ(bi.nmem, 1);
	CHECK_EQ(bi.mem[0].base + bi.mem[0].len, UINT64_MAX);

	/* No RAM at all. */
	reset();
	bootinfo_init(&bi, BOOT_PVH);
	CHECK_EQ(bootinfo_add_mem(&bi, 0, 0x1000, 2), 0);
	CHECK_EQ(bootinfo_finish(&bi), -EINVAL);
	CHECK_STR(bi.error, "memory map has no usable RAM");

	/* Many duplicates compact; many distinct ranges are an error. */
	reset();
	bootinfo_init(&bi, BOOT_PVH);
	for (int i = 0; i < 200; i++)
		CHECK_EQ(bootinfo_add_mem(&bi, 0x100000, 0x100000, 1), 0);
	CHECK_EQ(bootinfo_finish(&bi), 0);
	CHECK_EQ(bi.nmem, 1);
	reset();
	bootinfo_init(&bi, BOOT_PVH);
	int r = 0;
	for (int i = 0; i < 200 && r == 0; i++)
		r = bootinfo_add_mem(&bi, (uint64_t)i * 0x2000, 0x1000, 1);
	CHECK_EQ(r, -EINVAL);
	CHECK_STR(bi.error, "memory map has more than 64 distinct ranges");

	/* Command line: good, unterminated, off the end, truncated by maxlen. */
	reset();
	bootinfo_init(&bi, BOOT_PVH);
	puts_at(0x1000, "console=ttyS0 quiet");
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, 0x1000, BOOTINFO_CMDLINE_MAX), 0);
	CHECK_STR(bi.cmdline, "console=ttyS0 quiet");
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, 0, BOOTINFO_CMDLINE_MAX), 0);
	CHECK_STR(bi.cmdline, "");
	memset(mem + 0x2000, 'a', 4096);
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, 0x2000, BOOTINFO_CMDLINE_MAX), -EINVAL);
	CHECK_STR(bi.error, "command line not NUL-terminated within 2048 bytes");
	CHECK_STR(bi.cmdline, "");
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, 0x2000, 16), -EINVAL);
	CHECK_STR(bi.error, "command line not NUL-terminated within 16 bytes");
	/* the last 10 bytes of memory, no NUL: the slow path must stop at the end */
	memset(mem + MEM_SIZE - 10, 'b', 10);
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, MEM_SIZE - 10, BOOTINFO_CMDLINE_MAX), -EINVAL);
	CHECK_STR(bi.error, "command line at 0xffff6 runs off readable memory");
	/* a short line right at the end of memory is fine */
	puts_at(MEM_SIZE - 4, "abc");
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, MEM_SIZE - 4, BOOTINFO_CMDLINE_MAX), 0);
	CHECK_STR(bi.cmdline, "abc");
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, 0x40000000, BOOTINFO_CMDLINE_MAX), -EINVAL);
	CHECK_STR(bi.error, "command line at 0x40000000 runs off readable memory");
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, UINT64_MAX - 3, BOOTINFO_CMDLINE_MAX), -EINVAL);

	/* A 2047-character line fits exactly. */
	memset(mem + 0x3000, 'c', 2047);
	mem[0x3000 + 2047] = 0;
	CHECK_EQ(bootinfo_set_cmdline(&bi, fake_phys, NULL, 0x3000, BOOTINFO_CMDLINE_MAX), 0);
	CHECK_EQ(strlen(bi.cmdline), 2047);
}

/* ---- PVH ----------------------------------------------------------------- */

#define SI	0x1000
#define MMAP	0x2000
#define MODS	0x3000
#define CMD	0x4000

static void pvh_build(void)
{
	reset();
	put32(SI + 0, 0x336ec578);
	put32(SI + 4, 1);
	put32(SI + 12, 1);		/* nr_modules */
	put64(SI + 16, MODS);
	put64(SI + 24, CMD);
	put64(SI + 32, 0xf5a40);	/* rsdp */
	put64(SI + 40, MMAP);
	put32(SI + 48, 3);
	put64(MMAP + 0, 0);		put64(MMAP + 8, 0x9fc00);	put32(MMAP + 16, 1);
	put64(MMAP + 24, 0x100000);	put64(MMAP + 32, 0x7f00000);	put32(MMAP + 40, 1);
	put64(MMAP + 48, 0xfeffc000);	put64(MMAP + 56, 0x4000);	put32(MMAP + 64, 2);
	put64(MODS + 0, 0x6000000);
	put64(MODS + 8, 0x123456);
	puts_at(CMD, "init=/app -- hello");
}

static void test_pvh(void)
{
	pvh_build();
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), 0);
	CHECK_EQ(bi.protocol, BOOT_PVH);
	CHECK_EQ(bi.tsc_entry, 1234);
	CHECK_EQ(bi.nmem, 3);
	CHECK_EQ(bi.mem[1].base, 0x100000);
	CHECK_EQ(bi.mem[2].type, BOOTINFO_MEM_RESERVED);
	CHECK_STR(bi.cmdline, "init=/app -- hello");
	CHECK_EQ(bi.initrd_base, 0x6000000);
	CHECK_EQ(bi.initrd_size, 0x123456);
	CHECK_EQ(bi.rsdp, 0xf5a40);
	CHECK_EQ(bootinfo_ram_top(&bi), 0x8000000);

	pvh_build();
	put32(SI + 12, 0);		/* no modules, no cmdline */
	put64(SI + 24, 0);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), 0);
	CHECK_EQ(bi.initrd_base, 0);
	CHECK_EQ(bi.initrd_size, 0);
	CHECK_STR(bi.cmdline, "");

	pvh_build();
	put32(SI + 0, 0x336ec579);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "PVH start_info has a bad magic (expected 0x336ec578)");

	pvh_build();
	put32(SI + 4, 0);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "PVH start_info has no memory map (version 0)");

	pvh_build();
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, 0x80000000), -EINVAL);
	CHECK_STR(bi.error, "PVH start_info is not readable memory");

	/* start_info straddling the end of memory */
	pvh_build();
	memcpy(mem + MEM_SIZE - 16, mem + SI, 16);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, MEM_SIZE - 16), -EINVAL);
	CHECK_STR(bi.error, "PVH start_info is truncated by the end of readable memory");

	pvh_build();
	put32(SI + 48, 0);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "PVH start_info has an empty memory map");

	pvh_build();
	put32(SI + 48, 1000);	/* runs past readable memory? no: 24000 bytes fit; garbage types */
	put64(SI + 40, MEM_SIZE - 24 * 10);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "PVH memory map is not readable memory");

	pvh_build();
	put32(SI + 48, 0xffffffff);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "PVH memory map has more than 1024 entries");

	pvh_build();
	put64(MODS + 0, 0x7ff0000);	/* initrd past the end of RAM */
	put64(MODS + 8, 0x20000);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "initrd [0x7ff0000, 0x8010000) lies outside RAM");

	pvh_build();
	put64(MODS + 0, 0xfffffffffffff000ull);	/* initrd wrapping */
	put64(MODS + 8, 0x2000);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK(strstr(bi.error, "wraps around") != NULL);

	pvh_build();
	put64(MODS + 0, 0xa0000);	/* initrd in the hole below 1 MiB */
	put64(MODS + 8, 0x1000);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "initrd [0xa0000, 0xa1000) lies outside RAM");

	pvh_build();
	put64(SI + 16, 0);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "PVH start_info lists modules but no module list");

	pvh_build();
	put64(SI + 24, 0x90000000);	/* cmdline pointer outside RAM */
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "command line at 0x90000000 lies outside the memory map");

	pvh_build();
	memset(mem + CMD, 'x', 3000);
	CHECK_EQ(bootinfo_from_pvh(&bi, fake_phys, NULL, SI), -EINVAL);
	CHECK_STR(bi.error, "command line not NUL-terminated within 2048 bytes");
}

/* ---- multiboot ----------------------------------------------------------- */

#define MBI	0x1000

static void mb_entry(uint64_t at, uint32_t size, uint64_t base, uint64_t len, uint32_t type)
{
	put32(at, size);
	put64(at + 4, base);
	put64(at + 12, len);
	put32(at + 20, type);
}

static void mb_build(void)
{
	reset();
	put32(MBI + 0, (1u << 0) | (1u << 2) | (1u << 3) | (1u << 6));
	put32(MBI + 4, 639);
	put32(MBI + 8, 130048);
	put32(MBI + 16, CMD);
	put32(MBI + 20, 1);
	put32(MBI + 24, MODS);
	put32(MBI + 44, 24 * 3);
	put32(MBI + 48, MMAP);
	mb_entry(MMAP + 0, 20, 0, 0x9fc00, 1);
	mb_entry(MMAP + 24, 20, 0x100000, 0x7ee0000, 1);
	mb_entry(MMAP + 48, 20, 0xfffc0000, 0x40000, 2);
	put32(MODS + 0, 0x200000);
	put32(MODS + 4, 0x280000);
	puts_at(CMD, "mote.app=/bin/sh");
}

static void test_multiboot(void)
{
	mb_build();
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), 0);
	CHECK_EQ(bi.protocol, BOOT_MULTIBOOT);
	CHECK_EQ(bi.nmem, 3);
	CHECK_EQ(bi.mem[1].len, 0x7ee0000);
	CHECK_STR(bi.cmdline, "mote.app=/bin/sh");
	CHECK_EQ(bi.initrd_base, 0x200000);
	CHECK_EQ(bi.initrd_size, 0x80000);
	CHECK_EQ(bi.rsdp, 0);

	/* Entries with a size above 20 are stepped over by their size. */
	mb_build();
	put32(MBI + 44, 28 + 24);
	mb_entry(MMAP + 0, 24, 0, 0x9fc00, 1);
	mb_entry(MMAP + 28, 20, 0x100000, 0x7ee0000, 1);
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), 0);
	CHECK_EQ(bi.nmem, 2);
	CHECK_EQ(bi.mem[1].base, 0x100000);

	/* Only mem_lower/mem_upper. */
	mb_build();
	put32(MBI + 0, (1u << 0));
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), 0);
	CHECK_EQ(bi.nmem, 2);
	CHECK_EQ(bi.mem[0].len, 639 * 1024);
	CHECK_EQ(bootinfo_ram_top(&bi), 0x100000 + 130048ull * 1024);
	CHECK_STR(bi.cmdline, "");
	CHECK_EQ(bi.initrd_size, 0);

	mb_build();
	put32(MBI + 0, (1u << 0));
	put32(MBI + 4, 4096);
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot mem_lower is above 640 KiB");

	mb_build();
	put32(MBI + 0, 0);
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot information has no memory map (flags bits 0 and 6 clear)");

	mb_build();
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x1BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot loader magic is not 0x2BADB002");

	mb_build();
	put32(MMAP + 24, 0);		/* size field 0 would loop forever */
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot memory map entry has size < 20");

	mb_build();
	put32(MBI + 44, 24 * 3 - 4);	/* last entry cut short */
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot memory map is truncated");

	mb_build();
	put32(MBI + 44, 24 * 3 + 2);	/* trailing bytes too short for a size field */
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot memory map is truncated");

	mb_build();
	put32(MMAP + 48, 0xfffffff0);	/* huge size field */
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot memory map is truncated");

	mb_build();
	put32(MBI + 48, 0xfff00000);	/* map outside readable memory */
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot memory map is not readable memory");

	mb_build();
	put32(MODS + 4, 0x100000);	/* end before start */
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "multiboot module 0 ends before it starts");

	mb_build();
	put32(MODS + 0, 0x7f00000);	/* initrd past the end of RAM (0x7fe0000) */
	put32(MODS + 4, 0x8000000);
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "initrd [0x7f00000, 0x8000000) lies outside RAM");

	mb_build();
	put32(MBI + 16, 0xc0000000);
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MBI), -EINVAL);
	CHECK_STR(bi.error, "command line at 0xc0000000 lies outside the memory map");

	mb_build();
	CHECK_EQ(bootinfo_from_multiboot(&bi, fake_phys, NULL, 0x2BADB002, MEM_SIZE - 8), -EINVAL);
	CHECK_STR(bi.error, "multiboot information is not readable memory");
}

/* ---- Linux zero page ----------------------------------------------------- */

#define BP	0x7000

static void e820(unsigned int i, uint64_t base, uint64_t len, uint32_t type)
{
	uint64_t at = BP + 0x2d0 + i * 20;

	put64(at, base);
	put64(at + 8, len);
	put32(at + 16, type);
}

static void zp_build(void)
{
	reset();
	put32(BP + 0x202, 0x53726448);	/* "HdrS" */
	put16(BP + 0x206, 0x020f);
	mem[BP + 0x1e8] = 3;
	e820(0, 0, 0x9fc00, 1);
	e820(1, 0x100000, 0x3ff00000, 1);
	e820(2, 0x9fc00, 0x400, 2);	/* unsorted on purpose */
	put32(BP + 0x228, CMD);
	puts_at(CMD, "console=ttyS0 reboot=k panic=1");
	put32(BP + 0x218, 0x20000000);
	put32(BP + 0x21c, 0x100000);
	put64(BP + 0x070, 0xe0000);
}

static void test_zeropage(void)
{
	zp_build();
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_EQ(bi.protocol, BOOT_LINUX64);
	CHECK_EQ(bi.nmem, 3);
	CHECK_EQ(bi.mem[0].base, 0);
	CHECK_EQ(bi.mem[1].base, 0x9fc00);
	CHECK_EQ(bi.mem[1].type, BOOTINFO_MEM_RESERVED);
	CHECK_EQ(bi.mem[2].base, 0x100000);
	CHECK_STR(bi.cmdline, "console=ttyS0 reboot=k panic=1");
	CHECK_EQ(bi.initrd_base, 0x20000000);
	CHECK_EQ(bi.initrd_size, 0x100000);
	CHECK_EQ(bi.rsdp, 0xe0000);
	CHECK_EQ(bootinfo_ram_top(&bi), 0x40000000);

	/* High halves of initrd fields: RAM above 4 GiB. */
	zp_build();
	mem[BP + 0x1e8] = 4;
	e820(3, 0x100000000ull, 0x100000000ull, 1);
	put32(BP + 0xc0, 1);
	put32(BP + 0xc4, 0);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_EQ(bi.initrd_base, 0x120000000ull);
	CHECK_EQ(bootinfo_ram_top(&bi), 0x200000000ull);

	zp_build();
	put32(BP + 0xc8, 1);		/* cmdline above 4 GiB: not readable here */
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "command line at 0x100004000 lies outside the memory map");

	zp_build();
	mem[BP + 0x1e8] = 200;
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "boot_params e820_entries is above 128");

	zp_build();
	mem[BP + 0x1e8] = 0;
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "boot_params has an empty e820 memory map");

	zp_build();
	put32(BP + 0x202, 0);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "boot_params setup header has no \"HdrS\" signature");

	zp_build();
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, MEM_SIZE - 2048), -EINVAL);
	CHECK_STR(bi.error, "boot_params (zero page) is not readable memory");

	zp_build();
	put32(BP + 0x21c, 0x20000001);	/* initrd one byte past the end of RAM */
	put32(BP + 0x218, 0x20000000);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "initrd [0x20000000, 0x40000001) lies outside RAM");

	zp_build();
	put32(BP + 0x218, 0);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "boot_params gives a ramdisk size but no ramdisk address");

	/* Overlapping e820 input: reserved wins over RAM. */
	zp_build();
	mem[BP + 0x1e8] = 4;
	e820(3, 0x3ff00000, 0x200000, 2);
	put32(BP + 0x21c, 0);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_EQ(bi.nmem, 4);
	CHECK_EQ(bootinfo_ram_top(&bi), 0x3ff00000);
	CHECK_EQ(bi.mem[3].base, 0x3ff00000);
	CHECK_EQ(bi.mem[3].len, 0x200000);

	/* All 128 entries used, each a distinct page: too many for BOOTINFO_MAX_MEM. */
	zp_build();
	mem[BP + 0x1e8] = 128;
	for (unsigned int i = 0; i < 128; i++)
		e820(i, 0x100000 + i * 0x2000ull, 0x1000, 1);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "memory map has more than 64 distinct ranges");

	/* 128 entries that merge are fine (the first covers the command line). */
	zp_build();
	mem[BP + 0x1e8] = 128;
	for (unsigned int i = 0; i < 128; i++)
		e820(i, i * 0x1000ull, 0x1000, 1);
	put32(BP + 0x21c, 0);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_EQ(bi.nmem, 1);
	CHECK_EQ(bi.mem[0].len, 128 * 0x1000);

	/*
	 * Command line past the end of the memory map but below the boot
	 * mapping limit (fake_phys maps 1 MiB; the map here has a hole at
	 * 0xa0000): the kernel's direct map would hand back bus float (0xff),
	 * never a NUL.
	 */
	zp_build();
	put32(BP + 0x228, 0xa0000);
	memset(mem + 0xa0000, 0xff, 0x1000);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "command line at 0xa0000 lies outside the memory map");

	/* Unterminated, and running from RAM through reserved into the hole. */
	zp_build();
	put32(BP + 0x228, 0x9fc00 - 16);
	memset(mem + 0x9fc00 - 16, 'x', 0x1000);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), -EINVAL);
	CHECK_STR(bi.error, "command line at 0x9fbf0 runs off the end of the memory map");

	/* A line that ends exactly at the end of the map is fine. */
	zp_build();
	put32(BP + 0x228, 0xa0000 - 4);
	puts_at(0xa0000 - 4, "abc");
	memset(mem + 0xa0000, 'x', 16);
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_STR(bi.cmdline, "abc");

	/*
	 * Boot data in reserved or NVS memory is fine (QEMU microvm's qboot
	 * puts the PVH command line in NVS at 0xd0000..0xf0000), and the line
	 * may cross from one range into a touching one of another type.
	 */
	zp_build();
	mem[BP + 0x1e8] = 4;
	e820(3, 0xd0000, 0x20000, 4);
	put32(BP + 0x228, 0xd0000);
	puts_at(0xd0000, "quiet");
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_STR(bi.cmdline, "quiet");
	put32(BP + 0x228, 0x9fc00 - 3);
	puts_at(0x9fc00 - 3, "abcdef");
	CHECK_EQ(bootinfo_from_zeropage(&bi, fake_phys, NULL, BP), 0);
	CHECK_STR(bi.cmdline, "abcdef");
}

int main(void)
{
	mem = calloc(1, MEM_SIZE);
	if (!mem)
		return 2;
	test_helpers();
	test_pvh();
	test_multiboot();
	test_zeropage();
	free(mem);
	return check_done("bootinfo");
}
