/* SPDX-License-Identifier: BSD-2-Clause */
/* The application's address space on the VMA tree: mmap family, brk, stack, demand-zero faults, maps text, figures. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/paging.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/mem.h"
#include "kernel/mutex.h"
#include "kernel/page_alloc.h"
#include "kernel/uvm.h"
#include "kernel/vm.h"
#include "lib/string.h"

#define USER_LO		0x10000ul			/* nothing below: NULL and near-NULL fault */
#define USER_HI		(USER_TOP - PAGE_SIZE)		/* the top page stays unmapped */
#define STACK_GUARD	(256 * PAGE_SIZE)		/* Linux's stack_guard_gap: 1 MiB */

/*
 * One process: one address space, shared by its threads. `lock` orders
 * every change and every fault: the public functions below take it, the
 * static ones run with it held. Faults take it too (vm_fault), so a fault
 * never sees a mapping half changed.
 */
static struct {
	struct mutex lock;
	struct vma_tree tree;
	uint64_t brk_start, brk;
	uint64_t mmap_base;		/* mmap searches top-down from here */
	uint64_t anon, file;		/* bytes of pages mapped */
} vm;

static struct vma *node_alloc(void *ctx)
{
	(void)ctx;
	return kcalloc(1, sizeof(struct vma));
}

static void node_free(void *ctx, struct vma *v)
{
	(void)ctx;
	kfree(v);
}

static const struct vma_alloc nodes = { node_alloc, node_free, NULL };

void vm_init(void)
{
	mutex_init(&vm.lock);
	vma_tree_init(&vm.tree, USER_LO, USER_HI);
	vm.mmap_base = USER_HI;
}

static unsigned int pg_flags(uint32_t prot)
{
	unsigned int f = 0;

	if (!(prot & (VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC)))
		return PG_NOACCESS;
	if (prot & VMA_PROT_WRITE)
		f |= PG_WRITE;
	if (prot & VMA_PROT_EXEC)
		f |= PG_EXEC;
	return f;
}

static void release_page(paddr_t pa, uint64_t size)
{
	page_free(pa, size == PAGE_SIZE ? 0 : size == LARGE_PAGE_SIZE ? 9 : 18);
	vm.anon -= size;
}

/* A 2 MiB page about to be cut at addr becomes 512 pages in the allocator's books too. */
static void split_huge_at(uint64_t addr)
{
	paddr_t pa;
	uint64_t size;
	unsigned int flags;

	if (IS_ALIGNED(addr, LARGE_PAGE_SIZE) || !pt_lookup(addr, &pa, &flags, &size) ||
	    size != LARGE_PAGE_SIZE)
		return;
	page_alloc_split(ALIGN_DOWN(pa, LARGE_PAGE_SIZE), 9);
	/* Split the mapping now too, so a second cut in the same block sees 4 KiB pages. */
	pt_protect(ALIGN_DOWN(addr, PAGE_SIZE), PAGE_SIZE, flags & ~PG_GLOBAL);
}

/* Drops the pages of [start, end), a piece of v, from the page tables. */
static void drop_pages(uint64_t start, uint64_t end, const struct vma *v)
{
	split_huge_at(start);
	split_huge_at(end);
	if ((v->flags & VMA_FILE) && (v->flags & VMA_SHARED)) {
		/* The pager's pages: not ours to free. */
		uint64_t before = vm.anon;
		pt_unmap(start, end - start, NULL);
		vm.anon = before;
		return;
	}
	pt_unmap(start, end - start, release_page);
	pt_prune(start, end - start);
}

static void removed(void *ctx, uint64_t start, uint64_t end, const struct vma *v)
{
	(void)ctx;
	drop_pages(start, end, v);
}

/* Zero-filled 4 KiB page at addr, or a 2 MiB page for the whole block when huge is set. */
static int map_anon(uint64_t addr, uint32_t prot, bool huge)
{
	unsigned int order = huge ? 9 : 0;
	uint64_t size = PAGE_SIZE << order;
	paddr_t pa = page_alloc(order);
	int r;

	if (pa == PADDR_INVALID)
		return -ENOMEM;
	memset(phys_to_virt(pa), 0, size);	/* eight bytes a step: rep stosq */
	r = pt_map(ALIGN_DOWN(addr, size), pa, size, pg_flags(prot));
	if (r) {
		page_free(pa, order);
		return r == -EEXIST ? 0 : r;	/* raced in by someone else: fine */
	}
	vm.anon += size;
	return 0;
}

static int map_file(const struct vma *v, uint64_t addr)
{
	uint64_t page = ALIGN_DOWN(addr, PAGE_SIZE);
	struct vm_pager *pager = v->pager;
	paddr_t src, pa;
	int r = pager->fault(pager, v->offset + (page - v->start), &src);

	if (r)
		return r;
	if (v->flags & VMA_SHARED) {
		pa = src;
	} else {
		/* A private mapping gets its own copy: its writes must not reach the file. */
		pa = page_alloc(0);
		if (pa == PADDR_INVALID)
			return -ENOMEM;
		memcpy(phys_to_virt(pa), phys_to_virt(src), PAGE_SIZE);
	}
	r = pt_map(page, pa, PAGE_SIZE, pg_flags(v->prot));
	if (r && !(v->flags & VMA_SHARED))
		page_free(pa, 0);
	if (!r)
		vm.file += PAGE_SIZE;
	return r == -EEXIST ? 0 : r;
}

/* Whether the 2 MiB block around addr may be one large page now. */
static bool huge_fits(const struct vma *v, uint64_t addr)
{
	uint64_t block = ALIGN_DOWN(addr, LARGE_PAGE_SIZE);

	return (v->flags & VMA_ANON) && !(v->flags & VMA_SHARED) &&
	       block >= v->start && block + LARGE_PAGE_SIZE <= v->end && pt_block_empty(block);
}

/*
 * A toucher that has filled a block's first DENSE_PAGES pages in order is
 * taken to be filling the block: it gets one 2 MiB page holding what it
 * wrote so far. Sparse touchers never reach that and keep 4 KiB pages.
 */
#define DENSE_PAGES 64

static bool block_inside(const struct vma *v, uint64_t block)
{
	return (v->flags & VMA_ANON) && !(v->flags & VMA_SHARED) && block >= v->start &&
	       block + LARGE_PAGE_SIZE <= v->end;
}

static int promote_dense(const struct vma *v, uint64_t addr)
{
	uint64_t block = ALIGN_DOWN(addr, LARGE_PAGE_SIZE);
	unsigned int n = (unsigned int)((addr - block) / PAGE_SIZE);
	paddr_t big;
	char *dst;

	if (n < DENSE_PAGES || !block_inside(v, block) || pt_block_prefix(block) != n)
		return -EAGAIN;
	big = page_alloc(9);
	if (big == PADDR_INVALID)
		return -EAGAIN;	/* no large block free: 4 KiB pages will do */
	dst = phys_to_virt(big);
	for (unsigned int i = 0; i < n; i++) {
		paddr_t pa;

		pt_lookup(block + i * PAGE_SIZE, &pa, NULL, NULL);
		memcpy(dst + i * PAGE_SIZE, phys_to_virt(pa), PAGE_SIZE);
	}
	memset(dst + n * PAGE_SIZE, 0, LARGE_PAGE_SIZE - n * PAGE_SIZE);
	pt_unmap(block, n * PAGE_SIZE, release_page);
	if (pt_map(block, big, LARGE_PAGE_SIZE, pg_flags(v->prot))) {
		page_free(big, 9);	/* cannot happen with the block empty; keep the small pages' way */
		return -EAGAIN;
	}
	vm.anon += LARGE_PAGE_SIZE;
	return 0;
}

static int fault_in(const struct vma *v, uint64_t addr, bool populating)
{
	if (v->flags & VMA_FILE)
		return map_file(v, addr);
	if (!(v->flags & VMA_NOHUGE) && promote_dense(v, addr) == 0)
		return 0;
	/*
	 * 2 MiB pages only where the user asked for the memory up front
	 * (MAP_POPULATE) or for huge pages (MADV_HUGEPAGE): a sparse toucher
	 * must not be charged 2 MiB for one byte.
	 */
	if ((populating || (v->flags & VMA_HUGE_OK)) && huge_fits(v, addr) &&
	    map_anon(addr, v->prot, true) == 0)
		return 0;
	return map_anon(addr, v->prot, false);
}

/* Fills [start, end), all inside the new mapping v, which has no pages yet: large pages where whole blocks fit. */
static int populate(const struct vma *v, uint64_t start, uint64_t end)
{
	for (uint64_t a = start; a < end;) {
		bool huge = IS_ALIGNED(a, LARGE_PAGE_SIZE) && end - a >= LARGE_PAGE_SIZE &&
			    huge_fits(v, a);
		int r = (v->flags & VMA_FILE) ? map_file(v, a) : map_anon(a, v->prot, huge);

		if (r)
			return r;
		a += huge ? LARGE_PAGE_SIZE : PAGE_SIZE;
	}
	return 0;
}

static bool range_ok(uint64_t addr, uint64_t len)
{
	return len && IS_ALIGNED(addr, PAGE_SIZE) && addr >= USER_LO && addr < USER_HI &&
	       len <= USER_HI - addr;
}

static int munmap_locked(uint64_t addr, uint64_t len);

static long mmap_locked(uint64_t addr, uint64_t len, int prot, int flags, struct vm_pager *pager,
			uint64_t offset, const char *name)
{
	struct vma tmpl, *v;
	uint64_t start;
	int type = flags & MAP_TYPE, err = 0;
	bool anon = (flags & MAP_ANONYMOUS) || !pager;

	if (!len)
		return -EINVAL;
	if (len > USER_HI)
		return -ENOMEM;		/* mmap(2): no room for the mapping, as for any too-large request */
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!IS_ALIGNED(offset, PAGE_SIZE) || (type != MAP_PRIVATE && type != MAP_SHARED && type != 3))
		return -EINVAL;
	if (prot & ~(VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC))
		return -EINVAL;
	__builtin_memset(&tmpl, 0, sizeof(tmpl));
	tmpl.prot = (uint32_t)prot;
	tmpl.flags = anon ? VMA_ANON : VMA_FILE;
	if (type != MAP_PRIVATE)
		tmpl.flags |= VMA_SHARED;
	tmpl.offset = anon ? 0 : offset;
	tmpl.pager = anon ? NULL : pager;
	tmpl.name = name;

	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		if (!range_ok(addr, len))
			return addr & (PAGE_SIZE - 1) ? -EINVAL : -ENOMEM;
		start = addr;
		/* FIXED_NOREPLACE: vma_insert() itself refuses a taken range with -EEXIST. */
		if (!(flags & MAP_FIXED_NOREPLACE) && !vma_range_free(&vm.tree, start, start + len)) {
			err = vma_remove_range(&vm.tree, start, start + len, &nodes, removed, NULL);
			if (err)
				return err;
		}
	} else if (addr && range_ok(ALIGN_DOWN(addr, PAGE_SIZE), len) &&
		   vma_range_free(&vm.tree, ALIGN_DOWN(addr, PAGE_SIZE), ALIGN_DOWN(addr, PAGE_SIZE) + len)) {
		start = ALIGN_DOWN(addr, PAGE_SIZE);	/* the hint is free: take it */
	} else {
		/* Large anonymous regions start on a 2 MiB boundary, so large pages can back them. */
		uint64_t align = anon && len >= LARGE_PAGE_SIZE ? LARGE_PAGE_SIZE : PAGE_SIZE;

		if (vma_find_gap_topdown(&vm.tree, len, align, USER_LO, vm.mmap_base, &start) &&
		    (align == PAGE_SIZE ||
		     vma_find_gap_topdown(&vm.tree, len, PAGE_SIZE, USER_LO, vm.mmap_base, &start)))
			return -ENOMEM;
	}
	tmpl.start = start;
	tmpl.end = start + len;
	v = vma_insert(&vm.tree, &tmpl, &nodes, &err);
	if (!v)
		return err ? err : -ENOMEM;
	if (flags & MAP_POPULATE) {
		err = populate(v, start, start + len);
		if (err) {
			munmap_locked(start, len);
			return err;
		}
	}
	return (long)start;
}

static int munmap_locked(uint64_t addr, uint64_t len)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE) || !len || addr >= USER_TOP || len > USER_TOP - addr)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	return vma_remove_range(&vm.tree, addr, MIN(addr + len, USER_HI), &nodes, removed, NULL);
}

static int mprotect_locked(uint64_t addr, uint64_t len, int prot)
{
	int r;

	if (!IS_ALIGNED(addr, PAGE_SIZE) || (prot & ~(VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC)))
		return -EINVAL;
	if (!len)
		return 0;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!range_ok(addr, len))
		return -ENOMEM;
	r = vma_protect_range(&vm.tree, addr, addr + len, (uint32_t)prot, &nodes);
	if (r)
		return r == -ENOENT ? -ENOMEM : r;	/* Linux: ENOMEM for unmapped parts */
	split_huge_at(addr);
	split_huge_at(addr + len);
	return pt_protect(addr, len, pg_flags((uint32_t)prot));
}

/* Moves the pages of [from, from + len) to [to, to + len) in the page tables. */
static int move_pages(uint64_t from, uint64_t to, uint64_t len, uint32_t prot)
{
	for (uint64_t off = 0; off < len;) {
		paddr_t pa;
		uint64_t size;
		int r;

		if (!pt_lookup(from + off, &pa, NULL, &size)) {
			off += PAGE_SIZE;
			continue;
		}
		if (size > PAGE_SIZE && (!IS_ALIGNED(from + off, size) || !IS_ALIGNED(to + off, size) ||
					 off + size > len)) {
			split_huge_at(from + off + PAGE_SIZE);	/* only whole large pages move whole */
			size = PAGE_SIZE;
			pt_lookup(from + off, &pa, NULL, NULL);
		}
		pa = ALIGN_DOWN(pa, size);
		pt_unmap(from + off, size, NULL);
		r = pt_map(to + off, pa, size, pg_flags(prot));
		if (r)
			return r;
		off += size;
	}
	return 0;
}

static long mremap_locked(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags,
			 uint64_t new_addr)
{
	struct vma *v, tmpl;
	uint64_t start;
	int err = 0;

	if (!IS_ALIGNED(old_addr, PAGE_SIZE) || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
	    ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) || !new_len)
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	v = vma_find(&vm.tree, old_addr);
	if (!v || old_addr + old_len > v->end || !old_len)
		return -EFAULT;
	if (flags & MREMAP_FIXED) {
		(void)new_addr;
		return -EINVAL;	/* not needed by musl or glibc's allocators; refused clearly */
	}
	if (new_len <= old_len) {
		if (new_len < old_len)
			munmap_locked(old_addr + new_len, old_len - new_len);
		return (long)old_addr;
	}
	/* Grow in place when the mapping ends there and the space after it is free. */
	if (old_addr + old_len == v->end &&
	    vma_resize(&vm.tree, v, old_addr + new_len, &nodes) == 0)
		return (long)old_addr;
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	tmpl = *v;
	if (vma_find_gap_topdown(&vm.tree, new_len,
				 new_len >= LARGE_PAGE_SIZE ? LARGE_PAGE_SIZE : PAGE_SIZE, USER_LO,
				 vm.mmap_base, &start) &&
	    vma_find_gap_topdown(&vm.tree, new_len, PAGE_SIZE, USER_LO, vm.mmap_base, &start))
		return -ENOMEM;
	tmpl.start = start;
	tmpl.end = start + new_len;
	if (tmpl.flags & VMA_FILE)
		tmpl.offset = v->offset + (old_addr - v->start);
	if (!vma_insert(&vm.tree, &tmpl, &nodes, &err))
		return err ? err : -ENOMEM;
	split_huge_at(old_addr);
	split_huge_at(old_addr + old_len);
	err = move_pages(old_addr, start, old_len, tmpl.prot);
	if (err)
		return err;
	/* The old range has no pages left: removing it frees nothing. */
	vma_remove_range(&vm.tree, old_addr, old_addr + old_len, &nodes, removed, NULL);
	return (long)start;
}

static int madvise_locked(uint64_t addr, uint64_t len, int advice)
{
	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!range_ok(addr, len))
		return -ENOMEM;
	switch (advice) {
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_DONTFORK:
	case MADV_DOFORK:
		return 0;	/* read-ahead and fork hints: nothing is paged, nothing forks */
	case MADV_FREE:
	case MADV_DONTNEED:
		/* Drop the pages; the mappings stay, and the next touch reads zero (or the file). */
		for (struct vma *v = vma_find_from(&vm.tree, addr); v && v->start < addr + len;
		     v = vma_next(v))
			drop_pages(MAX(v->start, addr), MIN(v->end, addr + len), v);
		return 0;
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
		/* Whole mappings only: the hint is advisory. */
		for (struct vma *v = vma_find_from(&vm.tree, addr); v && v->start < addr + len;
		     v = vma_next(v)) {
			if (v->start >= addr && v->end <= addr + len) {
				if (advice == MADV_HUGEPAGE) {
					v->flags |= VMA_HUGE_OK;
					v->flags &= ~VMA_NOHUGE;
				} else {
					v->flags &= ~VMA_HUGE_OK;
					v->flags |= VMA_NOHUGE;
				}
			}
		}
		return 0;
	}
	return -EINVAL;
}

/* Out of line: nine callers, and each inlined mutex fast path costs more bytes than a call. */
static __attribute__((noinline)) void vm_lock(void)
{
	mutex_lock(&vm.lock);
}

static __attribute__((noinline)) void vm_unlock(void)
{
	mutex_unlock(&vm.lock);
}

/* The public entry points: each holds the lock around its static twin. */
long vm_mmap(uint64_t addr, uint64_t len, int prot, int flags, struct vm_pager *pager,
	     uint64_t offset, const char *name)
{
	long r;

	vm_lock();
	r = mmap_locked(addr, len, prot, flags, pager, offset, name);
	vm_unlock();
	return r;
}

int vm_munmap(uint64_t addr, uint64_t len)
{
	int r;

	vm_lock();
	r = munmap_locked(addr, len);
	vm_unlock();
	return r;
}

int vm_mprotect(uint64_t addr, uint64_t len, int prot)
{
	int r;

	vm_lock();
	r = mprotect_locked(addr, len, prot);
	vm_unlock();
	return r;
}

long vm_mremap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, int flags, uint64_t new_addr)
{
	long r;

	vm_lock();
	r = mremap_locked(old_addr, old_len, new_len, flags, new_addr);
	vm_unlock();
	return r;
}

int vm_check_mapped(uint64_t addr, uint64_t len)
{
	uint64_t end = addr;

	if (!IS_ALIGNED(addr, PAGE_SIZE))
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len)
		return 0;
	if (!range_ok(addr, len))
		return -ENOMEM;
	vm_lock();
	for (struct vma *v = vma_find_from(&vm.tree, addr); v && v->start < addr + len; v = vma_next(v)) {
		if (v->start > end)
			break;		/* a hole */
		end = v->end;
	}
	vm_unlock();
	return end >= addr + len ? 0 : -ENOMEM;
}

int vm_madvise(uint64_t addr, uint64_t len, int advice)
{
	int r;

	vm_lock();
	r = madvise_locked(addr, len, advice);
	vm_unlock();
	return r;
}

void vm_brk_init(uint64_t start)
{
	vm.brk_start = vm.brk = start;
}

static uint64_t brk_locked(uint64_t addr)
{
	uint64_t old_end = ALIGN_UP(vm.brk, PAGE_SIZE), new_end;
	struct vma tmpl;
	int err = 0;

	if (addr < vm.brk_start || addr >= USER_HI)
		return vm.brk;	/* Linux: the current break when the request fails */
	new_end = ALIGN_UP(addr, PAGE_SIZE);
	if (new_end > old_end) {
		__builtin_memset(&tmpl, 0, sizeof(tmpl));
		tmpl.start = old_end;
		tmpl.end = new_end;
		tmpl.prot = VMA_PROT_READ | VMA_PROT_WRITE;
		tmpl.flags = VMA_ANON | VMA_HEAP;
		tmpl.name = "[heap]";
		if (!vma_range_free(&vm.tree, old_end, new_end) ||
		    !vma_insert(&vm.tree, &tmpl, &nodes, &err))
			return vm.brk;
	} else if (new_end < old_end) {
		vma_remove_range(&vm.tree, new_end, old_end, &nodes, removed, NULL);
	}
	vm.brk = addr;
	return vm.brk;
}

uint64_t vm_brk(uint64_t addr)
{
	uint64_t r;

	vm_lock();
	r = brk_locked(addr);
	vm_unlock();
	return r;
}

static int stack_init_locked(uint64_t top, uint64_t max_size, uint64_t populated)
{
	struct vma tmpl;
	int err = 0;

	/* The loader mapped the top (uvm_map names it "[stack]"); the rest appears on first touch. */
	__builtin_memset(&tmpl, 0, sizeof(tmpl));
	tmpl.start = top - max_size;
	tmpl.end = top - populated;
	tmpl.prot = VMA_PROT_READ | VMA_PROT_WRITE;
	tmpl.flags = VMA_ANON | VMA_STACK;
	tmpl.name = "[stack]";
	if (!vma_insert(&vm.tree, &tmpl, &nodes, &err))
		return err ? err : -ENOMEM;
	/* A guard gap nothing may be mapped into: touching it is a reported stack overflow. */
	tmpl.end = tmpl.start;
	tmpl.start -= STACK_GUARD;
	tmpl.prot = 0;
	tmpl.flags = VMA_GUARD;
	tmpl.name = "[stack guard]";
	if (!vma_insert(&vm.tree, &tmpl, &nodes, &err))
		return err ? err : -ENOMEM;
	vm.mmap_base = tmpl.start;
	return 0;
}

int vm_stack_init(uint64_t top, uint64_t max_size, uint64_t populated)
{
	int r;

	vm_lock();
	r = stack_init_locked(top, max_size, populated);
	vm_unlock();
	return r;
}

static int fault_locked(uint64_t addr, uint64_t error, bool can_sleep, const char **why)
{
	struct vma *v = addr >= USER_LO && addr < USER_HI ? vma_find(&vm.tree, addr) : NULL;
	bool write = error & 2, exec = error & 0x10, present = error & 1;
	int r;

	if (!v) {
		*why = write ? "write of unmapped memory" : exec ? "execute of unmapped memory"
							 : "read of unmapped memory";
		return -EFAULT;
	}
	if (v->flags & VMA_GUARD) {
		*why = "in the stack guard gap: stack overflow";
		return -EFAULT;
	}
	if (!(v->prot & (VMA_PROT_READ | VMA_PROT_WRITE | VMA_PROT_EXEC))) {
		*why = "access to PROT_NONE memory";
		return -EFAULT;
	}
	if (write && !(v->prot & VMA_PROT_WRITE)) {
		*why = "write to read-only memory";
		return -EFAULT;
	}
	if (exec && !(v->prot & VMA_PROT_EXEC)) {
		*why = "execute of non-executable memory";
		return -EFAULT;
	}
	if (present)
		return 0;	/* allowed by the mapping: a stale entry another path already fixed */
	if (!can_sleep && (v->flags & VMA_FILE)) {
		*why = "in a file mapping, with interrupts off (the pager may sleep)";
		return -EFAULT;
	}
	r = fault_in(v, addr, false);
	if (r == -ENOMEM)
		*why = "with no memory left to back it";
	else if (r)
		*why = "that the file's pager could not supply";
	return r;
}

/*
 * The application's faults arrive with interrupts on (arch/x86_64/traps.c)
 * and may sleep on the lock. A fault in kernel code that runs with
 * interrupts off or holds a spinlock (a futex word read under its queue's
 * lock) must not sleep: it only tries the lock, and a busy lock, like a
 * file page (its pager may sleep), makes the access fail with -EFAULT,
 * which such callers handle.
 */
int vm_fault(uint64_t addr, uint64_t error, const char **why)
{
	struct thread *self = thread_current();
	bool can_sleep = irqs_enabled() && (!self || self->preempt_count == 0);
	int r;

	if (self && mutex_owner(&vm.lock) == self) {
		*why = "inside the address-space code itself";	/* a kernel bug: report it, do not deadlock */
		return -EFAULT;
	}
	if (can_sleep) {
		vm_lock();
	} else if (mutex_trylock(&vm.lock)) {
		*why = "while the address space was busy, with interrupts off";
		return -EFAULT;
	}
	r = fault_locked(addr, error, can_sleep, why);
	vm_unlock();
	return r;
}

size_t vm_format_maps(char *buf, size_t size)
{
	size_t n;

	vm_lock();
	n = vma_format_maps(&vm.tree, buf, size);
	vm_unlock();
	return n;
}

/* For fault reports, maybe with interrupts off: a busy lock is not waited for (the process ends anyway). */
void vm_print_maps(void)
{
	static char buf[4096];
	bool locked = mutex_trylock(&vm.lock) == 0;
	size_t n = vma_format_maps(&vm.tree, buf, sizeof(buf));

	if (locked)
		vm_unlock();
	printk("%s%s", buf, n >= sizeof(buf) ? "...\n" : "");
}

void vm_get_stats(struct vm_stats *s)
{
	s->total = page_alloc_total_bytes();
	s->free = page_alloc_free_bytes();
	s->kernel_heap = heap_page_count() * PAGE_SIZE;
	s->page_tables = mem_page_table_bytes();
	s->anon = vm.anon;
	s->file = vm.file;
}

/* The loader's interface (kernel/uvm.h), on the same address space. */
static int uvm_map_locked(vaddr_t va, size_t len, int prot)
{
	long r;

	if (!range_ok(va, len))
		return -EINVAL;
	/*
	 * Final protection at once: the loader writes through uvm_write_begin().
	 * The mapping that ends at the top of user space is the main stack.
	 */
	if (va + len == USER_HI && prot == (VMA_PROT_READ | VMA_PROT_WRITE)) {
		struct vma tmpl, *v;
		int err = 0;

		__builtin_memset(&tmpl, 0, sizeof(tmpl));
		tmpl.start = va;
		tmpl.end = va + len;
		tmpl.prot = (uint32_t)prot;
		tmpl.flags = VMA_ANON | VMA_STACK;
		tmpl.name = "[stack]";
		v = vma_insert(&vm.tree, &tmpl, &nodes, &err);
		if (!v)
			return err ? err : -ENOMEM;
		return populate(v, va, va + len);
	}
	r = mmap_locked(va, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_POPULATE,
			NULL, 0, NULL);
	return r < 0 ? (int)r : 0;
}

int uvm_map(vaddr_t va, size_t len, int prot)
{
	int r;

	vm_lock();
	r = uvm_map_locked(va, len, prot);
	vm_unlock();
	return r;
}

uint64_t uvm_write_begin(void)
{
	uint64_t flags = irq_save();

	/* CR0.WP off lets the kernel fill read-only pages; nothing else runs meanwhile. */
	write_cr0(read_cr0() & ~CR0_WP);
	return flags;
}

void uvm_write_end(uint64_t flags)
{
	write_cr0(read_cr0() | CR0_WP);
	irq_restore(flags);
}
