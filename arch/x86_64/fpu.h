/* SPDX-License-Identifier: BSD-2-Clause */
/* Application vector state (x87, SSE, AVX): enabled once, saved and restored per thread. */
#ifndef ARCH_X86_64_FPU_H
#define ARCH_X86_64_FPU_H

#include <mote/types.h>

#define FPU_STATE_ALIGN 64

void fpu_init(void);
/* Bytes of one saved state: read from CPUID after XCR0 is set (512 with FXSAVE). */
size_t fpu_state_size(void);
const char *fpu_method(void);
enum fpu_method { FPU_FXSAVE, FPU_XSAVE, FPU_XSAVEOPT };
extern enum fpu_method fpu_method_used;
extern uint64_t fpu_xcr0;

/*
 * Inline: they sit on every thread switch. area: FPU_STATE_ALIGN-aligned,
 * first filled by fpu_init_state() (XRSTOR needs a valid header).
 */
static inline void fpu_save(void *area)
{
	uint32_t lo = (uint32_t)fpu_xcr0, hi = (uint32_t)(fpu_xcr0 >> 32);

	if (fpu_method_used == FPU_XSAVEOPT)
		__asm__ volatile("xsaveopt64 (%0)" :: "r"(area), "a"(lo), "d"(hi) : "memory");
	else if (fpu_method_used == FPU_XSAVE)
		__asm__ volatile("xsave64 (%0)" :: "r"(area), "a"(lo), "d"(hi) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" :: "r"(area) : "memory");
}

static inline void fpu_restore(const void *area)
{
	uint32_t lo = (uint32_t)fpu_xcr0, hi = (uint32_t)(fpu_xcr0 >> 32);

	if (fpu_method_used != FPU_FXSAVE)
		__asm__ volatile("xrstor64 (%0)" :: "r"(area), "a"(lo), "d"(hi) : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" :: "r"(area) : "memory");
}
/* A clean state (as after execve) to give new threads. */
void fpu_init_state(void *area);

/*
 * Signal frames (abi/sys_signal.c) carry the application's state in the
 * standard layout Linux uses: an XSAVE area of fpu_state_size() bytes, or
 * the 512-byte FXSAVE one without XSAVE.
 */
bool fpu_xsave_format(void);
/* The live state into area (FPU_STATE_ALIGN-aligned, zeroed by the caller). */
void fpu_save_signal(void *area);
/* Loads the initial state: what a signal handler starts with, as on Linux. */
void fpu_load_init(void);
/* Makes a state that came from application memory safe to restore (no fault on reserved bits). */
void fpu_sanitize(void *area);

#endif
