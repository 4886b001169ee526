/* SPDX-License-Identifier: BSD-2-Clause */
/* The application's mappings: a red-black interval tree of VMAs, each node knowing the largest free gap below it. */
#ifndef LIB_VMA_H
#define LIB_VMA_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* Linux mmap protections (uapi asm-generic/mman-common.h). */
#define VMA_PROT_READ	0x1
#define VMA_PROT_WRITE	0x2
#define VMA_PROT_EXEC	0x4

/* What kind of memory a VMA is; two neighbours merge only if all of this matches. */
#define VMA_ANON	(1u << 0)	/* demand-zero anonymous memory */
#define VMA_SHARED	(1u << 1)	/* MAP_SHARED */
#define VMA_FILE	(1u << 2)	/* backed by a pager (offset matters) */
#define VMA_STACK	(1u << 3)	/* the main stack: grows down into its guard gap */
#define VMA_HEAP	(1u << 4)	/* the brk area */
#define VMA_GUARD	(1u << 5)	/* never accessible: touching it is reported */
#define VMA_HUGE_OK	(1u << 6)	/* 2 MiB pages back it from the first touch (MADV_HUGEPAGE) */
#define VMA_NOHUGE	(1u << 7)	/* never 2 MiB pages (MADV_NOHUGEPAGE) */

struct vma {
	/* Tree linkage: owned by lib/vma.c. */
	struct vma *parent, *left, *right;
	bool red;
	uint64_t gap;		/* free bytes below start: to the predecessor's end, or lo */
	uint64_t subtree_gap;	/* largest gap of any node in this subtree, see vma.c */
	/* The mapping. */
	uint64_t start, end;	/* [start, end), page aligned */
	uint32_t prot;		/* VMA_PROT_* */
	uint32_t flags;		/* VMA_* */
	uint64_t offset;	/* file offset of start (VMA_FILE) */
	void *pager;		/* file pager, opaque here (VMA_FILE) */
	const char *name;	/* "[heap]", "[stack]", a path, or NULL */
};

struct vma_tree {
	struct vma *root;
	uint64_t lo, hi;	/* the managed range [lo, hi): gaps are measured inside it */
	size_t count;
};

/*
 * Node memory is the caller's: these give and take one node.
 *
 * Neighbours [a, b) and [b, c) merge when prot, flags, pager and name
 * (the pointer, not the text) are equal and, for VMA_FILE, the offsets
 * are consecutive; the tree never holds two such neighbours, so which
 * operations led to a layout does not matter. A merged VMA keeps the
 * lower part's offset; a split gives the upper part offset + distance.
 * Ranges must be page aligned and non-empty, else -EINVAL.
 */
struct vma_alloc {
	struct vma *(*alloc)(void *ctx);
	void (*free)(void *ctx, struct vma *v);
	void *ctx;
};

void vma_tree_init(struct vma_tree *t, uint64_t lo, uint64_t hi);

/* The VMA containing addr, or NULL. O(log n). */
struct vma *vma_find(const struct vma_tree *t, uint64_t addr);
/* The lowest VMA that ends above addr (it may start above it), or NULL. */
struct vma *vma_find_from(const struct vma_tree *t, uint64_t addr);
struct vma *vma_first(const struct vma_tree *t);
struct vma *vma_next(const struct vma *v);
struct vma *vma_prev(const struct vma *v);

/*
 * Finds the highest free range [x, x + size) with x % align == 0,
 * floor <= x and x + size <= ceiling, using the gap augmentation:
 * O(log n), plus O(log n) for each gap above the answer that holds size
 * bytes but no aligned range of them. Returns 0 and *out, -ENOMEM, or
 * -EINVAL unless size is a non-zero multiple of 4096 and align a power
 * of two >= 4096.
 */
int vma_find_gap_topdown(const struct vma_tree *t, uint64_t size, uint64_t align,
			 uint64_t floor, uint64_t ceiling, uint64_t *out);
/* Whether [start, end) is free of mappings (and inside [lo, hi)). */
bool vma_range_free(const struct vma_tree *t, uint64_t start, uint64_t end);

/*
 * Inserts the mapping described by *tmpl ([start, end), prot, flags,
 * offset, pager, name) into a free range, merging with neighbours that
 * are contiguous and compatible (same prot, flags, pager, name, and for
 * VMA_FILE consecutive offsets). Returns the VMA that now covers it, or
 * NULL: -EEXIST when the range is not free (*err), -ENOMEM without a node,
 * -EINVAL when it is empty, unaligned or outside [lo, hi).
 */
struct vma *vma_insert(struct vma_tree *t, const struct vma *tmpl, const struct vma_alloc *a,
		       int *err);

/*
 * Removes [start, end) from the tree, splitting VMAs that straddle its
 * edges; calls removed(ctx, start, end, v) for each piece taken out (v
 * still describes the piece's mapping, before it is freed or trimmed), so
 * the caller can free its pages; removed may be NULL. Parts of the range
 * with no mapping are ignored. 0 or -ENOMEM (a split needed a node; the
 * tree is then unchanged).
 */
int vma_remove_range(struct vma_tree *t, uint64_t start, uint64_t end, const struct vma_alloc *a,
		     void (*removed)(void *ctx, uint64_t start, uint64_t end, const struct vma *v),
		     void *ctx);

/*
 * Sets prot on every mapped part of [start, end), splitting at the edges
 * and merging afterwards. -ENOMEM if a split failed (tree unchanged),
 * -ENOENT if part of the range is not mapped (Linux's mprotect: tree unchanged).
 */
int vma_protect_range(struct vma_tree *t, uint64_t start, uint64_t end, uint32_t prot,
		      const struct vma_alloc *a);

/*
 * Grows or shrinks v in place to end at new_end: -ENOMEM if the space
 * after it is taken or past hi, -EINVAL if new_end <= v->start or is not
 * page aligned. Growing up to a compatible neighbour merges it into v
 * (freed through a), so v may then end above new_end.
 */
int vma_resize(struct vma_tree *t, struct vma *v, uint64_t new_end, const struct vma_alloc *a);

/* Checks every invariant (red-black, order, no overlap, gaps, count, merged): 0 or a negative line number. */
int vma_tree_check(const struct vma_tree *t);

/*
 * Writes the mappings in /proc/self/maps format into buf (NUL-terminated,
 * truncated to size); returns the length the whole text needs.
 * Lines: "start-end rwxp offset 00:00 0                          name", the
 * name starting at column 73 as Linux pads it; a line without a name ends
 * "0 " as Linux's does. The offset is 0 unless VMA_FILE; VMA_GUARD prints
 * no permissions.
 */
size_t vma_format_maps(const struct vma_tree *t, char *buf, size_t size);

#endif
