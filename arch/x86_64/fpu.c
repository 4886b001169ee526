/* SPDX-License-Identifier: BSD-2-Clause */
/* XSAVE-based vector state with only x87, SSE and AVX enabled; FXSAVE where the CPU lacks XSAVE. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "kernel/log.h"

/* Intel SDM vol. 1, 13.1: XCR0 state components. */
#define XCR0_X87	(1u << 0)
#define XCR0_SSE	(1u << 1)
#define XCR0_AVX	(1u << 2)

static size_t state_size = 512;
uint64_t fpu_xcr0;
enum fpu_method fpu_method_used;

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" :: "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init(void)
{
	uint32_t a, b, c, d;

	__asm__ volatile("fninit");
	if (!cpu.xsave) {
		fpu_method_used = FPU_FXSAVE;
		state_size = 512;
		return;
	}
	cpuid(0xd, 0, &a, &b, &c, &d);
	fpu_xcr0 = (XCR0_X87 | XCR0_SSE | XCR0_AVX) & a;
	xsetbv(0, fpu_xcr0);
	/* EBX: size for the components enabled in XCR0 now (SDM vol. 2A, CPUID leaf 0DH). */
	cpuid(0xd, 0, &a, &b, &c, &d);
	state_size = b;
	fpu_method_used = cpu.xsaveopt ? FPU_XSAVEOPT : FPU_XSAVE;
}

size_t fpu_state_size(void)
{
	return state_size;
}

const char *fpu_method(void)
{
	return fpu_method_used == FPU_XSAVEOPT ? "xsaveopt" : fpu_method_used == FPU_XSAVE ? "xsave" : "fxsave";
}

void fpu_init_state(void *area)
{
	uint8_t *a = area;
	uint16_t fcw = 0x037f;		/* x87 after FNINIT: all exceptions masked, 64-bit precision */
	uint32_t mxcsr = 0x1f80;	/* SSE: all exceptions masked, round to nearest */

	/*
	 * Legacy region per Intel SDM vol. 1, 10.5.1 (FXSAVE layout): FCW at 0,
	 * MXCSR at 24; every register zero. With XSAVE the header (offset 512)
	 * stays zero: XSTATE_BV = 0 makes XRSTOR load each component's initial
	 * state, and MXCSR is still taken from the area (SDM vol. 1, 13.8).
	 */
	__builtin_memset(a, 0, state_size);
	__builtin_memcpy(a, &fcw, sizeof(fcw));
	__builtin_memcpy(a + 24, &mxcsr, sizeof(mxcsr));
}
