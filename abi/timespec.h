/* SPDX-License-Identifier: BSD-2-Clause */
/* Timeouts from the application: struct timespec checks and deadlines on the monotonic clock (abi/sys_time.c). */
#ifndef ABI_TIMESPEC_H
#define ABI_TIMESPEC_H

#include <mote/types.h>

/* Linux include/uapi/linux/time.h */
#define CLOCK_REALTIME		0
#define CLOCK_MONOTONIC		1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID	3
#define CLOCK_MONOTONIC_RAW	4
#define CLOCK_REALTIME_COARSE	5
#define CLOCK_MONOTONIC_COARSE	6
#define CLOCK_BOOTTIME		7

/*
 * Reads the struct timespec at uts as nanoseconds: 0, -EFAULT, or -EINVAL
 * when tv_sec < 0 or tv_nsec is outside [0, 999999999] (nanosleep(2)).
 * Beyond about 146 years it saturates (at TIMESPEC_FOREVER_NS).
 */
long timespec_read(uint64_t uts, uint64_t *ns);

/*
 * The monotonic-clock deadline for a wait: `ns` from now, or (absolute)
 * the time `ns` on clock clk (CLOCK_REALTIME as it reads now; a time
 * already past gives a deadline already past). Never 0 for a time that
 * matters, since the kernel's waits read 0 as "none"; a deadline too far
 * to arm (TIMESPEC_FOREVER_NS or more away) is 0 all the same.
 */
uint64_t timespec_deadline(long clk, bool absolute, uint64_t ns);
#define TIMESPEC_FOREVER_NS	(1ull << 62)

#endif
