/* SPDX-License-Identifier: BSD-2-Clause */
/* The vector-state save area: contents survive a save, a clobber and a restore. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "kernel/heap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "lib/string.h"

/* The kernel is built without vector registers; only these asm statements touch them. */
static void xmm0_set(const uint8_t v[16])
{
	__asm__ volatile("movdqu (%0), %%xmm0" :: "r"(v) : "memory");
}

static void xmm0_get(uint8_t v[16])
{
	__asm__ volatile("movdqu %%xmm0, (%0)" :: "r"(v) : "memory");
}

KTEST(fpu)
{
	int failures = 0;
	size_t size = fpu_state_size();
	void *area = kmalloc_aligned(size, FPU_STATE_ALIGN), *clean = kmalloc_aligned(size, FPU_STATE_ALIGN);
	uint8_t a[16], b[16], z[16];

	printk("ktest: FPU state %zu bytes with %s, AVX %s\n", size, fpu_method(),
	       cpu.avx ? "on" : "absent");
	KCHECK(area && clean);
	if (!area || !clean)
		return failures;
	KCHECK(size >= 512);
	KCHECK(!cpu.xsave || !cpu.avx || size >= 832);	/* legacy + header + AVX upper halves */
	for (int i = 0; i < 16; i++)
		a[i] = (uint8_t)(0xa0 + i);
	fpu_init_state(area);
	xmm0_set(a);
	fpu_save(area);
	memset(b, 0x55, sizeof(b));
	xmm0_set(b);
	fpu_restore(area);
	xmm0_get(b);
	KCHECK(memcmp(a, b, 16) == 0);

	/* A clean state has xmm0 zero. */
	fpu_init_state(clean);
	fpu_restore(clean);
	xmm0_get(z);
	for (int i = 0; i < 16; i++)
		KCHECK(z[i] == 0);
	kfree(area);
	kfree(clean);
	return failures;
}
