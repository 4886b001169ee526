/* SPDX-License-Identifier: BSD-2-Clause */
/* Host unit test of the kernel heap over the page allocator, with content checks and debug traps. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mote/compiler.h>
#include "kernel/heap.h"
#include "kernel/page_alloc.h"
#include "tests/unit/check.h"
#include "tests/unit/panic_catch.h"
#define RNG_SEED 0x243f6a8885a308d3ULL
#include "tests/unit/xorshift.h"

/* 2 MiB aligned both physically and virtually, so big alignments carry over. */
#define LO	0x200000ULL
#define SIZE	(16ULL * 1024 * 1024)
#define HI	(LO + SIZE)

static unsigned char *ram;
static uint8_t *meta;

static void *test_p2v(paddr_t p)
{
	if (p - LO >= SIZE) {
		fprintf(stderr, "phys_to_virt(0x%llx) out of range\n", (unsigned long long)p);
		abort();
	}
	return ram + (p - LO);
}

static paddr_t test_v2p(const void *v)
{
	uintptr_t off = (uintptr_t)v - (uintptr_t)ram;

	return off < SIZE ? LO + off : PADDR_INVALID;
}

static void setup(void)
{
	page_alloc_init(LO, HI, meta, test_p2v);
	/* A hole and an odd edge, as boot memory maps have. */
	page_alloc_add_free(LO, LO + 0x300000);
	page_alloc_add_free(LO + 0x380800, HI);
	heap_init(test_p2v, test_v2p);
}

static void fill(void *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		((uint8_t *)p)[i] = (uint8_t)(seed + i * 7);
}

static bool verify(const void *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		if (((const uint8_t *)p)[i] != (uint8_t)(seed + i * 7))
			return false;
	return true;
}

static bool in_ram(const void *p, size_t n)
{
	return (uintptr_t)p >= (uintptr_t)ram && (uintptr_t)p + n <= (uintptr_t)ram + SIZE;
}

static void test_every_size(void)
{
	enum { MAXSZ = 4200 };
	static void *blocks[MAXSZ + 1];
	bool ok = true;
	uint64_t free0;

	setup();
	free0 = page_alloc_free_bytes();
	for (size_t n = 0; n <= MAXSZ; n++) {
		blocks[n] = kmalloc(n);
		if (!blocks[n] || (uintptr_t)blocks[n] % HEAP_MIN_ALIGN || !in_ram(blocks[n], n)) {
			ok = false;
			continue;
		}
		fill(blocks[n], n, (uint8_t)n);
	}
	CHECK(ok);
	/* Nothing overlapped: every pattern is intact. */
	for (size_t n = 0; n <= MAXSZ; n++)
		if (blocks[n] && !verify(blocks[n], n, (uint8_t)n))
			ok = false;
	CHECK(ok);
	CHECK(heap_used_bytes() >= (size_t)MAXSZ * (MAXSZ + 1) / 2);
	for (size_t n = 0; n <= MAXSZ; n += 2)
		kfree(blocks[n]);
	for (size_t n = 1; n <= MAXSZ; n += 2)
		kfree(blocks[n]);
	CHECK_EQ(heap_used_bytes(), 0);
	/* Only the cached empty slabs remain, at most one per class. */
	CHECK(heap_page_count() <= 23);
	CHECK_EQ(page_alloc_free_bytes() + heap_page_count() * PAGE_SIZE, free0);
	kfree(NULL);
}

static void test_classes_many_slabs(void)
{
	enum { PER = 600 };
	static void *b[PER];
	static const size_t sizes[] = { 1, 16, 17, 33, 64, 100, 128, 200, 256, 300, 400,
					500, 576, 700, 800, 1000, 1300, 1500, 2000, 2008 };
	bool ok = true;

	setup();
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		size_t pages0 = heap_page_count();

		for (int i = 0; i < PER; i++) {
			b[i] = kmalloc(sizes[s]);
			if (!b[i]) {
				ok = false;
				break;
			}
			fill(b[i], sizes[s], (uint8_t)(i * 3));
		}
		for (int i = 0; i < PER; i += 3)
			if (!verify(b[i], sizes[s], (uint8_t)(i * 3)))
				ok = false;
		for (int i = PER - 1; i >= 0; i--)
			kfree(b[i]);
		CHECK(heap_page_count() <= pages0 + 1);
	}
	CHECK(ok);
	CHECK_EQ(heap_used_bytes(), 0);
}

struct blk {
	void *p;
	size_t size;
	uint8_t seed;
};

static void test_stress(void)
{
	enum { OPS = 200000, MAXLIVE = 3000 };
	static struct blk live[MAXLIVE];
	size_t nlive = 0, bad = 0, oom = 0;
	uint64_t free0;

	setup();
	free0 = page_alloc_free_bytes();
	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd();
		unsigned int what = (unsigned int)(r & 0xff);

		if (nlive < MAXLIVE && (nlive == 0 || what < 96)) {
			struct blk b;
			unsigned int kind = (unsigned int)((r >> 8) % 64);

			if (kind == 0)
				b.size = (r >> 16) % 200000;		/* large */
			else if (kind < 4)
				b.size = 2000 + (r >> 16) % 8000;	/* around the boundary */
			else
				b.size = (r >> 16) % 700;
			b.seed = (uint8_t)(r >> 40);
			if (kind == 1) {
				size_t align = (size_t)1 << ((r >> 48) % 22);

				b.p = kmalloc_aligned(b.size, align);
				if (b.p && (uintptr_t)b.p % align)
					bad++;
			} else {
				b.p = kmalloc(b.size);
			}
			if (!b.p) {
				oom++;
				continue;
			}
			if ((uintptr_t)b.p % HEAP_MIN_ALIGN || !in_ram(b.p, b.size))
				bad++;
			fill(b.p, b.size, b.seed);
			live[nlive++] = b;
		} else if (what < 190) {
			size_t i = (r >> 8) % nlive;

			if (!verify(live[i].p, live[i].size, live[i].seed))
				bad++;
			kfree(live[i].p);
			live[i] = live[--nlive];
		} else {
			size_t i = (r >> 8) % nlive;
			size_t nsize = (r >> 24) % 16 == 0 ? (r >> 32) % 100000 : (r >> 32) % 3000;
			void *q = krealloc(live[i].p, nsize);

			if (nsize == 0) {
				CHECK(q == NULL);
				live[i] = live[--nlive];
				continue;
			}
			if (!q) {
				oom++;
				continue;
			}
			if (!verify(q, MIN(nsize, live[i].size), live[i].seed) ||
			    (uintptr_t)q % HEAP_MIN_ALIGN)
				bad++;
			live[i].p = q;
			live[i].size = nsize;
			fill(q, nsize, live[i].seed);
		}
	}
	CHECK_EQ(bad, 0);
	printf("stress: %d ops, %zu out of memory, %zu live, %zu heap pages\n",
	       OPS, oom, nlive, heap_page_count());
	while (nlive) {
		nlive--;
		if (!verify(live[nlive].p, live[nlive].size, live[nlive].seed))
			bad++;
		kfree(live[nlive].p);
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(heap_used_bytes(), 0);
	CHECK_EQ(page_alloc_free_bytes() + heap_page_count() * PAGE_SIZE, free0);
}

static void test_calloc(void)
{
	unsigned char *p;
	bool zero = true;

	setup();
	p = kmalloc(1000);
	memset(p, 0xee, 1000);
	kfree(p);
	p = kcalloc(100, 10);
	CHECK(p != NULL);
	for (int i = 0; p && i < 1000; i++)
		if (p[i])
			zero = false;
	CHECK(zero);
	kfree(p);
	p = kcalloc(3, 5000);
	CHECK(p != NULL && p[0] == 0 && p[14999] == 0);
	kfree(p);
	CHECK(kcalloc(SIZE_MAX / 2 + 1, 2) == NULL);
	CHECK(kcalloc((size_t)1 << 33, (size_t)1 << 33) == NULL);
	p = kcalloc(0, 5);
	CHECK(p != NULL);
	kfree(p);
	CHECK_EQ(heap_used_bytes(), 0);
}

static void test_aligned(void)
{
	bool ok = true;

	setup();
	for (unsigned int sh = 0; sh <= 21; sh++) {
		size_t align = (size_t)1 << sh;
		static const size_t sizes[] = { 0, 1, 24, 64, 100, 512, 1000, 4096, 5000, 70000 };

		for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
			void *p = kmalloc_aligned(sizes[s], align);

			if (!p || (uintptr_t)p % align || (uintptr_t)p % HEAP_MIN_ALIGN) {
				ok = false;
				continue;
			}
			fill(p, sizes[s], 5);
			if (!verify(p, sizes[s], 5))
				ok = false;
			kfree(p);
		}
	}
	CHECK(ok);
	CHECK(kmalloc_aligned(64, 0) == NULL);
	CHECK(kmalloc_aligned(64, 48) == NULL);
	CHECK(kmalloc_aligned(64, (size_t)1 << 40) == NULL);
	/* 64-byte alignment of small blocks comes from slabs, not whole pages. */
	{
		size_t pages0 = heap_page_count();
		void *a[8];

		for (int i = 0; i < 8; i++) {
			a[i] = kmalloc_aligned(512, 64);
			CHECK(a[i] && (uintptr_t)a[i] % 64 == 0 && (uintptr_t)a[i] % PAGE_SIZE);
		}
		CHECK(heap_page_count() <= pages0 + 2);
		for (int i = 0; i < 8; i++)
			kfree(a[i]);
	}
	CHECK_EQ(heap_used_bytes(), 0);
}

static void test_large(void)
{
	/* A whole number of pages even with the debug trailer. */
	const size_t n1 = (1 << 20) - 64;
	void *p, *q;
	size_t pages0;

	setup();
	pages0 = heap_page_count();
	p = kmalloc(n1);
	CHECK(p != NULL && (uintptr_t)p % PAGE_SIZE == 0);
	fill(p, n1, 9);
	/* 5 pages cost 5 pages, not 8. */
	q = kmalloc(5 * PAGE_SIZE - 64);
	CHECK(q != NULL);
	CHECK_EQ(heap_page_count(), pages0 + 256 + 5);
	CHECK_EQ(heap_used_bytes(), (256 + 5) * PAGE_SIZE);
	q = krealloc(q, 40000);
	CHECK(q != NULL);
	CHECK(verify(p, n1, 9));
	p = krealloc(p, 3 << 20);
	CHECK(p != NULL && verify(p, n1, 9));
	p = krealloc(p, 100);
	CHECK(p != NULL && verify(p, 100, 9));
	CHECK(heap_page_count() <= pages0 + 10 + 1);
	kfree(p);
	kfree(q);
	p = krealloc(NULL, 10);
	CHECK(p != NULL);
	kfree(p);
	CHECK(kmalloc(SIZE_MAX) == NULL);
	CHECK(kmalloc(SIZE_MAX - 4) == NULL);
	CHECK(kmalloc((size_t)1 << 31) == NULL);
	CHECK_EQ(heap_used_bytes(), 0);
}

static void test_oom(void)
{
	enum { MAXB = 200000 };
	static void *b[MAXB];
	size_t n = 0, big = 0;
	uint64_t free0;
	void *p;

	setup();
	free0 = page_alloc_free_bytes();
	while (n < MAXB && (b[n] = kmalloc(256 * 1024)) != NULL) {
		n++;
		big++;
	}
	CHECK(big > 0);
	while (n < MAXB && (b[n] = kmalloc(3000)) != NULL)
		n++;
	while (n < MAXB && (b[n] = kmalloc(100)) != NULL)
		n++;
	CHECK(n < MAXB);
	CHECK(kmalloc(16) == NULL);
	CHECK(kcalloc(1, 16) == NULL);
	CHECK(kmalloc_aligned(64, 4096) == NULL);
	/* krealloc that cannot grow leaves the block alone. */
	p = b[big];
	fill(p, 3000, 1);
	CHECK(krealloc(p, 100000) == NULL);
	CHECK(verify(p, 3000, 1));
	printf("oom: %zu large, %zu total blocks before running dry\n", big, n);
	while (n)
		kfree(b[--n]);
	CHECK_EQ(heap_used_bytes(), 0);
	CHECK_EQ(page_alloc_free_bytes() + heap_page_count() * PAGE_SIZE, free0);
	p = kmalloc(4 << 20);
	CHECK(p != NULL);
	kfree(p);
	p = kmalloc(40);
	CHECK(p != NULL);
	kfree(p);
}

#ifdef CONFIG_DEBUG

static void test_debug_checks(void)
{
	char addr[32];
	/* volatile: they live across setjmp/longjmp */
	char *volatile p, *volatile q;
	int on_stack;
	paddr_t page;

	setup();

	p = kmalloc(100);
	snprintf(addr, sizeof(addr), "%p", (void *)p);
	kfree(p);
	EXPECT_PANIC2(kfree(p), "double free", addr);
	EXPECT_PANIC2(kfree(p), "class 112", addr);

	p = kmalloc(100);
	q = kmalloc(100);	/* keeps the slab alive across the checks below */
	snprintf(addr, sizeof(addr), "%p", (void *)(p + 8));
	EXPECT_PANIC2(kfree(p + 8), "inside a block", addr);
	EXPECT_PANIC2(krealloc(p + 8, 10), "inside a block", "class 112");
	snprintf(addr, sizeof(addr), "%p", (void *)&on_stack);
	EXPECT_PANIC2(kfree(&on_stack), "not a heap pointer", addr);
	page = page_alloc(0);
	EXPECT_PANIC2(kfree((char *)test_p2v(page) + 64), "not a heap pointer", "");
	EXPECT_PANIC2(kfree(test_p2v(page)), "not a heap pointer", "");
	page_free(page, 0);
	EXPECT_PANIC2(kfree((char *)q + 112 * 3), "never allocated", "class 112");

	/* One byte past the end, with and without slack before the trailer. */
	p[100] = 'x';
	snprintf(addr, sizeof(addr), "%p", (void *)p);
	EXPECT_PANIC2(kfree(p), "buffer overrun", addr);
	p[100] = (char)0xca;	/* canary restored: frees cleanly */
	kfree(p);
	p = kmalloc(104);	/* fills a 112-byte slot up to the trailer */
	p[104] = 0;
	EXPECT_PANIC2(kfree(p), "overrun", "class 112");
	p[104] = (char)0xde;	/* low byte of the trailer magic, little-endian */
	kfree(p);
	kfree(q);

	/* Large blocks: double free and overrun into the tail of the last page. */
	p = kmalloc(10000);
	snprintf(addr, sizeof(addr), "%p", (void *)p);
	p[10000] = 1;
	EXPECT_PANIC2(kfree(p), "overrun", addr);
	EXPECT_PANIC2(krealloc(p, 20000), "overrun", "large");
	p[10000] = (char)0xca;
	kfree(p);
	EXPECT_PANIC2(kfree(p), "double free", addr);

	/* Freed memory is poisoned, and a write after free is caught at reuse. */
	p = kmalloc(48);
	q = kmalloc(48);
	kfree(p);
	CHECK((unsigned char)p[20] == 0x6b && (unsigned char)p[47] == 0x6b);
	p[30] = 0;
	snprintf(addr, sizeof(addr), "%p", (void *)p);
	EXPECT_PANIC2(kmalloc(48), "written after free", addr);
	p[30] = 0x6b;
	CHECK(kmalloc(48) == p);
	kfree(p);
	kfree(q);
	CHECK_EQ(heap_used_bytes(), 0);
}
#endif

int main(void)
{
	ram = aligned_alloc(0x200000, SIZE);
	meta = malloc(page_alloc_meta_size(LO, HI));
	if (!ram || !meta)
		return 2;

	test_every_size();
	test_classes_many_slabs();
	test_stress();
	test_calloc();
	test_aligned();
	test_large();
	test_oom();
#ifdef CONFIG_DEBUG
	test_debug_checks();
#endif
	free(ram);
	free(meta);
	return check_done("heap");
}
