/* SPDX-License-Identifier: BSD-2-Clause */
/* Synchronisation in a booted guest: mutex, semaphore, rwlock, condvar, completion, futex, misuse, benchmarks. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "kernel/completion.h"
#include "kernel/condvar.h"
#include "kernel/futex.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/mutex.h"
#include "kernel/rwlock.h"
#include "kernel/semaphore.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "lib/string.h"

#define MS (1000 * 1000ull)

/* Failures seen inside helper threads, added to the suite's count. */
static int thread_errors;

#define TCHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printk("ktest: %s:%d: check failed: %s\n",	\
			       __FILE__, __LINE__, #cond);		\
			__atomic_fetch_add(&thread_errors, 1, __ATOMIC_RELAXED); \
		}							\
	} while (0)

static struct thread *spawn(const char *name, void *(*fn)(void *), void *arg)
{
	return thread_create(name, fn, arg, 0, THREAD_PRIO_DEFAULT);
}

/* Joins t and returns its result as an int (the helpers return negative errnos that way). */
static int join_int(struct thread *t)
{
	void *ret = (void *)(intptr_t)-12345;

	if (!t || thread_join(t, &ret) != 0)
		return -12345;
	return (int)(intptr_t)ret;
}

static int take_thread_errors(void)
{
	return __atomic_exchange_n(&thread_errors, 0, __ATOMIC_RELAXED);
}

static void atomic_max(int *max, int v)
{
	int old = __atomic_load_n(max, __ATOMIC_RELAXED);

	while (v > old && !__atomic_compare_exchange_n(max, &old, v, false, __ATOMIC_RELAXED,
						       __ATOMIC_RELAXED))
		;
}

/* ---------------------------------------------------------------- mutex */

#define MUTEX_THREADS	4
#define MUTEX_ITERS	2000

static struct mutex counter_lock;
static volatile uint64_t counter;
static int contended;

static void *mutex_incrementer(void *arg)
{
	uint64_t id = (uint64_t)arg;

	for (uint64_t i = 0; i < MUTEX_ITERS; i++) {
		uint64_t v;

		TCHECK(mutex_lock(&counter_lock) == 0);
		TCHECK(mutex_owner(&counter_lock) == thread_current());
		/* Read, let the others run and find the mutex held, then write: a broken mutex loses counts. */
		v = counter;
		if ((i + id * 7) % 32 == 0) {
			sched_yield();
			if (__atomic_load_n(&counter_lock.owner, __ATOMIC_RELAXED) & MUTEX_WAITERS)
				__atomic_fetch_add(&contended, 1, __ATOMIC_RELAXED);
		}
		counter = v + 1;
		TCHECK(mutex_unlock(&counter_lock) == 0);
	}
	return NULL;
}

static struct mutex test_m;

static void *try_lock_once(void *arg)
{
	struct mutex *m = arg;
	int ret = mutex_trylock(m);

	if (ret == 0)
		TCHECK(mutex_unlock(m) == 0);
	return (void *)(intptr_t)ret;
}

/* Waits for test_m until now + arg milliseconds; unlocks when it got it. */
static void *lock_with_timeout(void *arg)
{
	uint64_t ms = (uint64_t)arg, t0 = time_monotonic_ns();
	int ret = mutex_lock_timeout(&test_m, t0 + ms * MS);
	uint64_t waited = time_monotonic_ns() - t0;

	if (ret == -ETIMEDOUT)
		TCHECK(waited >= ms * MS);
	if (ret == 0) {
		TCHECK(mutex_owner(&test_m) == thread_current());
		TCHECK(mutex_unlock(&test_m) == 0);
	}
	return (void *)(intptr_t)ret;
}

KTEST(mutex)
{
	int failures = 0;
	struct thread *t[MUTEX_THREADS], *a, *b;
	uint64_t t0;

	/* N threads x M increments under a mutex give exactly N x M. */
	mutex_init(&counter_lock);
	for (uint64_t i = 0; i < MUTEX_THREADS; i++)
		t[i] = spawn("inc", mutex_incrementer, (void *)i);
	for (int i = 0; i < MUTEX_THREADS; i++)
		KCHECK(join_int(t[i]) == 0);
	printk("ktest: counter %lu, contended %d times\n", counter, contended);
	KCHECK(counter == MUTEX_THREADS * MUTEX_ITERS);
	KCHECK(contended > 0);
	KCHECK(counter_lock.owner == 0);
	KCHECK(mutex_destroy(&counter_lock) == 0);

	/* trylock: busy while another thread (or, non-recursive, the caller) holds it. */
	mutex_init(&test_m);
	KCHECK(mutex_trylock(&test_m) == 0);
	KCHECK(mutex_owner(&test_m) == thread_current());
	KCHECK(mutex_trylock(&test_m) == -EBUSY);
	KCHECK(join_int(spawn("try", try_lock_once, &test_m)) == -EBUSY);
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(join_int(spawn("try", try_lock_once, &test_m)) == 0);
	KCHECK(!mutex_is_locked(&test_m));

	/* Timeout: a waiter gives up no earlier than its deadline and leaves the mutex intact. */
	KCHECK(mutex_lock(&test_m) == 0);
	KCHECK(join_int(spawn("timeout", lock_with_timeout, (void *)20)) == -ETIMEDOUT);
	KCHECK(mutex_owner(&test_m) == thread_current());
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(test_m.owner == 0);
	/* A deadline already passed still takes a free mutex. */
	KCHECK(mutex_lock_timeout(&test_m, 1) == 0);
	KCHECK(mutex_unlock(&test_m) == 0);

	/* One waiter times out while another keeps waiting: the latter gets the mutex handed over. */
	KCHECK(mutex_lock(&test_m) == 0);
	a = spawn("long", lock_with_timeout, (void *)5000);
	b = spawn("short", lock_with_timeout, (void *)10);
	sched_sleep_ns(40 * MS);
	KCHECK(join_int(b) == -ETIMEDOUT);
	t0 = time_monotonic_ns();
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(join_int(a) == 0);
	KCHECK(time_monotonic_ns() - t0 < 1000 * MS);
	KCHECK(test_m.owner == 0);

	/* Recursive: the owner relocks; each lock needs its unlock; others see it held throughout. */
	mutex_init_recursive(&test_m);
	KCHECK(mutex_lock(&test_m) == 0);
	KCHECK(mutex_lock(&test_m) == 0);
	KCHECK(mutex_trylock(&test_m) == 0);
	KCHECK(test_m.depth == 2);
	KCHECK(join_int(spawn("try", try_lock_once, &test_m)) == -EBUSY);
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(mutex_owner(&test_m) == thread_current());
	KCHECK(join_int(spawn("try", try_lock_once, &test_m)) == -EBUSY);
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(mutex_unlock(&test_m) == -EPERM);
	KCHECK(test_m.owner == 0 && test_m.depth == 0);
	KCHECK(join_int(spawn("try", try_lock_once, &test_m)) == 0);

	/* A recursive mutex with waiters: nested unlocks keep it, the last hands it over. */
	KCHECK(mutex_lock(&test_m) == 0);
	KCHECK(mutex_lock(&test_m) == 0);
	a = spawn("waiter", lock_with_timeout, (void *)5000);
	sched_sleep_ns(10 * MS);
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(mutex_owner(&test_m) == thread_current());
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(join_int(a) == 0);
	KCHECK(test_m.owner == 0);

#ifdef CONFIG_DEBUG
	/* Relocking a non-recursive mutex is reported instead of deadlocking. */
	mutex_init(&test_m);
	KCHECK(mutex_lock(&test_m) == 0);
	KCHECK(mutex_lock(&test_m) == -EDEADLK);
	KCHECK(mutex_lock_timeout(&test_m, time_monotonic_ns() + MS) == -EDEADLK);
	KCHECK(mutex_owner(&test_m) == thread_current());
	KCHECK(mutex_unlock(&test_m) == 0);
	KCHECK(mutex_unlock(&test_m) == -EPERM);
#endif
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- semaphore */

#define RING_SIZE	8
#define SEM_ITEMS	5000
#define SEM_PRODUCERS	2
#define SEM_CONSUMERS	2

static struct semaphore ring_free, ring_full;
static struct mutex ring_lock;
static uint32_t ring[RING_SIZE];
static unsigned int ring_head, ring_tail;
static uint8_t seen[SEM_ITEMS];
static uint64_t received_sum;
static int ring_max_fill;

static void *producer(void *arg)
{
	uint32_t first = (uint32_t)(uint64_t)arg * (SEM_ITEMS / SEM_PRODUCERS);

	for (uint32_t i = first; i < first + SEM_ITEMS / SEM_PRODUCERS; i++) {
		TCHECK(sem_down(&ring_free) == 0);
		mutex_lock(&ring_lock);
		TCHECK(ring_head - ring_tail < RING_SIZE);
		ring[ring_head++ % RING_SIZE] = i;
		atomic_max(&ring_max_fill, (int)(ring_head - ring_tail));
		mutex_unlock(&ring_lock);
		TCHECK(sem_up(&ring_full) == 0);
		if (i % 97 == 0)
			sched_yield();
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int n = 0; n < SEM_ITEMS / SEM_CONSUMERS; n++) {
		uint32_t v;

		TCHECK(sem_down(&ring_full) == 0);
		mutex_lock(&ring_lock);
		TCHECK(ring_head != ring_tail);
		v = ring[ring_tail++ % RING_SIZE];
		mutex_unlock(&ring_lock);
		TCHECK(sem_up(&ring_free) == 0);
		TCHECK(v < SEM_ITEMS);
		if (v < SEM_ITEMS)
			__atomic_fetch_add(&seen[v], 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&received_sum, v, __ATOMIC_RELAXED);
		if (n % 89 == 0)
			sched_yield();
	}
	return NULL;
}

static struct semaphore test_sem;

static void *sem_waiter(void *arg)
{
	return (void *)(intptr_t)sem_down_timeout(&test_sem, time_monotonic_ns() + (uint64_t)arg * MS);
}

KTEST(semaphore)
{
	int failures = 0, once = 0;
	struct thread *t[SEM_PRODUCERS + SEM_CONSUMERS], *a, *b;
	uint64_t t0;

	/* Producer/consumer over a bounded ring: every item arrives exactly once. */
	sem_init(&ring_free, RING_SIZE);
	sem_init(&ring_full, 0);
	mutex_init(&ring_lock);
	for (uint64_t i = 0; i < SEM_CONSUMERS; i++)
		t[i] = spawn("consumer", consumer, (void *)i);
	for (uint64_t i = 0; i < SEM_PRODUCERS; i++)
		t[SEM_CONSUMERS + i] = spawn("producer", producer, (void *)i);
	for (int i = 0; i < SEM_PRODUCERS + SEM_CONSUMERS; i++)
		KCHECK(join_int(t[i]) == 0);
	for (int i = 0; i < SEM_ITEMS; i++)
		once += seen[i] == 1;
	printk("ktest: %d of %d items seen once, sum %lu, ring filled up to %d\n", once, SEM_ITEMS,
	       received_sum, ring_max_fill);
	KCHECK(once == SEM_ITEMS);
	KCHECK(received_sum == (uint64_t)SEM_ITEMS * (SEM_ITEMS - 1) / 2);
	KCHECK(ring_head == SEM_ITEMS && ring_tail == SEM_ITEMS);
	KCHECK(ring_max_fill >= 2 && ring_max_fill <= RING_SIZE);
	KCHECK(sem_count(&ring_free) == RING_SIZE && sem_count(&ring_full) == 0);

	/* trydown, timeouts, and a unit handed to a sleeper. */
	sem_init(&test_sem, 1);
	KCHECK(sem_trydown(&test_sem) == 0);
	KCHECK(sem_trydown(&test_sem) == -EAGAIN);
	t0 = time_monotonic_ns();
	KCHECK(sem_down_timeout(&test_sem, t0 + 10 * MS) == -ETIMEDOUT);
	KCHECK(time_monotonic_ns() - t0 >= 10 * MS);
	a = spawn("long", sem_waiter, (void *)5000);
	b = spawn("short", sem_waiter, (void *)10);
	sched_sleep_ns(40 * MS);
	KCHECK(join_int(b) == -ETIMEDOUT);
	KCHECK(sem_up(&test_sem) == 0);
	KCHECK(join_int(a) == 0);
	KCHECK(sem_count(&test_sem) == 0);
	KCHECK(sem_up(&test_sem) == 0 && sem_up(&test_sem) == 0);
	KCHECK(sem_count(&test_sem) == 2);
	KCHECK(sem_down(&test_sem) == 0 && sem_trydown(&test_sem) == 0);
	KCHECK(sem_trydown(&test_sem) == -EAGAIN);
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- rwlock */

static struct rwlock rw;
static int readers_in, max_readers, writers_in, rw_violations;

static void reader_enter(void)
{
	int n = __atomic_add_fetch(&readers_in, 1, __ATOMIC_RELAXED);

	atomic_max(&max_readers, n);
	if (__atomic_load_n(&writers_in, __ATOMIC_RELAXED))
		__atomic_fetch_add(&rw_violations, 1, __ATOMIC_RELAXED);
}

static void reader_leave(void)
{
	__atomic_fetch_sub(&readers_in, 1, __ATOMIC_RELAXED);
}

static void writer_enter(void)
{
	if (__atomic_add_fetch(&writers_in, 1, __ATOMIC_RELAXED) != 1 ||
	    __atomic_load_n(&readers_in, __ATOMIC_RELAXED))
		__atomic_fetch_add(&rw_violations, 1, __ATOMIC_RELAXED);
}

static void writer_leave(void)
{
	__atomic_fetch_sub(&writers_in, 1, __ATOMIC_RELAXED);
}

/* Holds a read lock for arg milliseconds. */
static void *sleepy_reader(void *arg)
{
	TCHECK(rw_read_lock(&rw) == 0);
	reader_enter();
	sched_sleep_ns((uint64_t)arg * MS);
	reader_leave();
	TCHECK(rw_read_unlock(&rw) == 0);
	return NULL;
}

static void *busy_reader(void *arg)
{
	for (int i = 0; i < 100; i++) {
		TCHECK(rw_read_lock(&rw) == 0);
		reader_enter();
		if ((i + (int)(uint64_t)arg) % 3 == 0)
			sched_yield();
		reader_leave();
		TCHECK(rw_read_unlock(&rw) == 0);
	}
	return NULL;
}

static void *busy_writer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 50; i++) {
		TCHECK(rw_write_lock(&rw) == 0);
		writer_enter();
		if (i % 2 == 0)
			sched_yield();
		writer_leave();
		TCHECK(rw_write_unlock(&rw) == 0);
		sched_yield();
	}
	return NULL;
}

static int arrival[4];
static int narrival;

static void note_arrival(int who)
{
	arrival[__atomic_fetch_add(&narrival, 1, __ATOMIC_RELAXED) & 3] = who;
}

static void *one_writer(void *arg)
{
	TCHECK(rw_write_lock(&rw) == 0);
	writer_enter();
	note_arrival((int)(uint64_t)arg);
	sched_sleep_ns(5 * MS);
	writer_leave();
	TCHECK(rw_write_unlock(&rw) == 0);
	return NULL;
}

/* While set, one_reader keeps its read lock: a check must not depend on how fast the host runs the guest. */
static bool hold_reader;

static void *one_reader(void *arg)
{
	TCHECK(rw_read_lock(&rw) == 0);
	reader_enter();
	note_arrival((int)(uint64_t)arg);
	sched_sleep_ns(5 * MS);
	while (READ_ONCE(hold_reader))
		sched_sleep_ns(MS);
	reader_leave();
	TCHECK(rw_read_unlock(&rw) == 0);
	return NULL;
}

/* A reader that upgrades once it is the only one, then writes. */
static void *upgrading_reader(void *arg)
{
	int ret;

	(void)arg;
	TCHECK(rw_read_lock(&rw) == 0);
	ret = rw_upgrade(&rw);
	if (ret == 0) {
		writer_enter();
		note_arrival(9);
		writer_leave();
		TCHECK(rw_write_unlock(&rw) == 0);
	}
	return (void *)(intptr_t)ret;
}

KTEST(rwlock)
{
	int failures = 0;
	struct thread *t[5];

	rw_init(&rw);

	/* Readers overlap. */
	for (int i = 0; i < 3; i++)
		t[i] = spawn("reader", sleepy_reader, (void *)20);
	for (int i = 0; i < 3; i++)
		KCHECK(join_int(t[i]) == 0);
	printk("ktest: up to %d readers at once\n", max_readers);
	KCHECK(max_readers >= 2);

	/* A writer excludes everyone, in a mix of readers and writers. */
	for (uint64_t i = 0; i < 3; i++)
		t[i] = spawn("reader", busy_reader, (void *)i);
	t[3] = spawn("writer", busy_writer, NULL);
	t[4] = spawn("writer", busy_writer, NULL);
	for (int i = 0; i < 5; i++)
		KCHECK(join_int(t[i]) == 0);
	KCHECK(rw_violations == 0);
	KCHECK(rw_destroy(&rw) == 0);

	/* Upgrade waits for the other reader to leave, and then excludes readers. */
	narrival = 0;
	WRITE_ONCE(hold_reader, true);
	KCHECK(rw_read_lock(&rw) == 0);
	t[0] = spawn("reader", one_reader, (void *)1);
	for (int i = 0; i < 1000 && READ_ONCE(readers_in) != 1; i++)
		sched_sleep_ns(MS);			/* until it holds a read lock */
	KCHECK(readers_in == 1);
	KCHECK(rw_try_upgrade(&rw) == -EBUSY);
	WRITE_ONCE(hold_reader, false);			/* it leaves while we wait to upgrade */
	KCHECK(rw_upgrade(&rw) == 0);
	KCHECK(narrival == 1 && readers_in == 0);	/* it had left */
	writer_enter();
	t[1] = spawn("reader", one_reader, (void *)2);
	sched_sleep_ns(10 * MS);
	KCHECK(narrival == 1);				/* still excluded */
	writer_leave();
	KCHECK(rw_write_unlock(&rw) == 0);
	KCHECK(join_int(t[0]) == 0 && join_int(t[1]) == 0);
	KCHECK(narrival == 2);

	/* Two upgraders would wait for each other: the second gets -EDEADLK. */
	narrival = 0;
	KCHECK(rw_read_lock(&rw) == 0);
	t[0] = spawn("upgrader", upgrading_reader, NULL);
	sched_sleep_ns(5 * MS);				/* it waits in rw_upgrade */
	KCHECK(rw_upgrade(&rw) == -EDEADLK);
	KCHECK(rw_try_read_lock(&rw) == -EBUSY);	/* newcomers queue behind the upgrade */
	KCHECK(narrival == 0);
	KCHECK(rw_read_unlock(&rw) == 0);
	KCHECK(join_int(t[0]) == 0);
	KCHECK(narrival == 1 && arrival[0] == 9);

	/* Downgrade lets the queued readers in and still keeps the queued writer out. */
	narrival = 0;
	KCHECK(rw_write_lock(&rw) == 0);
	writer_enter();
	t[0] = spawn("reader", sleepy_reader, (void *)20);
	t[1] = spawn("reader", sleepy_reader, (void *)20);
	sched_sleep_ns(5 * MS);
	t[2] = spawn("writer", one_writer, (void *)3);
	sched_sleep_ns(5 * MS);
	KCHECK(readers_in == 0 && narrival == 0);
	writer_leave();
	KCHECK(rw_downgrade(&rw) == 0);
	reader_enter();
	sched_sleep_ns(5 * MS);
	KCHECK(readers_in == 3);			/* both readers and us */
	KCHECK(narrival == 0);				/* the writer still waits */
	reader_leave();
	KCHECK(rw_read_unlock(&rw) == 0);
	for (int i = 0; i < 3; i++)
		KCHECK(join_int(t[i]) == 0);
	KCHECK(narrival == 1 && arrival[0] == 3);

	/* A waiting writer is not starved: a later reader queues behind it. */
	narrival = 0;
	KCHECK(rw_read_lock(&rw) == 0);
	t[0] = spawn("writer", one_writer, (void *)1);
	sched_sleep_ns(2 * MS);
	KCHECK(rw_try_read_lock(&rw) == -EBUSY);
	t[1] = spawn("reader", one_reader, (void *)2);
	sched_sleep_ns(2 * MS);
	KCHECK(narrival == 0);
	KCHECK(rw_read_unlock(&rw) == 0);
	KCHECK(join_int(t[0]) == 0 && join_int(t[1]) == 0);
	KCHECK(narrival == 2 && arrival[0] == 1 && arrival[1] == 2);

	KCHECK(rw_violations == 0);
	KCHECK(rw_destroy(&rw) == 0);
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- condvar */

static struct mutex cv_lock;
static struct condvar cv;
static int cv_waiting, cv_woken, cv_tokens;
static bool cv_go;

static void *broadcast_waiter(void *arg)
{
	(void)arg;
	TCHECK(mutex_lock(&cv_lock) == 0);
	cv_waiting++;
	while (!cv_go)
		TCHECK(cond_wait(&cv, &cv_lock) == 0);
	TCHECK(mutex_owner(&cv_lock) == thread_current());
	cv_woken++;
	TCHECK(mutex_unlock(&cv_lock) == 0);
	return NULL;
}

/* Counts each return from cond_wait, so one signal must show as one return. */
static void *token_waiter(void *arg)
{
	(void)arg;
	TCHECK(mutex_lock(&cv_lock) == 0);
	cv_waiting++;
	while (cv_tokens == 0) {
		TCHECK(cond_wait(&cv, &cv_lock) == 0);
		cv_woken++;
	}
	cv_tokens--;
	TCHECK(mutex_unlock(&cv_lock) == 0);
	return NULL;
}

/* Waits until n helpers are inside cond_wait (they count themselves under the mutex before waiting). */
static void wait_for_waiters(int n)
{
	for (;;) {
		mutex_lock(&cv_lock);
		if (cv_waiting >= n) {
			mutex_unlock(&cv_lock);
			return;
		}
		mutex_unlock(&cv_lock);
		sched_sleep_ns(MS);
	}
}

KTEST(condvar)
{
	int failures = 0;
	struct thread *t[5];
	uint64_t t0;

	mutex_init(&cv_lock);
	cond_init(&cv);

	/* Broadcast wakes every one of five waiters. */
	for (int i = 0; i < 5; i++)
		t[i] = spawn("cv-waiter", broadcast_waiter, NULL);
	wait_for_waiters(5);
	KCHECK(cond_destroy(&cv) == -EBUSY);
	mutex_lock(&cv_lock);
	cv_go = true;
	cond_broadcast(&cv);
	mutex_unlock(&cv_lock);
	for (int i = 0; i < 5; i++)
		KCHECK(join_int(t[i]) == 0);
	KCHECK(cv_woken == 5);
	KCHECK(cond_destroy(&cv) == 0);

	/* Signal wakes one. */
	cv_waiting = cv_woken = cv_tokens = 0;
	for (int i = 0; i < 3; i++)
		t[i] = spawn("cv-token", token_waiter, NULL);
	wait_for_waiters(3);
	mutex_lock(&cv_lock);
	cv_tokens = 1;
	cond_signal(&cv);
	mutex_unlock(&cv_lock);
	sched_sleep_ns(10 * MS);
	mutex_lock(&cv_lock);
	KCHECK(cv_woken == 1 && cv_tokens == 0);
	cv_tokens = 2;
	cond_signal(&cv);
	cond_signal(&cv);
	mutex_unlock(&cv_lock);
	for (int i = 0; i < 3; i++)
		KCHECK(join_int(t[i]) == 0);
	KCHECK(cv_woken == 3 && cv_tokens == 0);

	/* A signal with nobody waiting is not remembered. */
	cond_signal(&cv);
	mutex_lock(&cv_lock);
	t0 = time_monotonic_ns();
	KCHECK(cond_wait_timeout(&cv, &cv_lock, t0 + 20 * MS) == -ETIMEDOUT);
	KCHECK(time_monotonic_ns() - t0 >= 20 * MS);
	/* Timed out, the mutex is held again. */
	KCHECK(mutex_owner(&cv_lock) == thread_current());
	KCHECK(mutex_unlock(&cv_lock) == 0);
	KCHECK(!mutex_is_locked(&cv_lock));

	/* Waiting without owning the mutex is refused and releases nothing. */
	KCHECK(cond_wait(&cv, &cv_lock) == -EPERM);
	KCHECK(cond_wait_timeout(&cv, &cv_lock, time_monotonic_ns() + MS) == -EPERM);
	KCHECK(cond_destroy(&cv) == 0);
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- completion */

static struct completion done;
static int completion_returns;

static void *completion_waiter(void *arg)
{
	int ret = arg ? wait_for_completion_timeout(&done, time_monotonic_ns() + (uint64_t)arg * MS)
		      : wait_for_completion(&done);

	__atomic_fetch_add(&completion_returns, 1, __ATOMIC_RELAXED);
	return (void *)(intptr_t)ret;
}

KTEST(completion)
{
	int failures = 0;
	struct thread *t[3];
	uint64_t t0;

	completion_init(&done);

	/* A waiter sleeps until complete(). */
	t[0] = spawn("waiter", completion_waiter, NULL);
	sched_sleep_ns(10 * MS);
	KCHECK(completion_returns == 0);
	complete(&done);
	KCHECK(join_int(t[0]) == 0);
	KCHECK(!completion_done(&done));		/* the event went to the waiter */

	/* Events before the waits are counted. */
	complete(&done);
	complete(&done);
	KCHECK(wait_for_completion(&done) == 0);
	KCHECK(try_wait_for_completion(&done) == 0);
	KCHECK(try_wait_for_completion(&done) == -EAGAIN);
	t0 = time_monotonic_ns();
	KCHECK(wait_for_completion_timeout(&done, t0 + 10 * MS) == -ETIMEDOUT);
	KCHECK(time_monotonic_ns() - t0 >= 10 * MS);

	/* complete() wakes one waiter at a time. */
	completion_returns = 0;
	t[0] = spawn("waiter", completion_waiter, NULL);
	t[1] = spawn("waiter", completion_waiter, NULL);
	sched_sleep_ns(5 * MS);
	complete(&done);
	sched_sleep_ns(5 * MS);
	KCHECK(completion_returns == 1);
	complete(&done);
	KCHECK(join_int(t[0]) == 0 && join_int(t[1]) == 0);

	/* complete_all() wakes everyone and lets later waits through until reinit. */
	completion_returns = 0;
	for (int i = 0; i < 3; i++)
		t[i] = spawn("waiter", completion_waiter, i == 2 ? (void *)5000 : NULL);
	sched_sleep_ns(5 * MS);
	KCHECK(completion_returns == 0);
	complete_all(&done);
	for (int i = 0; i < 3; i++)
		KCHECK(join_int(t[i]) == 0);
	KCHECK(wait_for_completion(&done) == 0 && wait_for_completion(&done) == 0);
	complete(&done);				/* no effect on a completed-for-good one */
	completion_reinit(&done);
	KCHECK(try_wait_for_completion(&done) == -EAGAIN);
	KCHECK(join_int(spawn("waiter", completion_waiter, (void *)10)) == -ETIMEDOUT);
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- futex */

static uint32_t fword, fword2;
static int futex_queued, futex_returned;

struct futex_wait_args {
	uint32_t *addr;
	uint32_t val;
	uint32_t bitset;
	uint64_t timeout_ms;
	int ret;
	bool done;
};

static void *futex_waiter(void *arg)
{
	struct futex_wait_args *a = arg;

	__atomic_fetch_add(&futex_queued, 1, __ATOMIC_RELAXED);
	a->ret = futex_wait(a->addr, a->val,
			    a->timeout_ms ? time_monotonic_ns() + a->timeout_ms * MS : 0, a->bitset);
	__atomic_store_n(&a->done, true, __ATOMIC_RELEASE);
	__atomic_fetch_add(&futex_returned, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* Starts n waiters on addr == 0 and lets them all reach futex_wait. */
static void futex_start(struct thread **t, struct futex_wait_args *a, int n, uint32_t *addr,
			uint32_t bitset, uint64_t timeout_ms)
{
	futex_queued = futex_returned = 0;
	for (int i = 0; i < n; i++) {
		a[i] = (struct futex_wait_args){ addr, 0, bitset, timeout_ms, -12345, false };
		t[i] = spawn("futex", futex_waiter, &a[i]);
	}
	while (futex_queued < n)
		sched_sleep_ns(MS);
	sched_sleep_ns(2 * MS);
}

KTEST(futex)
{
	int failures = 0;
	struct thread *t[3];
	struct futex_wait_args a[3];
	uint32_t zero = 0, one = 1;
	uint64_t t0;

	/* Bad arguments. */
	KCHECK(futex_wait(&fword, 0, 0, 0) == -EINVAL);
	KCHECK(futex_wait((uint32_t *)((char *)&fword + 1), 0, 0, FUTEX_BITSET_ANY) == -EINVAL);
	KCHECK(futex_wake(&fword, 1, 0) == -EINVAL);
	KCHECK(futex_wait((uint32_t *)0x7fff00000000ul, 0, 0, FUTEX_BITSET_ANY) == -EFAULT);
	KCHECK(futex_wait((uint32_t *)0x0000900000000000ul, 0, 0, FUTEX_BITSET_ANY) == -EFAULT);
	KCHECK(futex_wake(&fword, 1, FUTEX_BITSET_ANY) == 0);

	/* A changed value: -EAGAIN at once. A timed wait times out. */
	fword = 5;
	KCHECK(futex_wait(&fword, 4, 0, FUTEX_BITSET_ANY) == -EAGAIN);
	t0 = time_monotonic_ns();
	KCHECK(futex_wait(&fword, 5, t0 + 10 * MS, FUTEX_BITSET_ANY) == -ETIMEDOUT);
	KCHECK(time_monotonic_ns() - t0 >= 10 * MS);

	/* Three waiters: wake 2 wakes two, wake all wakes the last one. */
	fword = 0;
	futex_start(t, a, 3, &fword, FUTEX_BITSET_ANY, 0);
	KCHECK(futex_returned == 0);
	KCHECK(futex_wake(&fword2, 3, FUTEX_BITSET_ANY) == 0);	/* another word */
	KCHECK(futex_wake(&fword, 2, FUTEX_BITSET_ANY) == 2);
	sched_sleep_ns(2 * MS);
	KCHECK(futex_returned == 2);
	KCHECK(futex_wake(&fword, 0x7fffffff, FUTEX_BITSET_ANY) == 1);
	for (int i = 0; i < 3; i++) {
		thread_join(t[i], NULL);
		KCHECK(a[i].ret == 0);
	}
	KCHECK(futex_wake(&fword, 0x7fffffff, FUTEX_BITSET_ANY) == 0);

	/* Bitsets: a wake reaches only waiters sharing a bit with it. */
	futex_start(t, a, 1, &fword, 0x1, 0);
	a[1] = (struct futex_wait_args){ &fword, 0, 0x6, 0, -12345, false };
	t[1] = spawn("futex", futex_waiter, &a[1]);
	while (futex_queued < 2)
		sched_sleep_ns(MS);
	sched_sleep_ns(2 * MS);
	KCHECK(futex_wake(&fword, 2, 0x8) == 0);
	KCHECK(futex_wake(&fword, 2, 0x4) == 1);
	sched_sleep_ns(2 * MS);
	KCHECK(a[1].done && !a[0].done);
	KCHECK(futex_wake(&fword, 2, FUTEX_BITSET_ANY) == 1);
	thread_join(t[0], NULL);
	thread_join(t[1], NULL);
	KCHECK(a[0].ret == 0 && a[1].ret == 0);

	/* Requeue: wake one, move the others to fword2, where a wake then finds them. */
	futex_start(t, a, 3, &fword, FUTEX_BITSET_ANY, 0);
	KCHECK(futex_requeue(&fword, 1, &fword2, 8, &one) == -EAGAIN);	/* fword is 0, not 1 */
	KCHECK(futex_returned == 0);
	KCHECK(futex_requeue(&fword, 1, &fword2, 8, &zero) == 3);
	sched_sleep_ns(2 * MS);
	KCHECK(futex_returned == 1);
	KCHECK(futex_wake(&fword, 8, FUTEX_BITSET_ANY) == 0);
	KCHECK(futex_wake(&fword2, 8, FUTEX_BITSET_ANY) == 2);
	for (int i = 0; i < 3; i++) {
		thread_join(t[i], NULL);
		KCHECK(a[i].ret == 0);
	}
	/* Plain requeue with a count limit, onto the same word and across buckets. */
	futex_start(t, a, 3, &fword, FUTEX_BITSET_ANY, 0);
	KCHECK(futex_requeue(&fword, 0, &fword, 8, NULL) == 3);
	KCHECK(futex_requeue(&fword, 0, &fword2, 2, NULL) == 2);
	KCHECK(futex_wake(&fword, 8, FUTEX_BITSET_ANY) == 1);
	KCHECK(futex_wake(&fword2, 8, FUTEX_BITSET_ANY) == 2);
	for (int i = 0; i < 3; i++) {
		thread_join(t[i], NULL);
		KCHECK(a[i].ret == 0);
	}

	/* A requeued waiter's timeout takes it off the queue it was moved to. */
	futex_start(t, a, 1, &fword, FUTEX_BITSET_ANY, 30);
	KCHECK(futex_requeue(&fword, 0, &fword2, 1, NULL) == 1);
	thread_join(t[0], NULL);
	KCHECK(a[0].ret == -ETIMEDOUT);
	KCHECK(futex_wake(&fword2, 8, FUTEX_BITSET_ANY) == 0);
	KCHECK(futex_wake(&fword, 8, FUTEX_BITSET_ANY) == 0);
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- misuse */

static struct mutex bad_m;
static struct completion hold, release;

/* Locks bad_m, says so, waits to be told, then unlocks: returns the unlock's result. */
static void *holder(void *arg)
{
	int ret;

	(void)arg;
	TCHECK(mutex_lock(&bad_m) == 0);
	complete(&hold);
	wait_for_completion(&release);
	ret = mutex_unlock(&bad_m);
	return (void *)(intptr_t)ret;
}

static void *rw_write_holder(void *arg)
{
	(void)arg;
	TCHECK(rw_write_lock(&rw) == 0);
	complete(&hold);
	wait_for_completion(&release);
	return (void *)(intptr_t)rw_write_unlock(&rw);
}

static void *blocked_forever_until_released(void *arg)
{
	(void)arg;
	wait_for_completion(&release);
	return NULL;
}

static void *return_twice(void *arg)
{
	return (void *)((uint64_t)arg * 2);
}

KTEST(bad_use)
{
	int failures = 0;
	struct thread *t, *ts[8];
	void *ret;

	completion_init(&hold);
	completion_init(&release);

	/* Unlocking a mutex nobody holds, or another thread holds: -EPERM, and it keeps working. */
	mutex_init(&bad_m);
	KCHECK(mutex_unlock(&bad_m) == -EPERM);
	KCHECK(bad_m.owner == 0);
	t = spawn("holder", holder, NULL);
	wait_for_completion(&hold);
	KCHECK(mutex_unlock(&bad_m) == -EPERM);
	KCHECK(mutex_owner(&bad_m) == t);
	KCHECK(mutex_destroy(&bad_m) == -EBUSY);		/* destroying a held lock */
	KCHECK(mutex_trylock(&bad_m) == -EBUSY);
	complete(&release);
	KCHECK(join_int(t) == 0);
	KCHECK(mutex_lock(&bad_m) == 0);
	KCHECK(mutex_unlock(&bad_m) == 0);
	KCHECK(mutex_destroy(&bad_m) == 0);
	completion_reinit(&release);

	/* rwlock: unlocks without holding, the wrong unlock, relocks. */
	rw_init(&rw);
	KCHECK(rw_read_unlock(&rw) == -EPERM);
	KCHECK(rw_write_unlock(&rw) == -EPERM);
	KCHECK(rw_upgrade(&rw) == -EPERM);
	KCHECK(rw_downgrade(&rw) == -EPERM);
	KCHECK(rw_read_lock(&rw) == 0);
	KCHECK(rw_write_unlock(&rw) == -EPERM);
	KCHECK(rw_destroy(&rw) == -EBUSY);
	KCHECK(rw_read_unlock(&rw) == 0);
	KCHECK(rw_read_unlock(&rw) == -EPERM);
	KCHECK(rw_write_lock(&rw) == 0);
	KCHECK(rw_write_lock(&rw) == -EDEADLK);
	KCHECK(rw_read_lock(&rw) == -EDEADLK);
	KCHECK(rw_read_unlock(&rw) == -EPERM);
	KCHECK(rw_upgrade(&rw) == -EDEADLK);
	KCHECK(rw_write_unlock(&rw) == 0);
	t = spawn("rw-holder", rw_write_holder, NULL);
	wait_for_completion(&hold);
	KCHECK(rw_write_unlock(&rw) == -EPERM);	/* another thread is the writer */
	KCHECK(rw_downgrade(&rw) == -EPERM);
	complete(&release);
	KCHECK(join_int(t) == 0);
	KCHECK(rw_destroy(&rw) == 0);
	completion_reinit(&release);

	/* Semaphore and condvar misuse. */
	mutex_init(&bad_m);
	cond_init(&cv);
	KCHECK(cond_wait(&cv, &bad_m) == -EPERM);
	mutex_init_recursive(&bad_m);
	KCHECK(mutex_lock(&bad_m) == 0 && mutex_lock(&bad_m) == 0);
	KCHECK(cond_wait(&cv, &bad_m) == -EINVAL);	/* held twice: cannot release it */
	KCHECK(mutex_unlock(&bad_m) == 0 && mutex_unlock(&bad_m) == 0);

	/* Joining a detached thread. */
	t = spawn("detached", blocked_forever_until_released, NULL);
	KCHECK(thread_detach(t) == 0);
	KCHECK(thread_join(t, NULL) == -EINVAL);
	complete(&release);
	sched_sleep_ns(2 * MS);		/* it ends and is reaped */

	/* None of it hurt the scheduler: threads still create, run and join. */
	for (uint64_t i = 0; i < 8; i++)
		ts[i] = spawn("after", return_twice, (void *)i);
	for (uint64_t i = 0; i < 8; i++) {
		ret = NULL;
		KCHECK(ts[i] && thread_join(ts[i], &ret) == 0);
		KCHECK(ret == (void *)(i * 2));
	}
	return failures + take_thread_errors();
}

/* ---------------------------------------------------------------- benchmarks */

/*
 * Under -icount the TSC counts guest instructions: figures are printed as
 * `bench: NAME VALUE`. Each is the smallest of several runs, so that a
 * stray interrupt inside one run does not count.
 */
#define BENCH_PAIRS	1000
#define BENCH_RUNS	5

static struct mutex bench_m = MUTEX_INIT(bench_m);

/* Cost of one uncontended mutex_lock + mutex_unlock, with the loop's own cost taken off. */
KTEST(bench_mutex)
{
	int failures = 0;
	uint64_t best = ~0ull, loop = ~0ull;

	for (int run = 0; run < BENCH_RUNS; run++) {
		uint64_t t0 = rdtsc(), t1;

		for (int i = 0; i < BENCH_PAIRS; i++) {
			mutex_lock(&bench_m);
			mutex_unlock(&bench_m);
		}
		t1 = rdtsc();
		best = MIN(best, t1 - t0);
		t0 = rdtsc();
		for (int i = 0; i < BENCH_PAIRS; i++)
			barrier();
		t1 = rdtsc();
		loop = MIN(loop, t1 - t0);
	}
	KCHECK(bench_m.owner == 0);
	printk("bench: mutex.uncontended.insns %lu\n",
	       (best - MIN(loop, best) + BENCH_PAIRS / 2) / BENCH_PAIRS);
	return failures;
}

/*
 * futex.wake_wait: one round trip between two threads of one priority on
 * one futex word. The main thread stores 2r+1, futex_wake()s the partner
 * and futex_wait()s while the word is 2r+1; the partner, back from its
 * futex_wait, stores 2r+2, futex_wake()s the main thread and futex_wait()s
 * for 2r+3. So a round trip is two wakes, two waits that sleep and two
 * context switches; the figure is the total over BENCH_FUTEX_ROUNDS round
 * trips (after one warm-up round) divided by their number.
 */
#define BENCH_FUTEX_ROUNDS 200

static uint32_t pingpong;

static void *futex_partner(void *arg)
{
	(void)arg;
	for (uint32_t r = 0; r <= BENCH_FUTEX_ROUNDS; r++) {
		uint32_t v;

		while ((v = __atomic_load_n(&pingpong, __ATOMIC_ACQUIRE)) != 2 * r + 1)
			futex_wait(&pingpong, v, 0, FUTEX_BITSET_ANY);
		__atomic_store_n(&pingpong, 2 * r + 2, __ATOMIC_RELEASE);
		futex_wake(&pingpong, 1, FUTEX_BITSET_ANY);
	}
	return NULL;
}

KTEST(bench_futex)
{
	int failures = 0;
	struct thread *t = spawn("partner", futex_partner, NULL);
	uint64_t t0 = 0, t1;

	for (uint32_t r = 0; r <= BENCH_FUTEX_ROUNDS; r++) {
		if (r == 1)
			t0 = rdtsc();
		__atomic_store_n(&pingpong, 2 * r + 1, __ATOMIC_RELEASE);
		futex_wake(&pingpong, 1, FUTEX_BITSET_ANY);
		while (__atomic_load_n(&pingpong, __ATOMIC_ACQUIRE) != 2 * r + 2)
			futex_wait(&pingpong, 2 * r + 1, 0, FUTEX_BITSET_ANY);
	}
	t1 = rdtsc();
	KCHECK(join_int(t) == 0);
	KCHECK(pingpong == 2 * BENCH_FUTEX_ROUNDS + 2);
	printk("bench: futex.wake_wait.insns %lu\n", (t1 - t0) / BENCH_FUTEX_ROUNDS);
	return failures;
}
