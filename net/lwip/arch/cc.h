/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's compiler and platform glue for the Mote kernel: types, formats, diagnostics, randomness. */
#ifndef NET_LWIP_ARCH_CC_H
#define NET_LWIP_ARCH_CC_H

#include <mote/types.h>
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/random.h"

/* The kernel is freestanding: no inttypes.h, unistd.h or ctype.h (lwIP has its own ctype); gcc's limits.h wants a libc's. */
#define LWIP_NO_LIMITS_H	1
#define LWIP_NO_INTTYPES_H	1
#define LWIP_NO_UNISTD_H	1
#define LWIP_NO_CTYPE_H		1
#define SSIZE_MAX		INT64_MAX	/* mote/types.h has ssize_t already */
#define X8_F	"02x"
#define U16_F	"u"
#define S16_F	"d"
#define X16_F	"x"
#define U32_F	"u"
#define S32_F	"d"
#define X32_F	"x"
#define SZT_F	"zu"

#define LWIP_PLATFORM_DIAG(x)	do { printk x; } while (0)
/* lwIP's asserts guard its own invariants, never input: a failed one is a kernel bug. */
#define LWIP_PLATFORM_ASSERT(x)	panic("lwIP: %s (%s:%d)", x, __FILE__, __LINE__)

/* DNS query ids and source ports, TCP initial sequence numbers: from the kernel CSPRNG. */
#define LWIP_RAND()		((u32_t)random_u64())

void *lwip_port_calloc(size_t n, size_t size);

#endif
