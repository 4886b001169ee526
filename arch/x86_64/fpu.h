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
/* area: FPU_STATE_ALIGN-aligned, first filled by fpu_init_state() (XRSTOR needs a valid header). */
void fpu_save(void *area);
void fpu_restore(const void *area);
/* A clean state (as after execve) to give new threads. */
void fpu_init_state(void *area);

#endif
