/* SPDX-License-Identifier: BSD-2-Clause */
/* Host benchmark for lib/vma: a fixed mixed workload on ~10,000 VMAs, printed as vm.tree_ops_per_s. */

#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <mote/errno.h>
#include "lib/vma.h"
#include "tests/unit/xorshift.h"

#define PG		4096ull
#define NVMAS		10000
#define OPS		1000000
#define RUNS		3	/* best of: the figure should not jump with a stray interruption */
#define POOL		(4 * NVMAS)

/* A free list, as a kernel slab would be: malloc's cost is not the tree's. */
static struct vma pool[POOL];
static struct vma *free_list;

static struct vma *pool_alloc(void *ctx)
{
	struct vma *v = free_list;

	(void)ctx;
	if (v)
		free_list = v->parent;
	return v;
}

static void pool_free(void *ctx, struct vma *v)
{
	(void)ctx;
	v->parent = free_list;
	free_list = v;
}

static const struct vma_alloc alloc = { pool_alloc, pool_free, NULL };

/* Where lookups' results go, so that they are not optimised away. */
static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_vma: %s\n", what);
	exit(1);
}

/* Builds the tree: VMAs of 1-64 pages with gaps of 1-64 pages, alternating protection. */
static uint64_t setup(struct vma_tree *t, uint64_t base)
{
	uint64_t at = base;
	struct vma tmpl = { 0 };
	int i, err;

	free_list = NULL;
	for (i = 0; i < POOL; i++)
		pool_free(NULL, &pool[i]);
	vma_tree_init(t, 0x10000, 0x7ffffffff000ull);
	for (i = 0; i < NVMAS; i++) {
		at += (1 + rnd() % 64) * PG;
		tmpl.start = at;
		tmpl.end = at + (1 + rnd() % 64) * PG;
		tmpl.prot = i & 1 ? VMA_PROT_READ : VMA_PROT_READ | VMA_PROT_WRITE;
		tmpl.flags = VMA_ANON;
		if (!vma_insert(t, &tmpl, &alloc, &err))
			die("setup insert failed");
		at = tmpl.end;
	}
	return at;
}

/* Runs at least OPS operations (the same ones every time); returns operations per second. */
static double run(void)
{
	struct vma_tree t;
	struct vma tmpl = { 0 }, *v;
	uint64_t base = 0x7f0000000000ull, top, span, addr, x, size;
	long ops = 0;
	double t0;
	int err;

	rng_state = RNG_SEED;
	top = setup(&t, base);
	span = top - base;
	t0 = now();
	while (ops < OPS) {
		unsigned r = rnd() % 100;

		addr = base + rnd() % span;
		if (r < 40) {
			v = vma_find(&t, addr);
			sink += v ? v->start : 0;
			ops++;
		} else if (r < 50) {
			v = vma_find_from(&t, addr);
			sink += v ? v->start : 0;
			ops++;
		} else if (r < 60) {
			/* Mostly 4 KiB-aligned, sometimes 2 MiB as for a huge-page candidate. */
			size = (1 + rnd() % 64) * PG;
			err = vma_find_gap_topdown(&t, size, rnd() % 8 ? PG : 2ull << 20, base,
						   rnd() % 2 ? addr : t.hi, &x);
			sink += err ? 0 : x;
			ops++;
		} else if (r < 75) {
			/* mmap below a hint, then munmap something elsewhere: the count stays near NVMAS. */
			size = (1 + rnd() % 16) * PG;
			/* A page of space either side, so that no merge hides the insert. */
			if (vma_find_gap_topdown(&t, size + 2 * PG, PG, base, addr, &x) == 0) {
				tmpl.start = x + PG;
				tmpl.end = x + PG + size;
				tmpl.prot = VMA_PROT_READ;
				tmpl.flags = VMA_ANON;
				if (!vma_insert(&t, &tmpl, &alloc, &err))
					die("insert failed");
				ops++;
			}
			ops++;
			v = vma_find_from(&t, base + rnd() % span);
			if (v && vma_remove_range(&t, v->start, v->end, &alloc, NULL, NULL))
				die("remove failed");
			ops += 2;
		} else if (r < 90) {
			/* mprotect of a page in a VMA and back: two splits, two merges. */
			v = vma_find_from(&t, addr);
			if (v) {
				uint64_t pages = (v->end - v->start) / PG, s, prot = v->prot;

				s = v->start + rnd() % pages * PG;
				if (vma_protect_range(&t, s, s + PG, VMA_PROT_READ | VMA_PROT_EXEC, &alloc) ||
				    vma_protect_range(&t, s, s + PG, (uint32_t)prot, &alloc))
					die("protect failed");
				ops += 2;
			}
			ops++;
		} else {
			/* mremap in place: shrink by a page if possible, then grow back. */
			v = vma_find_from(&t, addr);
			if (v && v->end - v->start > PG) {
				uint64_t end = v->end;

				if (vma_resize(&t, v, end - PG, &alloc) || vma_resize(&t, v, end, &alloc))
					die("resize failed");
				ops += 2;
			}
			ops++;
		}
	}
	t0 = now() - t0;
	if (vma_tree_check(&t) != 0)
		die("tree check failed");
	if (t.count < NVMAS / 2)
		die("the tree drained");
	return (double)ops / t0;
}

int main(void)
{
	double best = 0, rate;
	int i;

	for (i = 0; i < RUNS; i++) {
		rate = run();
		if (rate > best)
			best = rate;
	}
	printf("vm.tree_ops_per_s %.0f ops/s\n", best);
	return 0;
}
