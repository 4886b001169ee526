/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel heap: one-page slabs per size class for small blocks, page runs for large ones. */
#include <mote/compiler.h>
#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "kernel/alloc_lock.h"
#include "kernel/panic.h"
#include "lib/string.h"

/*
 * A slab is one page with its header at the start, so objects are never
 * page-aligned: kfree() tells a large block (page-aligned, sized by the page
 * allocator's run metadata) from a slab object by the pointer alone, and the
 * slab header is found by rounding down. 64 header bytes keep objects of
 * classes that are multiples of 64 aligned to 64 for kmalloc_aligned().
 */
#define SLAB_HDR	64
#define SLAB_SPACE	(PAGE_SIZE - SLAB_HDR)
#define SLAB_MAGIC	0x51ab
#define SLAB_MAX_ALIGN	64
/* Empty slabs kept per class, so alloc/free at a slab boundary does not thrash. */
#define SLAB_KEEP_EMPTY	1
#define HEAP_MAX_BYTES	(PAGE_SIZE << (PAGE_ALLOC_MAX_ORDER - 1))

/*
 * Sizes chosen so that whole objects fill the 4032 usable bytes of a slab
 * (most leave no slack; the worst, 256, leaves 192 bytes).
 */
static const uint16_t class_size[] = {
	16, 32, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 288, 336,
	400, 448, 496, 576, 672, 800, 1008, 1344, 2016,
};
#define NR_CLASSES	ARRAY_SIZE(class_size)

struct slab_link {
	struct slab_link *next;
	struct slab_link *prev;
};

struct heap_slab {
	struct slab_link link;	/* on its class's list while it has free objects */
	void *free;		/* freed objects, linked through their first word */
	uint16_t inuse;
	uint16_t bump;		/* objects below this were handed out at least once */
	uint8_t cls;
	uint8_t unused;
	uint16_t magic;
	uint8_t live[32];	/* debug: one bit per allocated object */
};

_Static_assert(sizeof(struct heap_slab) == SLAB_HDR, "slab header must be SLAB_HDR bytes");
_Static_assert(offsetof(struct heap_slab, link) == 0, "slab_alloc casts a link to its slab");
_Static_assert(SLAB_SPACE / 16 <= 8 * sizeof(((struct heap_slab *)0)->live), "live bitmap too small");
_Static_assert(HEAP_SMALL_MAX == 2016, "HEAP_SMALL_MAX must match the largest class");

struct heap_class {
	struct slab_link slabs;	/* partly used first, empty ones at the tail */
	uint16_t nobj;
	uint16_t empty;
};

#ifdef CONFIG_DEBUG
/*
 * Every debug block ends in a trailer giving the slack between the caller's
 * size and the trailer; the slack is filled with canary bytes. Storing the
 * slack rather than the size keeps it 32-bit for any run size.
 */
struct heap_trailer {
	uint32_t magic;
	uint32_t slack;
};
#define TRAILER		sizeof(struct heap_trailer)
#define TRAILER_MAGIC	0x7a11c0deu
#define CANARY		0xca
#define POISON		0x6b
#else
#define TRAILER		0
#endif

static struct {
	void *(*phys_to_virt)(paddr_t);
	paddr_t (*virt_to_phys)(const void *);
	struct heap_class cls[NR_CLASSES];
	uint8_t class_of[HEAP_SMALL_MAX / 16 + 1];	/* by (bytes + 15) / 16 */
	size_t used_bytes;
	size_t pages;
} heap;

static inline void link_del(struct slab_link *l)
{
	l->prev->next = l->next;
	l->next->prev = l->prev;
}

static inline void link_add_head(struct slab_link *head, struct slab_link *l)
{
	l->next = head->next;
	l->prev = head;
	head->next->prev = l;
	head->next = l;
}

static inline void link_add_tail(struct slab_link *head, struct slab_link *l)
{
	l->prev = head->prev;
	l->next = head;
	head->prev->next = l;
	head->prev = l;
}

static inline struct heap_slab *slab_of(const void *p)
{
	return (struct heap_slab *)ALIGN_DOWN((uintptr_t)p, PAGE_SIZE);
}

static inline bool is_page_aligned(const void *p)
{
	return IS_ALIGNED((uintptr_t)p, PAGE_SIZE);
}

void heap_init(void *(*phys_to_virt)(paddr_t), paddr_t (*virt_to_phys)(const void *))
{
	unsigned int c = 0;

	heap.phys_to_virt = phys_to_virt;
	heap.virt_to_phys = virt_to_phys;
	heap.used_bytes = 0;
	heap.pages = 0;
	for (unsigned int i = 0; i < NR_CLASSES; i++) {
		heap.cls[i].slabs.next = heap.cls[i].slabs.prev = &heap.cls[i].slabs;
		heap.cls[i].nobj = (uint16_t)(SLAB_SPACE / class_size[i]);
		heap.cls[i].empty = 0;
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(heap.class_of); i++) {
		while (class_size[c] < i * 16)
			c++;
		heap.class_of[i] = (uint8_t)c;
	}
}

#ifdef CONFIG_DEBUG
static void guard_set(void *obj, size_t slot, size_t size)
{
	struct heap_trailer t = { TRAILER_MAGIC, (uint32_t)(slot - TRAILER - size) };

	memset((char *)obj + size, CANARY, t.slack);
	memcpy((char *)obj + slot - TRAILER, &t, TRAILER);
}

/* The caller's size, after panicking if the trailer or canary was overwritten. */
static size_t guard_check(const void *obj, size_t slot, const char *who, const char *what,
			  unsigned long what_n)
{
	const unsigned char *b = obj;
	struct heap_trailer t;

	memcpy(&t, b + slot - TRAILER, TRAILER);
	if (t.magic != TRAILER_MAGIC || t.slack > slot - TRAILER)
		panic("%s: buffer overrun after %p (%s %lu): trailer smashed",
		      who, obj, what, what_n);
	for (size_t i = slot - TRAILER - t.slack; i < slot - TRAILER; i++)
		if (b[i] != CANARY)
			panic("%s: buffer overrun after %p (%s %lu): byte %lu of %lu written",
			      who, obj, what, what_n, (unsigned long)i,
			      (unsigned long)(slot - TRAILER - t.slack));
	return slot - TRAILER - t.slack;
}

static inline bool live_test(const struct heap_slab *s, unsigned int i)
{
	return s->live[i / 8] & (1u << (i % 8));
}

static inline void live_flip(struct heap_slab *s, unsigned int i)
{
	s->live[i / 8] ^= (uint8_t)(1u << (i % 8));
}

/* Index of the live object p, after panicking on anything else. */
static unsigned int slab_check(const void *p, const char *who)
{
	struct heap_slab *s = slab_of(p);
	/* Ask the page allocator first so a stray pointer's page is never read. */
	paddr_t phys = heap.virt_to_phys(s);
	uintptr_t off;
	unsigned int slot, i;

	if (phys == PADDR_INVALID || page_alloc_block_order(phys) != 0 ||
	    s->magic != SLAB_MAGIC || s->cls >= NR_CLASSES)
		panic("%s: %p is not a heap pointer", who, p);
	slot = class_size[s->cls];
	off = (uintptr_t)p - (uintptr_t)s;
	if (off < SLAB_HDR)
		panic("%s: %p is not a heap pointer (inside a slab header, class %u)",
		      who, p, slot);
	off -= SLAB_HDR;
	i = (unsigned int)(off / slot);
	if (off % slot)
		panic("%s: %p points inside a block (class %u, block at %p)",
		      who, p, slot, (void *)((uintptr_t)p - off % slot));
	if (i >= heap.cls[s->cls].nobj || i >= s->bump)
		panic("%s: %p was never allocated (class %u)", who, p, slot);
	if (!live_test(s, i))
		panic("%s: double free of %p (class %u)", who, p, slot);
	return i;
}

/* Pages of the live run at p, after panicking on anything else. */
static size_t run_check(const void *p, const char *who)
{
	paddr_t phys = heap.virt_to_phys(p);
	size_t n = phys == PADDR_INVALID ? 0 : page_alloc_run_pages(phys);

	if (n == 0) {
		if (phys != PADDR_INVALID && page_alloc_is_free(phys))
			panic("%s: double free of %p (large block)", who, p);
		panic("%s: %p is not a heap pointer", who, p);
	}
	return n;
}
#endif

static struct heap_slab *slab_new(unsigned int ci)
{
	paddr_t phys = page_alloc(0);
	struct heap_slab *s;

	if (phys == PADDR_INVALID)
		return NULL;
	s = heap.phys_to_virt(phys);
	s->free = NULL;
	s->inuse = 0;
	s->bump = 0;
	s->cls = (uint8_t)ci;
	s->unused = 0;
	s->magic = SLAB_MAGIC;
#ifdef CONFIG_DEBUG
	memset(s->live, 0, sizeof(s->live));
	memset((char *)s + SLAB_HDR, POISON, SLAB_SPACE);
#endif
	link_add_tail(&heap.cls[ci].slabs, &s->link);
	heap.cls[ci].empty++;
	heap.pages++;
	return s;
}

static void *slab_alloc(unsigned int ci, size_t size)
{
	struct heap_class *c = &heap.cls[ci];
	unsigned int slot = class_size[ci];
	struct heap_slab *s;
	void *obj;

	if (c->slabs.next == &c->slabs) {
		if (!slab_new(ci))
			return NULL;
	}
	s = (struct heap_slab *)(void *)c->slabs.next;	/* link is the first member */
	if (s->free) {
		obj = s->free;
#ifdef CONFIG_DEBUG
		{
			const unsigned char *b = (const unsigned char *)obj;
			void *next = *(void **)obj;
			uintptr_t off = (uintptr_t)next - (uintptr_t)s - SLAB_HDR;

			if (next && (slab_of(next) != s || (uintptr_t)next < (uintptr_t)s + SLAB_HDR ||
				     off % slot))
				panic("kmalloc: freed block %p (class %u) was written after free",
				      obj, slot);
			for (unsigned int i = sizeof(void *); i < slot; i++)
				if (b[i] != POISON)
					panic("kmalloc: freed block %p (class %u) was written after free (byte %u)",
					      obj, slot, i);
		}
#endif
		s->free = *(void **)obj;
	} else {
		obj = (char *)s + SLAB_HDR + (size_t)s->bump * slot;
		s->bump++;
	}
	if (s->inuse == 0)
		c->empty--;
	s->inuse++;
	if (s->inuse == c->nobj)
		link_del(&s->link);
#ifdef CONFIG_DEBUG
	live_flip(s, (unsigned int)(((uintptr_t)obj - (uintptr_t)s - SLAB_HDR) / slot));
	guard_set(obj, slot, size);
#else
	(void)size;
#endif
	heap.used_bytes += slot;
	return obj;
}

static void slab_free(void *p)
{
	struct heap_slab *s = slab_of(p);
	struct heap_class *c;
	unsigned int slot;

#ifdef CONFIG_DEBUG
	unsigned int i = slab_check(p, "kfree");

	guard_check(p, class_size[s->cls], "kfree", "class", class_size[s->cls]);
	live_flip(s, i);
	memset(p, POISON, class_size[s->cls]);
#endif
	c = &heap.cls[s->cls];
	slot = class_size[s->cls];
	if (s->inuse == c->nobj)
		link_add_head(&c->slabs, &s->link);
	*(void **)p = s->free;
	s->free = p;
	s->inuse--;
	heap.used_bytes -= slot;
	if (s->inuse == 0) {
		link_del(&s->link);
		if (c->empty >= SLAB_KEEP_EMPTY) {
			page_free(heap.virt_to_phys(s), 0);
			heap.pages--;
		} else {
			/* Partly used slabs stay in front, so this one can empty out for good. */
			link_add_tail(&c->slabs, &s->link);
			c->empty++;
		}
	}
}

static void *large_alloc(size_t need, size_t size, unsigned int align_order)
{
	size_t npages = (need + PAGE_SIZE - 1) >> PAGE_SHIFT;
	paddr_t phys;
	void *p;

	if (npages == 0)
		npages = 1;
	phys = page_alloc_pages(npages, align_order);
	if (phys == PADDR_INVALID)
		return NULL;
	p = heap.phys_to_virt(phys);
#ifdef CONFIG_DEBUG
	guard_set(p, npages << PAGE_SHIFT, size);
#else
	(void)size;
#endif
	heap.pages += npages;
	heap.used_bytes += npages << PAGE_SHIFT;
	return p;
}

static void large_free(void *p)
{
	paddr_t phys = heap.virt_to_phys(p);
	size_t npages;

#ifdef CONFIG_DEBUG
	npages = run_check(p, "kfree");
	guard_check(p, npages << PAGE_SHIFT, "kfree", "large block of pages", npages);
	memset(p, POISON, npages << PAGE_SHIFT);
#else
	npages = page_alloc_run_pages(phys);
#endif
	page_free_pages(phys, npages);
	heap.pages -= npages;
	heap.used_bytes -= npages << PAGE_SHIFT;
}

static void *heap_alloc(size_t size, size_t align)
{
	size_t need;
	unsigned int align_order = 0;

	if (size > HEAP_MAX_BYTES - TRAILER)
		return NULL;
	need = size + TRAILER;
	if (align <= SLAB_MAX_ALIGN && need <= HEAP_SMALL_MAX) {
		unsigned int ci = heap.class_of[(need + 15) / 16];

		while (ci < NR_CLASSES && class_size[ci] % align)
			ci++;
		if (ci < NR_CLASSES)
			return slab_alloc(ci, size);
	}
	if (align > PAGE_SIZE)
		align_order = (unsigned int)__builtin_ctzll(align) - PAGE_SHIFT;
	return large_alloc(need, size, align_order);
}

static struct alloc_lock heap_lock = ALLOC_LOCK_INIT;

void *kmalloc(size_t size)
{
	uint64_t flags = alloc_lock(&heap_lock);
	void *p = heap_alloc(size, HEAP_MIN_ALIGN);

	alloc_unlock(&heap_lock, flags);
	return p;
}

void *kmalloc_aligned(size_t size, size_t align)
{
	uint64_t flags;
	void *p;

	if (align == 0 || (align & (align - 1)) || align > HEAP_MAX_BYTES)
		return NULL;
	flags = alloc_lock(&heap_lock);
	p = heap_alloc(size, MAX(align, (size_t)HEAP_MIN_ALIGN));
	alloc_unlock(&heap_lock, flags);
	return p;
}

void *kcalloc(size_t n, size_t size)
{
	size_t total;
	void *p;

	if (__builtin_mul_overflow(n, size, &total))
		return NULL;
	p = kmalloc(total);
	if (p)
		memset(p, 0, total);
	return p;
}

void kfree(void *p)
{
	uint64_t flags;

	if (!p)
		return;
	flags = alloc_lock(&heap_lock);
	if (is_page_aligned(p))
		large_free(p);
	else
		slab_free(p);
	alloc_unlock(&heap_lock, flags);
}

void *krealloc(void *p, size_t size)
{
	size_t slot, old;
	uint64_t flags;
	void *q;

	if (!p)
		return kmalloc(size);
	if (size == 0) {
		kfree(p);
		return NULL;
	}
	flags = alloc_lock(&heap_lock);
	if (is_page_aligned(p)) {
#ifdef CONFIG_DEBUG
		size_t npages = run_check(p, "krealloc");

		slot = npages << PAGE_SHIFT;
		old = guard_check(p, slot, "krealloc", "large block of pages", npages);
#else
		slot = page_alloc_run_pages(heap.virt_to_phys(p)) << PAGE_SHIFT;
		old = slot;
#endif
	} else {
		struct heap_slab *s = slab_of(p);

#ifdef CONFIG_DEBUG
		slab_check(p, "krealloc");
		slot = class_size[s->cls];
		old = guard_check(p, slot, "krealloc", "class", slot);
#else
		slot = class_size[s->cls];
		old = slot;
#endif
	}
	/* Stay put unless that would waste over half the block. */
	if (size <= HEAP_MAX_BYTES - TRAILER && size + TRAILER <= slot &&
	    (size + TRAILER > slot / 2 || slot == class_size[0])) {
#ifdef CONFIG_DEBUG
		guard_set(p, slot, size);
#endif
		alloc_unlock(&heap_lock, flags);
		return p;
	}
	alloc_unlock(&heap_lock, flags);
	q = kmalloc(size);
	if (!q)
		return NULL;
	memcpy(q, p, MIN(old, size));
	kfree(p);
	return q;
}

size_t heap_used_bytes(void)
{
	return heap.used_bytes;
}

size_t heap_page_count(void)
{
	return heap.pages;
}
