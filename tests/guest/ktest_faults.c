/* SPDX-License-Identifier: BSD-2-Clause */
/* Deliberate kernel faults: each must be reported with the right vector, address and symbol, then stop the VM. */
#include "arch/x86_64/cpu.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/panic.h"

#define UNMAPPED_KERNEL_ADDR 0xffffc9ffdead0000ul

extern bool trap_test_fault_in_handler;

/* noinline: the report must name this function. */
static __attribute__((noinline)) void fault_pf_here(void)
{
	*(volatile uint64_t *)UNMAPPED_KERNEL_ADDR = 42;
}

KTEST(fault_pf)
{
	fault_pf_here();
	return 1;	/* not reached: the fault stops the VM */
}

static __attribute__((noinline)) void fault_ud_here(void)
{
	__asm__ volatile("ud2");
}

KTEST(fault_ud)
{
	fault_ud_here();
	return 1;
}

static __attribute__((noinline)) void fault_gp_here(void)
{
	/* A non-canonical address: #GP, not #PF (Intel SDM vol. 3A, 6.15). */
	(void)*(volatile uint64_t *)0x8000000000000000ul;
}

KTEST(fault_gp)
{
	fault_gp_here();
	return 1;
}

KTEST(fault_in_handler)
{
	trap_test_fault_in_handler = true;
	__asm__ volatile("ud2");
	return 1;
}

static volatile int depth_limit = 1 << 30;

static __attribute__((noinline)) int recurse(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n > depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

KTEST(stack_overflow)
{
	return recurse(0);
}

static volatile int never;

KTEST(panic)
{
	if (!never)
		panic("deliberate panic from ktest %d", 7);
	return 1;
}
