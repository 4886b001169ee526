/* SPDX-License-Identifier: BSD-2-Clause */
/* The futex core for the syscall layer: sleep on a 32-bit word's address, wake and requeue by address. */
#ifndef KERNEL_FUTEX_H
#define KERNEL_FUTEX_H

#include <mote/types.h>

/* FUTEX_BITSET_MATCH_ANY: a waiter or wake that matches every other. */
#define FUTEX_BITSET_ANY	0xffffffffu

/*
 * Addresses in the kernel half are read directly; lower-half addresses are
 * the application's and are read through copy_from_user (-EFAULT when
 * unmapped). One address space, so the address alone is the key.
 */

/*
 * Sleeps while *uaddr == val, until a futex_wake whose bitset shares a bit
 * with ours, or until the monotonic time deadline_ns (0: never). The
 * comparison and the queueing are atomic with respect to wakers.
 * 0 when woken, -EAGAIN when *uaddr != val, -ETIMEDOUT, -EINVAL (bitset 0
 * or uaddr not 4-byte aligned), -EFAULT.
 */
int futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline_ns, uint32_t bitset);
/* Wakes up to n (<= 0: none) waiters on uaddr whose bitset shares a bit with `bitset`: how many, or -EINVAL. */
int futex_wake(uint32_t *uaddr, int n, uint32_t bitset);
/*
 * Wakes up to n_wake waiters on uaddr and moves up to n_requeue more to
 * uaddr2, returning their total. With cmpval (FUTEX_CMP_REQUEUE), first
 * checks *uaddr == *cmpval under the queue locks: -EAGAIN if not. Also
 * -EINVAL (misaligned, negative counts), -EFAULT.
 */
int futex_requeue(uint32_t *uaddr, int n_wake, uint32_t *uaddr2, int n_requeue,
		  const uint32_t *cmpval);

#endif
