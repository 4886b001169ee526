/* SPDX-License-Identifier: BSD-2-Clause */
/* Time: the TSC as the monotonic clock, the RTC for the wall clock, the LAPIC timer's rate. */
#ifndef KERNEL_TIME_H
#define KERNEL_TIME_H

#include <mote/types.h>

#define NSEC_PER_SEC 1000000000ull

/* Records the boot TSC and takes the frequencies from CPUID or kvmclock when they tell. */
void time_init(uint64_t tsc_boot);
/* Only records the boot TSC (for time_ticks_since_boot before time_init). */
void time_set_boot_tsc(uint64_t tsc_boot);
/* TSC ticks per second; the first call may calibrate (about 10 ms) when nothing told us. */
uint64_t time_tsc_hz(void);
/* LAPIC timer ticks per second at divide-by-1 (0 when unknown). */
uint64_t time_lapic_hz(void);
/* Where the frequencies came from, for the boot log and tests. */
const char *time_source(void);

uint64_t time_monotonic_ns(void);
uint64_t time_realtime_ns(void);
/* Whether the clocks are calibrated: reading one before costs the calibration (~10 ms on some VMMs). */
bool time_calibrated(void);
uint64_t tsc_to_ns(uint64_t ticks);
uint64_t ns_to_tsc(uint64_t ns);
/*
 * Arms the one-shot timer (VEC_TIMER) for the monotonic time deadline_ns:
 * TSC-deadline mode where the CPU has it, else the LAPIC count (long waits
 * fire early at the count's limit; the handler re-arms). Returns the mode.
 */
const char *time_timer_arm(uint64_t deadline_ns);

/* TSC ticks since the kernel's first instruction. */
uint64_t time_ticks_since_boot(void);

#endif
