/* SPDX-License-Identifier: BSD-2-Clause */
/* strace=1: how a call's arguments and result are written on its trace line. */
#ifndef ABI_STRACE_H
#define ABI_STRACE_H

#include <mote/types.h>

/* Writes the decoded arguments ("AT_FDCWD, \"/tmp/a\", 0x241, 0644"): the length written. */
size_t strace_format_args(char *buf, size_t size, long nr, const uint64_t args[6]);
/* Writes the result as strace does: a value, or "-1 ENOENT". */
size_t strace_format_result(char *buf, size_t size, long nr, long ret);

#endif
