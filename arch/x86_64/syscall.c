/* SPDX-License-Identifier: BSD-2-Clause */
/* Syscall MSRs: `syscall` in ring 0 lands at this CPU's entry stub on the kernel's own selectors. */
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
