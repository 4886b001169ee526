/* SPDX-License-Identifier: BSD-2-Clause */
/* Host unit test of the buddy page allocator against a per-page reference model. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mote/compiler.h>
#include "kernel/page_alloc.h"
#include "tests/unit/check.h"
#include "tests/unit/panic_catch.h"
#include "tests/unit/xorshift.h"

/* Physical window the tests manage; not page-aligned at the top on purpose. */
#define LO	0x0ULL
#define HI	(40ULL * 1024 * 1024 + 0x3123)
#define NPAGES	((HI + PAGE_SIZE - 1) / PAGE_SIZE)

static unsigned char *ram;
static uint8_t *meta;

/* Model: per page, 0 reserved, 1 free, 2 allocated. */
static uint8_t model[NPAGES];
static uint64_t model_free;

static void *test_p2v(paddr_t p)
{
	if (p - LO >= HI - LO) {
		fprintf(stderr, "phys_to_virt(0x%llx) out of range\n", (unsigned long long)p);
		abort();
	}
	return ram + (p - LO);
}

static void setup(void)
{
	page_alloc_init(LO, HI, meta, test_p2v);
	memset(model, 0, sizeof(model));
	model_free = 0;
}

static void add(paddr_t start, paddr_t end)
{
	page_alloc_add_free(start, end);
	for (paddr_t p = (start + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); p + PAGE_SIZE <= end; p += PAGE_SIZE) {
		if (p == 0 || p >= HI - HI % PAGE_SIZE)
			continue;
		if (model[p / PAGE_SIZE] == 0) {
			model[p / PAGE_SIZE] = 1;
			model_free++;
		}
	}
}

/* Ranges with holes, odd edges, page 0 and a partial last page. */
static void add_standard_ranges(void)
{
	add(0, 0x9f000);
	add(0x100123, 0x7ff800);
	add(0x800000, 0x1000000);
	add(0x1200000, 0x2005000);
	add(0x2400000, HI);
	/* Adjacent to an earlier range: must coalesce across the seam. */
	add(0x7ff000, 0x800000);
}

static uint64_t counts_bytes(const uint64_t *c)
{
	uint64_t b = 0;

	for (unsigned int o = 0; o < PAGE_ALLOC_MAX_ORDER; o++)
		b += c[o] * (PAGE_SIZE << o);
	return b;
}

static bool model_take(paddr_t p, uint64_t pages)
{
	if (p == PADDR_INVALID || p == 0 || p % PAGE_SIZE || p / PAGE_SIZE + pages > NPAGES)
		return false;
	for (uint64_t i = 0; i < pages; i++)
		if (model[p / PAGE_SIZE + i] != 1)
			return false;
	for (uint64_t i = 0; i < pages; i++)
		model[p / PAGE_SIZE + i] = 2;
	model_free -= pages;
	return true;
}

static void model_give(paddr_t p, uint64_t pages)
{
	for (uint64_t i = 0; i < pages; i++)
		model[p / PAGE_SIZE + i] = 1;
	model_free += pages;
}

static void test_meta_size(void)
{
	CHECK_EQ(page_alloc_meta_size(0x1000, 0x3001), 3);
	CHECK_EQ(page_alloc_meta_size(0x1fff, 0x2001), 2);
	CHECK_EQ(page_alloc_meta_size(0, 0x140000), 320);	/* 1.25 MiB guest */
	CHECK_EQ(page_alloc_meta_size(0x5000, 0x5000), 0);
}

static void test_fill_and_coalesce(void)
{
	uint64_t before[PAGE_ALLOC_MAX_ORDER], after[PAGE_ALLOC_MAX_ORDER];
	paddr_t *got = malloc(NPAGES * sizeof(*got));
	uint64_t n = 0, free0;
	bool ok = true;

	setup();
	add_standard_ranges();
	CHECK_EQ(page_alloc_total_bytes(), model_free * PAGE_SIZE);
	CHECK_EQ(page_alloc_free_bytes(), model_free * PAGE_SIZE);
	page_alloc_free_counts(before);
	CHECK_EQ(counts_bytes(before), page_alloc_free_bytes());
	/* 0x800000..0x1000000 is one 8 MiB aligned block. */
	CHECK(before[PAGE_ALLOC_MAX_ORDER - 1] == 0);
	CHECK(before[11] >= 1);
	free0 = model_free;

	for (;;) {
		paddr_t p = page_alloc(0);

		if (p == PADDR_INVALID)
			break;
		if (!model_take(p, 1))
			ok = false;
		got[n++] = p;
	}
	CHECK(ok);
	CHECK_EQ(n, free0);
	CHECK_EQ(page_alloc_free_bytes(), 0);
	for (unsigned int o = 0; o < PAGE_ALLOC_MAX_ORDER; o++)
		CHECK(page_alloc(o) == PADDR_INVALID);
	CHECK(page_alloc_pages(1, 0) == PADDR_INVALID);

	/* Fisher-Yates, then free in that order. */
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = rnd() % i;
		paddr_t t = got[i - 1];

		got[i - 1] = got[j];
		got[j] = t;
	}
	for (uint64_t i = 0; i < n; i++) {
		page_free(got[i], 0);
		model_give(got[i], 1);
	}
	page_alloc_free_counts(after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);
	CHECK_EQ(page_alloc_free_bytes(), free0 * PAGE_SIZE);
	free(got);
}

struct live {
	paddr_t addr;
	uint64_t pages;
	int order;	/* -1: a page_alloc_pages() run */
};

static void test_stress(void)
{
	enum { OPS = 300000, MAXLIVE = 4096 };
	static struct live live[MAXLIVE];
	uint64_t before[PAGE_ALLOC_MAX_ORDER], after[PAGE_ALLOC_MAX_ORDER];
	size_t nlive = 0, max_live = 0;
	unsigned long bad_take = 0, bad_acct = 0, bad_query = 0, fails = 0;

	setup();
	add_standard_ranges();
	page_alloc_free_counts(before);

	for (int op = 0; op < OPS; op++) {
		uint64_t r = rnd();
		bool do_alloc = nlive == 0 || (nlive < MAXLIVE && (r & 0xff) < 135);

		if (do_alloc) {
			struct live l;

			if ((r >> 8) % 4 == 0) {
				uint64_t np = 1 + (r >> 16) % 300;
				unsigned int ao = (unsigned int)((r >> 32) % 4);

				l.addr = page_alloc_pages(np, ao);
				l.pages = np;
				l.order = -1;
				if (l.addr != PADDR_INVALID &&
				    (l.addr % (PAGE_SIZE << ao) ||
				     page_alloc_run_pages(l.addr) != np ||
				     page_alloc_block_order(l.addr) >= 0))
					bad_query++;
			} else {
				/* Mostly small orders, now and then up to 2 MiB and beyond. */
				unsigned int o = (r >> 16) % 16 == 0 ? (unsigned int)((r >> 20) % 12)
								     : (unsigned int)((r >> 20) % 4);

				l.addr = page_alloc(o);
				l.pages = 1ULL << o;
				l.order = (int)o;
				if (l.addr != PADDR_INVALID &&
				    (l.addr % (PAGE_SIZE << o) ||
				     page_alloc_block_order(l.addr) != (int)o ||
				     page_alloc_run_pages(l.addr) != 0))
					bad_query++;
			}
			if (l.addr == PADDR_INVALID) {
				fails++;
				continue;
			}
			if (!model_take(l.addr, l.pages))
				bad_take++;
			live[nlive++] = l;
			max_live = MAX(max_live, nlive);
		} else {
			size_t i = (r >> 8) % nlive;
			struct live l = live[i];

			live[i] = live[--nlive];
			if (l.order < 0)
				page_free_pages(l.addr, l.pages);
			else
				page_free(l.addr, (unsigned int)l.order);
			model_give(l.addr, l.pages);
			if (!page_alloc_is_free(l.addr))
				bad_query++;
		}
		if (page_alloc_free_bytes() != model_free * PAGE_SIZE)
			bad_acct++;
		if (op % 1024 == 0) {
			uint64_t c[PAGE_ALLOC_MAX_ORDER];

			page_alloc_free_counts(c);
			if (counts_bytes(c) != page_alloc_free_bytes())
				bad_acct++;
		}
	}
	CHECK_EQ(bad_take, 0);
	CHECK_EQ(bad_acct, 0);
	CHECK_EQ(bad_query, 0);
	printf("stress: %d ops, %lu failed allocations, %zu live at most, %zu at end\n",
	       OPS, fails, max_live, nlive);
	while (nlive) {
		struct live l = live[--nlive];

		if (l.order < 0)
			page_free_pages(l.addr, l.pages);
		else
			page_free(l.addr, (unsigned int)l.order);
		model_give(l.addr, l.pages);
	}
	page_alloc_free_counts(after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);
	CHECK_EQ(page_alloc_free_bytes(), page_alloc_total_bytes());
}

static void test_large_blocks(void)
{
	paddr_t p, q;

	/* Only a 2 MiB aligned window of 2 MiB + 4 KiB: order 9 must come from it. */
	setup();
	page_alloc_add_free(0x1ff000, 0x400000);
	p = page_alloc(PAGE_ORDER_2M);
	CHECK_EQ(p, 0x200000);
	CHECK(page_alloc(PAGE_ORDER_2M) == PADDR_INVALID);
	CHECK_EQ(page_alloc(0), 0x1ff000);
	CHECK(page_alloc(0) == PADDR_INVALID);
	page_free(p, PAGE_ORDER_2M);

	/* 2 MiB of pages that straddle 2 MiB alignment: no order-9 block exists. */
	setup();
	page_alloc_add_free(0x201000, 0x401000);
	CHECK(page_alloc(PAGE_ORDER_2M) == PADDR_INVALID);
	q = page_alloc(8);
	CHECK(q != PADDR_INVALID && q % (PAGE_SIZE << 8) == 0);
	CHECK(page_alloc_pages(512, 0) == PADDR_INVALID);

	/* A run takes exactly its pages; the tail goes straight back. */
	setup();
	page_alloc_add_free(0x400000, 0x800000);
	p = page_alloc_pages(5, 0);
	CHECK(p != PADDR_INVALID && p % (8 * PAGE_SIZE) == 0);
	CHECK_EQ(page_alloc_run_pages(p), 5);
	CHECK_EQ(page_alloc_free_bytes(), 0x400000 - 5 * PAGE_SIZE);
	CHECK_EQ(page_alloc_run_pages(p + PAGE_SIZE), 0);
	CHECK_EQ(page_alloc(0), p + 5 * PAGE_SIZE);
	page_free(p + 5 * PAGE_SIZE, 0);
	q = page_alloc_pages(3, 9);
	CHECK(q != PADDR_INVALID && q % 0x200000 == 0);
	page_free_pages(p, 5);
	page_free_pages(q, 3);
	CHECK_EQ(page_alloc_free_bytes(), 0x400000);
	{
		uint64_t c[PAGE_ALLOC_MAX_ORDER];

		page_alloc_free_counts(c);
		CHECK_EQ(c[10], 1);	/* 0x400000..0x800000 is one 4 MiB block again */
	}

	/* Orders out of range and a 1 GiB block. */
	CHECK(page_alloc(PAGE_ALLOC_MAX_ORDER) == PADDR_INVALID);
	CHECK(page_alloc_pages(0, 0) == PADDR_INVALID);
	CHECK(page_alloc_pages(1, PAGE_ALLOC_MAX_ORDER) == PADDR_INVALID);
	CHECK(page_alloc(PAGE_ORDER_1G) == PADDR_INVALID);

	/* Page 0 is never handed out, even when given. */
	setup();
	page_alloc_add_free(0, 2 * PAGE_SIZE);
	CHECK_EQ(page_alloc_total_bytes(), PAGE_SIZE);
	CHECK_EQ(page_alloc(0), PAGE_SIZE);
	CHECK(page_alloc(0) == PADDR_INVALID);

	/* Ranges outside or inverted are ignored, not trusted. */
	setup();
	page_alloc_add_free(HI + PAGE_SIZE, HI + 0x100000);
	page_alloc_add_free(0x300000, 0x200000);
	page_alloc_add_free(0x300000, 0x300fff);
	page_alloc_add_free(~0ULL - 10, ~0ULL);
	CHECK_EQ(page_alloc_total_bytes(), 0);
}

/* Buddies below lo and at hi exist only as addresses: never read their (absent) metadata. */
static void test_span_edges(void)
{
	static const paddr_t win[][2] = { { 0x3000, 0x8000 }, { 0x4000, 0xa000 }, { 0x5000, 0x6000 } };

	for (size_t w = 0; w < ARRAY_SIZE(win); w++) {
		size_t msz = page_alloc_meta_size(win[w][0], win[w][1]);
		uint8_t *m = malloc(msz);	/* exact size, so ASan sees any stray index */
		paddr_t got[8];
		size_t n = 0;

		page_alloc_init(win[w][0], win[w][1], m, test_p2v);
		page_alloc_add_free(0, 0x100000);
		CHECK_EQ(page_alloc_total_bytes(), win[w][1] - win[w][0]);
		while (n < ARRAY_SIZE(got) && (got[n] = page_alloc(0)) != PADDR_INVALID)
			n++;
		CHECK_EQ(n, (win[w][1] - win[w][0]) / PAGE_SIZE);
		while (n)
			page_free(got[--n], 0);
		CHECK_EQ(page_alloc_free_bytes(), win[w][1] - win[w][0]);
		free(m);
	}
}

static void test_tiny_guest(void)
{
	/* 1.25 MiB of RAM: low 640 KiB and 1 MiB..1.25 MiB, kernel in neither. */
	static uint8_t small_meta[320];

	CHECK_EQ(page_alloc_meta_size(0, 0x140000), sizeof(small_meta));
	page_alloc_init(0, 0x140000, small_meta, test_p2v);
	page_alloc_add_free(0x1000, 0xa0000);
	page_alloc_add_free(0x120000, 0x140000);
	CHECK_EQ(page_alloc_total_bytes(), 0x9f000 + 0x20000);
	CHECK(page_alloc(PAGE_ORDER_2M) == PADDR_INVALID);
	CHECK(page_alloc(5) != PADDR_INVALID);
}

#ifdef CONFIG_DEBUG
/* One needle is enough here: the message must contain it. */
#define EXPECT_PANIC(stmt, needle) EXPECT_PANIC2(stmt, needle, "")

static void test_debug_checks(void)
{
	paddr_t p, q;
	char addr[32];

	setup();
	page_alloc_add_free(0x400000, 0x800000);
	p = page_alloc(2);
	q = page_alloc(0);
	snprintf(addr, sizeof(addr), "0x%lx", (unsigned long)q);

	page_free(q, 0);
	EXPECT_PANIC(page_free(q, 0), "double free");
	EXPECT_PANIC(page_free(q, 0), addr);
	EXPECT_PANIC(page_free(p, 1), "allocated as order 2");
	EXPECT_PANIC(page_free(p + PAGE_SIZE, 0), "not allocated");
	EXPECT_PANIC(page_free(p + 0x10, 0), "not aligned");
	EXPECT_PANIC(page_free(ALIGN_UP(HI, PAGE_SIZE) + 0x100000, 0), "outside");
	EXPECT_PANIC(page_free(p, PAGE_ALLOC_MAX_ORDER), "out of range");
	page_free(p, 2);
	/* After coalescing the block head is gone: still caught, via the containing block. */
	snprintf(addr, sizeof(addr), "0x%lx", (unsigned long)p);
	EXPECT_PANIC(page_free(p, 2), addr);
	EXPECT_PANIC(page_free(p, 2), "double free");

	p = page_alloc_pages(6, 0);
	EXPECT_PANIC(page_free(p, 2), "not allocated by this interface");
	EXPECT_PANIC(page_free_pages(p, 5), "not allocated as 5 pages");
	EXPECT_PANIC(page_free_pages(p, 4), "longer than 4 pages");
	q = page_alloc(0);
	EXPECT_PANIC(page_free_pages(q, 1), "not allocated by this interface");
	page_free(q, 0);
	page_free_pages(p, 6);
	EXPECT_PANIC(page_free_pages(p, 6), "double free");
	EXPECT_PANIC(page_alloc_add_free(0x400000, 0x401000), "already in a block");
	CHECK_EQ(page_alloc_free_bytes(), 0x400000);
}
#endif

int main(void)
{
	ram = aligned_alloc(0x200000, (HI + 0x1fffff) & ~0x1fffffULL);
	meta = malloc(page_alloc_meta_size(LO, HI));
	if (!ram || !meta)
		return 2;

	test_meta_size();
	test_fill_and_coalesce();
	test_stress();
	test_large_blocks();
	test_span_edges();
	test_tiny_guest();
#ifdef CONFIG_DEBUG
	test_debug_checks();
#endif
	free(ram);
	free(meta);
	return check_done("page_alloc");
}
