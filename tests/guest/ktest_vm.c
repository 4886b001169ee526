/* SPDX-License-Identifier: BSD-2-Clause */
/* The address space from inside the kernel: large pages, splits, file mappings, accounting, and fault costs. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/trap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/page_alloc.h"
#include "kernel/vm.h"
#include "lib/string.h"

#define MiB (1ul << 20)
#define RW (VMA_PROT_READ | VMA_PROT_WRITE)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)

static bool resolve(uint64_t addr, uint64_t error)
{
	const char *why;

	return vm_fault(addr, error, &why) == 0;
}

/* ktest runs instead of the application: give it an empty address space of its own. */
static void setup(void)
{
	vm_init();
	trap_set_page_fault_resolver(resolve);
}

static uint64_t page_size_at(uint64_t va)
{
	uint64_t size = 0;

	return pt_lookup(va, NULL, NULL, &size) ? size : 0;
}

static void touch(uint64_t va)
{
	*(volatile char *)va = 1;
}

KTEST(vm)
{
	int failures = 0;
	uint64_t free0, a;
	struct vm_stats st;
	char maps[1024];

	setup();
	free0 = page_alloc_free_bytes();

	/* Populated and 2 MiB aligned: large pages. */
	a = (uint64_t)vm_mmap(0, 4 * MiB, RW, ANON | MAP_POPULATE, NULL, 0, NULL);
	KCHECK((int64_t)a > 0 && (a & (2 * MiB - 1)) == 0);
	KCHECK(page_size_at(a) == 2 * MiB && page_size_at(a + 3 * MiB) == 2 * MiB);
	vm_get_stats(&st);
	KCHECK(st.anon == 4 * MiB);
	/* Cutting a hole splits the large page; the rest keeps its contents. */
	touch(a + 8192);
	KCHECK(vm_munmap(a + 4096, 4096) == 0);
	KCHECK(page_size_at(a) == 4096 && page_size_at(a + 4096) == 0 && page_size_at(a + 8192) == 4096);
	KCHECK(*(volatile char *)(a + 8192) == 1);
	KCHECK(page_size_at(a + 2 * MiB) == 2 * MiB);
	/* mprotect inside the second large page splits it too. */
	KCHECK(vm_mprotect(a + 3 * MiB, 4096, VMA_PROT_READ) == 0);
	KCHECK(page_size_at(a + 3 * MiB) == 4096);
	KCHECK(vm_munmap(a, 4 * MiB) == 0);
	KCHECK(page_alloc_free_bytes() + 16 * 4096 >= free0);	/* back, but for page-table pages */

	/* Touched sparsely: 4 KiB pages only, however large the mapping. */
	a = (uint64_t)vm_mmap(0, 8 * MiB, RW, ANON, NULL, 0, NULL);
	touch(a + 5 * MiB);
	KCHECK(page_size_at(a + 5 * MiB) == 4096);
	vm_get_stats(&st);
	KCHECK(st.anon == 4096);
	/* Asked for large pages: a touch maps the whole 2 MiB. */
	KCHECK(vm_madvise(a, 8 * MiB, MADV_HUGEPAGE) == 0);
	touch(a + 7 * MiB);
	KCHECK(page_size_at(a + 7 * MiB) == 2 * MiB);
	/* DONTNEED drops it; the next touch reads zero. */
	KCHECK(vm_madvise(a + 6 * MiB, 2 * MiB, MADV_DONTNEED) == 0);
	KCHECK(page_size_at(a + 7 * MiB) == 0);
	KCHECK(*(volatile char *)(a + 7 * MiB) == 0);
	KCHECK(vm_munmap(a, 8 * MiB) == 0);

	/* Filling a block in order: after 64 pages it becomes one 2 MiB page, contents kept. */
	a = (uint64_t)vm_mmap(0, 4 * MiB, RW, ANON, NULL, 0, NULL);
	for (uint64_t off = 0; off < 64 * 4096; off += 4096)
		*(volatile char *)(a + off) = (char)(off >> 12);
	KCHECK(page_size_at(a) == 4096);
	touch(a + 64 * 4096);
	KCHECK(page_size_at(a) == 2 * MiB);
	KCHECK(*(volatile char *)(a + 63 * 4096) == 63 && *(volatile char *)(a + 65 * 4096) == 0);
	/* A toucher that skipped pages keeps 4 KiB ones. */
	touch(a + 2 * MiB);
	touch(a + 2 * MiB + 100 * 4096);
	KCHECK(page_size_at(a + 2 * MiB + 100 * 4096) == 4096);
	KCHECK(vm_munmap(a, 4 * MiB) == 0);

	/* The maps text names the kinds of memory. */
	vm_brk_init(0x600000);
	KCHECK(vm_brk(0x603000) == 0x603000);
	vm_format_maps(maps, sizeof(maps));
	printk("%s", maps);
	KCHECK(strstr(maps, "00600000-00603000 rw-p 00000000 00:00 0") != NULL);
	KCHECK(strstr(maps, "[heap]") != NULL);
	return failures;
}

/* A pager whose page at offset o holds the byte o / 4096 + 1 everywhere. */
static paddr_t file_pages[4];

static int test_pager_fault(struct vm_pager *p, uint64_t offset, paddr_t *page)
{
	uint64_t i = offset / 4096;

	(void)p;
	if (i >= 4)
		return -EIO;
	if (!file_pages[i]) {
		file_pages[i] = page_alloc(0);
		memset(phys_to_virt(file_pages[i]), (int)(i + 1), 4096);
	}
	*page = file_pages[i];
	return 0;
}

static struct vm_pager test_pager = { test_pager_fault, "test" };

KTEST(vm_file)
{
	int failures = 0;
	uint64_t a, b;

	setup();
	/* Private: reads the file, writes stay private. */
	a = (uint64_t)vm_mmap(0, 3 * 4096, RW, MAP_PRIVATE, &test_pager, 4096, "/test");
	KCHECK((int64_t)a > 0);
	KCHECK(*(volatile char *)a == 2 && *(volatile char *)(a + 2 * 4096) == 4);
	*(volatile char *)a = 9;
	KCHECK(((char *)phys_to_virt(file_pages[1]))[0] == 2);
	/* Shared: writes reach the page cache. */
	b = (uint64_t)vm_mmap(0, 4096, RW, MAP_SHARED, &test_pager, 0, "/test");
	*(volatile char *)b = 7;
	KCHECK(((char *)phys_to_virt(file_pages[0]))[0] == 7);
	KCHECK(vm_munmap(b, 4096) == 0);
	KCHECK(((char *)phys_to_virt(file_pages[0]))[0] == 7);	/* the pager keeps its page */
	KCHECK(vm_munmap(a, 3 * 4096) == 0);
	return failures;
}

/* Benchmarks under -icount: printed as `bench: NAME VALUE`. */
KTEST(bench_vm)
{
	int failures = 0;
	uint64_t a, t0, t1;

	printk("bench: mem.free_after_boot.kib %lu\n", page_alloc_free_bytes() / 1024);
	setup();
	/* 16 MiB of 4 KiB pages touched one by one. */
	a = (uint64_t)vm_mmap(0, 16 * MiB, RW, ANON, NULL, 0, NULL);
	KCHECK(vm_madvise(a, 16 * MiB, MADV_NOHUGEPAGE) == 0);
	touch(a);	/* the first fault builds page tables: not counted */
	t0 = rdtsc();
	for (uint64_t off = 4096; off < 16 * MiB; off += 4096)
		touch(a + off);
	t1 = rdtsc();
	printk("bench: vm.fault_4k.insns %lu\n", (t1 - t0) / (16 * MiB / 4096 - 1));
	KCHECK(vm_munmap(a, 16 * MiB) == 0);
	/* The same as 2 MiB pages. */
	a = (uint64_t)vm_mmap(0, 16 * MiB, RW, ANON, NULL, 0, NULL);
	KCHECK(vm_madvise(a, 16 * MiB, MADV_HUGEPAGE) == 0);
	t0 = rdtsc();
	for (uint64_t off = 0; off < 16 * MiB; off += 2 * MiB)
		touch(a + off);
	t1 = rdtsc();
	printk("bench: vm.fault_2m.insns %lu\n", (t1 - t0) / 8);
	KCHECK(page_size_at(a) == 2 * MiB);
	KCHECK(vm_munmap(a, 16 * MiB) == 0);
	return failures;
}
