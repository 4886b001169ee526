/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's operating-system types on Mote: semaphores, mutexes, mailboxes and threads of the kernel. */
#ifndef NET_LWIP_ARCH_SYS_ARCH_H
#define NET_LWIP_ARCH_SYS_ARCH_H

#include "kernel/mutex.h"
#include "kernel/semaphore.h"
#include "kernel/spinlock.h"
#include "kernel/thread.h"

/* lwIP's structures embed these, so they are the kernel's own objects plus a validity flag. */
typedef struct {
	struct semaphore sem;
	bool valid;
} sys_sem_t;

typedef struct {
	struct mutex mutex;
	bool valid;
} sys_mutex_t;

/*
 * A mailbox: a ring of msg pointers. `slots` counts free places (post
 * sleeps on it), `items` filled ones (fetch sleeps on it); the spinlock
 * only orders the indices, never a sleep.
 */
typedef struct {
	void **ring;
	unsigned int size, head, tail;
	struct semaphore slots, items;
	struct spinlock lock;
	bool valid;
} sys_mbox_t;

typedef struct thread *sys_thread_t;
typedef uint64_t sys_prot_t;

#define SYS_MBOX_NULL	NULL
#define SYS_SEM_NULL	NULL

#define sys_sem_valid(s)		((s)->valid)
#define sys_sem_set_invalid(s)		((s)->valid = false)
#define sys_mutex_valid(m)		((m)->valid)
#define sys_mutex_set_invalid(m)	((m)->valid = false)
#define sys_mbox_valid(m)		((m)->valid)
#define sys_mbox_set_invalid(m)		((m)->valid = false)

#endif
