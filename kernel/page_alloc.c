/* SPDX-License-Identifier: BSD-2-Clause */
/* Buddy allocator of physical pages with one metadata byte per page. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "kernel/alloc_lock.h"
#include "kernel/page_alloc.h"
#include "kernel/panic.h"
#include "lib/string.h"

/*
 * Each page's byte says what the page heads (top three bits) and that
 * block's order (low five). Pages heading nothing — reserved, or inside a
 * block — are 0, so asking "is my buddy a free block of my order" is one
 * byte compare, and debug checks can tell a double free from a stray pointer.
 */
#define META_NONE	0x00
#define META_FREE	0x20	/* free block, on free_head[order] */
#define META_BLOCK	0x40	/* block from page_alloc() */
#define META_RUN	0x60	/* first piece of a page_alloc_pages() run */
#define META_RUN_CONT	0x80	/* later piece of the same run */
#define META_STATE	0xe0
#define META_ORDER	0x1f

_Static_assert(PAGE_ALLOC_MAX_ORDER <= META_ORDER + 1, "order must fit in the meta byte");
_Static_assert(PAGE_ALLOC_MAX_ORDER + PAGE_SHIFT < 64, "block size must fit in paddr_t");

/* Lives in the free block itself, so free memory costs no metadata. */
struct free_node {
	paddr_t next;
	paddr_t prev;
};

static struct {
	paddr_t base;		/* first page covered by meta */
	paddr_t end;		/* end of the last covered page */
	uint8_t *meta;
	void *(*phys_to_virt)(paddr_t);
	paddr_t free_head[PAGE_ALLOC_MAX_ORDER];
	uint64_t nr_free[PAGE_ALLOC_MAX_ORDER];
	uint64_t free_pages;
	uint64_t total_pages;
} pa;

static inline uint64_t order_bytes(unsigned int order)
{
	return PAGE_SIZE << order;
}

static inline size_t meta_index(paddr_t addr)
{
	return (size_t)((addr - pa.base) >> PAGE_SHIFT);
}

/* Whether the block [addr, addr + 2^order pages) lies inside the covered span. */
static inline bool in_span(paddr_t addr, unsigned int order)
{
	return addr >= pa.base && addr < pa.end && pa.end - addr >= order_bytes(order);
}

static inline struct free_node *node(paddr_t addr)
{
	return pa.phys_to_virt(addr);
}

static unsigned int floor_log2(uint64_t x)
{
	return 63 - (unsigned int)__builtin_clzll(x);
}

static unsigned int ceil_log2(uint64_t x)
{
	return x <= 1 ? 0 : floor_log2(x - 1) + 1;
}

static void list_push(paddr_t addr, unsigned int order)
{
	struct free_node *n = node(addr);

	n->prev = PADDR_INVALID;
	n->next = pa.free_head[order];
	if (n->next != PADDR_INVALID)
		node(n->next)->prev = addr;
	pa.free_head[order] = addr;
	pa.meta[meta_index(addr)] = (uint8_t)(META_FREE | order);
	pa.nr_free[order]++;
	pa.free_pages += (uint64_t)1 << order;
}

static void list_remove(paddr_t addr, unsigned int order)
{
	struct free_node *n = node(addr);

	if (n->prev != PADDR_INVALID)
		node(n->prev)->next = n->next;
	else
		pa.free_head[order] = n->next;
	if (n->next != PADDR_INVALID)
		node(n->next)->prev = n->prev;
	pa.meta[meta_index(addr)] = META_NONE;
	pa.nr_free[order]--;
	pa.free_pages -= (uint64_t)1 << order;
}

/* The block's head byte must already be META_NONE: it may be swallowed by a lower buddy. */
static void free_block(paddr_t addr, unsigned int order)
{
	while (order + 1 < PAGE_ALLOC_MAX_ORDER) {
		paddr_t buddy = addr ^ order_bytes(order);

		if (!in_span(buddy, order) ||
		    pa.meta[meta_index(buddy)] != (META_FREE | order))
			break;
		list_remove(buddy, order);
		addr &= ~order_bytes(order);
		order++;
	}
	list_push(addr, order);
}

static paddr_t alloc_block(unsigned int order)
{
	unsigned int o = order;
	paddr_t addr;

	while (o < PAGE_ALLOC_MAX_ORDER && pa.free_head[o] == PADDR_INVALID)
		o++;
	if (o >= PAGE_ALLOC_MAX_ORDER)
		return PADDR_INVALID;
	addr = pa.free_head[o];
#ifdef CONFIG_DEBUG
	if (!in_span(addr, o) || pa.meta[meta_index(addr)] != (META_FREE | o))
		panic("page_alloc: free list of order %u holds 0x%lx, which is not a free block",
		      o, (unsigned long)addr);
#endif
	list_remove(addr, o);
	while (o > order) {
		o--;
		list_push(addr + order_bytes(o), o);
	}
	return addr;
}

/* Largest naturally aligned block that starts at addr and fits below end. */
static unsigned int fit_order(paddr_t addr, paddr_t end)
{
	unsigned int order = (unsigned int)__builtin_ctzll(addr >> PAGE_SHIFT);

	if (order > PAGE_ALLOC_MAX_ORDER - 1)
		order = PAGE_ALLOC_MAX_ORDER - 1;
	while (order_bytes(order) > end - addr)
		order--;
	return order;
}

/* Meta byte of the block containing addr's page (and its head), or META_NONE. */
static uint8_t block_containing(paddr_t addr, paddr_t *head)
{
	for (unsigned int o = 0; o < PAGE_ALLOC_MAX_ORDER; o++) {
		paddr_t h = addr & ~(order_bytes(o) - 1);
		uint8_t m;

		if (h < pa.base)
			break;
		m = pa.meta[meta_index(h)];
		if (m != META_NONE && (m & META_ORDER) == o) {
			*head = h;
			return m;
		}
	}
	return META_NONE;
}

/* Both ends page-aligned, inside the span, start > 0. */
static uint64_t free_range(paddr_t start, paddr_t end, const char *who)
{
	uint64_t pages = 0;

	(void)who;
	while (start < end) {
		unsigned int order = fit_order(start, end);
#ifdef CONFIG_DEBUG
		paddr_t head;

		if (block_containing(start, &head) != META_NONE)
			panic("%s: 0x%lx is already in a block at 0x%lx",
			      who, (unsigned long)start, (unsigned long)head);
#endif
		free_block(start, order);
		pages += (uint64_t)1 << order;
		start += order_bytes(order);
	}
	return pages;
}

size_t page_alloc_meta_size(paddr_t lo, paddr_t hi)
{
	if (hi <= lo)
		return 0;
	return (size_t)((ALIGN_UP(hi, PAGE_SIZE) - ALIGN_DOWN(lo, PAGE_SIZE)) >> PAGE_SHIFT);
}

void page_alloc_init(paddr_t lo, paddr_t hi, void *meta,
		     void *(*phys_to_virt)(paddr_t))
{
	size_t size = page_alloc_meta_size(lo, hi);

	pa.base = ALIGN_DOWN(lo, PAGE_SIZE);
	pa.end = pa.base + ((uint64_t)size << PAGE_SHIFT);
	pa.meta = meta;
	pa.phys_to_virt = phys_to_virt;
	if (size)
		memset(meta, 0, size);
	for (unsigned int o = 0; o < PAGE_ALLOC_MAX_ORDER; o++) {
		pa.free_head[o] = PADDR_INVALID;
		pa.nr_free[o] = 0;
	}
	pa.free_pages = 0;
	pa.total_pages = 0;
}

static void add_free_unlocked(paddr_t start, paddr_t end)
{
	/* Checked before rounding so that rounding cannot wrap. */
	if (end <= start || start >= pa.end || end <= pa.base)
		return;
	start = MAX(start, pa.base);
	end = MIN(end, pa.end);
	start = MAX(ALIGN_UP(start, PAGE_SIZE), PAGE_SIZE);
	end = ALIGN_DOWN(end, PAGE_SIZE);
	if (start < end)
		pa.total_pages += free_range(start, end, "page_alloc_add_free");
}

static paddr_t alloc_unlocked(unsigned int order)
{
	paddr_t addr;

	if (order >= PAGE_ALLOC_MAX_ORDER)
		return PADDR_INVALID;
	addr = alloc_block(order);
	if (addr != PADDR_INVALID)
		pa.meta[meta_index(addr)] = (uint8_t)(META_BLOCK | order);
	return addr;
}

#ifdef CONFIG_DEBUG
/* Panics unless addr heads a live allocation whose meta byte is want. */
static void check_free(paddr_t addr, unsigned int order, uint8_t want, const char *who)
{
	unsigned long a = (unsigned long)addr;
	paddr_t head;
	uint8_t m;

	if (order >= PAGE_ALLOC_MAX_ORDER)
		panic("%s: 0x%lx: order %u out of range", who, a, order);
	if (addr & (order_bytes(order) - 1))
		panic("%s: 0x%lx is not aligned to order %u", who, a, order);
	if (!in_span(addr, order))
		panic("%s: 0x%lx (order %u) is outside managed memory", who, a, order);
	m = pa.meta[meta_index(addr)];
	if (m == want)
		return;
	if ((m & META_STATE) == META_FREE)
		panic("%s: double free of 0x%lx (order %u)", who, a, order);
	if (m == META_NONE) {
		if ((block_containing(addr, &head) & META_STATE) == META_FREE)
			panic("%s: double free of 0x%lx (order %u): inside free block 0x%lx",
			      who, a, order, (unsigned long)head);
		panic("%s: 0x%lx (order %u) was not allocated", who, a, order);
	}
	if ((m & META_STATE) == (want & META_STATE))
		panic("%s: 0x%lx freed as order %u but allocated as order %u",
		      who, a, order, m & META_ORDER);
	panic("%s: 0x%lx was not allocated by this interface", who, a);
}
#endif

static void free_unlocked(paddr_t addr, unsigned int order)
{
#ifdef CONFIG_DEBUG
	check_free(addr, order, (uint8_t)(META_BLOCK | order), "page_free");
#endif
	pa.meta[meta_index(addr)] = META_NONE;
	free_block(addr, order);
}

static paddr_t alloc_pages_unlocked(size_t npages, unsigned int align_order)
{
	unsigned int order;
	paddr_t addr, pos;
	uint64_t left;
	uint8_t state = META_RUN;

	if (npages == 0 || npages > ((size_t)1 << (PAGE_ALLOC_MAX_ORDER - 1)) ||
	    align_order >= PAGE_ALLOC_MAX_ORDER)
		return PADDR_INVALID;
	order = MAX(ceil_log2(npages), align_order);
	addr = alloc_block(order);
	if (addr == PADDR_INVALID)
		return PADDR_INVALID;
	/* The block is aligned above npages, so the pieces are npages' binary digits. */
	for (pos = addr, left = npages; left; state = META_RUN_CONT) {
		unsigned int o = floor_log2(left);

		pa.meta[meta_index(pos)] = (uint8_t)(state | o);
		pos += order_bytes(o);
		left -= (uint64_t)1 << o;
	}
	/* Tail buddies are the kept pieces, which are not free: nothing merges back. */
	free_range(pos, addr + order_bytes(order), "page_alloc_pages");
	return addr;
}

static void free_pages_unlocked(paddr_t addr, size_t npages)
{
	paddr_t pos;
	uint64_t left;

	if (npages == 0)
		return;
#ifdef CONFIG_DEBUG
	{
		unsigned long a = (unsigned long)addr;
		uint8_t state = META_RUN;

		if (npages > ((size_t)1 << (PAGE_ALLOC_MAX_ORDER - 1)))
			panic("page_free_pages: 0x%lx: %lu pages is more than any run",
			      a, (unsigned long)npages);
		check_free(addr, floor_log2(npages),
			   (uint8_t)(META_RUN | floor_log2(npages)), "page_free_pages");
		for (pos = addr, left = npages; left; state = META_RUN_CONT) {
			unsigned int o = floor_log2(left);

			if (!in_span(pos, o) || pa.meta[meta_index(pos)] != (state | o))
				panic("page_free_pages: 0x%lx was not allocated as %lu pages",
				      a, (unsigned long)npages);
			pos += order_bytes(o);
			left -= (uint64_t)1 << o;
		}
		if (pos < pa.end && (pa.meta[meta_index(pos)] & META_STATE) == META_RUN_CONT)
			panic("page_free_pages: 0x%lx: run is longer than %lu pages",
			      a, (unsigned long)npages);
	}
#endif
	for (pos = addr, left = npages; left;) {
		unsigned int o = floor_log2(left);

		pa.meta[meta_index(pos)] = META_NONE;
		free_block(pos, o);
		pos += order_bytes(o);
		left -= (uint64_t)1 << o;
	}
}

size_t page_alloc_run_pages(paddr_t addr)
{
	size_t pages = 0;
	uint8_t m;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !in_span(addr, 0))
		return 0;
	m = pa.meta[meta_index(addr)];
	if ((m & META_STATE) != META_RUN)
		return 0;
	do {
		pages += (size_t)1 << (m & META_ORDER);
		addr += order_bytes(m & META_ORDER);
		if (addr >= pa.end)
			break;
		m = pa.meta[meta_index(addr)];
	} while ((m & META_STATE) == META_RUN_CONT);
	return pages;
}

int page_alloc_block_order(paddr_t addr)
{
	uint8_t m;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || !in_span(addr, 0))
		return -EINVAL;
	m = pa.meta[meta_index(addr)];
	if ((m & META_STATE) != META_BLOCK)
		return -EINVAL;
	return m & META_ORDER;
}

bool page_alloc_is_free(paddr_t addr)
{
	paddr_t head;

	if (!in_span(ALIGN_DOWN(addr, PAGE_SIZE), 0))
		return false;
	return (block_containing(addr, &head) & META_STATE) == META_FREE;
}

uint64_t page_alloc_free_bytes(void)
{
	return pa.free_pages << PAGE_SHIFT;
}

uint64_t page_alloc_total_bytes(void)
{
	return pa.total_pages << PAGE_SHIFT;
}

void page_alloc_free_counts(uint64_t counts[PAGE_ALLOC_MAX_ORDER])
{
	for (unsigned int o = 0; o < PAGE_ALLOC_MAX_ORDER; o++)
		counts[o] = pa.nr_free[o];
}

static void split_unlocked(paddr_t addr, unsigned int order)
{
#ifdef CONFIG_DEBUG
	if (!in_span(addr, order) || pa.meta[meta_index(addr)] != (META_BLOCK | order))
		panic("page_alloc_split: %#lx is not an allocated block of order %u",
		      (unsigned long)addr, order);
#endif
	/* Only the metadata changes: each page becomes a block of its own, freed one by one. */
	for (uint64_t i = 0; i < (1ull << order); i++)
		pa.meta[meta_index(addr + i * PAGE_SIZE)] = (uint8_t)(META_BLOCK | 0);
}

/* The public entry points: each under the allocator's lock (kernel/alloc_lock.h). */
static struct alloc_lock lock = ALLOC_LOCK_INIT;

void page_alloc_add_free(paddr_t start, paddr_t end)
{
	uint64_t flags = alloc_lock(&lock);

	add_free_unlocked(start, end);
	alloc_unlock(&lock, flags);
}

paddr_t page_alloc(unsigned int order)
{
	uint64_t flags = alloc_lock(&lock);
	paddr_t addr = alloc_unlocked(order);

	alloc_unlock(&lock, flags);
	return addr;
}

void page_free(paddr_t addr, unsigned int order)
{
	uint64_t flags = alloc_lock(&lock);

	free_unlocked(addr, order);
	alloc_unlock(&lock, flags);
}

paddr_t page_alloc_pages(size_t npages, unsigned int align_order)
{
	uint64_t flags = alloc_lock(&lock);
	paddr_t addr = alloc_pages_unlocked(npages, align_order);

	alloc_unlock(&lock, flags);
	return addr;
}

void page_free_pages(paddr_t addr, size_t npages)
{
	uint64_t flags = alloc_lock(&lock);

	free_pages_unlocked(addr, npages);
	alloc_unlock(&lock, flags);
}

void page_alloc_split(paddr_t addr, unsigned int order)
{
	uint64_t flags = alloc_lock(&lock);

	split_unlocked(addr, order);
	alloc_unlock(&lock, flags);
}
