/* SPDX-License-Identifier: BSD-2-Clause */
/* Memory syscalls: brk, mmap, munmap, mprotect, mremap, madvise on the address space (kernel/vm.c). */
#include <mote/errno.h>
#include "abi/fdtable.h"
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "fs/ramfs.h"
#include "fs/vfs.h"
#include "kernel/uvm.h"
#include "kernel/vm.h"

long sys_brk(long addr, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return (long)vm_brk((uint64_t)addr);
}

long sys_mmap(long addr, long len, long prot, long flags, long fd, long off)
{
	struct vm_pager *pager;
	struct file *f;
	long r;

	if (flags & MAP_ANONYMOUS)
		return vm_mmap((uint64_t)addr, (uint64_t)len, (int)prot, (int)flags, NULL, (uint64_t)off, NULL);
	if (off & (long)(PAGE_SIZE - 1))
		return -EINVAL;
	f = fd_get((int)fd);
	if (!f)
		return -EBADF;
	/* mmap(2): EACCES unless the file was opened for reading, and for writing when shared-writable. */
	if (!(f->mode & FILE_READ) || ((flags & MAP_SHARED) && (prot & PROT_WRITE) && !(f->mode & FILE_WRITE)))
		r = -EACCES;
	else if (!f->ops || !f->ops->mmap)
		r = -ENODEV;
	else
		r = f->ops->mmap(f, &pager);
	if (!r)
		r = vm_mmap((uint64_t)addr, (uint64_t)len, (int)prot, (int)flags, pager, (uint64_t)off,
			    f->dentry ? f->dentry->name : NULL);
	fput(f);
	return r;
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

/* msync(2) flags */
#define MS_ASYNC	1
#define MS_INVALIDATE	2
#define MS_SYNC		4

/* Shared file mappings are the file's own pages (ramfs): there is nothing to write back. */
long sys_msync(long addr, long len, long flags, long a3, long a4, long a5)
{
	(void)a3, (void)a4, (void)a5;
	if ((addr & (long)(PAGE_SIZE - 1)) || len < 0 || (flags & ~(long)(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	return vm_check_mapped((uint64_t)addr, (uint64_t)len);
}

/* Nothing is ever paged out: locking memory changes nothing, so it succeeds (mlock(2)). */
long sys_mlock(long addr, long len, long a2, long a3, long a4, long a5)
{
	(void)a2, (void)a3, (void)a4, (void)a5;
	if (len < 0)
		return -EINVAL;
	return vm_check_mapped((uint64_t)addr & ~(PAGE_SIZE - 1), (uint64_t)len + ((uint64_t)addr & (PAGE_SIZE - 1)));
}

long sys_mlockall(long flags, long a1, long a2, long a3, long a4, long a5)
{
	(void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	/* MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4 (needs one of the others) */
	if (!flags || (flags & ~7l) || flags == 4)
		return -EINVAL;
	return 0;
}

long sys_munlockall(long a0, long a1, long a2, long a3, long a4, long a5)
{
	(void)a0, (void)a1, (void)a2, (void)a3, (void)a4, (void)a5;
	return 0;
}

/* memfd_create(2) flags */
#define MFD_CLOEXEC		1u
#define MFD_ALLOW_SEALING	2u
#define MFD_NAME_MAX		249	/* NAME_MAX minus "memfd:" */

long sys_memfd_create(long uname, long flags, long a2, long a3, long a4, long a5)
{
	char name[MFD_NAME_MAX + 2];
	struct file *f;
	long r;

	(void)a2, (void)a3, (void)a4, (void)a5;
	if ((unsigned long)flags & ~(unsigned long)(MFD_CLOEXEC | MFD_ALLOW_SEALING))
		return -EINVAL;
	r = copy_string_from_user(name, (uint64_t)uname, sizeof(name));
	if (r == -ENAMETOOLONG || (r >= 0 && r > MFD_NAME_MAX))
		return -EINVAL;
	if (r < 0)
		return r;
	f = ramfs_open_anonymous(name);
	if (!f)
		return -ENOMEM;
	r = fd_install(f, 0, flags & MFD_CLOEXEC);
	if (r < 0)
		fput(f);
	return r;
}
