/* SPDX-License-Identifier: BSD-2-Clause */
/* Memory in a booted guest: page allocator and heap stress, page-table mapping and protection. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"
#include "arch/x86_64/syscall.h"
#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/page_alloc.h"
#include "kernel/random.h"
#include "lib/string.h"

#define MAX_BLOCKS 4096

static paddr_t blocks[MAX_BLOCKS];
static unsigned int orders[MAX_BLOCKS];

KTEST(alloc)
{
	int failures = 0;
	uint64_t free0 = page_alloc_free_bytes();
	unsigned int n = 0;

	/* Take memory in mixed orders until it runs out, stamp every block, then check the stamps. */
	while (n < MAX_BLOCKS) {
		unsigned int order = (unsigned int)(random_u64() % 6);
		paddr_t pa = page_alloc(order);

		if (pa == PADDR_INVALID) {
			pa = page_alloc(0);
			order = 0;
			if (pa == PADDR_INVALID)
				break;
		}
		KCHECK((pa & ((PAGE_SIZE << order) - 1)) == 0);
		*(uint64_t *)phys_to_virt(pa) = pa ^ 0x5a5a5a5a5a5a5a5aul;
		*(uint64_t *)((char *)phys_to_virt(pa) + (PAGE_SIZE << order) - 8) = pa;
		blocks[n] = pa;
		orders[n++] = order;
	}
	printk("ktest: allocated %u blocks, %lu KiB left\n", n, page_alloc_free_bytes() / 1024);
	KCHECK(n > 8);
	for (unsigned int i = 0; i < n; i++) {
		paddr_t pa = blocks[i];
		KCHECK(*(uint64_t *)phys_to_virt(pa) == (pa ^ 0x5a5a5a5a5a5a5a5aul));
		KCHECK(*(uint64_t *)((char *)phys_to_virt(pa) + (PAGE_SIZE << orders[i]) - 8) == pa);
	}
	/* Free in a shuffled order; everything must coalesce back. */
	for (unsigned int i = n; i > 1; i--) {
		unsigned int j = (unsigned int)(random_u64() % i);
		paddr_t tp = blocks[i - 1];
		unsigned int to = orders[i - 1];
		blocks[i - 1] = blocks[j];
		orders[i - 1] = orders[j];
		blocks[j] = tp;
		orders[j] = to;
	}
	for (unsigned int i = 0; i < n; i++)
		page_free(blocks[i], orders[i]);
	KCHECK(page_alloc_free_bytes() == free0);

	/* Heap: many sizes, contents checked before free. */
	{
		static void *ptrs[512];
		static size_t sizes[512];

		for (int round = 0; round < 20; round++) {
			for (int i = 0; i < 512; i++) {
				sizes[i] = 1 + random_u64() % (i % 8 == 0 ? 20000 : 700);
				ptrs[i] = kmalloc(sizes[i]);
				KCHECK(ptrs[i] != NULL);
				if (ptrs[i]) {
					KCHECK(((uint64_t)ptrs[i] & 15) == 0);
					memset(ptrs[i], i & 0xff, sizes[i]);
				}
			}
			for (int i = 0; i < 512; i++) {
				unsigned char *p = ptrs[i];
				if (!p)
					continue;
				KCHECK(p[0] == (i & 0xff) && p[sizes[i] - 1] == (i & 0xff));
				kfree(p);
			}
		}
		KCHECK(kmalloc_aligned(4096, 4096) != NULL);
		KCHECK(kcalloc((size_t)1 << 62, 16) == NULL);
	}
	return failures;
}

KTEST(paging)
{
	int failures = 0;
	const vaddr_t va = 0xffffc90f00000000ul;
	paddr_t pa = page_alloc(0), big = page_alloc(9), got;
	unsigned int flags;
	uint64_t size, v = 0x1122334455667788ul;

	KCHECK(pa != PADDR_INVALID && big != PADDR_INVALID);
	/* A 4 KiB page: visible through both addresses. */
	KCHECK(pt_map(va, pa, PAGE_4K, PG_WRITE) == 0);
	*(volatile uint64_t *)va = v;
	KCHECK(*(volatile uint64_t *)phys_to_virt(pa) == v);
	KCHECK(pt_lookup(va + 8, &got, &flags, &size) && got == pa + 8 && size == PAGE_4K);
	KCHECK(flags & PG_WRITE);
	KCHECK(pt_map(va, pa, PAGE_4K, PG_WRITE) == -17 /* -EEXIST */);

	/* Read-only: a write faults, and the fixup turns it into -EFAULT. */
	KCHECK(pt_protect(va, PAGE_4K, 0) == 0);
	KCHECK(arch_user_copy((void *)va, &v, sizeof(v)) == -14 /* -EFAULT */);
	KCHECK(*(volatile uint64_t *)va == v);	/* still readable */

	/* Unmapped: reads fault too. */
	KCHECK(pt_unmap(va, PAGE_4K, NULL) == 0);
	KCHECK(!pt_lookup(va, NULL, NULL, NULL));
	KCHECK(arch_user_copy(&v, (void *)va, sizeof(v)) == -14);

	/* A 2 MiB page, then a 4 KiB hole punched in it (split into 4 KiB pages). */
	KCHECK(pt_map(va, big, PAGE_2M, PG_WRITE) == 0);
	KCHECK(pt_lookup(va + 0x12345, &got, NULL, &size) && got == big + 0x12345 && size == PAGE_2M);
	*(volatile uint64_t *)(va + 0x100000) = v;
	KCHECK(pt_unmap(va + 0x1000, PAGE_4K, NULL) == 0);
	KCHECK(!pt_lookup(va + 0x1000, NULL, NULL, NULL));
	KCHECK(pt_lookup(va + 0x2000, &got, NULL, &size) && got == big + 0x2000 && size == PAGE_4K);
	KCHECK(*(volatile uint64_t *)(va + 0x100000) == v);
	KCHECK(pt_unmap(va, PAGE_2M, NULL) == 0);

	/* The kernel's own text is not writable (W^X), its data not executable. */
	{
		extern char _text[];
		KCHECK(pt_lookup((vaddr_t)_text, NULL, &flags, NULL) && !(flags & PG_WRITE) &&
		       (flags & PG_EXEC));
		KCHECK(pt_lookup((vaddr_t)&blocks, NULL, &flags, NULL) && (flags & PG_WRITE) &&
		       (!(flags & PG_EXEC) || !cpu.nx));
	}
	page_free(pa, 0);
	page_free(big, 9);
	return failures;
}
