/* SPDX-License-Identifier: BSD-2-Clause */
/* libctest, pthread area: threads, their stacks and TLS, mutexes, rwlocks, conditions, once, keys, barriers, semaphores. */
#include "harness.h"

#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NS_PER_MS 1000000LL

/* An absolute CLOCK_REALTIME (or CLOCK) deadline MS milliseconds from now. */
static struct timespec deadline_on(clockid_t clock, int ms)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * NS_PER_MS;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

static void *return_arg_plus_one(void *arg)
{
	return (char *)arg + 1;
}

static int create_join(void)
{
	pthread_t t;
	void *ret;
	char base[2];

	REQUIRE_RC(pthread_create(&t, NULL, return_arg_plus_one, base), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIREF(ret == base + 1, "join returned %p, want %p", ret, (void *)(base + 1));
	return 0;
}

static void *exit_early(void *arg)
{
	pthread_exit((char *)arg + 2);
	return NULL;
}

static int pthread_exit_value(void)
{
	pthread_t t;
	void *ret;
	char base[3];

	REQUIRE_RC(pthread_create(&t, NULL, exit_early, base), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIRE(ret == base + 2);
	return 0;
}

static atomic_int counter;
static _Atomic long tids[16];

static void *count_and_tid(void *arg)
{
	tids[(intptr_t)arg] = syscall(SYS_gettid);
	atomic_fetch_add(&counter, 1);
	return NULL;
}

static int many_threads(void)
{
	enum { N = 16 };
	pthread_t t[N];
	int created = 0, rc = 0;

	atomic_store(&counter, 0);
	for (int i = 0; i < N; i++) {
		int e = pthread_create(&t[i], NULL, count_and_tid, (void *)(intptr_t)i);

		if (e) {
			rc = lt_fail(__FILE__, __LINE__, "pthread_create %d: %s", i, lt_errname(e));
			break;
		}
		created++;
	}
	for (int i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	if (rc)
		return rc;
	REQUIREF(atomic_load(&counter) == N, "%d of %d threads ran", atomic_load(&counter), N);
	for (int i = 0; i < N; i++) {
		REQUIREF(tids[i] > 0 && tids[i] != getpid(), "thread %d has tid %ld", i, (long)tids[i]);
		for (int j = 0; j < i; j++)
			REQUIREF(tids[i] != tids[j], "threads %d and %d share tid %ld", i, j, (long)tids[i]);
	}
	return 0;
}

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static long plain_count;

static void *add_locked(void *arg)
{
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&count_lock);
		plain_count++;
		if (i % 1000 == 0)
			sched_yield();
		pthread_mutex_unlock(&count_lock);
	}
	return arg;
}

static int mutex_contention(void)
{
	pthread_t t[4];

	plain_count = 0;
	for (int i = 0; i < 4; i++)
		REQUIRE_RC(pthread_create(&t[i], NULL, add_locked, NULL), 0);
	for (int i = 0; i < 4; i++)
		REQUIRE_RC(pthread_join(t[i], NULL), 0);
	REQUIREF(plain_count == 80000, "count %ld, want 80000", plain_count);
	return 0;
}

static void *trylock_other(void *arg)
{
	return (void *)(intptr_t)pthread_mutex_trylock(arg);
}

static int mutex_trylock_busy(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_t t;
	void *ret;

	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	REQUIRE_RC(pthread_create(&t, NULL, trylock_other, &m), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIREF((intptr_t)ret == EBUSY, "trylock of a held mutex from another thread gave %s",
		 lt_errname((int)(intptr_t)ret));
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	REQUIRE_RC(pthread_create(&t, NULL, trylock_other, &m), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIREF((intptr_t)ret == 0, "trylock of a free mutex gave %s", lt_errname((int)(intptr_t)ret));
	return 0;
}

static int mutex_errorcheck(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;

	REQUIRE_RC(pthread_mutexattr_init(&a), 0);
	REQUIRE_RC(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK), 0);
	REQUIRE_RC(pthread_mutex_init(&m, &a), 0);
	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	REQUIRE_RC(pthread_mutex_lock(&m), EDEADLK);
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	REQUIRE_RC(pthread_mutex_unlock(&m), EPERM);
	REQUIRE_RC(pthread_mutexattr_settype(&a, 12345), EINVAL);
	return 0;
}

static void *timedlock_other(void *arg)
{
	struct timespec dl = deadline_on(CLOCK_REALTIME, 50);

	return (void *)(intptr_t)pthread_mutex_timedlock(arg, &dl);
}

static int mutex_timedlock_timeout(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_t t;
	void *ret;
	int64_t t0, dt;

	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	t0 = lt_mono_ns();
	REQUIRE_RC(pthread_create(&t, NULL, timedlock_other, &m), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	dt = lt_mono_ns() - t0;
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	REQUIREF((intptr_t)ret == ETIMEDOUT, "timedlock on a held mutex gave %s", lt_errname((int)(intptr_t)ret));
	REQUIREF(dt >= 45 * NS_PER_MS, "timed out after %lld us of 50 ms", (long long)(dt / 1000));
	return 0;
}

static int mutex_recursive(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	pthread_t t;
	void *ret;

	REQUIRE_RC(pthread_mutexattr_init(&a), 0);
	REQUIRE_RC(pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE), 0);
	REQUIRE_RC(pthread_mutex_init(&m, &a), 0);
	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	REQUIRE_RC(pthread_mutex_trylock(&m), 0);
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	REQUIRE_RC(pthread_create(&t, NULL, trylock_other, &m), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIREF((intptr_t)ret == EBUSY, "still held once: another thread's trylock gave %s",
		 lt_errname((int)(intptr_t)ret));
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	REQUIRE_RC(pthread_create(&t, NULL, trylock_other, &m), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	REQUIRE((intptr_t)ret == 0);
	return 0;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static atomic_int readers_in, max_readers;

static void *reader(void *arg)
{
	struct timespec ts = { 0, 20 * NS_PER_MS };

	pthread_rwlock_rdlock(&rw);
	int n = atomic_fetch_add(&readers_in, 1) + 1;
	int m = atomic_load(&max_readers);

	while (n > m && !atomic_compare_exchange_weak(&max_readers, &m, n))
		;
	nanosleep(&ts, NULL);
	atomic_fetch_sub(&readers_in, 1);
	pthread_rwlock_unlock(&rw);
	return arg;
}

static void *try_write(void *arg)
{
	(void)arg;
	return (void *)(intptr_t)pthread_rwlock_trywrlock(&rw);
}

static int rwlock_readers_share(void)
{
	pthread_t t[3], w;
	void *ret;

	atomic_store(&readers_in, 0);
	atomic_store(&max_readers, 0);
	REQUIRE_RC(pthread_rwlock_rdlock(&rw), 0);
	for (int i = 0; i < 3; i++)
		REQUIRE_RC(pthread_create(&t[i], NULL, reader, NULL), 0);
	REQUIRE_RC(pthread_create(&w, NULL, try_write, NULL), 0);
	REQUIRE_RC(pthread_join(w, &ret), 0);
	REQUIREF((intptr_t)ret == EBUSY, "trywrlock under a read lock gave %s", lt_errname((int)(intptr_t)ret));
	for (int i = 0; i < 3; i++)
		REQUIRE_RC(pthread_join(t[i], NULL), 0);
	REQUIREF(atomic_load(&max_readers) >= 2, "readers never held the lock together (max %d)",
		 atomic_load(&max_readers));
	REQUIRE_RC(pthread_rwlock_unlock(&rw), 0);
	REQUIRE_RC(pthread_rwlock_wrlock(&rw), 0);
	REQUIRE_RC(pthread_rwlock_tryrdlock(&rw), EBUSY);
	REQUIRE_RC(pthread_rwlock_unlock(&rw), 0);
	return 0;
}

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static int q_items[64], q_head, q_tail;

static void *producer(void *arg)
{
	for (int i = 1; i <= 1000; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_tail - q_head == 64)
			pthread_cond_wait(&q_cond, &q_lock);
		q_items[q_tail++ % 64] = i;
		pthread_cond_broadcast(&q_cond);
		pthread_mutex_unlock(&q_lock);
	}
	return arg;
}

static int cond_producer_consumer(void)
{
	pthread_t t;
	long sum = 0;
	int rc = 0;

	q_head = q_tail = 0;
	REQUIRE_RC(pthread_create(&t, NULL, producer, NULL), 0);
	for (int got = 0; got < 1000 && !rc; got++) {
		struct timespec dl = deadline_on(CLOCK_REALTIME, 5000);

		pthread_mutex_lock(&q_lock);
		while (q_tail == q_head && !rc)
			if (pthread_cond_timedwait(&q_cond, &q_lock, &dl) == ETIMEDOUT)
				rc = lt_fail(__FILE__, __LINE__, "no item for 5 s after %d items", got);
		if (!rc) {
			sum += q_items[q_head++ % 64];
			pthread_cond_broadcast(&q_cond);
		}
		pthread_mutex_unlock(&q_lock);
	}
	if (rc)
		return rc; /* the producer stays blocked: nothing else uses its queue */
	REQUIRE_RC(pthread_join(t, NULL), 0);
	REQUIREF(sum == 500500, "sum %ld, want 500500", sum);
	return 0;
}

static int cond_timedwait_timeout(void)
{
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t c = PTHREAD_COND_INITIALIZER;
	struct timespec dl;
	int64_t t0, dt;
	int r;

	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	dl = deadline_on(CLOCK_REALTIME, 50);
	t0 = lt_mono_ns();
	do
		r = pthread_cond_timedwait(&c, &m, &dl);
	while (r == 0); /* spurious wake-ups are allowed */
	dt = lt_mono_ns() - t0;
	REQUIRE_RC(r, ETIMEDOUT);
	REQUIREF(dt >= 45 * NS_PER_MS && dt < 5000 * NS_PER_MS, "timed out after %lld us of 50 ms",
		 (long long)(dt / 1000));
	/* The mutex is held again on return. */
	REQUIRE_RC(pthread_mutex_trylock(&m), EBUSY);
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	return 0;
}

static int cond_monotonic(void)
{
	pthread_condattr_t a;
	pthread_cond_t c;
	pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
	clockid_t clk;
	struct timespec dl;
	int64_t t0, dt;
	int r;

	REQUIRE_RC(pthread_condattr_init(&a), 0);
	REQUIRE_RC(pthread_condattr_setclock(&a, CLOCK_MONOTONIC), 0);
	REQUIRE_RC(pthread_condattr_getclock(&a, &clk), 0);
	REQUIRE(clk == CLOCK_MONOTONIC);
	REQUIRE_RC(pthread_cond_init(&c, &a), 0);
	REQUIRE_RC(pthread_mutex_lock(&m), 0);
	dl = deadline_on(CLOCK_MONOTONIC, 40);
	t0 = lt_mono_ns();
	do
		r = pthread_cond_timedwait(&c, &m, &dl);
	while (r == 0);
	dt = lt_mono_ns() - t0;
	REQUIRE_RC(r, ETIMEDOUT);
	REQUIREF(dt >= 35 * NS_PER_MS && dt < 5000 * NS_PER_MS, "timed out after %lld us of 40 ms",
		 (long long)(dt / 1000));
	REQUIRE_RC(pthread_mutex_unlock(&m), 0);
	return 0;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static atomic_int once_runs;

static void once_init(void)
{
	struct timespec ts = { 0, 10 * NS_PER_MS };

	nanosleep(&ts, NULL);
	atomic_fetch_add(&once_runs, 1);
}

static void *call_once(void *arg)
{
	(void)arg;
	pthread_once(&once, once_init);
	return (void *)(intptr_t)atomic_load(&once_runs);
}

static int once_only(void)
{
	pthread_t t[8];
	void *ret;

	for (int i = 0; i < 8; i++)
		REQUIRE_RC(pthread_create(&t[i], NULL, call_once, NULL), 0);
	for (int i = 0; i < 8; i++) {
		REQUIRE_RC(pthread_join(t[i], &ret), 0);
		REQUIREF((intptr_t)ret == 1, "a thread left pthread_once before the initialiser finished");
	}
	REQUIREF(atomic_load(&once_runs) == 1, "the initialiser ran %d times", atomic_load(&once_runs));
	return 0;
}

static pthread_key_t key;
static atomic_int destructed;

static void key_destructor(void *v)
{
	if (v == (void *)0x1234)
		atomic_fetch_add(&destructed, 1);
}

static void *use_key(void *arg)
{
	if (pthread_getspecific(key) != NULL)
		return (void *)1;
	pthread_setspecific(key, (void *)0x1234);
	if (pthread_getspecific(key) != (void *)0x1234)
		return (void *)2;
	return arg;
}

static int key_tls(void)
{
	pthread_t t[4];
	void *ret;

	atomic_store(&destructed, 0);
	REQUIRE_RC(pthread_key_create(&key, key_destructor), 0);
	REQUIRE_RC(pthread_setspecific(key, (void *)0x99), 0);
	for (int i = 0; i < 4; i++)
		REQUIRE_RC(pthread_create(&t[i], NULL, use_key, NULL), 0);
	for (int i = 0; i < 4; i++) {
		REQUIRE_RC(pthread_join(t[i], &ret), 0);
		REQUIREF(ret == NULL, "thread %d: key check %ld failed", i, (long)(intptr_t)ret);
	}
	REQUIREF(pthread_getspecific(key) == (void *)0x99, "another thread's value leaked into ours");
	REQUIREF(atomic_load(&destructed) == 4, "destructor ran %d times, want 4", atomic_load(&destructed));
	REQUIRE_RC(pthread_key_delete(key), 0);
	return 0;
}

static __thread int tls_var = 42;
static __thread char tls_big[8192];

static void *touch_tls(void *arg)
{
	if (tls_var != 42 || tls_big[100] != 0)
		return (void *)1;
	tls_var = (int)(intptr_t)arg;
	tls_big[100] = 'x';
	sched_yield();
	return tls_var == (int)(intptr_t)arg ? (void *)&tls_var : (void *)2;
}

static int thread_local_storage(void)
{
	pthread_t t[4];
	void *ret[4];

	tls_var = 7;
	for (int i = 0; i < 4; i++)
		REQUIRE_RC(pthread_create(&t[i], NULL, touch_tls, (void *)(intptr_t)(100 + i)), 0);
	for (int i = 0; i < 4; i++) {
		REQUIRE_RC(pthread_join(t[i], &ret[i]), 0);
		REQUIREF((uintptr_t)ret[i] > 2, "thread %d saw wrong TLS (%ld)", i, (long)(intptr_t)ret[i]);
		REQUIRE(ret[i] != &tls_var);
		for (int j = 0; j < i; j++)
			REQUIRE(ret[i] != ret[j]);
	}
	REQUIREF(tls_var == 7 && tls_big[100] == 0, "threads changed the main thread's TLS");
	return 0;
}

static pthread_barrier_t barrier;
static atomic_int before_barrier, bad_order;

static void *meet(void *arg)
{
	atomic_fetch_add(&before_barrier, 1);
	int r = pthread_barrier_wait(&barrier);

	if (atomic_load(&before_barrier) != 4)
		atomic_store(&bad_order, 1);
	(void)arg;
	return (void *)(intptr_t)r;
}

static int barrier_serial(void)
{
	pthread_t t[4];
	void *ret;
	int serial = 0;

	atomic_store(&before_barrier, 0);
	atomic_store(&bad_order, 0);
	REQUIRE_RC(pthread_barrier_init(&barrier, NULL, 4), 0);
	for (int i = 0; i < 4; i++)
		REQUIRE_RC(pthread_create(&t[i], NULL, meet, NULL), 0);
	for (int i = 0; i < 4; i++) {
		REQUIRE_RC(pthread_join(t[i], &ret), 0);
		if ((intptr_t)ret == PTHREAD_BARRIER_SERIAL_THREAD)
			serial++;
		else
			REQUIREF(ret == NULL, "barrier wait returned %ld", (long)(intptr_t)ret);
	}
	REQUIREF(serial == 1, "%d serial threads, want 1", serial);
	REQUIREF(!atomic_load(&bad_order), "a thread passed the barrier before all arrived");
	REQUIRE_RC(pthread_barrier_destroy(&barrier), 0);
	REQUIRE_RC(pthread_barrier_init(&barrier, NULL, 0), EINVAL);
	return 0;
}

static void *post_later(void *arg)
{
	struct timespec ts = { 0, 20 * NS_PER_MS };

	nanosleep(&ts, NULL);
	sem_post(arg);
	return NULL;
}

static int sem_handoff(void)
{
	sem_t s;
	pthread_t t;
	int v;
	struct timespec dl;

	REQUIRE(sem_init(&s, 0, 0) == 0);
	REQUIRE_ERR(sem_trywait(&s), EAGAIN);
	REQUIRE_RC(pthread_create(&t, NULL, post_later, &s), 0);
	dl = deadline_on(CLOCK_REALTIME, 5000);
	REQUIREF(sem_timedwait(&s, &dl) == 0, "the posted semaphore was not seen [errno %s]", lt_errname(errno));
	REQUIRE_RC(pthread_join(t, NULL), 0);
	REQUIRE(sem_post(&s) == 0 && sem_post(&s) == 0);
	REQUIRE(sem_getvalue(&s, &v) == 0 && v == 2);
	REQUIRE(sem_wait(&s) == 0 && sem_trywait(&s) == 0);
	REQUIRE_ERR(sem_trywait(&s), EAGAIN);
	REQUIRE(sem_destroy(&s) == 0);
	REQUIRE_ERR(sem_init(&s, 0, (unsigned)SEM_VALUE_MAX + 1), EINVAL);
	return 0;
}

static int sem_timedwait_timeout(void)
{
	sem_t s;
	struct timespec dl;
	int64_t t0, dt;

	REQUIRE(sem_init(&s, 0, 0) == 0);
	dl = deadline_on(CLOCK_REALTIME, 40);
	t0 = lt_mono_ns();
	REQUIRE_ERR(sem_timedwait(&s, &dl), ETIMEDOUT);
	dt = lt_mono_ns() - t0;
	REQUIREF(dt >= 35 * NS_PER_MS && dt < 5000 * NS_PER_MS, "timed out after %lld us of 40 ms",
		 (long long)(dt / 1000));
	dl.tv_nsec = 2000000000;
	REQUIRE_ERR(sem_timedwait(&s, &dl), EINVAL);
	return 0;
}

static void *deep_stack(void *arg)
{
	size_t n = (size_t)(uintptr_t)arg;
	volatile char *p = __builtin_alloca(n);

	for (size_t i = 0; i < n; i += 1024)
		p[i] = (char)i;
	return (void *)(uintptr_t)p[0];
}

static int attr_stacksize(void)
{
	pthread_attr_t a, got;
	pthread_t t;
	size_t size;
	void *addr;

	REQUIRE_RC(pthread_attr_init(&a), 0);
	REQUIRE_RC(pthread_attr_setstacksize(&a, 4 << 20), 0);
	REQUIRE_RC(pthread_attr_getstacksize(&a, &size), 0);
	REQUIRE(size == 4 << 20);
	REQUIRE_RC(pthread_attr_setstacksize(&a, 100), EINVAL);
	/* 3 MiB on the stack: only a stack of the requested size holds it. */
	REQUIRE_RC(pthread_create(&t, &a, deep_stack, (void *)(uintptr_t)(3 << 20)), 0);
	REQUIRE_RC(pthread_join(t, NULL), 0);
	REQUIRE_RC(pthread_getattr_np(pthread_self(), &got), 0);
	REQUIRE_RC(pthread_attr_getstack(&got, &addr, &size), 0);
	REQUIREF(size >= 65536 && (char *)addr < (char *)&size && (char *)&size < (char *)addr + size,
		 "main stack %p+%zu does not hold %p", addr, size, (void *)&size);
	pthread_attr_destroy(&got);
	pthread_attr_destroy(&a);
	return 0;
}

static sem_t detached_done;

static void *detached_body(void *arg)
{
	pthread_attr_t a;
	int state = -1;

	if (pthread_getattr_np(pthread_self(), &a) == 0) {
		pthread_attr_getdetachstate(&a, &state);
		pthread_attr_destroy(&a);
	}
	*(int *)arg = state;
	sem_post(&detached_done);
	return NULL;
}

static int detached_thread(void)
{
	pthread_attr_t a;
	pthread_t t;
	static int state;
	struct timespec dl;

	state = -2;
	REQUIRE(sem_init(&detached_done, 0, 0) == 0);
	REQUIRE_RC(pthread_attr_init(&a), 0);
	REQUIRE_RC(pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED), 0);
	REQUIRE_RC(pthread_create(&t, &a, detached_body, &state), 0);
	dl = deadline_on(CLOCK_REALTIME, 5000);
	REQUIREF(sem_timedwait(&detached_done, &dl) == 0, "the detached thread never ran");
	REQUIREF(state == PTHREAD_CREATE_DETACHED, "detach state %d", state);
	/* Many detached threads in a row: their stacks must be reclaimed. */
	for (int i = 0; i < 64; i++) {
		REQUIRE_RC(pthread_create(&t, &a, detached_body, &state), 0);
		dl = deadline_on(CLOCK_REALTIME, 5000);
		REQUIREF(sem_timedwait(&detached_done, &dl) == 0, "detached thread %d never ran", i);
	}
	pthread_attr_destroy(&a);
	return 0;
}

static void *wait_forever(void *arg)
{
	struct timespec dl = deadline_on(CLOCK_REALTIME, 3000);

	/* A cancellation point; should cancellation not work, the thread ends after 3 s. */
	sem_timedwait(arg, &dl);
	return (void *)1;
}

static int cancel_blocked(void)
{
	static sem_t s;
	pthread_t t;
	void *ret;
	int64_t t0, dt;
	struct timespec ts = { 0, 20 * NS_PER_MS };

	REQUIRE(sem_init(&s, 0, 0) == 0);
	REQUIRE_RC(pthread_create(&t, NULL, wait_forever, &s), 0);
	nanosleep(&ts, NULL);
	t0 = lt_mono_ns();
	REQUIRE_RC(pthread_cancel(t), 0);
	REQUIRE_RC(pthread_join(t, &ret), 0);
	dt = lt_mono_ns() - t0;
	REQUIREF(ret == PTHREAD_CANCELED, "the thread was not cancelled (returned %p after %lld ms)", ret,
		 (long long)(dt / NS_PER_MS));
	REQUIREF(dt < 2000 * NS_PER_MS, "cancellation took %lld ms", (long long)(dt / NS_PER_MS));
	return 0;
}

static int spinlock_basic(void)
{
	pthread_spinlock_t s;

	REQUIRE_RC(pthread_spin_init(&s, PTHREAD_PROCESS_PRIVATE), 0);
	REQUIRE_RC(pthread_spin_lock(&s), 0);
	REQUIRE_RC(pthread_spin_trylock(&s), EBUSY);
	REQUIRE_RC(pthread_spin_unlock(&s), 0);
	REQUIRE_RC(pthread_spin_trylock(&s), 0);
	REQUIRE_RC(pthread_spin_unlock(&s), 0);
	REQUIRE_RC(pthread_spin_destroy(&s), 0);
	return 0;
}

static int setname_getname(void)
{
	char name[16];

	REQUIRE_RC(pthread_setname_np(pthread_self(), "libctest-main"), 0);
	REQUIRE_RC(pthread_getname_np(pthread_self(), name, sizeof(name)), 0);
	REQUIREF(!strcmp(name, "libctest-main"), "name reads back \"%s\"", name);
	REQUIRE_RC(pthread_setname_np(pthread_self(), "a name longer than fifteen"), ERANGE);
	return 0;
}

static const struct lt_check pthread_checks[] = {
	{ "create_join", create_join },
	{ "exit_value", pthread_exit_value },
	{ "many_threads", many_threads },
	{ "mutex_contention", mutex_contention },
	{ "mutex_trylock", mutex_trylock_busy },
	{ "mutex_errorcheck", mutex_errorcheck },
	{ "mutex_timedlock_timeout", mutex_timedlock_timeout },
	{ "mutex_recursive", mutex_recursive },
	{ "rwlock", rwlock_readers_share },
	{ "cond_producer_consumer", cond_producer_consumer },
	{ "cond_timedwait_timeout", cond_timedwait_timeout },
	{ "cond_monotonic", cond_monotonic },
	{ "once", once_only },
	{ "key_destructor", key_tls },
	{ "thread_local", thread_local_storage },
	{ "barrier", barrier_serial },
	{ "sem_handoff", sem_handoff },
	{ "sem_timedwait_timeout", sem_timedwait_timeout },
	{ "attr_stacksize", attr_stacksize },
	{ "detached", detached_thread },
	{ "cancel", cancel_blocked },
	{ "spinlock", spinlock_basic },
	{ "setname", setname_getname },
};
LT_AREA(pthread);
