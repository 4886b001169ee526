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
/* MXCSR bits the CPU accepts (SDM vol. 1, 11.6.6): FXSAVE's MXCSR_MASK, 0xffbf when it reports none. */
static uint32_t mxcsr_mask = 0xffbf;

/* Offsets in the FXSAVE/XSAVE area (SDM vol. 1, 10.5.1 and 13.4). */
#define FX_FCW		0
#define FX_MXCSR	24
#define FX_MXCSR_MASK	28
#define XSAVE_HEADER	512
#define XSAVE_HEADER_SIZE 64

static void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" :: "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

void fpu_init(void)
{
	static uint8_t fx[512] __attribute__((aligned(16)));
	uint32_t a, b, c, d, mask;

	__asm__ volatile("fninit");
	__asm__ volatile("fxsave64 (%0)" :: "r"(fx) : "memory");
	__builtin_memcpy(&mask, fx + FX_MXCSR_MASK, sizeof(mask));
	if (mask)
		mxcsr_mask = mask;
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

bool fpu_xsave_format(void)
{
	return fpu_method_used != FPU_FXSAVE;
}

void fpu_save_signal(void *area)
{
	uint32_t lo = (uint32_t)fpu_xcr0, hi = (uint32_t)(fpu_xcr0 >> 32);

	/*
	 * Plain XSAVE, not XSAVEOPT: this area is not the one the thread's
	 * state was last restored from, and every enabled component is written
	 * whole (SDM vol. 1, 13.7). The header's other bytes stay as the caller
	 * left them (zero).
	 */
	if (fpu_method_used != FPU_FXSAVE)
		__asm__ volatile("xsave64 (%0)" :: "r"(area), "a"(lo), "d"(hi) : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" :: "r"(area) : "memory");
}

void fpu_load_init(void)
{
	/*
	 * With XSTATE_BV = 0 in the header XRSTOR puts every component in its
	 * initial state and reads no component's area, only MXCSR (SDM vol. 1,
	 * 13.8): the legacy region and header are all this needs.
	 */
	static uint8_t area[XSAVE_HEADER + XSAVE_HEADER_SIZE] __attribute__((aligned(FPU_STATE_ALIGN)));
	uint16_t fcw = 0x037f;
	uint32_t mxcsr = 0x1f80;

	__builtin_memset(area, 0, sizeof(area));
	__builtin_memcpy(area + FX_FCW, &fcw, sizeof(fcw));
	__builtin_memcpy(area + FX_MXCSR, &mxcsr, sizeof(mxcsr));
	fpu_restore(area);
}

void fpu_sanitize(void *area)
{
	uint8_t *a = area;
	uint32_t mxcsr;
	uint64_t bv;

	/* A reserved MXCSR bit makes FXRSTOR and XRSTOR fault (#GP). */
	__builtin_memcpy(&mxcsr, a + FX_MXCSR, sizeof(mxcsr));
	mxcsr &= mxcsr_mask;
	__builtin_memcpy(a + FX_MXCSR, &mxcsr, sizeof(mxcsr));
	if (fpu_method_used == FPU_FXSAVE)
		return;
	/*
	 * XRSTOR's standard form faults on an XSTATE_BV bit outside XCR0 and on
	 * anything but zero in the rest of the header (SDM vol. 1, 13.8.1).
	 */
	__builtin_memcpy(&bv, a + XSAVE_HEADER, sizeof(bv));
	bv &= fpu_xcr0;
	__builtin_memset(a + XSAVE_HEADER, 0, XSAVE_HEADER_SIZE);
	__builtin_memcpy(a + XSAVE_HEADER, &bv, sizeof(bv));
}
