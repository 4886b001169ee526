/* SPDX-License-Identifier: BSD-2-Clause */
/* lwIP's sys_arch on Mote: semaphores, mutexes, mailboxes, threads and the clock from the kernel's primitives. */
#include <mote/errno.h>
#include "kernel/heap.h"
#include "kernel/time.h"
#include "lib/string.h"
#include "lwip/sys.h"

#define NS_PER_MS	1000000ull

/* lwIP's timeouts are in ms, 0 meaning forever; the kernel's waits take an absolute deadline, 0 meaning forever. */
static uint64_t deadline_of(u32_t timeout_ms)
{
	return timeout_ms ? time_monotonic_ns() + timeout_ms * NS_PER_MS : 0;
}

static u32_t ms_since(uint64_t start_ns)
{
	return (u32_t)((time_monotonic_ns() - start_ns) / NS_PER_MS);
}

void sys_init(void)
{
}

u32_t sys_now(void)
{
	return (u32_t)(time_monotonic_ns() / NS_PER_MS);
}

void *lwip_port_calloc(size_t n, size_t size)
{
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	p = kmalloc(n * size);
	if (p)
		memset(p, 0, n * size);
	return p;
}

/*
 * lwIP's lightweight protection guards its pools (memp) and a few
 * counters, briefly and possibly from any thread: one interrupts-off
 * spinlock. Nesting is allowed by lwIP, so the lock is taken only at
 * the outermost level, tracked by the saved flags' owner.
 */
static struct spinlock prot_lock = SPINLOCK_INIT;
static struct thread *prot_owner;
static unsigned int prot_depth;

sys_prot_t sys_arch_protect(void)
{
	uint64_t flags;

	if (prot_owner == thread_current() && prot_depth) {
		prot_depth++;
		return 0;
	}
	flags = spin_lock_irqsave(&prot_lock);
	prot_owner = thread_current();
	prot_depth = 1;
	return flags;
}

void sys_arch_unprotect(sys_prot_t flags)
{
	if (--prot_depth)
		return;
	prot_owner = NULL;
	spin_unlock_irqrestore(&prot_lock, flags);
}

err_t sys_sem_new(sys_sem_t *s, u8_t count)
{
	sem_init(&s->sem, count);
	s->valid = true;
	return ERR_OK;
}

void sys_sem_free(sys_sem_t *s)
{
	s->valid = false;
}

void sys_sem_signal(sys_sem_t *s)
{
	(void)sem_up(&s->sem);
}

u32_t sys_arch_sem_wait(sys_sem_t *s, u32_t timeout_ms)
{
	uint64_t start = time_monotonic_ns();

	if (sem_down_timeout(&s->sem, deadline_of(timeout_ms)) == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	return ms_since(start);
}

err_t sys_mutex_new(sys_mutex_t *m)
{
	mutex_init(&m->mutex);
	m->valid = true;
	return ERR_OK;
}

void sys_mutex_free(sys_mutex_t *m)
{
	m->valid = false;
}

void sys_mutex_lock(sys_mutex_t *m)
{
	(void)mutex_lock(&m->mutex);
}

void sys_mutex_unlock(sys_mutex_t *m)
{
	(void)mutex_unlock(&m->mutex);
}

err_t sys_mbox_new(sys_mbox_t *mb, int size)
{
	if (size <= 0)
		size = 64;
	mb->ring = kmalloc((size_t)size * sizeof(void *));
	if (!mb->ring)
		return ERR_MEM;
	mb->size = (unsigned int)size;
	mb->head = mb->tail = 0;
	sem_init(&mb->slots, (unsigned int)size);
	sem_init(&mb->items, 0);
	spin_init(&mb->lock);
	mb->valid = true;
	return ERR_OK;
}

void sys_mbox_free(sys_mbox_t *mb)
{
	kfree(mb->ring);
	mb->ring = NULL;
	mb->valid = false;
}

/* The caller owns a free slot (it took a unit of `slots`). */
static void mbox_put(sys_mbox_t *mb, void *msg)
{
	spin_lock(&mb->lock);
	mb->ring[mb->tail] = msg;
	mb->tail = (mb->tail + 1) % mb->size;
	spin_unlock(&mb->lock);
	(void)sem_up(&mb->items);
}

/* The caller owns a filled slot (it took a unit of `items`). */
static void *mbox_take(sys_mbox_t *mb)
{
	void *msg;

	spin_lock(&mb->lock);
	msg = mb->ring[mb->head];
	mb->head = (mb->head + 1) % mb->size;
	spin_unlock(&mb->lock);
	(void)sem_up(&mb->slots);
	return msg;
}

void sys_mbox_post(sys_mbox_t *mb, void *msg)
{
	(void)sem_down(&mb->slots);
	mbox_put(mb, msg);
}

err_t sys_mbox_trypost(sys_mbox_t *mb, void *msg)
{
	if (sem_trydown(&mb->slots))
		return ERR_MEM;
	mbox_put(mb, msg);
	return ERR_OK;
}

/* Not called from interrupt handlers here (the heap is not interrupt-safe); the same as trypost. */
err_t sys_mbox_trypost_fromisr(sys_mbox_t *mb, void *msg)
{
	return sys_mbox_trypost(mb, msg);
}

u32_t sys_arch_mbox_fetch(sys_mbox_t *mb, void **msg, u32_t timeout_ms)
{
	uint64_t start = time_monotonic_ns();
	void *m;

	if (sem_down_timeout(&mb->items, deadline_of(timeout_ms)) == -ETIMEDOUT)
		return SYS_ARCH_TIMEOUT;
	m = mbox_take(mb);
	if (msg)
		*msg = m;
	return ms_since(start);
}

u32_t sys_arch_mbox_tryfetch(sys_mbox_t *mb, void **msg)
{
	void *m;

	if (sem_trydown(&mb->items))
		return SYS_MBOX_EMPTY;
	m = mbox_take(mb);
	if (msg)
		*msg = m;
	return 0;
}

struct lwip_thread_start {
	lwip_thread_fn fn;
	void *arg;
};

static void *lwip_thread_entry(void *p)
{
	struct lwip_thread_start s = *(struct lwip_thread_start *)p;

	kfree(p);
	s.fn(s.arg);
	return NULL;
}

sys_thread_t sys_thread_new(const char *name, lwip_thread_fn fn, void *arg, int stacksize, int prio)
{
	struct lwip_thread_start *s = kmalloc(sizeof(*s));
	struct thread *t;

	/* lwIP has no way to report a failure here; its threads are made once, at start. */
	if (!s)
		panic("lwIP: no memory for thread %s", name);
	s->fn = fn;
	s->arg = arg;
	t = thread_create(name, lwip_thread_entry, s, stacksize > 0 ? (size_t)stacksize : 0,
			  prio > 0 ? prio : THREAD_PRIO_DEFAULT);
	if (!t)
		panic("lwIP: cannot create thread %s", name);
	(void)thread_detach(t);
	return t;
}
