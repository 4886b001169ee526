/* SPDX-License-Identifier: BSD-2-Clause */
/* Four-level x86_64 page tables (Intel SDM vol. 3A, 4.5) for the single address space. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/paging.h"

#define PTE_P		(1ul << 0)
#define PTE_W		(1ul << 1)
#define PTE_PWT		(1ul << 3)
#define PTE_PCD		(1ul << 4)
#define PTE_PS		(1ul << 7)
#define PTE_G		(1ul << 8)
#define PTE_NONE	(1ul << 9)	/* software bit: mapped, PROT_NONE (present bit clear) */
#define PTE_NX		(1ul << 63)
#define PTE_ADDR	0x000ffffffffff000ul

static pt_alloc_fn table_alloc;
static pt_free_fn table_free;
static paddr_t root;

static uint64_t *table(uint64_t entry)
{
	return phys_to_virt(entry & PTE_ADDR);
}

/* A leaf that maps a page: present, or kept inaccessible (PG_NOACCESS). */
static bool leaf_mapped(uint64_t e)
{
	return e & (PTE_P | PTE_NONE);
}

static uint64_t pte_bits(unsigned int flags)
{
	uint64_t bits = PTE_P;

	if (flags & PG_NOACCESS)
		return PTE_NONE;

	if (flags & PG_WRITE)
		bits |= PTE_W;
	if (!(flags & PG_EXEC) && cpu.nx)
		bits |= PTE_NX;
	if (flags & PG_UNCACHED)
		bits |= PTE_PCD | PTE_PWT;
	if ((flags & PG_GLOBAL) && cpu.pge)
		bits |= PTE_G;
	return bits;
}

static unsigned int pte_flags(uint64_t pte)
{
	unsigned int f = 0;

	if (!(pte & PTE_P))
		return PG_NOACCESS;

	if (pte & PTE_W)
		f |= PG_WRITE;
	if (!(pte & PTE_NX))
		f |= PG_EXEC;
	if (pte & PTE_PCD)
		f |= PG_UNCACHED;
	if (pte & PTE_G)
		f |= PG_GLOBAL;
	return f;
}

static unsigned int index_at(vaddr_t va, int level)
{
	return (va >> (12 + 9 * level)) & 511;
}

static uint64_t level_size(int level)
{
	return 1ul << (12 + 9 * level);
}

int paging_init(pt_alloc_fn alloc, pt_free_fn free)
{
	table_alloc = alloc;
	table_free = free;
	root = alloc();
	return root == PADDR_NONE ? -ENOMEM : 0;
}

void paging_activate(void)
{
	write_cr3(root);
}

paddr_t paging_root(void)
{
	return root;
}

/* Intermediate entries stay permissive; leaf entries carry the real attributes. */
#define PTE_TABLE (PTE_P | PTE_W)

/* Replaces a large page by a table of the next smaller pages with the same attributes. */
static int split(uint64_t *entry, int level)
{
	paddr_t t = table_alloc();
	uint64_t *child, base = *entry & PTE_ADDR & ~(level_size(level) - 1);
	uint64_t attrs = *entry & ~PTE_ADDR & ~PTE_PS;

	if (t == PADDR_NONE)
		return -ENOMEM;
	child = phys_to_virt(t);
	for (int i = 0; i < 512; i++)
		child[i] = (base + i * level_size(level - 1)) | attrs |
			   (level - 1 > 0 ? PTE_PS : 0);
	*entry = t | PTE_TABLE;
	return 0;
}

/* Walks to the entry for va at `level`, creating tables; splits large pages on the way when asked. */
static uint64_t *walk(vaddr_t va, int target, bool create, int *err)
{
	uint64_t *t = phys_to_virt(root);

	for (int level = 3; level > target; level--) {
		uint64_t *e = &t[index_at(va, level)];

		if (!leaf_mapped(*e)) {
			paddr_t n;

			if (!create)
				return NULL;
			n = table_alloc();
			if (n == PADDR_NONE) {
				*err = -ENOMEM;
				return NULL;
			}
			*e = n | PTE_TABLE;
		} else if (*e & PTE_PS) {
			int r;

			if (!create)
				return NULL;
			r = split(e, level);
			if (r) {
				*err = r;
				return NULL;
			}
			invlpg(va);
		}
		t = table(*e);
	}
	return &t[index_at(va, target)];
}

static bool table_empty(const uint64_t *t)
{
	for (int i = 0; i < 512; i++)
		if (t[i])
			return false;
	return true;
}

static int size_level(uint64_t page_size)
{
	return page_size == PAGE_1G ? 2 : page_size == PAGE_2M ? 1 : 0;
}

int pt_map(vaddr_t va, paddr_t pa, uint64_t page_size, unsigned int flags)
{
	int level = size_level(page_size), err = -EINVAL;
	uint64_t *e;

	if (!IS_ALIGNED(va | pa, page_size) || (level == 2 && !cpu.pages_1g))
		return -EINVAL;
	e = walk(va, level, true, &err);
	if (!e)
		return err;
	if (level > 0 && (*e & PTE_P) && !(*e & PTE_PS) && table_empty(table(*e))) {
		/* A table left empty by earlier unmaps: a large page may take its place. */
		table_free(*e & PTE_ADDR);
		*e = 0;
	}
	if (leaf_mapped(*e))
		return -EEXIST;
	*e = pa | pte_bits(flags) | (level ? PTE_PS : 0);
	return 0;
}

int pt_map_range(vaddr_t va, paddr_t pa, uint64_t len, unsigned int flags)
{
	uint64_t end = va + len, bits = pte_bits(flags);

	if (!IS_ALIGNED(va | pa | len, PAGE_4K))
		return -EINVAL;
	while (va < end) {
		uint64_t size = PAGE_4K, *e;
		int level = 0, err = -EINVAL;

		if (cpu.pages_1g && IS_ALIGNED(va | pa, PAGE_1G) && end - va >= PAGE_1G)
			size = PAGE_1G, level = 2;
		else if (IS_ALIGNED(va | pa, PAGE_2M) && end - va >= PAGE_2M)
			size = PAGE_2M, level = 1;
		if (level) {
			int r = pt_map(va, pa, size, flags);

			if (r)
				return r;
			va += size;
			pa += size;
			continue;
		}
		/*
		 * 4 KiB pages: one walk per page table, then fill its entries in a
		 * row (mapping the kernel image page by page is on the boot path).
		 */
		e = walk(va, 0, true, &err);
		if (!e)
			return err;
		do {
			if (leaf_mapped(*e))
				return -EEXIST;
			*e++ = pa | bits;
			va += PAGE_4K;
			pa += PAGE_4K;
		} while (va < end && index_at(va, 0) != 0 &&
			 !(IS_ALIGNED(va | pa, PAGE_2M) && end - va >= PAGE_2M));
	}
	return 0;
}

/*
 * Finds the leaf covering va. When the leaf is larger than the part of
 * [va, end) it covers, it is split so the caller can act on that part only.
 */
static uint64_t *leaf_for(vaddr_t va, vaddr_t end, int *level_out, int *err)
{
	uint64_t *t = phys_to_virt(root);

	for (int level = 3; level >= 0; level--) {
		uint64_t *e = &t[index_at(va, level)];

		if (!leaf_mapped(*e)) {
			*level_out = level;
			return NULL;
		}
		if (level == 0 || (*e & PTE_PS)) {
			uint64_t size = level_size(level);

			if (level > 0 && (!IS_ALIGNED(va, size) || end - va < size)) {
				int r = split(e, level);
				if (r) {
					*err = r;
					return NULL;
				}
				invlpg(va);
				t = table(*e);
				continue;
			}
			*level_out = level;
			return e;
		}
		t = table(*e);
	}
	return NULL;
}

/* Calls fn for each present leaf in [va, end), large pages split at the edges first. */
static int for_each_leaf(vaddr_t va, vaddr_t end,
			 void (*fn)(uint64_t *e, vaddr_t va, int level, void *ctx), void *ctx)
{
	while (va < end) {
		int level = 0, err = 0;
		uint64_t *e = leaf_for(va, end, &level, &err);
		uint64_t size = level_size(level);

		if (err)
			return err;
		if (e) {
			fn(e, va, level, ctx);
			invlpg(va);
		}
		va = ALIGN_DOWN(va, size) + size;
	}
	return 0;
}

static void unmap_leaf(uint64_t *e, vaddr_t va, int level, void *ctx)
{
	void (*release)(paddr_t pa, uint64_t size) = *(void (**)(paddr_t, uint64_t))ctx;
	paddr_t pa = *e & PTE_ADDR;

	(void)va;
	*e = 0;
	if (release)
		release(pa, level_size(level));
}

int pt_unmap(vaddr_t va, uint64_t len, void (*release)(paddr_t pa, uint64_t size))
{
	return for_each_leaf(va, va + len, unmap_leaf, &release);
}

static void protect_leaf(uint64_t *e, vaddr_t va, int level, void *ctx)
{
	(void)va;
	*e = (*e & PTE_ADDR) | pte_bits(*(unsigned int *)ctx) | (level ? PTE_PS : 0);
}

/*
 * Frees the tables under entry e (at `level`) that map nothing in [va, end)
 * (within e's span); true if e became empty. Only the entries over the
 * range are visited, and the emptiness test stops at the first entry in
 * use, looked for over the range, then just above it, then below: a
 * munmap of a few pages costs a few hundred instructions, not a walk of
 * every table's 512 entries.
 */
static bool prune(uint64_t *e, int level, vaddr_t va, vaddr_t end)
{
	uint64_t *t;
	uint64_t size = level_size(level - 1);
	unsigned int first = index_at(va, level - 1), last = index_at(end - 1, level - 1), i;

	if (!(*e & PTE_P) || (*e & PTE_PS) || level == 0)
		return !leaf_mapped(*e);
	t = table(*e);
	for (i = first; i <= last; i++) {
		vaddr_t base = ALIGN_DOWN(va, level_size(level)) + (uint64_t)i * size;

		if (level > 1)
			prune(&t[i], level - 1, MAX(va, base), MIN(end, base + size));
	}
	for (i = first; i <= last; i++)
		if (t[i])
			return false;
	for (i = last + 1; i < 512; i++)
		if (t[i])
			return false;
	for (i = 0; i < first; i++)
		if (t[i])
			return false;
	table_free(*e & PTE_ADDR);
	*e = 0;
	return true;
}

void pt_prune(vaddr_t va, uint64_t len)
{
	uint64_t *top = phys_to_virt(root);
	vaddr_t end = va + len;

	/* Lower half only: the kernel's tables are shared by everything and stay. */
	for (unsigned int i = index_at(va, 3); i <= index_at(end - 1, 3) && i < 256; i++) {
		vaddr_t base = (vaddr_t)i << 39;

		prune(&top[i], 3, MAX(va, base), MIN(end, base + level_size(3)));
	}
}

unsigned int pt_block_prefix(vaddr_t va)
{
	uint64_t *t = phys_to_virt(root);
	unsigned int n = 0;

	for (int level = 3; level >= 1; level--) {
		uint64_t e = t[index_at(va, level)];

		if (!(e & PTE_P) || (e & PTE_PS))
			return 0;
		t = table(e);
	}
	while (n < 512 && (t[n] & PTE_P))
		n++;
	return n;
}

bool pt_block_empty(vaddr_t va)
{
	uint64_t *t = phys_to_virt(root);

	for (int level = 3; level >= 1; level--) {
		uint64_t e = t[index_at(va, level)];

		if (!leaf_mapped(e))
			return true;
		if (e & PTE_PS)
			return false;
		t = table(e);
	}
	return table_empty(t);
}

int pt_protect(vaddr_t va, uint64_t len, unsigned int flags)
{
	return for_each_leaf(va, va + len, protect_leaf, &flags);
}

bool pt_lookup(vaddr_t va, paddr_t *pa, unsigned int *flags, uint64_t *page_size)
{
	uint64_t *t = phys_to_virt(root);

	for (int level = 3; level >= 0; level--) {
		uint64_t e = t[index_at(va, level)];

		if (!leaf_mapped(e))
			return false;
		if (level == 0 || (e & PTE_PS)) {
			uint64_t size = level_size(level);

			if (pa)
				*pa = (e & PTE_ADDR & ~(size - 1)) + (va & (size - 1));
			if (flags)
				*flags = pte_flags(e);
			if (page_size)
				*page_size = size;
			return true;
		}
		t = table(e);
	}
	return false;
}
