/* SPDX-License-Identifier: BSD-2-Clause */
/* Range-checked, fault-safe copies between the kernel and application memory (DESIGN.md, Ring 0 rules). */
#ifndef ABI_USERCOPY_H
#define ABI_USERCOPY_H

#include <mote/types.h>

/* 0 or -EFAULT: the range leaves the lower half or touches an unmapped or read-only page. */
long copy_from_user(void *dst, uint64_t usrc, size_t n);
long copy_to_user(uint64_t udst, const void *src, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes: its length, -EFAULT or -ENAMETOOLONG. */
long copy_string_from_user(char *dst, uint64_t usrc, size_t max);
/* The same, but a longer string is cut to max-1 bytes (prctl names, strace): its length or -EFAULT. */
long copy_string_from_user_cut(char *dst, uint64_t usrc, size_t max);

#endif
