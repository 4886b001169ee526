/* SPDX-License-Identifier: BSD-2-Clause */
/* Local APIC: end of interrupt and the one-shot timer (xAPIC MMIO or x2APIC MSRs). */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <mote/types.h>

void lapic_init(paddr_t base);
void lapic_eoi(void);
uint32_t lapic_id(void);
bool lapic_ready(void);

/* Free-running count of the timer at divide-by-1, for calibration: starts it at its maximum. */
void lapic_timer_start_free(void);
uint32_t lapic_timer_current(void);

/* Fires VEC_TIMER once, `ticks` timer ticks from now (0 cancels). */
void lapic_timer_oneshot(uint32_t ticks);
/* Fires VEC_TIMER when the TSC reaches `deadline` (TSC-deadline mode; only if cpu.tsc_deadline). */
void lapic_timer_deadline(uint64_t deadline);

#endif
