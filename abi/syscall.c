/* SPDX-License-Identifier: BSD-2-Clause */
/* Syscall dispatch by Linux x86_64 number: -ENOSYS and one log line for anything not implemented. */
#include <mote/errno.h>
#include "abi/syscall.h"
#include "arch/x86_64/syscall.h"
#include "kernel/log.h"

#define ENTRY(name) [SYS_##name] = { sys_##name, #name }

static const struct {
	syscall_fn fn;
	const char *name;
} table[SYS_MAX] = {
	ENTRY(read),
	ENTRY(write),
	ENTRY(mmap),
	ENTRY(mprotect),
	ENTRY(munmap),
	ENTRY(brk),
	ENTRY(ioctl),
	ENTRY(writev),
	ENTRY(sched_yield),
	ENTRY(getpid),
	ENTRY(exit),
	ENTRY(uname),
	ENTRY(gettimeofday),
	[SYS_getuid] = { sys_getid0, "getuid" },
	[SYS_getgid] = { sys_getid0, "getgid" },
	[SYS_geteuid] = { sys_getid0, "geteuid" },
	[SYS_getegid] = { sys_getid0, "getegid" },
	ENTRY(getppid),
	ENTRY(arch_prctl),
	[SYS_gettid] = { sys_getpid, "gettid" },
	ENTRY(time),
	ENTRY(set_tid_address),
	ENTRY(clock_gettime),
	ENTRY(clock_getres),
	[SYS_exit_group] = { sys_exit, "exit_group" },
};

bool syscall_trace;
static uint8_t reported[SYS_MAX / 8];

const char *syscall_name(long nr)
{
	if (nr >= 0 && nr < SYS_MAX && table[nr].name)
		return table[nr].name;
	return NULL;
}

void syscall_dispatch(struct syscall_frame *f)
{
	long nr = (long)f->rax, ret;

	if (nr < 0 || nr >= SYS_MAX || !table[nr].fn) {
		if (nr >= 0 && nr < SYS_MAX && !(reported[nr / 8] & (1u << (nr % 8)))) {
			reported[nr / 8] |= (uint8_t)(1u << (nr % 8));
			pr_warn("syscall %ld is not implemented (-ENOSYS)\n", nr);
		} else if (nr < 0 || nr >= SYS_MAX) {
			pr_warn("syscall %ld is out of range (-ENOSYS)\n", nr);
		}
		f->rax = (uint64_t)-ENOSYS;
		return;
	}
	ret = table[nr].fn((long)f->rdi, (long)f->rsi, (long)f->rdx, (long)f->r10,
			   (long)f->r8, (long)f->r9);
	if (syscall_trace)
		printk("mote: strace: %s(%#lx, %#lx, %#lx, %#lx, %#lx, %#lx) = %ld\n",
		       table[nr].name, f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9, ret);
	f->rax = (uint64_t)ret;
}
