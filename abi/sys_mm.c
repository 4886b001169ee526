/* SPDX-License-Identifier: BSD-2-Clause */
/* Memory syscalls, simple form: brk and anonymous mmap as lazily populated reservations. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "abi/process.h"
#include "abi/syscall.h"
#include "arch/x86_64/layout.h"
#include "kernel/uvm.h"

/* Linux include/uapi/asm-generic/mman-common.h and mman.h */
#define MAP_SHARED		0x01
#define MAP_PRIVATE		0x02
#define MAP_TYPE		0x0f
#define MAP_FIXED		0x10
#define MAP_ANONYMOUS		0x20
#define MAP_FIXED_NOREPLACE	0x100000

long sys_brk(long addr, long a1, long a2, long a3, long a4, long a5)
{
	vaddr_t want = (vaddr_t)addr, old_end = ALIGN_UP(proc.brk, PAGE_SIZE), new_end;

	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	if (want < proc.brk_start || want >= proc.mmap_floor)
		return (long)proc.brk;		/* Linux returns the current break on failure */
	new_end = ALIGN_UP(want, PAGE_SIZE);
	if (new_end > old_end) {
		if (uvm_reserved(old_end, new_end - old_end) ||
		    uvm_reserve(old_end, new_end - old_end, PROT_READ | PROT_WRITE))
			return (long)proc.brk;
	} else if (new_end < old_end) {
		uvm_release(new_end, old_end - new_end);
	}
	proc.brk = want;
	return (long)proc.brk;
}

long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	vaddr_t va;
	size_t size;
	int r;

	(void)fd;
	if (!(flags & MAP_ANONYMOUS))
		return -ENODEV;		/* file mappings come with the VFS */
	if ((flags & MAP_TYPE) != MAP_PRIVATE && (flags & MAP_TYPE) != MAP_SHARED)
		return -EINVAL;
	if (len <= 0 || off & (long)(PAGE_SIZE - 1))
		return -EINVAL;
	size = ALIGN_UP((size_t)len, PAGE_SIZE);
	if (size > USER_TOP)
		return -ENOMEM;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		va = (vaddr_t)addr;
		if (!IS_ALIGNED(va, PAGE_SIZE) || va >= USER_TOP || size > USER_TOP - va)
			return -EINVAL;
		if (uvm_reserved(va, size)) {
			if (flags & MAP_FIXED_NOREPLACE)
				return -EEXIST;
			uvm_release(va, size);
		}
	} else {
		/* Top-down, first hole below the previous mapping (no reuse until the VMA tree). */
		if (size > proc.mmap_top - proc.mmap_floor)
			return -ENOMEM;
		va = proc.mmap_top - size;
		proc.mmap_top = va;
	}
	r = uvm_reserve(va, size, (int)prot);
	return r ? r : (long)va;
}

long sys_munmap(long addr, long len, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (!IS_ALIGNED((uint64_t)addr, PAGE_SIZE) || len <= 0)
		return -EINVAL;
	return uvm_release((vaddr_t)addr, ALIGN_UP((size_t)len, PAGE_SIZE));
}

long sys_mprotect(long addr, long len, long prot, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	if (!IS_ALIGNED((uint64_t)addr, PAGE_SIZE) || len < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	return uvm_protect((vaddr_t)addr, ALIGN_UP((size_t)len, PAGE_SIZE), (int)prot);
}
