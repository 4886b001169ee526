/* SPDX-License-Identifier: BSD-2-Clause */
/* The VMA tree: a red-black tree of mappings by start address, augmented with free gaps for O(log n) placement. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <mote/compiler.h>
#include <mote/errno.h>
#include "lib/format.h"
#include "lib/vma.h"

/*
 * The augmentation. Each node stores gap = start - (predecessor's end, or
 * lo for the first VMA): the free range just below it. subtree_gap is the
 * largest gap of any node in its subtree, so a whole subtree can be passed
 * over when it cannot hold a request. The free range above the last VMA,
 * [last end, hi), belongs to no node and is looked at separately.
 *
 * gap depends on the predecessor, which is why it is stored rather than
 * computed: then subtree_gap is a function of a node and its two children
 * alone, a rotation recomputes two nodes, and a change to one node's gap is
 * carried to the root in O(log n). Changing a VMA's end changes its
 * successor's gap; changing its start changes its own.
 *
 * The red-black rules and algorithms are the textbook ones (CLRS ch. 13),
 * with NULL for the leaves.
 */

#define VMA_PAGE	4096ull

/* Deep enough for any red-black tree that fits in memory (height <= 2 log2(n + 1)). */
#define VMA_MAX_DEPTH	128

static inline uint64_t vma_sub_gap(const struct vma *v)
{
	return v ? v->subtree_gap : 0;
}

static void vma_update(struct vma *v)
{
	uint64_t g = v->gap;

	if (vma_sub_gap(v->left) > g)
		g = v->left->subtree_gap;
	if (vma_sub_gap(v->right) > g)
		g = v->right->subtree_gap;
	v->subtree_gap = g;
}

/* v's gap or subtree changed: every ancestor's subtree_gap may have too. */
static void vma_propagate(struct vma *v)
{
	for (; v; v = v->parent)
		vma_update(v);
}

static struct vma *vma_leftmost(struct vma *v)
{
	while (v && v->left)
		v = v->left;
	return v;
}

static struct vma *vma_rightmost(struct vma *v)
{
	while (v && v->right)
		v = v->right;
	return v;
}

void vma_tree_init(struct vma_tree *t, uint64_t lo, uint64_t hi)
{
	t->root = NULL;
	/* Gaps are page-granular only if their ends are. */
	t->lo = ALIGN_UP(lo, VMA_PAGE);
	t->hi = ALIGN_DOWN(hi, VMA_PAGE);
	if (t->hi < t->lo)
		t->hi = t->lo;
	t->count = 0;
}

struct vma *vma_first(const struct vma_tree *t)
{
	return vma_leftmost(t->root);
}

static struct vma *vma_last(const struct vma_tree *t)
{
	return vma_rightmost(t->root);
}

struct vma *vma_next(const struct vma *v)
{
	if (v->right)
		return vma_leftmost(v->right);
	while (v->parent && v->parent->right == v)
		v = v->parent;
	return v->parent;
}

struct vma *vma_prev(const struct vma *v)
{
	if (v->left)
		return vma_rightmost(v->left);
	while (v->parent && v->parent->left == v)
		v = v->parent;
	return v->parent;
}

struct vma *vma_find(const struct vma_tree *t, uint64_t addr)
{
	struct vma *v = t->root;

	while (v) {
		if (addr < v->start)
			v = v->left;
		else if (addr >= v->end)
			v = v->right;
		else
			return v;
	}
	return NULL;
}

struct vma *vma_find_from(const struct vma_tree *t, uint64_t addr)
{
	struct vma *v = t->root, *best = NULL;

	/* VMAs do not overlap, so ends are ordered like starts. */
	while (v) {
		if (v->end > addr) {
			best = v;
			v = v->left;
		} else {
			v = v->right;
		}
	}
	return best;
}

/* ---- Red-black mechanics ---- */

static void vma_replace_child(struct vma_tree *t, struct vma *parent, struct vma *old,
			      struct vma *new)
{
	if (!parent)
		t->root = new;
	else if (parent->left == old)
		parent->left = new;
	else
		parent->right = new;
}

/* A rotation keeps the set of nodes under the top position, so only the two rotated nodes change. */
static void vma_rotate_left(struct vma_tree *t, struct vma *x)
{
	struct vma *y = x->right;

	x->right = y->left;
	if (y->left)
		y->left->parent = x;
	y->parent = x->parent;
	vma_replace_child(t, x->parent, x, y);
	y->left = x;
	x->parent = y;
	vma_update(x);
	vma_update(y);
}

static void vma_rotate_right(struct vma_tree *t, struct vma *x)
{
	struct vma *y = x->left;

	x->left = y->right;
	if (y->right)
		y->right->parent = x;
	y->parent = x->parent;
	vma_replace_child(t, x->parent, x, y);
	y->right = x;
	x->parent = y;
	vma_update(x);
	vma_update(y);
}

static inline bool vma_is_red(const struct vma *v)
{
	return v && v->red;
}

static void vma_insert_fixup(struct vma_tree *t, struct vma *z)
{
	struct vma *p, *g, *u;

	while ((p = z->parent) && p->red) {
		g = p->parent;	/* exists: a red node is never the root */
		if (p == g->left) {
			u = g->right;
			if (vma_is_red(u)) {
				p->red = false;
				u->red = false;
				g->red = true;
				z = g;
				continue;
			}
			if (z == p->right) {
				z = p;
				vma_rotate_left(t, z);
				p = z->parent;
			}
			p->red = false;
			g->red = true;
			vma_rotate_right(t, g);
		} else {
			u = g->left;
			if (vma_is_red(u)) {
				p->red = false;
				u->red = false;
				g->red = true;
				z = g;
				continue;
			}
			if (z == p->left) {
				z = p;
				vma_rotate_right(t, z);
				p = z->parent;
			}
			p->red = false;
			g->red = true;
			vma_rotate_left(t, g);
		}
	}
	t->root->red = false;
}

/* x (possibly NULL, so its parent xp is passed too) carries an extra black. */
static void vma_erase_fixup(struct vma_tree *t, struct vma *x, struct vma *xp)
{
	struct vma *w;

	while (x != t->root && !vma_is_red(x)) {
		if (x == xp->left) {
			w = xp->right;	/* exists: x's side is a black short */
			if (w->red) {
				w->red = false;
				xp->red = true;
				vma_rotate_left(t, xp);
				w = xp->right;
			}
			if (!vma_is_red(w->left) && !vma_is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!vma_is_red(w->right)) {
				w->left->red = false;
				w->red = true;
				vma_rotate_right(t, w);
				w = xp->right;
			}
			w->red = xp->red;
			xp->red = false;
			w->right->red = false;
			vma_rotate_left(t, xp);
			x = t->root;
		} else {
			w = xp->left;
			if (w->red) {
				w->red = false;
				xp->red = true;
				vma_rotate_right(t, xp);
				w = xp->left;
			}
			if (!vma_is_red(w->left) && !vma_is_red(w->right)) {
				w->red = true;
				x = xp;
				xp = x->parent;
				continue;
			}
			if (!vma_is_red(w->left)) {
				w->right->red = false;
				w->red = true;
				vma_rotate_left(t, w);
				w = xp->left;
			}
			w->red = xp->red;
			xp->red = false;
			w->left->red = false;
			vma_rotate_right(t, xp);
			x = t->root;
		}
	}
	if (x)
		x->red = false;
}

/* Takes z out of the tree structure; gaps of other nodes are the caller's business. */
static void vma_erase(struct vma_tree *t, struct vma *z)
{
	struct vma *y, *x, *xp;
	bool removed_red = z->red;

	if (!z->left || !z->right) {
		x = z->left ? z->left : z->right;
		xp = z->parent;
		if (x)
			x->parent = xp;
		vma_replace_child(t, xp, z, x);
	} else {
		/* The successor y (no left child) takes z's place and colour. */
		y = vma_leftmost(z->right);
		removed_red = y->red;
		x = y->right;
		if (y->parent == z) {
			xp = y;
		} else {
			xp = y->parent;
			xp->left = x;
			if (x)
				x->parent = xp;
			y->right = z->right;
			y->right->parent = y;
		}
		y->parent = z->parent;
		vma_replace_child(t, z->parent, z, y);
		y->left = z->left;
		y->left->parent = y;
		y->red = z->red;
	}
	/* Every node whose subtree lost z is an ancestor of xp (y included). */
	vma_propagate(xp);
	if (!removed_red)
		vma_erase_fixup(t, x, xp);
}

/* ---- Tree edits that keep the gaps right ---- */

/* Links v, whose [start, end) must be free, and counts it. */
static void vma_link(struct vma_tree *t, struct vma *v)
{
	struct vma *p = NULL, *cur = t->root, *pred = NULL, *succ = NULL;
	bool left = false;

	while (cur) {
		p = cur;
		left = v->start < cur->start;
		if (left) {
			succ = cur;
			cur = cur->left;
		} else {
			pred = cur;
			cur = cur->right;
		}
	}
	v->parent = p;
	v->left = v->right = NULL;
	v->red = true;
	v->gap = v->start - (pred ? pred->end : t->lo);
	v->subtree_gap = v->gap;
	if (!p)
		t->root = v;
	else if (left)
		p->left = v;
	else
		p->right = v;
	vma_propagate(p);
	if (succ) {
		succ->gap = succ->start - v->end;
		vma_propagate(succ);
	}
	vma_insert_fixup(t, v);
	t->count++;
}

/* Unlinks v (not freed): its space joins its successor's gap. */
static void vma_unlink(struct vma_tree *t, struct vma *v)
{
	struct vma *succ = vma_next(v);
	uint64_t pred_end = v->start - v->gap;

	vma_erase(t, v);
	if (succ) {
		succ->gap = succ->start - pred_end;
		vma_propagate(succ);
	}
	t->count--;
}

/* Moves v's end without passing a neighbour. */
static void vma_set_end(struct vma *v, uint64_t end)
{
	struct vma *succ = vma_next(v);

	v->end = end;
	if (succ) {
		succ->gap = succ->start - end;
		vma_propagate(succ);
	}
}

/* Moves v's start without passing a neighbour; offset follows so it still names start. */
static void vma_set_start(struct vma *v, uint64_t start)
{
	uint64_t pred_end = v->start - v->gap;

	v->offset += start - v->start;	/* modular: right in both directions */
	v->gap = start - pred_end;
	v->start = start;
	vma_propagate(v);
}

static bool vma_mergeable(const struct vma *a, const struct vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->flags == b->flags &&
	       a->pager == b->pager && a->name == b->name &&
	       (!(a->flags & VMA_FILE) || b->offset == a->offset + (a->end - a->start));
}

/* v takes over its successor n (which must be mergeable with it); n is freed. */
static void vma_absorb_next(struct vma_tree *t, struct vma *v, struct vma *n,
			    const struct vma_alloc *a)
{
	uint64_t end = n->end;

	vma_unlink(t, n);
	a->free(a->ctx, n);
	vma_set_end(v, end);
}

/* Fills a new node with *src's mapping, cut to start at start. */
static void vma_copy_from(struct vma *n, const struct vma *src, uint64_t start)
{
	n->start = start;
	n->end = src->end;
	n->prot = src->prot;
	n->flags = src->flags;
	n->offset = src->offset + (start - src->start);
	n->pager = src->pager;
	n->name = src->name;
}

static bool vma_range_ok(uint64_t start, uint64_t end)
{
	return start < end && IS_ALIGNED(start | end, VMA_PAGE);
}

/* ---- Queries ---- */

/* The highest aligned x with [x, x + size) inside both [glo, ghi) and [floor, ceiling). */
static bool vma_gap_fit(uint64_t glo, uint64_t ghi, uint64_t size, uint64_t align,
			uint64_t floor, uint64_t ceiling, uint64_t *out)
{
	uint64_t lo = MAX(glo, floor), hi = MIN(ghi, ceiling), x;

	if (hi < lo || hi - lo < size)
		return false;
	x = ALIGN_DOWN(hi - size, align);
	if (x < lo)
		return false;
	*out = x;
	return true;
}

int vma_find_gap_topdown(const struct vma_tree *t, uint64_t size, uint64_t align, uint64_t floor,
			 uint64_t ceiling, uint64_t *out)
{
	struct vma *v = t->root, *last = vma_last(t), *p;
	bool from_right;

	if (!size || !IS_ALIGNED(size, VMA_PAGE) || align < VMA_PAGE || (align & (align - 1)))
		return -EINVAL;
	if (vma_gap_fit(last ? last->end : t->lo, t->hi, size, align, floor, ceiling, out))
		return 0;
	if (!v)
		return -ENOMEM;

	/*
	 * Reverse in-order walk (right subtree, own gap, left subtree: the
	 * gaps from the top down), skipping subtrees whose largest gap is
	 * under size or which lie wholly above ceiling or below floor. A gap
	 * of size bytes may still hold no aligned range, so each gap is tried
	 * for real and the walk goes on past one that fails: searching for
	 * size + align - 4096 instead would be sure to fit but could miss a
	 * higher, smaller gap that happens to be aligned.
	 */
	from_right = false;
	for (;;) {
		if (!from_right && v->right && v->right->subtree_gap >= size &&
		    v->end <= ceiling && ceiling - v->end >= size) {
			/* The right subtree's gaps all start at or above v->end. */
			v = v->right;
			continue;
		}
		if (v->gap >= size &&
		    vma_gap_fit(v->start - v->gap, v->start, size, align, floor, ceiling, out))
			return 0;
		/* The left subtree's gaps all end below v's predecessor's end. */
		if (v->left && v->left->subtree_gap >= size && v->start - v->gap > floor &&
		    v->start - v->gap - floor > size) {
			v = v->left;
			from_right = false;
			continue;
		}
		/* Done with v's subtree: climb to the first ancestor reached from its right. */
		do {
			p = v->parent;
			if (!p)
				return -ENOMEM;
			from_right = p->right == v;
			v = p;
		} while (!from_right);
	}
}

bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end)
{
	struct vma *v;

	if (start > end || start < t->lo || end > t->hi)
		return false;
	v = vma_find_from(t, start);
	return !v || v->start >= end;
}

/* ---- Edits ---- */

struct vma *vma_insert(struct vma_tree *t, const struct vma *tmpl, const struct vma_alloc *a,
		       int *err)
{
	uint64_t start = tmpl->start, end = tmpl->end;
	struct vma *prev, *next, *v;
	bool merge_prev, merge_next;
	int dummy;

	if (!err)
		err = &dummy;
	if (!vma_range_ok(start, end) || start < t->lo || end > t->hi) {
		*err = -EINVAL;
		return NULL;
	}
	next = vma_find_from(t, start);
	if (next && next->start < end) {
		*err = -EEXIST;
		return NULL;
	}
	prev = next ? vma_prev(next) : vma_last(t);
	merge_prev = prev && vma_mergeable(prev, tmpl);
	merge_next = next && vma_mergeable(tmpl, next);

	if (merge_prev && merge_next) {
		vma_absorb_next(t, prev, next, a);
		v = prev;
	} else if (merge_prev) {
		vma_set_end(prev, end);
		v = prev;
	} else if (merge_next) {
		vma_set_start(next, start);
		next->offset = tmpl->offset;	/* the lower part's, as for any merge */
		v = next;
	} else {
		v = a->alloc(a->ctx);
		if (!v) {
			*err = -ENOMEM;
			return NULL;
		}
		vma_copy_from(v, tmpl, start);
		v->end = end;
		vma_link(t, v);
	}
	*err = 0;
	return v;
}

int vma_remove_range(struct vma_tree *t, uint64_t start, uint64_t end, const struct vma_alloc *a,
		     void (*removed)(void *ctx, uint64_t start, uint64_t end, const struct vma *v),
		     void *ctx)
{
	struct vma *v, *next, *n;

	if (!vma_range_ok(start, end))
		return -EINVAL;
	v = vma_find_from(t, start);
	if (!v || v->start >= end)
		return 0;

	if (v->start < start && v->end > end) {
		/* A hole in the middle of one VMA: the only case that needs a node. */
		n = a->alloc(a->ctx);
		if (!n)
			return -ENOMEM;
		if (removed)
			removed(ctx, start, end, v);
		vma_copy_from(n, v, end);
		vma_set_end(v, start);
		vma_link(t, n);
		return 0;
	}

	/* Removing only opens holes, so nothing new can merge. */
	for (; v && v->start < end; v = next) {
		next = vma_next(v);
		if (v->start < start) {
			if (removed)
				removed(ctx, start, v->end, v);
			vma_set_end(v, start);
		} else if (v->end > end) {
			if (removed)
				removed(ctx, v->start, end, v);
			vma_set_start(v, end);
		} else {
			if (removed)
				removed(ctx, v->start, v->end, v);
			vma_unlink(t, v);
			a->free(a->ctx, v);
		}
	}
	return 0;
}

int vma_protect_range(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t prot,
		      const struct vma_alloc *a)
{
	struct vma *first, *last, *v, *n, *stop, *spare[2];
	bool split_lo, split_hi;
	int need, i;

	if (!vma_range_ok(start, end))
		return -EINVAL;
	first = vma_find(t, start);
	if (!first)
		return -ENOENT;
	/* Check the whole range is mapped before touching anything. */
	for (last = first; last->end < end; last = n) {
		n = vma_next(last);
		if (!n || n->start != last->end)
			return -ENOENT;
	}

	split_lo = first->start < start && first->prot != prot;
	split_hi = last->end > end && last->prot != prot;
	need = split_lo + split_hi;
	for (i = 0; i < need; i++) {
		spare[i] = a->alloc(a->ctx);
		if (!spare[i]) {
			while (i--)
				a->free(a->ctx, spare[i]);
			return -ENOMEM;
		}
	}

	if (split_lo) {
		n = spare[--need];
		vma_copy_from(n, first, start);
		vma_set_end(first, start);
		vma_link(t, n);
		if (last == first)
			last = n;
		first = n;
	}
	if (split_hi) {
		n = spare[--need];
		vma_copy_from(n, last, end);
		vma_set_end(last, end);
		vma_link(t, n);
	}
	for (v = first;; v = vma_next(v)) {
		v->prot = prot;
		if (v == last)
			break;
	}

	/* Merge from the VMA below the range through the one above it. */
	stop = vma_next(last);
	v = vma_prev(first);
	if (!v)
		v = first;
	for (;;) {
		n = vma_next(v);
		if (!n)
			break;
		if (vma_mergeable(v, n)) {
			bool at_stop = n == stop;

			vma_absorb_next(t, v, n, a);
			if (at_stop)
				break;
		} else {
			if (n == stop)
				break;
			v = n;
		}
	}
	return 0;
}

int vma_resize(struct vma_tree *t, struct vma *v, uint64_t new_end, const struct vma_alloc *a)
{
	struct vma *next;

	if (new_end <= v->start || !IS_ALIGNED(new_end, VMA_PAGE))
		return -EINVAL;
	if (new_end <= v->end) {
		/* Shrinking opens a hole: nothing can merge. */
		vma_set_end(v, new_end);
		return 0;
	}
	next = vma_next(v);
	if (new_end > t->hi || (next && next->start < new_end))
		return -ENOMEM;
	vma_set_end(v, new_end);
	if (next && vma_mergeable(v, next))
		vma_absorb_next(t, v, next, a);
	return 0;
}

/* ---- Checking ---- */

struct vma_check {
	const struct vma_tree *t;
	const struct vma *prev;
	uint64_t prev_end;
	size_t count;
};

/* In-order walk; returns 0 and *black (the black height), or -__LINE__. */
static int vma_check_node(struct vma_check *c, const struct vma *v, const struct vma *parent,
			  int depth, int *black)
{
	int bl, br, err;

	if (!v) {
		*black = 1;
		return 0;
	}
	if (depth > VMA_MAX_DEPTH)
		return -__LINE__;
	if (v->parent != parent)
		return -__LINE__;
	if (v->red && parent && parent->red)
		return -__LINE__;
	err = vma_check_node(c, v->left, v, depth + 1, &bl);
	if (err)
		return err;

	if (!vma_range_ok(v->start, v->end))
		return -__LINE__;
	if (v->start < c->prev_end || v->end > c->t->hi)
		return -__LINE__;
	if (v->gap != v->start - c->prev_end)
		return -__LINE__;
	if (c->prev && vma_mergeable(c->prev, v))
		return -__LINE__;
	c->prev = v;
	c->prev_end = v->end;
	c->count++;

	err = vma_check_node(c, v->right, v, depth + 1, &br);
	if (err)
		return err;
	if (bl != br)
		return -__LINE__;
	if (v->subtree_gap != MAX(v->gap, MAX(vma_sub_gap(v->left), vma_sub_gap(v->right))))
		return -__LINE__;
	*black = bl + !v->red;
	return 0;
}

int vma_tree_check(const struct vma_tree *t)
{
	struct vma_check c = { .t = t, .prev = NULL, .prev_end = t->lo, .count = 0 };
	int black, err;

	if (t->lo > t->hi || !IS_ALIGNED(t->lo | t->hi, VMA_PAGE))
		return -__LINE__;
	if (vma_is_red(t->root))
		return -__LINE__;
	err = vma_check_node(&c, t->root, NULL, 0, &black);
	if (err)
		return err;
	if (c.count != t->count)
		return -__LINE__;
	return 0;
}

/* ---- /proc/self/maps ---- */

/* Linux pads the fixed fields to 72 columns, then a space: names start at column 73. */
#define VMA_MAPS_NAME_COL	73

size_t vma_format_maps(const struct vma_tree *t, char *buf, size_t size)
{
	const struct vma *v;
	size_t len = 0, n;
	bool guard;

	if (size)
		buf[0] = '\0';
	for (v = vma_first(t); v; v = vma_next(v)) {
		guard = v->flags & VMA_GUARD;
		/* fmt_snprintf NUL-terminates within what is left and returns the full length. */
#define VMA_OUT	(len < size ? buf + len : NULL), (len < size ? size - len : 0)
		n = (size_t)fmt_snprintf(VMA_OUT, "%08lx-%08lx %c%c%c%c %08lx 00:00 0 ",
					 (unsigned long)v->start, (unsigned long)v->end,
					 !guard && (v->prot & VMA_PROT_READ) ? 'r' : '-',
					 !guard && (v->prot & VMA_PROT_WRITE) ? 'w' : '-',
					 !guard && (v->prot & VMA_PROT_EXEC) ? 'x' : '-',
					 v->flags & VMA_SHARED ? 's' : 'p',
					 (unsigned long)(v->flags & VMA_FILE ? v->offset : 0));
		len += n;
		if (v->name)
			len += (size_t)fmt_snprintf(VMA_OUT, "%*s%s",
						    n < VMA_MAPS_NAME_COL - 1 ?
						    (int)(VMA_MAPS_NAME_COL - n) : 1,
						    "", v->name);
		len += (size_t)fmt_snprintf(VMA_OUT, "\n");
#undef VMA_OUT
	}
	return len;
}
