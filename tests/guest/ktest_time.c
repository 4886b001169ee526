/* SPDX-License-Identifier: BSD-2-Clause */
/* Clocks in a booted guest: the LAPIC one-shot timer against the TSC, and the TSC against the CMOS RTC. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "plat/plat.h"

static volatile int fired;
static volatile uint64_t fired_ns;

static void on_timer(struct trap_frame *tf, void *arg)
{
	(void)tf, (void)arg;
	fired_ns = time_monotonic_ns();
	fired = 1;
}

/* Waits for the RTC's seconds to change; returns the new value and the TSC time of the edge. */
static uint64_t rtc_edge(uint64_t *at_ns)
{
	uint64_t s0 = plat_rtc_seconds(), s;

	while ((s = plat_rtc_seconds()) == s0)
		cpu_relax();
	*at_ns = time_monotonic_ns();
	return s;
}

/*
 * Tolerances fit TCG, whose guest clocks follow a loaded host: the timer must
 * never fire early, and may be late by a quarter of a second.
 */
KTEST(timer)
{
	int failures = 0;
	const uint64_t wait_ns = 1500 * 1000000ull;
	uint64_t lapic_hz = time_lapic_hz(), e0_ns, e1_ns, armed, s0, s1;

	printk("ktest: TSC %lu Hz, LAPIC timer %lu Hz, from %s\n", time_tsc_hz(), lapic_hz,
	       time_source());
	KCHECK(time_tsc_hz() > 100000000ull);	/* above 100 MHz on anything we run on */
	KCHECK(lapic_hz > 1000000ull);
	if (failures)
		return failures;
	KCHECK(plat_rtc_seconds() > 1600000000ull);	/* the RTC says 2020 or later */
	/* The wall clock follows the RTC (to its one-second resolution). */
	{
		uint64_t rtc = plat_rtc_seconds(), wall = time_realtime_ns() / NSEC_PER_SEC;

		KCHECK(wall + 1 >= rtc && wall <= rtc + 1);
	}

	trap_set_handler(VEC_TIMER, on_timer, NULL);
	s0 = rtc_edge(&e0_ns);
	armed = time_monotonic_ns();
	printk("ktest: timer mode %s\n", time_timer_arm(armed + wait_ns));
	irq_enable();
	while (!fired)
		cpu_halt();
	irq_disable();
	printk("ktest: one-shot of %lu ms fired after %lu us\n", wait_ns / 1000000,
	       (fired_ns - armed) / 1000);
	KCHECK(fired_ns - armed >= wait_ns - wait_ns / 100);	/* not early (1% for calibration) */
	KCHECK(fired_ns - armed <= wait_ns + 250000000ull);

	/* The RTC and the TSC agree over the seconds that passed. */
	s1 = rtc_edge(&e1_ns);
	printk("ktest: RTC advanced %lu s while the TSC measured %lu us\n", s1 - s0,
	       (e1_ns - e0_ns) / 1000);
	KCHECK(s1 - s0 >= 1);
	KCHECK(e1_ns - e0_ns + 250000000ull >= (s1 - s0) * NSEC_PER_SEC);
	KCHECK(e1_ns - e0_ns <= (s1 - s0) * NSEC_PER_SEC + 250000000ull);
	return failures;
}
