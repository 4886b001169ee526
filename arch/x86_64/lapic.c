/* SPDX-License-Identifier: BSD-2-Clause */
/* Local APIC driver (Intel SDM vol. 3A, ch. 11): xAPIC through MMIO, x2APIC through MSRs when present. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/kva.h"
#include "kernel/log.h"

#define REG_ID		0x020
#define REG_TPR		0x080
#define REG_EOI		0x0b0
#define REG_SVR		0x0f0
#define REG_LVT_TIMER	0x320
#define REG_LVT_LINT0	0x350
#define REG_LVT_LINT1	0x360
#define REG_LVT_ERROR	0x370
#define REG_TIMER_INIT	0x380
#define REG_TIMER_CUR	0x390
#define REG_TIMER_DIV	0x3e0

#define APIC_BASE_X2APIC	(1u << 10)
#define APIC_BASE_ENABLE	(1u << 11)
#define SVR_ENABLE		(1u << 8)
#define LVT_MASKED		(1u << 16)
#define LVT_TIMER_DEADLINE	(2u << 17)
#define LVT_NMI			(4u << 8)

static volatile uint32_t *mmio;
static bool x2apic;
static bool ready;

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(0x800 + (reg >> 4), v);
	else
		mmio[reg / 4] = v;
}

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(0x800 + (reg >> 4));
	return mmio[reg / 4];
}

void lapic_init(paddr_t base)
{
	uint64_t msr = rdmsr(MSR_APIC_BASE);

	if (!base)
		base = msr & ~0xffful;
	x2apic = cpu.x2apic;
	msr |= APIC_BASE_ENABLE;
	if (x2apic)
		msr |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, msr);
	if (!x2apic) {
		mmio = ioremap(base, 4096);
		if (!mmio) {
			pr_err("cannot map the local APIC at %lx\n", base);
			return;
		}
	}
	lapic_write(REG_TPR, 0);
	lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(REG_LVT_LINT0, LVT_MASKED);
	lapic_write(REG_LVT_LINT1, LVT_NMI);
	lapic_write(REG_LVT_ERROR, LVT_MASKED);
	lapic_write(REG_TIMER_DIV, 0xb);	/* divide by 1 */
	lapic_write(REG_SVR, SVR_ENABLE | VEC_SPURIOUS);
	ready = true;
}

bool lapic_ready(void)
{
	return ready;
}

void lapic_eoi(void)
{
	if (ready)
		lapic_write(REG_EOI, 0);
}

uint32_t lapic_id(void)
{
	if (!ready)
		return 0;
	return x2apic ? lapic_read(REG_ID) : lapic_read(REG_ID) >> 24;
}

void lapic_timer_start_free(void)
{
	lapic_write(REG_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	lapic_write(REG_TIMER_INIT, 0xffffffffu);
}

uint32_t lapic_timer_current(void)
{
	return lapic_read(REG_TIMER_CUR);
}

void lapic_timer_oneshot(uint32_t ticks)
{
	lapic_write(REG_LVT_TIMER, VEC_TIMER);
	lapic_write(REG_TIMER_INIT, ticks);
}

void lapic_timer_deadline(uint64_t deadline)
{
	lapic_write(REG_LVT_TIMER, LVT_TIMER_DEADLINE | VEC_TIMER);
	wrmsr(MSR_TSC_DEADLINE, deadline);
}
