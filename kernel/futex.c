/* SPDX-License-Identifier: BSD-2-Clause */
/* Futex core: a hash table of wait queues keyed by address; waiter.data holds the waiter's bitset. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "abi/usercopy.h"
#include "arch/x86_64/layout.h"
#include "kernel/futex.h"
#include "kernel/waitq.h"

#define FUTEX_BUCKETS_SHIFT	6
#define FUTEX_BUCKETS		(1u << FUTEX_BUCKETS_SHIFT)

/* A sleeper on a futex: the word's address is the key, as the bucket holds many words. */
struct futex_waiter {
	struct waiter w;
	uintptr_t key;
};

/*
 * The buckets are set up on first use: no init call in the boot order, and
 * no 1.5 KiB of statically initialised list heads in every image.
 */
static struct waitq futex_queues[FUTEX_BUCKETS];
static bool futex_ready;

static __attribute__((noinline)) void futex_init_queues(void)
{
	static struct spinlock init_lock = SPINLOCK_INIT;
	uint64_t flags = spin_lock_irqsave(&init_lock);

	if (!futex_ready) {
		for (unsigned int i = 0; i < FUTEX_BUCKETS; i++)
			waitq_init(&futex_queues[i]);
		__atomic_store_n(&futex_ready, true, __ATOMIC_RELEASE);
	}
	spin_unlock_irqrestore(&init_lock, flags);
}

static __force_inline struct waitq *futex_queue(uintptr_t key)
{
	if (unlikely(!__atomic_load_n(&futex_ready, __ATOMIC_ACQUIRE)))
		futex_init_queues();
	/* Fibonacci hashing: words in one cache line still spread over the buckets. */
	return &futex_queues[((key >> 2) * 0x9e3779b97f4a7c15ull) >> (64 - FUTEX_BUCKETS_SHIFT)];
}

static struct futex_waiter *futex_waiter_of(struct list_node *link)
{
	return container_of(list_entry(link, struct waiter, link), struct futex_waiter, w);
}

/* Reads the futex word: kernel-half addresses directly, the application's through the fault-safe copy. */
static int futex_read(const uint32_t *uaddr, uint32_t *val)
{
	uintptr_t a = (uintptr_t)uaddr;

	if (a >= DIRECT_MAP) {
		*val = __atomic_load_n(uaddr, __ATOMIC_SEQ_CST);
		return 0;
	}
	return (int)copy_from_user(val, a, sizeof(*val));
}

static bool futex_bad_addr(const uint32_t *uaddr)
{
	return ((uintptr_t)uaddr & (sizeof(uint32_t) - 1)) != 0;
}

int futex_wait(uint32_t *uaddr, uint32_t val, uint64_t deadline_ns, uint32_t bitset)
{
	struct futex_waiter fw;
	struct waitq *wq;
	uint32_t cur;
	uint64_t flags;
	int ret;

	if (bitset == 0 || futex_bad_addr(uaddr))
		return -EINVAL;
	/* A first read outside the lock faults in an application page where it must be. */
	ret = futex_read(uaddr, &cur);
	if (ret)
		return ret;
	if (cur != val)
		return -EAGAIN;

	/*
	 * The waker changes the word and then takes this lock to wake: read
	 * the word again under it, and a change before we are queued is seen
	 * here, a change after finds us on the queue.
	 */
	wq = futex_queue((uintptr_t)uaddr);
	flags = spin_lock_irqsave(&wq->lock);
	ret = futex_read(uaddr, &cur);
	if (ret == 0 && cur != val)
		ret = -EAGAIN;
	if (ret) {
		spin_unlock_irqrestore(&wq->lock, flags);
		return ret;
	}
	fw.key = (uintptr_t)uaddr;
	/* Interruptible: a signal to take ends the wait with -EINTR (futex(2)), restarted or not by the caller. */
	ret = waitq_wait_intr_locked(wq, &fw.w, bitset, &flags, deadline_ns);
	/* Even after a requeue, waitq_wait_locked returns holding the lock of the queue we gave it. */
	spin_unlock_irqrestore(&wq->lock, flags);
	return ret;
}

int futex_wake(uint32_t *uaddr, int n, uint32_t bitset)
{
	struct waitq *wq;
	struct list_node *pos, *tmp;
	uint64_t flags;
	int woken = 0;

	if (bitset == 0 || futex_bad_addr(uaddr))
		return -EINVAL;
	if (n <= 0)
		return 0;
	wq = futex_queue((uintptr_t)uaddr);
	flags = spin_lock_irqsave(&wq->lock);
	list_for_each_safe(pos, tmp, &wq->waiters) {
		struct futex_waiter *fw = futex_waiter_of(pos);

		if (fw->key != (uintptr_t)uaddr || !(fw->w.data & bitset))
			continue;
		waitq_wake_waiter_locked(wq, &fw->w);
		if (++woken == n)
			break;
	}
	spin_unlock_irqrestore(&wq->lock, flags);
	return woken;
}

int futex_requeue(uint32_t *uaddr, int n_wake, uint32_t *uaddr2, int n_requeue,
		  const uint32_t *cmpval)
{
	struct waitq *wq1, *wq2;
	struct list_node *pos, *tmp;
	uint64_t flags;
	uint32_t cur;
	int woken = 0, moved = 0, ret = 0;

	if (futex_bad_addr(uaddr) || futex_bad_addr(uaddr2) || n_wake < 0 || n_requeue < 0)
		return -EINVAL;
	if (cmpval) {
		ret = futex_read(uaddr, &cur);
		if (ret)
			return ret;
	}

	/* Both queues locked, in address order, so two requeues in opposite directions cannot deadlock. */
	wq1 = futex_queue((uintptr_t)uaddr);
	wq2 = futex_queue((uintptr_t)uaddr2);
	flags = irq_save();
	spin_lock_raw(wq1 < wq2 ? &wq1->lock : &wq2->lock);
	if (wq1 != wq2)
		spin_lock_raw(wq1 < wq2 ? &wq2->lock : &wq1->lock);

	if (cmpval) {
		ret = futex_read(uaddr, &cur);
		if (ret == 0 && cur != *cmpval)
			ret = -EAGAIN;
	}
	if (ret == 0) {
		list_for_each_safe(pos, tmp, &wq1->waiters) {
			struct futex_waiter *fw = futex_waiter_of(pos);

			if (fw->key != (uintptr_t)uaddr)
				continue;
			if (woken < n_wake) {
				waitq_wake_waiter_locked(wq1, &fw->w);
				woken++;
			} else if (moved < n_requeue) {
				fw->key = (uintptr_t)uaddr2;
				if (wq1 != wq2) {
					/* w.wq follows, so a timeout takes it off the right queue. */
					list_remove(&fw->w.link);
					list_push_back(&wq2->waiters, &fw->w.link);
					fw->w.wq = wq2;
				}
				moved++;
			} else {
				break;
			}
		}
		ret = woken + moved;
	}

	if (wq1 != wq2)
		spin_unlock_raw(&wq2->lock);
	spin_unlock_raw(&wq1->lock);
	irq_restore(flags);
	return ret;
}
