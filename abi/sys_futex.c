/* SPDX-License-Identifier: BSD-2-Clause */
/* futex(2) on the kernel's futex core: wait, wake, requeue, bitsets and timeouts; -ENOSYS for the PI operations. */
#include <mote/errno.h>
#include "abi/syscall.h"
#include "abi/timespec.h"
#include "arch/x86_64/layout.h"
#include "kernel/futex.h"
#include "kernel/log.h"

/* Linux include/uapi/linux/futex.h */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256

/*
 * One address space: every futex is private, and the PRIVATE flag changes
 * nothing. The timeout is relative for FUTEX_WAIT and absolute for
 * FUTEX_WAIT_BITSET (on CLOCK_MONOTONIC, or CLOCK_REALTIME with that flag,
 * which Linux allows only there: -ENOSYS elsewhere). The value argument
 * counts as Linux counts it: a wake of 0 or fewer still wakes one. The
 * core also serves kernel words, read directly: the application's must be
 * in the lower half (-EFAULT otherwise).
 */
long sys_futex(long uaddr, long op, long val, long timeout, long uaddr2, long val3)
{
	uint32_t *word = (uint32_t *)uaddr, cmp = (uint32_t)val3;
	int cmd = (int)(op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME));
	uint32_t bitset = FUTEX_BITSET_ANY;
	uint64_t deadline = 0, ns;
	static bool said;
	long r;

	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	if ((uint64_t)uaddr >= USER_TOP - 3)
		return -EFAULT;
	switch (cmd) {
	case FUTEX_WAIT_BITSET:
		bitset = (uint32_t)val3;
		/* fall through */
	case FUTEX_WAIT:
		if (timeout) {
			r = timespec_read((uint64_t)timeout, &ns);
			if (r)
				return r;
			deadline = timespec_deadline(op & FUTEX_CLOCK_REALTIME ? CLOCK_REALTIME : CLOCK_MONOTONIC,
						     cmd == FUTEX_WAIT_BITSET, ns);
		}
		return futex_wait(word, (uint32_t)val, deadline, bitset);
	case FUTEX_WAKE_BITSET:
		bitset = (uint32_t)val3;
		/* fall through */
	case FUTEX_WAKE:
		return futex_wake(word, (int)val > 0 ? (int)val : 1, bitset);
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		if ((uint64_t)uaddr2 >= USER_TOP - 3)
			return -EFAULT;
		/* The fourth argument is the requeue count here, not a timeout. */
		return futex_requeue(word, (int)val, (uint32_t *)uaddr2, (int)timeout,
				     cmd == FUTEX_CMP_REQUEUE ? &cmp : NULL);
	}
	/* FUTEX_WAKE_OP, the priority-inheritance operations (6-8, 11-13) and FUTEX_FD. */
	if (!said) {
		said = true;
		pr_warn("futex operation %d is not supported (-ENOSYS)\n", cmd);
	}
	return -ENOSYS;
}
