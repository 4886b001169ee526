/* SPDX-License-Identifier: BSD-2-Clause */
/* Syscall MSRs: `syscall` in ring 0 lands at this CPU's entry stub on the kernel's own selectors; the slow exit. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/layout.h"
#include "arch/x86_64/syscall.h"
#include "arch/x86_64/trap.h"

extern char syscall_entry_cpu0[];

void arch_syscall_init(void)
{
	/* AMD64 APM vol. 2, 6.1.1: CS = STAR[47:32], SS = STAR[47:32] + 8 on entry. */
	wrmsr(MSR_STAR, (uint64_t)SEL_KCODE << 32);
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry_cpu0);
	wrmsr(MSR_FMASK, RFLAGS_IF | (1u << 10) /* DF */ | (1u << 8) /* TF */ | (1u << 18) /* AC */);
}

__noreturn void syscall_exit_work(struct syscall_frame *f, long ret);

/*
 * The exit of a call while there is signal work (syscall_entry.S): its frame, callee-saved registers included, becomes a
 * trap frame with the registers `syscall` and sysret leave (rcx = rip,
 * r11 = rflags), for the hook to change and iretq to load.
 */
__noreturn void syscall_exit_work(struct syscall_frame *f, long ret)
{
	struct trap_frame tf = {
		.r15 = f->r15, .r14 = f->r14, .r13 = f->r13, .r12 = f->r12,
		.r11 = f->rflags, .r10 = f->r10, .r9 = f->r9, .r8 = f->r8,
		.rbp = f->rbp, .rdi = f->rdi, .rsi = f->rsi, .rdx = f->rdx,
		.rcx = f->rip, .rbx = f->rbx, .rax = (uint64_t)ret,
		.rip = f->rip, .cs = SEL_KCODE, .rflags = f->rflags, .rsp = f->rsp, .ss = SEL_KDATA,
	};

	trap_return_to_user(&tf, (long)f->rax);
}
