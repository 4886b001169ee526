/* SPDX-License-Identifier: BSD-2-Clause */
/* Unit test for lib/vma: a random walk checked after every step against a sorted-array model, plus fixed cases and the maps text. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mote/errno.h>
#include "lib/vma.h"
#include "tests/unit/check.h"
#include "tests/unit/xorshift.h"

#define PG	4096ull
#define STEPS	150000

/* ---- A counting allocator that can be told to fail ---- */

static long nodes_live;
static long alloc_failures;	/* injected so far */
static unsigned fail_one_in;	/* 0: never fail */
static bool fail_all;

static struct vma *t_alloc(void *ctx)
{
	struct vma *v;

	(void)ctx;
	if (fail_all || (fail_one_in && rnd() % fail_one_in == 0)) {
		alloc_failures++;
		return NULL;
	}
	v = malloc(sizeof(*v));
	if (!v)
		abort();
	memset(v, 0xa5, sizeof(*v));	/* vma.c must set every field it relies on */
	nodes_live++;
	return v;
}

static void t_free(void *ctx, struct vma *v)
{
	(void)ctx;
	memset(v, 0x5a, sizeof(*v));
	free(v);
	nodes_live--;
}

static const struct vma_alloc alloc = { t_alloc, t_free, NULL };

/* ---- The model: a sorted array of maximal ranges ---- */

struct mr {
	uint64_t start, end;
	uint32_t prot, flags;
	uint64_t offset;
	void *pager;
	const char *name;
};

#define MODEL_MAX 16384
static struct mr model[MODEL_MAX], scratch[MODEL_MAX];
static size_t nm;
static uint64_t m_lo, m_hi;

/* Mergeable: touching, same prot/flags/pager/name pointer, and consecutive offsets for files. */
static bool m_compat(const struct mr *a, const struct mr *b)
{
	if (a->end != b->start || a->prot != b->prot || a->flags != b->flags ||
	    a->pager != b->pager || a->name != b->name)
		return false;
	return !(a->flags & VMA_FILE) || a->offset + (a->end - a->start) == b->offset;
}

/* Merges every run of mergeable neighbours; the lowest part's offset stays. */
static void m_normalise(void)
{
	size_t i, n = 0;

	for (i = 0; i < nm; i++) {
		if (n && m_compat(&model[n - 1], &model[i]))
			model[n - 1].end = model[i].end;
		else
			model[n++] = model[i];
	}
	nm = n;
}

/* Index of the first range ending above addr, or nm. */
static size_t m_find_from(uint64_t addr)
{
	size_t lo = 0, hi = nm;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (model[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static bool m_free(uint64_t s, uint64_t e)
{
	size_t i = m_find_from(s);

	return s >= m_lo && e <= m_hi && (i == nm || model[i].start >= e);
}

static void m_insert(const struct mr *r)
{
	size_t i = m_find_from(r->start);

	memmove(&model[i + 1], &model[i], (nm - i) * sizeof(model[0]));
	model[i] = *r;
	nm++;
	if (nm >= MODEL_MAX - 4)
		abort();
	m_normalise();
}

/* Expected removed() calls. */
struct piece {
	uint64_t start, end;
	struct mr attr;
};
static struct piece want_pieces[MODEL_MAX], got_pieces[MODEL_MAX];
static size_t n_want, n_got;

static void m_remove(uint64_t s, uint64_t e)
{
	size_t i, n = 0;

	n_want = 0;
	for (i = 0; i < nm; i++) {
		struct mr r = model[i];

		if (r.end <= s || r.start >= e) {
			scratch[n++] = r;
			continue;
		}
		want_pieces[n_want].start = r.start > s ? r.start : s;
		want_pieces[n_want].end = r.end < e ? r.end : e;
		want_pieces[n_want++].attr = r;
		if (r.start < s) {
			scratch[n] = r;
			scratch[n++].end = s;
		}
		if (r.end > e) {
			scratch[n] = r;
			scratch[n].offset = r.offset + (e - r.start);
			scratch[n++].start = e;
		}
	}
	memcpy(model, scratch, n * sizeof(model[0]));
	nm = n;
}

/* Whether [s, e) is mapped without a hole. */
static bool m_covered(uint64_t s, uint64_t e)
{
	size_t i = m_find_from(s);
	uint64_t at = s;

	for (; i < nm && at < e; i++) {
		if (model[i].start > at)
			return false;
		at = model[i].end;
	}
	return at >= e;
}

static void m_protect(uint64_t s, uint64_t e, uint32_t prot)
{
	size_t i, n = 0;

	for (i = 0; i < nm; i++) {
		struct mr r = model[i];

		if (r.end <= s || r.start >= e) {
			scratch[n++] = r;
			continue;
		}
		if (r.start < s) {
			scratch[n] = r;
			scratch[n++].end = s;
			r.offset += s - r.start;
			r.start = s;
		}
		if (r.end > e) {
			struct mr hi = r;

			hi.offset += e - r.start;
			hi.start = e;
			r.end = e;
			r.prot = prot;
			scratch[n++] = r;
			scratch[n++] = hi;
		} else {
			r.prot = prot;
			scratch[n++] = r;
		}
	}
	memcpy(model, scratch, n * sizeof(model[0]));
	nm = n;
	m_normalise();
}

/* The highest fit, by arithmetic on the gaps from the top (written apart from vma.c's). */
static int m_gap(uint64_t size, uint64_t align, uint64_t floor, uint64_t ceiling, uint64_t *out)
{
	size_t i = nm;

	for (;;) {
		uint64_t glo = i ? model[i - 1].end : m_lo;
		uint64_t ghi = i < nm ? model[i].start : m_hi;
		uint64_t top = ghi < ceiling ? ghi : ceiling;
		uint64_t bottom = glo > floor ? glo : floor;

		if (top >= size && top - size >= bottom) {
			uint64_t x = (top - size) / align * align;

			if (x >= bottom) {
				*out = x;
				return 0;
			}
		}
		if (i == 0)
			return -ENOMEM;
		i--;
	}
}

/* ---- Comparing ---- */

/* How often each outcome occurred, so a walk that never reaches a case shows. */
enum { S_INS, S_INS_EEXIST, S_INS_EINVAL, S_ENOMEM, S_REMOVE, S_PIECES, S_PROT, S_PROT_ENOENT,
       S_RESIZE, S_RESIZE_ENOMEM, S_GAP, S_GAP_NONE, S_MAX_COUNT, S_N };
static long stats[S_N];

static long step;
static const char *op = "setup";
static char op_detail[200];

static void dump(const struct vma_tree *t)
{
	const struct vma *v;
	size_t i;

	fprintf(stderr, "model (%zu):\n", nm);
	for (i = 0; i < nm; i++)
		fprintf(stderr, "  %#llx-%#llx prot %u flags %#x off %#llx pager %p name %s\n",
			(unsigned long long)model[i].start, (unsigned long long)model[i].end,
			model[i].prot, model[i].flags, (unsigned long long)model[i].offset,
			model[i].pager, model[i].name ? model[i].name : "-");
	fprintf(stderr, "tree (%zu):\n", t->count);
	for (v = vma_first(t); v; v = vma_next(v))
		fprintf(stderr, "  %#llx-%#llx prot %u flags %#x off %#llx pager %p name %s\n",
			(unsigned long long)v->start, (unsigned long long)v->end, v->prot, v->flags,
			(unsigned long long)v->offset, v->pager, v->name ? v->name : "-");
}

/* After the first disagreement every later step would fail too: stop there. */
static void expect_(bool ok, const char *what, int line, const struct vma_tree *t)
{
	check_count++;
	if (ok)
		return;
	check_failures++;
	fprintf(stderr, "test_vma.c:%d: step %ld, op %s (%s): %s\n", line, step, op, op_detail,
		what);
	if (t)
		dump(t);
	exit(check_done("test_vma"));
}
#define EXPECT(t, cond) expect_((cond), #cond, __LINE__, (t))

static bool same_mapping(const struct vma *v, const struct mr *r)
{
	return v->start == r->start && v->end == r->end && v->prot == r->prot &&
	       v->flags == r->flags && v->pager == r->pager && v->name == r->name &&
	       (!(r->flags & VMA_FILE) || v->offset == r->offset);
}

static void compare(const struct vma_tree *t)
{
	const struct vma *v = vma_first(t);
	size_t i;

	for (i = 0; i < nm; i++, v = vma_next(v)) {
		EXPECT(t, v != NULL);
		EXPECT(t, same_mapping(v, &model[i]));
	}
	EXPECT(t, v == NULL);
	EXPECT(t, t->count == nm);
	EXPECT(t, vma_tree_check(t) == 0);
	EXPECT(t, nodes_live == (long)t->count);
}

static void on_removed(void *ctx, uint64_t start, uint64_t end, const struct vma *v)
{
	struct mr *r = &got_pieces[n_got].attr;

	(void)ctx;
	got_pieces[n_got].start = start;
	got_pieces[n_got].end = end;
	r->start = v->start;
	r->end = v->end;
	r->prot = v->prot;
	r->flags = v->flags;
	r->offset = v->offset;
	r->pager = v->pager;
	r->name = v->name;
	n_got++;
}

/* ---- Random operations ---- */

static int pager_a, pager_b;
static const char name_heap[] = "[heap]", name_a[] = "/lib/a.so", name_b[] = "/lib/b.so";

static uint64_t rnd_pages(uint64_t max)
{
	/* Mostly short, sometimes long: both splits and multi-VMA spans occur. */
	switch (rnd() % 4) {
	case 0:
		return 1;
	case 1:
	case 2:
		return 1 + rnd() % 16;
	default:
		return 1 + rnd() % max;
	}
}

static uint32_t rnd_prot(void)
{
	static const uint32_t prots[] = { VMA_PROT_READ | VMA_PROT_WRITE,
					  VMA_PROT_READ | VMA_PROT_WRITE, VMA_PROT_READ,
					  VMA_PROT_READ | VMA_PROT_EXEC, 0 };

	return prots[rnd() % 5];
}

/* A mapping with attributes from small sets, so that neighbours often merge. */
static void rnd_mapping(struct mr *r, uint64_t start, uint64_t end)
{
	r->start = start;
	r->end = end;
	r->prot = rnd_prot();
	r->offset = (rnd() % 64) * PG;	/* ignored unless VMA_FILE */
	r->pager = NULL;
	r->name = NULL;
	switch (rnd() % 8) {
	case 0:
	case 1:
	case 2:
		r->flags = VMA_ANON;
		break;
	case 3:
		r->flags = VMA_ANON | VMA_HEAP;
		r->name = name_heap;
		break;
	case 4:
		r->flags = VMA_ANON | VMA_SHARED;
		break;
	case 5:
		r->flags = VMA_GUARD;
		r->prot = 0;
		break;
	default:
		r->flags = VMA_FILE;
		if (rnd() & 1) {
			r->pager = &pager_a;
			r->name = name_a;
		} else {
			r->pager = &pager_b;
			r->name = name_b;
		}
		/* Mostly offset = address, so file neighbours line up and merge. */
		if (rnd() % 4)
			r->offset = start - m_lo;
		break;
	}
}

static void to_tmpl(struct vma *v, const struct mr *r)
{
	memset(v, 0xee, sizeof(*v));	/* the linkage of a template is not read */
	v->start = r->start;
	v->end = r->end;
	v->prot = r->prot;
	v->flags = r->flags;
	v->offset = r->offset;
	v->pager = r->pager;
	v->name = r->name;
}

static uint64_t rnd_addr(void)
{
	uint64_t pages = (m_hi - m_lo) / PG;

	/* A little outside [lo, hi) now and then. */
	return m_lo - 4 * PG + (rnd() % (pages + 8)) * PG;
}

static void do_insert_tmpl(struct vma_tree *t, const struct mr *r)
{
	struct vma tmpl, *v;
	long fails = alloc_failures;
	int err = 12345;
	bool valid = r->start < r->end && r->start >= m_lo && r->end <= m_hi;
	bool free_ = valid && m_free(r->start, r->end);

	to_tmpl(&tmpl, r);
	v = vma_insert(t, &tmpl, &alloc, &err);
	if (!valid) {
		EXPECT(t, v == NULL && err == -EINVAL);
		stats[S_INS_EINVAL]++;
	} else if (!free_) {
		EXPECT(t, v == NULL && err == -EEXIST);
		stats[S_INS_EEXIST]++;
	} else if (alloc_failures != fails) {
		EXPECT(t, v == NULL && err == -ENOMEM);
		stats[S_ENOMEM]++;
	} else {
		EXPECT(t, v != NULL && err == 0);
		stats[S_INS]++;
		m_insert(r);
		EXPECT(t, same_mapping(v, &model[m_find_from(r->start)]));
	}
	compare(t);
}

static void op_insert_random(struct vma_tree *t)
{
	struct mr r;
	uint64_t s = rnd_addr();

	op = "insert";
	rnd_mapping(&r, s, s + rnd_pages(64) * PG);
	snprintf(op_detail, sizeof(op_detail), "%#llx-%#llx", (unsigned long long)r.start,
		 (unsigned long long)r.end);
	do_insert_tmpl(t, &r);
}

/* Right after or right before an existing VMA, often with its attributes: merges. */
static void op_insert_beside(struct vma_tree *t)
{
	struct mr r, *n;
	uint64_t len = rnd_pages(32) * PG;

	if (!nm)
		return op_insert_random(t);
	n = &model[rnd() % nm];
	op = "insert-beside";
	if (rnd() & 1) {
		rnd_mapping(&r, n->end, n->end + len);
		if (rnd() % 3) {
			r = *n;
			r.offset = n->offset + (n->end - n->start);
			r.start = n->end;
			r.end = n->end + len;
		}
	} else {
		if (n->start < len)
			return;
		rnd_mapping(&r, n->start - len, n->start);
		if (rnd() % 3) {
			r = *n;
			r.offset = n->offset - len;
			r.start = n->start - len;
			r.end = n->start;
		}
	}
	snprintf(op_detail, sizeof(op_detail), "%#llx-%#llx", (unsigned long long)r.start,
		 (unsigned long long)r.end);
	do_insert_tmpl(t, &r);
}

/* Wherever vma_find_gap_topdown puts it. */
static void op_insert_hint(struct vma_tree *t)
{
	struct mr r;
	uint64_t size = rnd_pages(32) * PG, x = 0;

	op = "insert-hint";
	snprintf(op_detail, sizeof(op_detail), "size %#llx", (unsigned long long)size);
	if (vma_find_gap_topdown(t, size, PG, 0, UINT64_MAX, &x) != 0)
		return;
	rnd_mapping(&r, x, x + size);
	EXPECT(t, m_free(r.start, r.end));
	do_insert_tmpl(t, &r);
}

static void op_remove(struct vma_tree *t)
{
	uint64_t s, e;
	long fails = alloc_failures;
	size_t i;
	int err;

	op = "remove";
	if (nm && rnd() % 3 == 0) {
		/* Inside one VMA: the split case. */
		struct mr *r = &model[rnd() % nm];
		uint64_t pages = (r->end - r->start) / PG;

		s = r->start + (rnd() % pages) * PG;
		e = s + (1 + rnd() % ((r->end - s) / PG)) * PG;
	} else {
		s = rnd_addr();
		e = s + rnd_pages(rnd() % 8 ? 64 : 1024) * PG;
	}
	snprintf(op_detail, sizeof(op_detail), "%#llx-%#llx", (unsigned long long)s,
		 (unsigned long long)e);
	n_got = 0;
	err = vma_remove_range(t, s, e, &alloc, on_removed, NULL);
	if (alloc_failures != fails) {
		EXPECT(t, err == -ENOMEM);
		EXPECT(t, n_got == 0);
		stats[S_ENOMEM]++;
		compare(t);
		return;
	}
	EXPECT(t, err == 0);
	m_remove(s, e);
	EXPECT(t, n_got == n_want);
	stats[S_REMOVE]++;
	stats[S_PIECES] += n_got;
	for (i = 0; i < n_got; i++) {
		EXPECT(t, got_pieces[i].start == want_pieces[i].start);
		EXPECT(t, got_pieces[i].end == want_pieces[i].end);
		EXPECT(t, same_mapping(&(struct vma){ .start = got_pieces[i].attr.start,
						      .end = got_pieces[i].attr.end,
						      .prot = got_pieces[i].attr.prot,
						      .flags = got_pieces[i].attr.flags,
						      .offset = got_pieces[i].attr.offset,
						      .pager = got_pieces[i].attr.pager,
						      .name = got_pieces[i].attr.name },
				       &want_pieces[i].attr));
	}
	compare(t);
}

static void op_protect(struct vma_tree *t)
{
	uint64_t s, e;
	uint32_t prot = rnd_prot();
	long fails = alloc_failures;
	int err;

	op = "protect";
	if (nm && rnd() % 4) {
		/* Mostly inside a mapped run, so it succeeds and splits or merges. */
		size_t i = rnd() % nm, j = i;
		uint64_t pages;

		while (j + 1 < nm && model[j + 1].start == model[j].end && rnd() % 3)
			j++;
		pages = (model[j].end - model[i].start) / PG;
		s = model[i].start + (rnd() % pages) * PG;
		e = s + (1 + rnd() % ((model[j].end - s) / PG)) * PG;
	} else {
		s = rnd_addr();
		e = s + rnd_pages(64) * PG;
	}
	snprintf(op_detail, sizeof(op_detail), "%#llx-%#llx prot %u", (unsigned long long)s,
		 (unsigned long long)e, prot);
	err = vma_protect_range(t, s, e, prot, &alloc);
	if (!m_covered(s, e)) {
		EXPECT(t, err == -ENOENT);
		stats[S_PROT_ENOENT]++;
	} else if (alloc_failures != fails) {
		EXPECT(t, err == -ENOMEM);
		stats[S_ENOMEM]++;
	} else {
		EXPECT(t, err == 0);
		m_protect(s, e, prot);
		stats[S_PROT]++;
	}
	compare(t);
}

static void op_resize(struct vma_tree *t)
{
	struct vma *v;
	struct mr *r;
	size_t i;
	uint64_t new_end;
	int err, want;

	if (!nm)
		return;
	op = "resize";
	i = rnd() % nm;
	r = &model[i];
	v = vma_find(t, r->start);
	EXPECT(t, v && v->start == r->start);
	switch (rnd() % 4) {
	case 0:
		new_end = r->start + rnd_pages(8) * PG;	/* shrink, mostly */
		break;
	case 1:
		/* Up to the next VMA exactly: a merge when compatible. */
		new_end = i + 1 < nm ? model[i + 1].start : m_hi;
		break;
	case 2:
		new_end = r->start - (rnd() % 2) * PG;	/* -EINVAL */
		break;
	default:
		new_end = r->end + rnd_pages(32) * PG;
		break;
	}
	if (new_end == r->end && new_end < m_hi)
		new_end += PG;
	snprintf(op_detail, sizeof(op_detail), "%#llx-%#llx to %#llx",
		 (unsigned long long)r->start, (unsigned long long)r->end,
		 (unsigned long long)new_end);
	if (new_end <= r->start)
		want = -EINVAL;
	else if (new_end <= r->end)
		want = 0;
	else if (new_end > m_hi || (i + 1 < nm && model[i + 1].start < new_end))
		want = -ENOMEM;
	else
		want = 0;
	err = vma_resize(t, v, new_end, &alloc);
	EXPECT(t, err == want);
	stats[err == -ENOMEM ? S_RESIZE_ENOMEM : S_RESIZE]++;
	if (!err) {
		r->end = new_end;
		m_normalise();
		i = m_find_from(v->start);
		EXPECT(t, i < nm && same_mapping(v, &model[i]));
	}
	compare(t);
}

static uint64_t rnd_bound(uint64_t size)
{
	uint64_t b = rnd_addr();

	/* Often exactly at a VMA's edge, or a request's length from it: the pruning limits. */
	if (nm && rnd() % 2) {
		const struct mr *r = &model[rnd() % nm];

		b = rnd() & 1 ? r->start : r->end;
		if (rnd() & 1)
			b = rnd() & 1 ? b - size : b + size;
		return b;
	}

	/* Bounds need not be aligned. */
	if (rnd() % 4 == 0)
		b += rnd() % PG;
	return b;
}

static void op_gap(struct vma_tree *t)
{
	uint64_t size = rnd_pages(rnd() % 8 ? 64 : 2048) * PG;
	uint64_t align = PG << (rnd() % 4 ? rnd() % 4 : rnd() % 10);
	uint64_t floor = 0, ceiling = UINT64_MAX, got = 0, want = 0;
	int rg, rw;

	op = "gap";
	switch (rnd() % 4) {
	case 0:
		break;
	case 1:
		floor = rnd_bound(size);
		break;
	case 2:
		ceiling = rnd_bound(size);
		break;
	default:
		floor = rnd_bound(size);
		ceiling = rnd_bound(size);
		break;
	}
	snprintf(op_detail, sizeof(op_detail), "size %#llx align %#llx floor %#llx ceiling %#llx",
		 (unsigned long long)size, (unsigned long long)align, (unsigned long long)floor,
		 (unsigned long long)ceiling);
	rg = vma_find_gap_topdown(t, size, align, floor, ceiling, &got);
	rw = m_gap(size, align, floor, ceiling, &want);
	EXPECT(t, rg == rw);
	stats[rg ? S_GAP_NONE : S_GAP]++;
	if (!rg) {
		EXPECT(t, got == want);
		EXPECT(t, got % align == 0 && got >= floor && got + size <= ceiling);
		EXPECT(t, m_free(got, got + size));
		EXPECT(t, vma_range_free(t, got, got + size));
	}
}

static void op_lookup(struct vma_tree *t)
{
	uint64_t a = rnd_addr() + rnd() % PG, e;
	struct vma *v = vma_find(t, a), *f = vma_find_from(t, a);
	size_t i = m_find_from(a);

	op = "lookup";
	snprintf(op_detail, sizeof(op_detail), "%#llx", (unsigned long long)a);
	if (i < nm && model[i].start <= a)
		EXPECT(t, v && same_mapping(v, &model[i]));
	else
		EXPECT(t, v == NULL);
	if (i < nm)
		EXPECT(t, f && same_mapping(f, &model[i]));
	else
		EXPECT(t, f == NULL);
	if (f) {
		EXPECT(t, vma_prev(f) == (i ? vma_find(t, model[i - 1].start) : NULL));
		EXPECT(t, vma_next(f) == (i + 1 < nm ? vma_find(t, model[i + 1].start) : NULL));
	}
	a &= ~(PG - 1);
	e = a + rnd_pages(16) * PG;
	EXPECT(t, vma_range_free(t, a, e) == m_free(a, e));
}

static uint64_t mapped_bytes(void)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < nm; i++)
		sum += model[i].end - model[i].start;
	return sum;
}

static void random_walk(void)
{
	struct vma_tree t;
	uint64_t span;

	m_lo = 0x10000;
	m_hi = m_lo + 4096 * PG;	/* 16 MiB: small enough to crowd */
	span = m_hi - m_lo;
	vma_tree_init(&t, m_lo, m_hi);
	nm = 0;
	fail_one_in = 10;
	for (step = 0; step < STEPS; step++) {
		/* Lean towards removing when crowded, inserting when sparse. */
		bool crowded = mapped_bytes() > span / 2;
		unsigned r = rnd() % 100;

		if (r < 12)
			op_insert_random(&t);
		else if (r < 24)
			crowded ? op_remove(&t) : op_insert_beside(&t);
		else if (r < 30)
			op_insert_hint(&t);
		else if (r < 44)
			op_remove(&t);
		else if (r < 62)
			op_protect(&t);
		else if (r < 72)
			op_resize(&t);
		else if (r < 86)
			op_gap(&t);
		else
			op_lookup(&t);
		if ((long)nm > stats[S_MAX_COUNT])
			stats[S_MAX_COUNT] = (long)nm;
	}
	printf("%d steps: %ld inserted, %ld -EEXIST, %ld -EINVAL, %ld -ENOMEM; %ld removes (%ld pieces); "
	       "%ld protects, %ld -ENOENT; %ld resizes, %ld -ENOMEM; %ld gaps found, %ld not; "
	       "up to %ld VMAs\n", STEPS, stats[S_INS], stats[S_INS_EEXIST], stats[S_INS_EINVAL],
	       stats[S_ENOMEM], stats[S_REMOVE], stats[S_PIECES], stats[S_PROT], stats[S_PROT_ENOENT],
	       stats[S_RESIZE], stats[S_RESIZE_ENOMEM], stats[S_GAP], stats[S_GAP_NONE],
	       stats[S_MAX_COUNT]);
	CHECK(alloc_failures > 100);
	CHECK_EQ(nodes_live, (long)t.count);

	/* Everything out: no node may be left over. */
	fail_one_in = 0;
	op = "remove-all";
	n_got = 0;
	CHECK_EQ(vma_remove_range(&t, m_lo, m_hi, &alloc, on_removed, NULL), 0);
	CHECK_EQ(n_got, nm);
	nm = 0;
	compare(&t);
	CHECK_EQ(nodes_live, 0);
	CHECK(t.root == NULL);
}

/* ---- Fixed cases ---- */

static struct vma *add(struct vma_tree *t, uint64_t s, uint64_t e, uint32_t prot, uint32_t flags,
		       uint64_t off, void *pager, const char *name)
{
	struct vma tmpl = { .start = s, .end = e, .prot = prot, .flags = flags, .offset = off,
			    .pager = pager, .name = name };
	int err = 1;
	struct vma *v = vma_insert(t, &tmpl, &alloc, &err);

	CHECK(v != NULL);
	CHECK_EQ(err, 0);
	return v;
}

#define RW (VMA_PROT_READ | VMA_PROT_WRITE)

static void test_fixed(void)
{
	struct vma_tree t;
	struct vma *v, *w;
	uint64_t x;
	char before[4096], after[4096];

	vma_tree_init(&t, 0x10000, 0x100000000ull);
	fail_one_in = 0;

	/* Both neighbours merge into one node. */
	add(&t, 0x100000, 0x104000, RW, VMA_ANON, 0, NULL, NULL);
	add(&t, 0x108000, 0x10c000, RW, VMA_ANON, 0, NULL, NULL);
	CHECK_EQ(t.count, 2);
	v = add(&t, 0x104000, 0x108000, RW, VMA_ANON, 0, NULL, NULL);
	CHECK_EQ(t.count, 1);
	CHECK(v->start == 0x100000 && v->end == 0x10c000);
	CHECK_EQ(nodes_live, 1);

	/* mprotect of the middle page: three VMAs; back again: one. */
	CHECK_EQ(vma_protect_range(&t, 0x104000, 0x105000, VMA_PROT_READ, &alloc), 0);
	CHECK_EQ(t.count, 3);
	CHECK_EQ(vma_find(&t, 0x104800)->prot, VMA_PROT_READ);
	CHECK_EQ(vma_protect_range(&t, 0x104000, 0x105000, RW, &alloc), 0);
	CHECK_EQ(t.count, 1);

	/* A split that cannot get a node leaves everything as it was. */
	vma_format_maps(&t, before, sizeof(before));
	fail_all = true;
	CHECK_EQ(vma_remove_range(&t, 0x104000, 0x105000, &alloc, NULL, NULL), -ENOMEM);
	CHECK_EQ(vma_protect_range(&t, 0x104000, 0x105000, VMA_PROT_READ, &alloc), -ENOMEM);
	CHECK_EQ(vma_protect_range(&t, 0x100000, 0x105000, VMA_PROT_READ, &alloc), -ENOMEM);
	/* No split needed: no node needed. */
	CHECK_EQ(vma_protect_range(&t, 0x100000, 0x10c000, RW, &alloc), 0);
	fail_all = false;
	vma_format_maps(&t, after, sizeof(after));
	CHECK_STR(before, after);
	CHECK_EQ(vma_tree_check(&t), 0);

	/* A hole makes mprotect fail without changing anything. */
	add(&t, 0x10d000, 0x10e000, RW, VMA_ANON, 0, NULL, NULL);
	CHECK_EQ(vma_protect_range(&t, 0x100000, 0x10e000, VMA_PROT_READ, &alloc), -ENOENT);
	CHECK_EQ(vma_protect_range(&t, 0x10c000, 0x10d000, VMA_PROT_READ, &alloc), -ENOENT);
	CHECK_EQ(vma_find(&t, 0x100000)->prot, RW);

	/* Growing into the neighbour's edge merges it. */
	v = vma_find(&t, 0x100000);
	CHECK_EQ(vma_resize(&t, v, 0x10e000, &alloc), -ENOMEM);
	CHECK_EQ(vma_resize(&t, v, 0x10d000, &alloc), 0);
	CHECK(v->end == 0x10e000 && t.count == 1);
	CHECK_EQ(vma_resize(&t, v, 0x100000, &alloc), -EINVAL);
	CHECK_EQ(vma_resize(&t, v, 0x101000, &alloc), 0);
	CHECK(v->end == 0x101000);

	/* Overlap and bad ranges. */
	{
		struct vma tmpl = { .start = 0x100000, .end = 0x102000, .prot = RW };
		int err = 0;

		CHECK(vma_insert(&t, &tmpl, &alloc, &err) == NULL);
		CHECK_EQ(err, -EEXIST);
		tmpl.start = 0x200800;
		CHECK(vma_insert(&t, &tmpl, &alloc, &err) == NULL);
		CHECK_EQ(err, -EINVAL);
		tmpl.start = 0x1000;
		CHECK(vma_insert(&t, &tmpl, &alloc, &err) == NULL);
		CHECK_EQ(err, -EINVAL);
	}

	/* Files merge only with consecutive offsets. */
	add(&t, 0x400000, 0x401000, VMA_PROT_READ, VMA_FILE, 0x0, &pager_a, name_a);
	add(&t, 0x401000, 0x402000, VMA_PROT_READ, VMA_FILE, 0x3000, &pager_a, name_a);
	CHECK_EQ(t.count, 3);
	add(&t, 0x402000, 0x403000, VMA_PROT_READ, VMA_FILE, 0x4000, &pager_a, name_a);
	CHECK_EQ(t.count, 3);
	w = vma_find(&t, 0x401000);
	CHECK(w->start == 0x401000 && w->end == 0x403000 && w->offset == 0x3000);

	/* Removing across three VMAs with partial edges. */
	n_got = 0;
	CHECK_EQ(vma_remove_range(&t, 0x100000, 0x401000 + 0x1000, &alloc, on_removed, NULL), 0);
	CHECK_EQ(n_got, 3);
	CHECK_EQ(got_pieces[2].start, 0x401000);
	CHECK_EQ(got_pieces[2].end, 0x402000);
	w = vma_first(&t);
	CHECK(w->start == 0x402000 && w->offset == 0x4000);
	CHECK_EQ(vma_remove_range(&t, 0, UINT64_MAX & ~(PG - 1), &alloc, NULL, NULL), 0);
	CHECK_EQ(t.count, 0);
	CHECK_EQ(nodes_live, 0);

	/*
	 * Alignment: the highest gap is big enough but holds no 32 KiB-aligned
	 * 8 KiB range; a lower one does. Then a higher, smaller gap that
	 * happens to be aligned wins over a bigger lower one.
	 */
	vma_tree_init(&t, 0x10000, 0x1000000);
	add(&t, 0x10000, 0xff9000, RW, VMA_ANON, 0, NULL, NULL);	/* free: 0xff9000-0xffb000 */
	add(&t, 0xffb000, 0x1000000, VMA_PROT_READ, VMA_ANON, 0, NULL, NULL);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x8000, 0, UINT64_MAX, &x), -ENOMEM);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x1000, 0, UINT64_MAX, &x), 0);
	CHECK_EQ(x, 0xff9000);
	CHECK_EQ(vma_remove_range(&t, 0x800000, 0x810000, &alloc, NULL, NULL), 0);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x8000, 0, UINT64_MAX, &x), 0);
	CHECK_EQ(x, 0x808000);
	CHECK_EQ(vma_remove_range(&t, 0xfe0000, 0xfe2000, &alloc, NULL, NULL), 0);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x10000, 0, UINT64_MAX, &x), 0);
	CHECK_EQ(x, 0xfe0000);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x10000, 0, 0xfe1000, &x), 0);
	CHECK_EQ(x, 0x800000);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x1000, 0x900000, 0xfe1000, &x), -ENOMEM);
	CHECK_EQ(vma_remove_range(&t, 0x10000, 0x1000000, &alloc, NULL, NULL), 0);

	/*
	 * Root B with left child A, one page each: the only fit ends exactly
	 * at A's start, a request's length above floor, so the walk must not
	 * prune B's left subtree one page early.
	 */
	add(&t, 0x20000, 0x21000, RW, VMA_ANON, 0, NULL, NULL);
	add(&t, 0x30000, 0x31000, RW, VMA_ANON, 0, NULL, NULL);
	add(&t, 0x40000, 0x41000, RW, VMA_ANON, 0, NULL, NULL);
	CHECK(t.root->start == 0x30000 && t.root->left->start == 0x20000);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x1000, 0x1e000, 0x20000, &x), 0);
	CHECK_EQ(x, 0x1e000);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x1000, 0x1e000, 0x30000, &x), 0);
	CHECK_EQ(x, 0x2e000);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x2000, 0x1000, 0x1f000, 0x20000, &x), -ENOMEM);
	CHECK_EQ(vma_find_gap_topdown(&t, 0, 0x1000, 0, UINT64_MAX, &x), -EINVAL);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x1000, 0x3000, 0, UINT64_MAX, &x), -EINVAL);
	CHECK_EQ(vma_find_gap_topdown(&t, 0x1000, 0x800, 0, UINT64_MAX, &x), -EINVAL);
	CHECK_EQ(vma_tree_check(&t), 0);
	CHECK_EQ(vma_remove_range(&t, 0x10000, 0x1000000, &alloc, NULL, NULL), 0);
	CHECK_EQ(nodes_live, 0);
}

/* The fixed fields, then (with a name) spaces so that the name starts at column 73. */
static void maps_line(char *out, const char *fields, const char *name)
{
	size_t n;

	strcpy(out, fields);
	strcat(out, " ");
	if (name) {
		n = strlen(out);
		do
			out[n++] = ' ';
		while (n < 73);
		out[n] = '\0';
		strcat(out, name);
	}
	strcat(out, "\n");
}

static void test_maps(void)
{
	struct vma_tree t;
	char want[2048], line[256], got[2048], small[2048];
	size_t len, n;

	vma_tree_init(&t, 0x10000, 0x800000000000ull);
	fail_one_in = 0;
	CHECK_EQ(vma_format_maps(&t, got, sizeof(got)), 0);
	CHECK_STR(got, "");

	add(&t, 0x400000, 0x401000, VMA_PROT_READ | VMA_PROT_EXEC, VMA_FILE, 0, &pager_a, name_a);
	add(&t, 0x401000, 0x403000, RW, VMA_FILE, 0x1000, &pager_a, name_a);
	add(&t, 0x600000, 0x621000, RW, VMA_ANON | VMA_HEAP, 0x5000, NULL, name_heap);
	add(&t, 0x7f0000000000, 0x7f0000001000, RW, VMA_GUARD, 0, NULL, NULL);
	add(&t, 0x7f0000001000, 0x7f0000003000, RW, VMA_ANON, 0, NULL, NULL);
	add(&t, 0x7f0000010000, 0x7f0000011000, VMA_PROT_READ, VMA_ANON | VMA_SHARED, 0, NULL,
	    NULL);
	add(&t, 0x7ffffffde000, 0x7ffffffff000, RW, VMA_ANON | VMA_STACK, 0, NULL, "[stack]");

	want[0] = '\0';
	maps_line(line, "00400000-00401000 r-xp 00000000 00:00 0", name_a);
	strcat(want, line);
	maps_line(line, "00401000-00403000 rw-p 00001000 00:00 0", name_a);
	strcat(want, line);
	maps_line(line, "00600000-00621000 rw-p 00000000 00:00 0", name_heap);
	strcat(want, line);
	maps_line(line, "7f0000000000-7f0000001000 ---p 00000000 00:00 0", NULL);
	strcat(want, line);
	maps_line(line, "7f0000001000-7f0000003000 rw-p 00000000 00:00 0", NULL);
	strcat(want, line);
	maps_line(line, "7f0000010000-7f0000011000 r--s 00000000 00:00 0", NULL);
	strcat(want, line);
	/* As Linux 6.x printed it for a process here, spaces and all. */
	strcat(want, "7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0"
		     "                          [stack]\n");

	len = vma_format_maps(&t, got, sizeof(got));
	CHECK_STR(got, want);
	CHECK_EQ(len, strlen(want));
	CHECK(strstr(got, "00:00 0 \n") != NULL);

	/* Truncated output is a NUL-terminated prefix; the return value stays the full length. */
	for (n = 0; n <= len + 1; n++) {
		memset(small, 'Z', sizeof(small));
		CHECK_EQ(vma_format_maps(&t, n ? small : NULL, n), len);
		if (n) {
			CHECK(strlen(small) == (n - 1 < len ? n - 1 : len));
			CHECK(memcmp(small, want, strlen(small)) == 0);
		}
		CHECK(small[n] == 'Z' || n == 0);
	}
	CHECK_EQ(vma_remove_range(&t, 0x10000, 0x800000000000ull, &alloc, NULL, NULL), 0);
	CHECK_EQ(nodes_live, 0);
}

int main(void)
{
	test_fixed();
	test_maps();
	random_walk();
	return check_done("test_vma");
}
