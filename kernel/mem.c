/* SPDX-License-Identifier: BSD-2-Clause */
/* Physical memory bring-up: buddy allocator from the memory map, direct map, kernel mapping with W^X. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/bootinfo.h"
#include "kernel/kva.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/page_alloc.h"
#include "lib/string.h"

extern char _boot_start[], _boot_end[];
extern char _text[], _etext[], _rodata[], _erodata[], _data[], _end[];
extern char _app_start[], _app_end[], _image_end[];

static const struct bootinfo *boot;

struct range {
	paddr_t start, end;
};

/* Adds [start, end) to the allocator minus the holes (sorted, non-overlapping). */
static void add_free_minus(paddr_t start, paddr_t end, const struct range *holes, int nholes)
{
	for (int i = 0; i < nholes && start < end; i++) {
		if (holes[i].end <= start || holes[i].start >= end)
			continue;
		if (holes[i].start > start)
			page_alloc_add_free(start, holes[i].start);
		start = MAX(start, holes[i].end);
	}
	if (start < end)
		page_alloc_add_free(start, end);
}

static bool ram_contains(const struct bootinfo *bi, paddr_t start, paddr_t end)
{
	for (unsigned int i = 0; i < bi->nmem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		if (m->type == BOOTINFO_MEM_RAM && start >= m->base && end <= m->base + m->len)
			return true;
	}
	return false;
}

static bool overlaps(paddr_t a0, paddr_t a1, paddr_t b0, paddr_t b1)
{
	return a0 < b1 && b0 < a1;
}

int mem_init(const struct bootinfo *bi)
{
	paddr_t top = bootinfo_ram_top(bi);
	paddr_t image_end = kernel_virt_to_phys(_image_end);
	paddr_t initrd_end = bi->initrd_base + bi->initrd_size;
	size_t meta_size = ALIGN_UP(page_alloc_meta_size(0, top), PAGE_SIZE);
	paddr_t meta = PADDR_INVALID;
	struct range holes[4];
	int nholes = 0;

	boot = bi;
	/* The metadata goes in the first RAM gap after the image that avoids the initrd. */
	for (unsigned int i = 0; i < bi->nmem && meta == PADDR_INVALID; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		paddr_t c = ALIGN_UP(MAX(m->base, image_end), PAGE_SIZE);

		if (m->type != BOOTINFO_MEM_RAM)
			continue;
		if (bi->initrd_size && overlaps(c, c + meta_size, bi->initrd_base, initrd_end))
			c = ALIGN_UP(initrd_end, PAGE_SIZE);
		if (c + meta_size <= m->base + m->len)
			meta = c;
	}
	if (meta == PADDR_INVALID || !ram_contains(bi, KERNEL_PHYS, image_end)) {
		pr_err("not enough memory for the kernel image and %lu bytes of page metadata\n",
		       (unsigned long)meta_size);
		return -ENOMEM;
	}
	page_alloc_init(0, top, phys_to_virt(meta), phys_to_virt);

	/* Holes, sorted by address: the kernel image (incl. .boot until reclaimed), the initrd, the metadata. */
	holes[nholes++] = (struct range){ KERNEL_PHYS, image_end };
	if (bi->initrd_size)
		holes[nholes++] = (struct range){ ALIGN_DOWN(bi->initrd_base, PAGE_SIZE),
						  ALIGN_UP(initrd_end, PAGE_SIZE) };
	holes[nholes++] = (struct range){ meta, meta + meta_size };
	for (int i = 1; i < nholes; i++)
		for (int j = i; j > 0 && holes[j].start < holes[j - 1].start; j--) {
			struct range t = holes[j];
			holes[j] = holes[j - 1];
			holes[j - 1] = t;
		}
	for (unsigned int i = 0; i < bi->nmem; i++) {
		const struct bootinfo_mem *m = &bi->mem[i];
		if (m->type == BOOTINFO_MEM_RAM)
			add_free_minus(m->base, m->base + m->len, holes, nholes);
	}
	return 0;
}

static uint64_t page_table_pages;

static paddr_t alloc_table(void)
{
	paddr_t pa = page_alloc(0);

	if (pa == PADDR_INVALID)
		return PADDR_NONE;
	memset(phys_to_virt(pa), 0, PAGE_SIZE);
	page_table_pages++;
	return pa;
}

uint64_t mem_page_table_bytes(void)
{
	return page_table_pages * PAGE_SIZE;
}

static void free_table(paddr_t pa)
{
	page_free(pa, 0);
	page_table_pages--;
}

static int map_kernel_part(const char *start, const char *end, unsigned int flags)
{
	uint64_t s = ALIGN_DOWN((uint64_t)start, PAGE_SIZE), e = ALIGN_UP((uint64_t)end, PAGE_SIZE);

	if (e <= s)
		return 0;
	return pt_map_range(s, kernel_virt_to_phys((void *)s), e - s, flags | PG_GLOBAL);
}

int mem_paging_init(const struct bootinfo *bi)
{
	int r = paging_init(alloc_table, free_table);

	if (r)
		return r;
	/*
	 * The first 1 MiB (BIOS data, EBDA, MP table, RSDP) and all RAM/ACPI
	 * memory, each range widened to 2 MiB boundaries so that large pages
	 * cover it: mapping the first 2 MiB page by page alone costs ~10^5
	 * instructions at boot. The widening may take in a little non-RAM,
	 * as Linux's direct map does; nothing reads it.
	 */
	{
		paddr_t start = 0, end = PAGE_2M;

		for (unsigned int i = 0; i < bi->nmem && !r; i++) {
			const struct bootinfo_mem *m = &bi->mem[i];
			paddr_t s = ALIGN_DOWN(m->base, PAGE_2M);
			paddr_t e = ALIGN_UP(m->base + m->len, PAGE_2M);

			if (m->type != BOOTINFO_MEM_RAM && m->type != BOOTINFO_MEM_ACPI &&
			    m->type != BOOTINFO_MEM_NVS)
				continue;
			if (s > end) {
				r = pt_map_range(DIRECT_MAP + start, start, end - start, PG_WRITE | PG_GLOBAL);
				start = s;
			}
			end = MAX(end, e);
		}
		if (!r)
			r = pt_map_range(DIRECT_MAP + start, start, end - start, PG_WRITE | PG_GLOBAL);
	}
	/* The image itself: text RX, rodata R, data RW, tail (symbols, app copy) R; all but text NX. */
	if (!r)
		r = map_kernel_part(_text, _etext, PG_EXEC);
	if (!r)
		r = map_kernel_part(_rodata, _erodata, 0);
	if (!r)
		r = map_kernel_part(_data, _end, PG_WRITE);
	/* The symbol table; the app's ELF copy is read through the direct map and freed after. */
	if (!r)
		r = map_kernel_part(_end, _app_start, 0);
	if (r)
		return r;
	paging_activate();
	return 0;
}

void mem_reclaim_boot(void)
{
	page_alloc_add_free((paddr_t)_boot_start, (paddr_t)_boot_end);
}

const void *mem_app_image(size_t *size)
{
	extern const char app_image_start[], app_image_end[];

	*size = (size_t)(app_image_end - app_image_start);
	return phys_to_virt(kernel_virt_to_phys(app_image_start));
}

void mem_reclaim_app_image(void)
{
	uint64_t s = ALIGN_UP((uint64_t)_app_start, PAGE_SIZE), e = ALIGN_DOWN((uint64_t)_image_end, PAGE_SIZE);

	if (s >= e)
		return;
	page_alloc_add_free(kernel_virt_to_phys((void *)s), kernel_virt_to_phys((void *)e));
}

void mem_reclaim_initrd(void)
{
	paddr_t s, e;

	if (!boot || !boot->initrd_size)
		return;
	/*
	 * mem_init() kept the pages it touches out of the allocator; the edge
	 * pages may hold other boot data, so only the whole pages inside go
	 * back, and none at all if a loader put the initrd over the image.
	 */
	s = ALIGN_UP(boot->initrd_base, PAGE_SIZE);
	e = ALIGN_DOWN(boot->initrd_base + boot->initrd_size, PAGE_SIZE);
	if (s >= e || overlaps(s, e, KERNEL_PHYS, kernel_virt_to_phys(_image_end)))
		return;
	page_alloc_add_free(s, e);
}

/* A 2 MiB window for firmware tables outside the direct map (e.g. ACPI in "reserved" memory). */
static uint64_t window_va;
static paddr_t window_pa = PADDR_INVALID;

static bool direct_mapped(paddr_t addr, uint64_t len)
{
	if (addr + len <= PAGE_2M)
		return true;
	for (unsigned int i = 0; boot && i < boot->nmem; i++) {
		const struct bootinfo_mem *m = &boot->mem[i];
		if ((m->type == BOOTINFO_MEM_RAM || m->type == BOOTINFO_MEM_ACPI ||
		     m->type == BOOTINFO_MEM_NVS) &&
		    addr >= m->base && addr + len <= m->base + m->len)
			return true;
	}
	return false;
}

const void *mem_phys_access(void *ctx, paddr_t addr, uint64_t len)
{
	paddr_t base = ALIGN_DOWN(addr, PAGE_2M);

	(void)ctx;
	if (len == 0 || addr + len < addr || addr + len > (1ul << 52))
		return NULL;
	if (direct_mapped(addr, len))
		return phys_to_virt(addr);
	if (addr + len > base + PAGE_2M)
		return NULL;	/* firmware structures are small; one window is enough */
	if (window_pa != base) {
		if (!window_va) {
			uint8_t *p = ioremap(base, PAGE_2M);
			if (!p)
				return NULL;
			window_va = (uint64_t)p;
		} else {
			pt_unmap(window_va, PAGE_2M, NULL);
			if (pt_map_range(window_va, base, PAGE_2M, 0))
				return NULL;
		}
		window_pa = base;
	}
	return (const void *)(window_va + (addr - base));
}
