/* SPDX-License-Identifier: BSD-2-Clause */
/* eventfd: a 64-bit counter as a file, for wait and notify between threads (eventfd(2)). */
#ifndef FS_EVENTFD_H
#define FS_EVENTFD_H

#include <mote/types.h>

struct file;

/* eventfd(2) flags (Linux include/linux/eventfd.h: O_CLOEXEC and O_NONBLOCK's values). */
#define EFD_SEMAPHORE		1
#define EFD_NONBLOCK		00004000
#define EFD_CLOEXEC		02000000

/*
 * A new eventfd with counter initval; flags EFD_SEMAPHORE and
 * EFD_NONBLOCK act here (EFD_CLOEXEC is the fd table's). One reference,
 * or -ENOMEM / -EINVAL for other flags.
 */
int eventfd_create(unsigned int initval, unsigned int flags, struct file **out);

#endif
