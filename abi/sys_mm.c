/* SPDX-License-Identifier: BSD-2-Clause */
/* Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise on the address space (kernel/vm.c). */
#include <mote/errno.h>
#include "abi/syscall.h"
#include "kernel/vm.h"

long sys_brk(long addr, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return (long)vm_brk((uint64_t)addr);
}

long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	if (!(flags & MAP_ANONYMOUS)) {
		(void)fd;
		return -ENODEV;		/* file mappings come with the VFS (struct vm_pager) */
	}
	return vm_mmap((uint64_t)addr, (uint64_t)len, (int)prot, (int)flags, NULL, (uint64_t)off, NULL);
}

long sys_munmap(long addr, long len, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	return vm_munmap((uint64_t)addr, (uint64_t)len);
}

long sys_mprotect(long addr, long len, long prot, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return vm_mprotect((uint64_t)addr, (uint64_t)len, (int)prot);
}

long sys_mremap(long old_addr, long old_len, long new_len, long flags, long new_addr, long a5)
{
	(void)a5;
	return vm_mremap((uint64_t)old_addr, (uint64_t)old_len, (uint64_t)new_len, (int)flags,
			 (uint64_t)new_addr);
}

long sys_madvise(long addr, long len, long advice, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	return vm_madvise((uint64_t)addr, (uint64_t)len, (int)advice);
}
