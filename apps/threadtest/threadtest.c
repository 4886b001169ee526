/* SPDX-License-Identifier: BSD-2-Clause */
/* The process model from a musl program: threads, TLS, futexes, sleeps, limits, signal state; one line per check. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/*
 * Usage: threadtest [MODE]. Without a mode every check runs, each printing
 * "ok NAME" or "FAIL NAME: why", then "threadtest: N passed, M failed"
 * (exit status M). Modes that end the process their own way, each a
 * separate test case: abort (134), exit_group (42 from a second thread),
 * last_exit (main leaves first, the last thread's exit(2) status 5),
 * sigterm (143), segv_thread (139), strace (lines from two threads),
 * sigpipe (141: a write to a pipe without a reader), badframe (139:
 * rt_sigreturn without a frame); delivery runs only the signal delivery
 * checks (which also pass on Linux).
 */

/* Linux include/uapi/linux/futex.h and sched.h: musl's headers do not carry them. */
#define FUTEX_WAIT		0
#define FUTEX_WAKE		1
#define FUTEX_REQUEUE		3
#define FUTEX_CMP_REQUEUE	4
#define FUTEX_LOCK_PI		6
#define FUTEX_WAIT_BITSET	9
#define FUTEX_WAKE_BITSET	10
#define FUTEX_PRIVATE_FLAG	128
#define FUTEX_CLOCK_REALTIME	256
#define FUTEX_WAIT_PRIVATE	(FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE	(FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE	(FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_BITSET_PRIVATE (FUTEX_WAKE_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY	0xffffffffu

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

static int passed, failed;

static void check(int ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void check(int ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		printf("ok %s\n", name);
		return;
	}
	failed++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static long futex(volatile uint32_t *uaddr, int op, uint32_t val, const void *timeout_or_val2,
		  volatile uint32_t *uaddr2, uint32_t val3)
{
	long r = syscall(SYS_futex, uaddr, op, val, timeout_or_val2, uaddr2, val3);

	return r < 0 ? -errno : r;
}

static long tid(void)
{
	return syscall(SYS_gettid);
}

static uint64_t now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- threads: create, join, exit values, detach, tids, TLS ---- */

static __thread int tls_value = 42;
static __thread char tls_block[64];

static void *return_arg(void *arg)
{
	return arg;
}

static __attribute__((noinline)) void exit_deep(void)
{
	pthread_exit((void *)0x1234);
}

static __attribute__((noinline)) void call_exit_deep(void)
{
	exit_deep();
}

static void *exit_from_nested(void *arg)
{
	(void)arg;
	call_exit_deep();
	return NULL;
}

struct tls_result {
	int index;
	long tid;
	int initial, after;
	int block_ok;
};

static void *tls_worker(void *arg)
{
	struct tls_result *r = arg;

	r->tid = tid();
	r->initial = tls_value;
	tls_value = 1000 + r->index;
	memset(tls_block, r->index, sizeof(tls_block));
	for (int i = 0; i < 20; i++)
		sched_yield();
	r->after = tls_value;
	r->block_ok = 1;
	for (size_t i = 0; i < sizeof(tls_block); i++)
		if (tls_block[i] != (char)r->index)
			r->block_ok = 0;
	return NULL;
}

static void test_threads(void)
{
	pthread_t t[8];
	struct tls_result res[8];
	void *ret = NULL;
	int ok, distinct = 1, tls_ok = 1;

	check(getpid() == 1 && tid() == 1, "ids.main", "getpid %d gettid %ld", getpid(), tid());
	ok = pthread_create(&t[0], NULL, return_arg, (void *)0xbeef) == 0 &&
	     pthread_join(t[0], &ret) == 0;
	check(ok && ret == (void *)0xbeef, "pthread.create_join", "ret %p", ret);
	ok = pthread_create(&t[0], NULL, exit_from_nested, NULL) == 0 && pthread_join(t[0], &ret) == 0;
	check(ok && ret == (void *)0x1234, "pthread.exit_value", "ret %p", ret);

	/* Joining a thread that has already ended. */
	ok = pthread_create(&t[0], NULL, return_arg, (void *)7) == 0;
	for (int i = 0; i < 50; i++)
		sched_yield();
	ok = ok && pthread_join(t[0], &ret) == 0;
	check(ok && ret == (void *)7, "pthread.join_after_end", "ret %p", ret);

	tls_value = 1;
	for (int i = 0; i < 8; i++) {
		res[i] = (struct tls_result){ .index = i + 1 };
		if (pthread_create(&t[i], NULL, tls_worker, &res[i]))
			res[i].tid = -1;
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 8; i++) {
		if (res[i].tid <= 1)
			distinct = 0;
		for (int j = 0; j < i; j++)
			if (res[i].tid == res[j].tid)
				distinct = 0;
		if (res[i].initial != 42 || res[i].after != 1000 + res[i].index || !res[i].block_ok)
			tls_ok = 0;
	}
	check(distinct, "gettid.distinct", "tids %ld %ld %ld ...", res[0].tid, res[1].tid, res[2].tid);
	check(tls_ok && tls_value == 1, "tls.per_thread", "thread 1: initial %d after %d; main %d",
	      res[0].initial, res[0].after, tls_value);
}

static volatile int detached_done;
static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;

static void *detached_worker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&detached_lock);
	detached_done++;
	pthread_mutex_unlock(&detached_lock);
	return NULL;
}

static void test_detach(void)
{
	pthread_attr_t attr;
	pthread_t t;
	int created = 0;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (int i = 0; i < 10; i++)
		created += pthread_create(&t, &attr, detached_worker, NULL) == 0;
	/* pthread_detach after creation, too. */
	if (pthread_create(&t, NULL, detached_worker, NULL) == 0 && pthread_detach(t) == 0)
		created++;
	for (int i = 0; i < 10000 && detached_done < created; i++)
		sched_yield();
	check(created == 11 && detached_done == 11, "pthread.detach", "%d created, %d done", created,
	      detached_done);
}

static void *nothing(void *arg)
{
	return arg;
}

static void test_cycles(void)
{
	struct sysinfo before, after;
	int ok = 1, i;
	long diff;

	for (i = 0; i < 200 && ok; i++) {
		pthread_t t;
		void *r;

		ok = pthread_create(&t, NULL, nothing, (void *)(long)i) == 0 && pthread_join(t, &r) == 0 &&
		     r == (void *)(long)i;
	}
	check(ok, "pthread.cycles_200", "cycle %d failed", i);

	/* Warm: the first cycles above filled the allocators' caches. */
	sysinfo(&before);
	for (i = 0; i < 1000 && ok; i++) {
		pthread_t t;

		ok = pthread_create(&t, NULL, nothing, NULL) == 0 && pthread_join(t, NULL) == 0;
	}
	sysinfo(&after);
	diff = (long)before.freeram - (long)after.freeram;
	/* A leak of one page or one kernel stack a cycle would be 4 MiB or more. */
	check(ok && diff < 256 * 1024, "pthread.no_leak_1000", "cycle %d, free memory down by %ld KiB", i,
	      diff / 1024);
}

/* ---- mutexes and condition variables under contention ---- */

#define MUTEX_THREADS	4
#define MUTEX_ROUNDS	20000

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *mutex_worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < MUTEX_ROUNDS; i++) {
		pthread_mutex_lock(&counter_lock);
		long v = counter;

		if ((i & 255) == 0)
			sched_yield();	/* hold it across a switch: the others must sleep on it */
		counter = v + 1;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

#define QUEUE_SIZE	4
#define ITEMS		2000

static struct {
	pthread_mutex_t lock;
	pthread_cond_t not_empty, not_full;
	int buf[QUEUE_SIZE];
	int head, tail, count;
	long sum;
	int consumed;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER,
	.not_full = PTHREAD_COND_INITIALIZER };

static void *producer(void *arg)
{
	int base = (int)(long)arg;

	for (int i = 1; i <= ITEMS; i++) {
		pthread_mutex_lock(&q.lock);
		while (q.count == QUEUE_SIZE)
			pthread_cond_wait(&q.not_full, &q.lock);
		q.buf[q.tail] = base + i;
		q.tail = (q.tail + 1) % QUEUE_SIZE;
		q.count++;
		pthread_cond_signal(&q.not_empty);
		pthread_mutex_unlock(&q.lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q.lock);
		while (q.count == 0 && q.consumed < 2 * ITEMS)
			pthread_cond_wait(&q.not_empty, &q.lock);
		if (q.consumed == 2 * ITEMS) {
			pthread_mutex_unlock(&q.lock);
			return NULL;
		}
		q.sum += q.buf[q.head];
		q.head = (q.head + 1) % QUEUE_SIZE;
		q.count--;
		if (++q.consumed == 2 * ITEMS)
			pthread_cond_broadcast(&q.not_empty);	/* the other consumer stops too */
		pthread_cond_signal(&q.not_full);
		pthread_mutex_unlock(&q.lock);
	}
}

static void test_locks(void)
{
	pthread_t t[MUTEX_THREADS], p[2], c[2];
	long expect = 0;

	for (int i = 0; i < MUTEX_THREADS; i++)
		pthread_create(&t[i], NULL, mutex_worker, NULL);
	for (int i = 0; i < MUTEX_THREADS; i++)
		pthread_join(t[i], NULL);
	check(counter == (long)MUTEX_THREADS * MUTEX_ROUNDS, "mutex.contended", "counter %ld, expected %ld",
	      counter, (long)MUTEX_THREADS * MUTEX_ROUNDS);

	pthread_create(&c[0], NULL, consumer, NULL);
	pthread_create(&c[1], NULL, consumer, NULL);
	pthread_create(&p[0], NULL, producer, (void *)0L);
	pthread_create(&p[1], NULL, producer, (void *)100000L);
	for (int i = 0; i < 2; i++) {
		pthread_join(p[i], NULL);
		pthread_join(c[i], NULL);
	}
	for (int i = 1; i <= ITEMS; i++)
		expect += i + (100000 + i);
	check(q.sum == expect && q.consumed == 2 * ITEMS, "condvar.producer_consumer",
	      "sum %ld expected %ld, %d consumed", q.sum, expect, q.consumed);
}

/* ---- futex(2) directly ---- */

static volatile uint32_t fa, fb;
static volatile int waiting;

struct waiter_arg {
	volatile uint32_t *addr;
	uint32_t val, bitset;
	long result;
};

static void *futex_waiter(void *arg)
{
	struct waiter_arg *w = arg;

	__atomic_fetch_add(&waiting, 1, __ATOMIC_SEQ_CST);
	w->result = w->bitset ? futex(w->addr, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, w->val, NULL, NULL,
				      w->bitset)
			      : futex(w->addr, FUTEX_WAIT_PRIVATE, w->val, NULL, NULL, 0);
	return NULL;
}

/* Starts n waiters and gives them time to block (one CPU: a short sleep lets each reach its wait). */
static void start_waiters(pthread_t *t, struct waiter_arg *w, int n)
{
	struct timespec ms = { 0, 2000000 };

	waiting = 0;
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, futex_waiter, &w[i]);
	while (waiting < n)
		sched_yield();
	nanosleep(&ms, NULL);
}

static void test_futex(void)
{
	struct timespec rel = { 0, 20 * 1000000 }, abs, bad = { 0, 1000000000 };
	pthread_t t[3];
	struct waiter_arg w[3];
	uint64_t t0, t1;
	long r, r2;
	uint32_t odd[2] = { 0, 0 };

	fa = 5;
	check(futex(&fa, FUTEX_WAIT_PRIVATE, 6, NULL, NULL, 0) == -EAGAIN, "futex.wait_eagain", "value differs");
	t0 = now_ns(CLOCK_MONOTONIC);
	r = futex(&fa, FUTEX_WAIT_PRIVATE, 5, &rel, NULL, 0);
	t1 = now_ns(CLOCK_MONOTONIC);
	check(r == -ETIMEDOUT && t1 - t0 >= 20000000 && t1 - t0 < 2000000000ull, "futex.wait_timeout",
	      "r %ld after %llu us", r, (unsigned long long)(t1 - t0) / 1000);

	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = futex(&fa, FUTEX_WAIT_BITSET_PRIVATE, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	t1 = now_ns(CLOCK_MONOTONIC);
	check(r == -ETIMEDOUT && t1 >= (uint64_t)abs.tv_sec * 1000000000u + (uint64_t)abs.tv_nsec,
	      "futex.wait_bitset_abs_monotonic", "r %ld", r);
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_nsec += 20000000;
	if (abs.tv_nsec >= 1000000000) {
		abs.tv_sec++;
		abs.tv_nsec -= 1000000000;
	}
	r = futex(&fa, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 5, &abs, NULL, FUTEX_BITSET_MATCH_ANY);
	check(r == -ETIMEDOUT && now_ns(CLOCK_REALTIME) >= (uint64_t)abs.tv_sec * 1000000000u + (uint64_t)abs.tv_nsec,
	      "futex.wait_bitset_abs_realtime", "r %ld", r);
	check(futex(&fa, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 5, &rel, NULL, 0) == -ENOSYS,
	      "futex.wait_realtime_enosys", "FUTEX_WAIT takes no CLOCK_REALTIME");
	check(futex(&fa, FUTEX_WAIT_PRIVATE, 5, &bad, NULL, 0) == -EINVAL, "futex.bad_timespec", "tv_nsec 1e9");
	check(futex(&fa, FUTEX_WAIT_BITSET_PRIVATE, 5, NULL, NULL, 0) == -EINVAL, "futex.bitset_zero", "bitset 0");
	check(futex((volatile uint32_t *)((char *)odd + 1), FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0) == -EINVAL,
	      "futex.misaligned", "address not 4-byte aligned");
	check(futex(&fa, FUTEX_LOCK_PI, 0, NULL, NULL, 0) == -ENOSYS, "futex.pi_enosys", "FUTEX_LOCK_PI");
	check(futex(&fa, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0) == 0, "futex.wake_nobody", "no waiters");

	/* One waiter, woken. */
	w[0] = (struct waiter_arg){ &fa, 5, 0, 1 };
	start_waiters(t, w, 1);
	r = futex(&fa, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	pthread_join(t[0], NULL);
	check(r == 1 && w[0].result == 0, "futex.wait_wake", "wake %ld, wait %ld", r, w[0].result);

	/* Bitsets: a wake with a disjoint bitset passes the waiter by. */
	w[0] = (struct waiter_arg){ &fa, 5, 0x1, 1 };
	start_waiters(t, w, 1);
	r = futex(&fa, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x2);
	r2 = futex(&fa, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 0x3);
	pthread_join(t[0], NULL);
	check(r == 0 && r2 == 1 && w[0].result == 0, "futex.bitset", "disjoint wake %ld, matching %ld", r, r2);

	/* REQUEUE: 3 waiters on fa; wake 1, move 2 to fb, then wake those on fb. */
	fb = 9;
	for (int i = 0; i < 3; i++)
		w[i] = (struct waiter_arg){ &fa, 5, 0, 1 };
	start_waiters(t, w, 3);
	r = futex(&fa, FUTEX_REQUEUE_PRIVATE, 1, (void *)2L, &fb, 0);
	r2 = futex(&fb, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	check(r == 3 && r2 == 2 && !w[0].result && !w[1].result && !w[2].result, "futex.requeue",
	      "requeue %ld, wake on the second word %ld", r, r2);

	/* CMP_REQUEUE: a stale expected value moves nobody; the right one moves both. */
	for (int i = 0; i < 2; i++)
		w[i] = (struct waiter_arg){ &fa, 5, 0, 1 };
	start_waiters(t, w, 2);
	r = futex(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)2L, &fb, 4);
	r2 = futex(&fa, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)2L, &fb, 5);
	futex(&fb, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	check(r == -EAGAIN && r2 == 2, "futex.cmp_requeue", "stale %ld, matching %ld", r, r2);
}

/* ---- clone3 directly: size rules, and a thread started on its own stack ---- */

static volatile uint32_t clone3_ctid = 1, clone3_ptid;
static volatile long clone3_child_tid;

static void clone3_child(void)
{
	clone3_child_tid = syscall(SYS_gettid);
}

/*
 * The child returns from the syscall on its own stack with the parent's
 * registers: r12 still holds fn, so it calls it, then exits the thread.
 */
static long raw_clone3(struct clone_args_v2 *a, size_t size, void (*fn)(void))
{
	register void (*r12)(void) __asm__("r12") = fn;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "and $-16, %%rsp\n\t"
			 "call *%%r12\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "ud2\n"
			 "1:"
			 : "=a"(ret)
			 : "0"(435L), "D"(a), "S"(size), "r"(r12)
			 : "rcx", "r11", "memory");
	return ret;
}

static void test_clone3(void)
{
	static char stack[16384] __attribute__((aligned(16)));
	struct { struct clone_args_v2 a; uint64_t extra[2]; } big;
	struct clone_args_v2 a;
	long r;

	memset(&big, 0, sizeof(big));
	check(raw_clone3(&big.a, 63, clone3_child) == -EINVAL, "clone3.size_small", "size 63");
	check(raw_clone3(&big.a, 4097, clone3_child) == -E2BIG, "clone3.size_big", "size 4097");
	big.extra[1] = 1;
	check(raw_clone3(&big.a, sizeof(big), clone3_child) == -E2BIG, "clone3.size_nonzero_tail",
	      "unknown fields must be zero");
	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	check(raw_clone3(&a, sizeof(a), clone3_child) == -ENOSYS, "clone3.fork_enosys", "a new process");
	check(syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0) == -1 && errno == ENOSYS, "clone.fork_enosys",
	      "errno %d", errno);
	a.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_NEWNS;
	a.exit_signal = 0;
	check(raw_clone3(&a, sizeof(a), clone3_child) == -EINVAL, "clone3.unsupported_flag", "CLONE_NEWNS");

	a.flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		  CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	a.parent_tid = (uint64_t)&clone3_ptid;
	a.child_tid = (uint64_t)&clone3_ctid;
	a.stack = (uint64_t)stack;
	a.stack_size = sizeof(stack);
	r = raw_clone3(&a, 88, clone3_child);
	if (r > 0)
		while (clone3_ctid != 0)
			futex(&clone3_ctid, FUTEX_WAIT, clone3_ctid, NULL, NULL, 0);
	check(r > 1 && clone3_ptid == (uint32_t)r && clone3_child_tid == r && clone3_ctid == 0,
	      "clone3.thread", "returned %ld, parent_tid %u, child saw tid %ld", r, clone3_ptid,
	      clone3_child_tid);
}

/* ---- sleeps and clocks ---- */

static void test_sleep(void)
{
	struct timespec d = { 0, 20000000 }, abs, bad = { 0, -1 };
	uint64_t t0, t1;
	long r;

	t0 = now_ns(CLOCK_MONOTONIC);
	r = nanosleep(&d, NULL);
	t1 = now_ns(CLOCK_MONOTONIC);
	check(r == 0 && t1 - t0 >= 20000000 && t1 - t0 < 2000000000ull, "nanosleep.duration", "%llu us",
	      (unsigned long long)(t1 - t0) / 1000);
	t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_MONOTONIC, 0, &d, NULL);
	t1 = now_ns(CLOCK_MONOTONIC);
	check(r == 0 && t1 - t0 >= 20000000 && t1 - t0 < 2000000000ull, "clock_nanosleep.relative",
	      "%llu us", (unsigned long long)(t1 - t0) / 1000);
	clock_gettime(CLOCK_MONOTONIC, &abs);
	abs.tv_sec += (abs.tv_nsec + 30000000) / 1000000000;
	abs.tv_nsec = (abs.tv_nsec + 30000000) % 1000000000;
	r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &abs, NULL);
	t1 = now_ns(CLOCK_MONOTONIC);
	check(r == 0 && t1 >= (uint64_t)abs.tv_sec * 1000000000u + (uint64_t)abs.tv_nsec,
	      "clock_nanosleep.abstime_monotonic", "woke early");
	clock_gettime(CLOCK_REALTIME, &abs);
	abs.tv_sec += (abs.tv_nsec + 30000000) / 1000000000;
	abs.tv_nsec = (abs.tv_nsec + 30000000) % 1000000000;
	r = clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs, NULL);
	t1 = now_ns(CLOCK_REALTIME);
	check(r == 0 && t1 >= (uint64_t)abs.tv_sec * 1000000000u + (uint64_t)abs.tv_nsec,
	      "clock_nanosleep.abstime_realtime", "woke early");
	abs = (struct timespec){ 0, 1 };	/* long past */
	t0 = now_ns(CLOCK_MONOTONIC);
	r = clock_nanosleep(CLOCK_BOOTTIME, TIMER_ABSTIME, &abs, NULL);
	check(r == 0 && now_ns(CLOCK_MONOTONIC) - t0 < 1000000000ull, "clock_nanosleep.past", "r %ld", r);
	check(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL) == EINVAL, "clock_nanosleep.bad_timespec",
	      "tv_nsec -1");
	check(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &d, NULL) == EINVAL, "clock_nanosleep.thread_clock",
	      "not a clock to sleep on");
	check(clock_nanosleep(42, 0, &d, NULL) == EINVAL, "clock_nanosleep.bad_clock", "clock 42");
}

static void *spin_a_while(void *arg)
{
	volatile unsigned long x = 0;

	for (unsigned long i = 0; i < 3000000; i++)
		x += i;
	*(uint64_t *)arg = now_ns(CLOCK_THREAD_CPUTIME_ID);
	return NULL;
}

static void test_cpu_clocks(void)
{
	uint64_t th0 = now_ns(CLOCK_THREAD_CPUTIME_ID), p0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	uint64_t mono0 = now_ns(CLOCK_MONOTONIC), child_cpu = 0, main_spin, th1, p1, mono1;
	struct timespec ts;
	pthread_t t;
	clockid_t cid;
	int ok;

	pthread_create(&t, NULL, spin_a_while, &child_cpu);
	ok = pthread_getcpuclockid(t, &cid) == 0 && clock_gettime(cid, &ts) == 0;
	pthread_join(t, NULL);
	spin_a_while(&main_spin);	/* the main thread's own share */
	th1 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	p1 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
	mono1 = now_ns(CLOCK_MONOTONIC);
	/* The process's time counts the ended thread too: at least the main thread's plus the child's. */
	check(ok && th1 > th0 && child_cpu > 0 && p1 - p0 >= (th1 - th0) + child_cpu / 2 &&
	      th1 - th0 < mono1 - mono0, "clock.cpu_time",
	      "thread %llu us, child %llu us, process %llu us, wall %llu us",
	      (unsigned long long)(th1 - th0) / 1000, (unsigned long long)child_cpu / 1000,
	      (unsigned long long)(p1 - p0) / 1000, (unsigned long long)(mono1 - mono0) / 1000);
}

/* ---- limits, affinity, signal state ---- */

static void test_limits(void)
{
	struct rlimit rl, big = { 2000, 1000 };
	int ok;

	ok = getrlimit(RLIMIT_STACK, &rl) == 0;
	check(ok && rl.rlim_cur == 8u << 20 && rl.rlim_max == RLIM_INFINITY, "rlimit.stack", "%llu/%llu",
	      (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	ok = getrlimit(RLIMIT_NOFILE, &rl) == 0;
	check(ok && rl.rlim_cur == 1024 && rl.rlim_max == 4096, "rlimit.nofile", "%llu/%llu",
	      (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	rl.rlim_cur = 512;
	ok = setrlimit(RLIMIT_NOFILE, &rl) == 0 && getrlimit(RLIMIT_NOFILE, &rl) == 0;
	check(ok && rl.rlim_cur == 512 && rl.rlim_max == 4096, "rlimit.round_trip", "%llu/%llu",
	      (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	ok = prlimit(1, RLIMIT_CORE, NULL, &rl) == 0;
	check(ok && rl.rlim_cur == 0, "rlimit.prlimit_own_pid", "core %llu", (unsigned long long)rl.rlim_cur);
	check(prlimit(2, RLIMIT_CORE, NULL, &rl) == -1 && errno == ESRCH, "rlimit.other_pid", "errno %d", errno);
	check(setrlimit(RLIMIT_NOFILE, &big) == -1 && errno == EINVAL, "rlimit.cur_above_max", "errno %d", errno);
	check(syscall(SYS_getrlimit, 99, &rl) == -1 && errno == EINVAL, "rlimit.bad_resource", "errno %d", errno);
}

static void *record_tid(void *arg)
{
	*(volatile long *)arg = tid();
	for (int i = 0; i < 100; i++)
		sched_yield();
	return NULL;
}

static void test_affinity(void)
{
	cpu_set_t set;
	volatile long other = 0;
	pthread_t t;
	long r;

	CPU_ZERO(&set);
	r = sched_getaffinity(0, sizeof(set), &set);
	check(r == 0 && CPU_COUNT(&set) == 1 && CPU_ISSET(0, &set), "sched_getaffinity", "r %ld, %d CPUs", r,
	      CPU_COUNT(&set));
	r = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	check(r == 8, "sched_getaffinity.size", "returned %ld bytes", r);
	check(syscall(SYS_sched_getaffinity, 0, 4, &set) == -1 && errno == EINVAL, "sched_getaffinity.short",
	      "errno %d", errno);
	pthread_create(&t, NULL, record_tid, (void *)&other);
	while (!other)
		sched_yield();
	check(syscall(SYS_sched_getaffinity, other, sizeof(set), &set) == 8, "sched_getaffinity.other_thread",
	      "tid %ld", other);
	pthread_join(t, NULL);
	check(syscall(SYS_sched_getaffinity, 9999, sizeof(set), &set) == -1 && errno == ESRCH,
	      "sched_getaffinity.no_such_tid", "errno %d", errno);
	check(sched_yield() == 0, "sched_yield", "failed");
}

static void handler(int sig)
{
	(void)sig;
}

static void test_signals(void)
{
	struct sigaction sa, old;
	sigset_t set, cur;
	stack_t ss, oss;
	static char altstack[65536];
	uint64_t bad[2] = { 0, 0 };
	int ok;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	ok = sigaction(SIGUSR1, &sa, NULL) == 0 && sigaction(SIGUSR1, NULL, &old) == 0;
	check(ok && old.sa_handler == handler && (old.sa_flags & SA_RESTART) && sigismember(&old.sa_mask, SIGUSR2),
	      "sigaction.round_trip", "handler %p flags %#x", (void *)old.sa_handler, old.sa_flags);
	check(sigaction(SIGKILL, &sa, NULL) == -1 && errno == EINVAL, "sigaction.sigkill", "errno %d", errno);
	check(syscall(SYS_rt_sigaction, SIGUSR1, NULL, bad, 4) == -1 && errno == EINVAL, "sigaction.sigsetsize",
	      "errno %d", errno);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ok = sigprocmask(SIG_BLOCK, &set, NULL) == 0 && sigprocmask(SIG_SETMASK, NULL, &cur) == 0;
	check(ok && sigismember(&cur, SIGUSR1), "sigprocmask.block", "SIGUSR1 not blocked");
	ok = sigprocmask(SIG_UNBLOCK, &set, NULL) == 0 && sigprocmask(SIG_SETMASK, NULL, &cur) == 0;
	check(ok && !sigismember(&cur, SIGUSR1), "sigprocmask.unblock", "SIGUSR1 still blocked");
	sigfillset(&set);
	ok = sigprocmask(SIG_SETMASK, &set, &cur) == 0 && sigprocmask(SIG_SETMASK, &cur, &set) == 0;
	check(ok && !sigismember(&set, SIGKILL) && !sigismember(&set, SIGSTOP) && sigismember(&set, SIGTERM),
	      "sigprocmask.unblockable", "SIGKILL or SIGSTOP blocked");
	check(syscall(SYS_rt_sigprocmask, 7, bad, NULL, 8) == -1 && errno == EINVAL, "sigprocmask.bad_how",
	      "errno %d", errno);

	ss = (stack_t){ .ss_sp = altstack, .ss_size = sizeof(altstack) };
	ok = sigaltstack(NULL, &oss) == 0 && (oss.ss_flags & SS_DISABLE);
	ok = ok && sigaltstack(&ss, NULL) == 0 && sigaltstack(NULL, &oss) == 0;
	check(ok && oss.ss_sp == altstack && oss.ss_size == sizeof(altstack) && oss.ss_flags == 0,
	      "sigaltstack.round_trip", "sp %p size %zu flags %d", oss.ss_sp, oss.ss_size, oss.ss_flags);
	ss.ss_size = 1000;
	check(sigaltstack(&ss, NULL) == -1 && errno == ENOMEM, "sigaltstack.too_small", "errno %d", errno);
	ss.ss_size = sizeof(altstack);
	ss.ss_flags = 0x40;
	check(sigaltstack(&ss, NULL) == -1 && errno == EINVAL, "sigaltstack.bad_flags", "errno %d", errno);

	check(kill(getpid(), 0) == 0, "kill.self_0", "errno %d", errno);
	check(kill(2, 0) == -1 && errno == ESRCH, "kill.other_pid", "errno %d", errno);
	check(syscall(SYS_tgkill, getpid(), tid(), 0) == 0, "tgkill.self_0", "errno %d", errno);
	check(syscall(SYS_tgkill, getpid(), 9999, 0) == -1 && errno == ESRCH, "tgkill.no_such_tid", "errno %d",
	      errno);
	check(kill(getpid(), 65) == -1 && errno == EINVAL, "kill.bad_signal", "errno %d", errno);
	/* Ignored by default, or by SIG_IGN: the process goes on. */
	signal(SIGUSR2, SIG_IGN);
	check(raise(SIGUSR2) == 0 && raise(SIGCHLD) == 0 && raise(SIGWINCH) == 0, "signal.ignored",
	      "raise failed");
}

/* ---- signal delivery: handlers, frames, interrupted calls, SIGPIPE ---- */

static volatile sig_atomic_t pipes_seen, alarms_seen, usr_seen, usr_blocked_inside;

static void count_pipe(int sig)
{
	(void)sig;
	pipes_seen++;
}

/*
 * A handler that scribbles on every register the interrupted code might
 * hold, vector ones included: the frame must give them all back.
 */
static void clobber_alarm(int sig)
{
	(void)sig;
	alarms_seen++;
	__asm__ volatile("mov $-1, %%rax\n\tmov $-1, %%rcx\n\tmov $-1, %%rdx\n\tmov $-1, %%rsi\n\t"
			 "mov $-1, %%rdi\n\tmov $-1, %%r8\n\tmov $-1, %%r9\n\tmov $-1, %%r10\n\tmov $-1, %%r11\n\t"
			 "pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm7, %%xmm7\n\tpcmpeqd %%xmm15, %%xmm15"
			 ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "xmm0", "xmm7", "xmm15",
			 "memory");
}

static int have_avx(void)
{
	uint32_t a, b, c, d, lo, hi;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c & (1u << 28)) || !(c & (1u << 27)))	/* AVX, OSXSAVE */
		return 0;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (lo & 6) == 6;
}

/* The registers a timer's SIGALRM found in the loop below, and the values they were set to. */
static uint64_t regs_after[19], avx_upper[2];
static volatile uint64_t spin_budget;
static const uint64_t avx_pattern = 0x0123456789abcdefull;

/*
 * Every general register but rsp and rbp holds a pattern while the loop
 * waits for a SIGALRM from ITIMER_REAL, which comes through the timer
 * interrupt; the handler clobbers them; the loop then stores what it has.
 */
static void spin_with_patterns(int avx)
{
	__asm__ volatile(
		"mov $0x1111111111111111, %%rax\n\tmov $0x2222222222222222, %%rbx\n\t"
		"mov $0x3333333333333333, %%rcx\n\tmov $0x4444444444444444, %%rdx\n\t"
		"mov $0x5555555555555555, %%rsi\n\tmov $0x6666666666666666, %%rdi\n\t"
		"mov $0x7777777777777777, %%r8\n\tmov $0x8888888888888888, %%r9\n\t"
		"mov $0x9999999999999999, %%r10\n\tmov $0xaaaaaaaaaaaaaaaa, %%r11\n\t"
		"mov $0xbbbbbbbbbbbbbbbb, %%r12\n\tmov $0xcccccccccccccccc, %%r13\n\t"
		"mov $0xdddddddddddddddd, %%r14\n\tmov $0xeeeeeeeeeeeeeeee, %%r15\n\t"
		"movq %%rbx, %%xmm0\n\tmovq %%r12, %%xmm7\n\tmovq %%r13, %%xmm15\n\t"
		"cmpl $0, %[avx]\n\tje 1f\n\t"
		"vbroadcastsd %[pat], %%ymm8\n"
		"1:\tcmpl $0, %[seen]\n\tjne 2f\n\t"
		"decq %[budget]\n\tjnz 1b\n"
		"2:\tmov %%rax, 0+%[out]\n\tmov %%rbx, 8+%[out]\n\tmov %%rcx, 16+%[out]\n\t"
		"mov %%rdx, 24+%[out]\n\tmov %%rsi, 32+%[out]\n\tmov %%rdi, 40+%[out]\n\t"
		"mov %%r8, 48+%[out]\n\tmov %%r9, 56+%[out]\n\tmov %%r10, 64+%[out]\n\t"
		"mov %%r11, 72+%[out]\n\tmov %%r12, 80+%[out]\n\tmov %%r13, 88+%[out]\n\t"
		"mov %%r14, 96+%[out]\n\tmov %%r15, 104+%[out]\n\t"
		"movq %%xmm0, %%rax\n\tmov %%rax, 112+%[out]\n\tmovq %%xmm7, %%rax\n\tmov %%rax, 120+%[out]\n\t"
		"movq %%xmm15, %%rax\n\tmov %%rax, 128+%[out]\n\t"
		"cmpl $0, %[avx]\n\tje 3f\n\t"
		"vextractf128 $1, %%ymm8, %[upper]\n\tvzeroupper\n"
		"3:"
		: [out] "=m"(regs_after), [upper] "=m"(avx_upper), [budget] "+m"(spin_budget)
		: [seen] "m"(alarms_seen), [avx] "m"(avx), [pat] "m"(avx_pattern)
		: "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
		  "xmm0", "xmm7", "xmm8", "xmm15", "memory", "cc");
}

static void test_register_frame(void)
{
	static const uint64_t want[17] = {
		0x1111111111111111, 0x2222222222222222, 0x3333333333333333, 0x4444444444444444,
		0x5555555555555555, 0x6666666666666666, 0x7777777777777777, 0x8888888888888888,
		0x9999999999999999, 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb, 0xcccccccccccccccc,
		0xdddddddddddddddd, 0xeeeeeeeeeeeeeeee, 0x2222222222222222, 0xbbbbbbbbbbbbbbbb,
		0xcccccccccccccccc,
	};
	static const char *const names[17] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10",
					       "r11", "r12", "r13", "r14", "r15", "xmm0", "xmm7", "xmm15" };
	struct sigaction sa = { .sa_handler = clobber_alarm };
	struct itimerval it = { .it_value = { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	int avx = have_avx(), bad = -1;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarms_seen = 0;
	spin_budget = 2000000000ull;
	setitimer(ITIMER_REAL, &it, NULL);
	spin_with_patterns(avx);
	setitimer(ITIMER_REAL, &off, NULL);
	signal(SIGALRM, SIG_DFL);
	for (int i = 0; i < 17 && bad < 0; i++)
		if (regs_after[i] != want[i])
			bad = i;
	check(alarms_seen == 1 && bad < 0, "signal.frame_restores_registers", "%d SIGALRMs; %s is %#llx, want %#llx",
	      (int)alarms_seen, bad < 0 ? "-" : names[bad], bad < 0 ? 0ull : (unsigned long long)regs_after[bad],
	      bad < 0 ? 0ull : (unsigned long long)want[bad]);
	if (avx)
		check(avx_upper[0] == avx_pattern && avx_upper[1] == avx_pattern, "signal.frame_restores_avx",
		      "ymm8's upper half is %#llx %#llx", (unsigned long long)avx_upper[0],
		      (unsigned long long)avx_upper[1]);
}

static sigjmp_buf fault_jump;
static volatile uint64_t fault_addr, fault_trapno;
static volatile int fault_code;
static volatile char *fixable;

static void on_segv_jump(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	fault_addr = (uint64_t)si->si_addr;
	fault_code = si->si_code;
	fault_trapno = (uint64_t)uc->uc_mcontext.gregs[REG_TRAPNO];
	siglongjmp(fault_jump, 1);
}

/* Makes the faulting page writable and returns: the write runs again and succeeds. */
static void on_segv_fix(int sig, siginfo_t *si, void *uc)
{
	(void)sig, (void)uc;
	fault_addr = (uint64_t)si->si_addr;
	fault_code = si->si_code;
	mprotect((void *)((uintptr_t)fixable & ~4095ul), 4096, PROT_READ | PROT_WRITE);
}

static void test_fault_handlers(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv_jump, .sa_flags = SA_SIGINFO };
	sigset_t now;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	fault_addr = fault_trapno = 0;
	if (sigsetjmp(fault_jump, 1) == 0) {
		volatile int *volatile bad = (volatile int *)16;

		*bad = 1;
	}
	sigprocmask(SIG_SETMASK, NULL, &now);
	check(fault_addr == 16 && fault_code == SEGV_MAPERR && fault_trapno == 14 && !sigismember(&now, SIGSEGV),
	      "signal.segv_handler", "si_addr %#llx si_code %d trapno %llu, SIGSEGV %sblocked after",
	      (unsigned long long)fault_addr, fault_code, (unsigned long long)fault_trapno,
	      sigismember(&now, SIGSEGV) ? "" : "not ");

	fixable = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	sa.sa_sigaction = on_segv_fix;
	sigaction(SIGSEGV, &sa, NULL);
	fault_addr = 0;
	if (fixable != MAP_FAILED)
		fixable[8] = 42;
	check(fixable != MAP_FAILED && fixable[8] == 42 && fault_addr == (uint64_t)(fixable + 8) &&
	      fault_code == SEGV_ACCERR, "signal.segv_handler_returns", "si_addr %#llx si_code %d",
	      (unsigned long long)fault_addr, fault_code);
	if (fixable != MAP_FAILED)
		munmap((void *)fixable, 4096);
	signal(SIGSEGV, SIG_DFL);
}

static void note_usr(int sig)
{
	sigset_t now;

	usr_seen++;
	sigprocmask(SIG_SETMASK, NULL, &now);
	usr_blocked_inside = sigismember(&now, sig);
}

struct poker {
	pthread_t whom;
	int sig, ms;
	volatile uint32_t *wake;	/* a futex word to bump and wake after the signal, or NULL */
};

static void *poke(void *arg)
{
	struct poker *p = arg;
	struct timespec d = { 0, p->ms * 1000000L };

	nanosleep(&d, NULL);
	pthread_kill(p->whom, p->sig);
	if (p->wake) {
		nanosleep(&d, NULL);
		__atomic_store_n(p->wake, 1, __ATOMIC_SEQ_CST);
		futex(p->wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
	return NULL;
}

/* A futex wait without a timeout, a handler on the way: SA_RESTART restarts it, else EINTR (signal(7)). */
static long futex_wait_poked(int flags)
{
	static volatile uint32_t word;
	struct sigaction sa = { .sa_handler = note_usr, .sa_flags = flags };
	struct poker p = { pthread_self(), SIGUSR1, 20, &word };
	pthread_t t;
	long r;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	word = 0;
	usr_seen = 0;
	pthread_create(&t, NULL, poke, &p);
	do
		r = futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	while (r == -EAGAIN && !word);
	pthread_join(t, NULL);
	signal(SIGUSR1, SIG_DFL);
	return r;
}

static void test_signal_delivery(void)
{
	struct sigaction sa = { .sa_handler = note_usr };
	sigset_t set, now;
	struct poker p = { pthread_self(), SIGUSR2, 20, NULL };
	pthread_t t;
	long r;
	int fds[2], sv[2];
	char c = 'x';

	test_register_frame();
	test_fault_handlers();

	r = futex_wait_poked(SA_RESTART);
	check(r == 0 && usr_seen == 1, "signal.futex_restarted", "futex returned %ld after %d handler runs", r,
	      (int)usr_seen);
	r = futex_wait_poked(0);
	check(r == -EINTR && usr_seen == 1, "signal.futex_eintr", "futex returned %ld after %d handler runs", r,
	      (int)usr_seen);

	/* SA_RESETHAND: the handler runs once and the action is SIG_DFL again; SA_NODEFER leaves it unblocked. */
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	sigaction(SIGUSR1, &sa, NULL);
	usr_seen = 0;
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &sa);
	check(usr_seen == 1 && sa.sa_handler == SIG_DFL && !usr_blocked_inside, "signal.resethand_nodefer",
	      "%d runs, handler %p, blocked inside %d", (int)usr_seen, (void *)sa.sa_handler, (int)usr_blocked_inside);

	/* sigsuspend: unblock and wait in one step; the handler runs, then the old mask is back. */
	sa.sa_handler = note_usr;
	sa.sa_flags = 0;
	sigaction(SIGUSR2, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	usr_seen = 0;
	pthread_create(&t, NULL, poke, &p);
	sigemptyset(&set);
	r = sigsuspend(&set);
	pthread_join(t, NULL);
	sigprocmask(SIG_SETMASK, NULL, &now);
	check(r == -1 && errno == EINTR && usr_seen == 1 && sigismember(&now, SIGUSR2), "signal.sigsuspend",
	      "returned %ld errno %d, %d runs, SIGUSR2 %sblocked after", r, errno, (int)usr_seen,
	      sigismember(&now, SIGUSR2) ? "" : "not ");
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGUSR2, SIG_DFL);

	/* alarm(2): what the last one had left, in whole seconds rounded up. */
	alarm(5);
	r = alarm(0);
	check(r == 5, "signal.alarm_left", "alarm(0) returned %ld, want 5", r);

	/* SIGPIPE: one per failed write to a pipe without a reader, each EPIPE. */
	signal(SIGPIPE, count_pipe);
	pipes_seen = 0;
	if (pipe(fds) == 0) {
		int e1, e2;
		struct iovec v = { &c, 1 };

		close(fds[0]);
		r = write(fds[1], &c, 1);
		e1 = errno;
		r += writev(fds[1], &v, 1);
		e2 = errno;
		close(fds[1]);
		check(r == -2 && e1 == EPIPE && e2 == EPIPE && pipes_seen == 2, "sigpipe.pipe_handler",
		      "writes returned %ld (errno %d, %d), %d SIGPIPEs", r, e1, e2, (int)pipes_seen);
	}
	/* A stream socket's send with MSG_NOSIGNAL raises none; without it, and write(), raise one each. */
	pipes_seen = 0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
		long a, b, d;

		close(sv[1]);
		a = send(sv[0], &c, 1, MSG_NOSIGNAL);
		check(a == -1 && errno == EPIPE && pipes_seen == 0, "sigpipe.msg_nosignal",
		      "send returned %ld errno %d, %d SIGPIPEs", a, errno, (int)pipes_seen);
		b = send(sv[0], &c, 1, 0);
		d = write(sv[0], &c, 1);
		check(b == -1 && d == -1 && pipes_seen == 2, "sigpipe.socket_handler",
		      "send %ld, write %ld, %d SIGPIPEs", b, d, (int)pipes_seen);
		close(sv[0]);
	} else {
		check(0, "sigpipe.msg_nosignal", "socketpair: errno %d", errno);
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(fds) == 0) {
		close(fds[0]);
		r = write(fds[1], &c, 1);
		check(r == -1 && errno == EPIPE, "sigpipe.ignored", "write returned %ld errno %d", r, errno);
		close(fds[1]);
	}
	signal(SIGPIPE, SIG_DFL);
}

/* ---- several threads changing the address space at once ---- */

static void *map_worker(void *arg)
{
	long bad = 0;

	for (int i = 0; i < 100; i++) {
		size_t len = (size_t)(1 + (i % 7)) << 16;
		unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			bad++;
			continue;
		}
		for (size_t off = 0; off < len; off += 4096)
			p[off] = (unsigned char)(long)arg;
		sched_yield();
		for (size_t off = 0; off < len; off += 4096)
			bad += p[off] != (unsigned char)(long)arg;
		if (i % 3 == 0)
			mprotect(p, 4096, PROT_READ);
		munmap(p, len);
	}
	return (void *)bad;
}

static void test_address_space(void)
{
	pthread_t t[4];
	long bad = 0;

	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, map_worker, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(t[i], &r);
		bad += (long)r;
	}
	check(bad == 0, "vm.threads_map_unmap", "%ld bad pages or failed maps", bad);
}

/* ---- the modes that end the process ---- */

static void *exit_group_42(void *arg)
{
	(void)arg;
	syscall(SYS_exit_group, 42);
	return NULL;
}

static void *exit_last(void *arg)
{
	struct timespec d = { 0, 10000000 };

	(void)arg;
	nanosleep(&d, NULL);	/* main has left by now */
	printf("threadtest: last thread exits with 5\n");
	fflush(stdout);
	syscall(SYS_exit, 5);
	return NULL;
}

static void *segv_in_thread(void *arg)
{
	(void)arg;
	volatile int *volatile p = (volatile int *)16;

	*p = 1;
	return NULL;
}

static void *strace_thread(void *arg)
{
	(void)arg;
	getppid();
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "abort")) {
		printf("threadtest: abort\n");
		abort();
	}
	if (!strcmp(mode, "sigterm")) {
		printf("threadtest: SIGTERM to myself\n");
		kill(getpid(), SIGTERM);
		return 1;
	}
	if (!strcmp(mode, "exit_group")) {
		pthread_create(&t, NULL, exit_group_42, NULL);
		pthread_join(t, NULL);
		return 1;	/* not reached: the thread ended the process */
	}
	if (!strcmp(mode, "last_exit")) {
		pthread_create(&t, NULL, exit_last, NULL);
		pthread_exit(NULL);
	}
	if (!strcmp(mode, "segv_thread")) {
		pthread_create(&t, NULL, segv_in_thread, NULL);
		pthread_join(t, NULL);
		return 1;
	}
	if (!strcmp(mode, "sigpipe")) {
		int fds[2];

		/* SIGPIPE's default action ends the process: 128 + 13. */
		printf("threadtest: a write to a pipe without a reader\n");
		if (pipe(fds) == 0 && close(fds[0]) == 0)
			write(fds[1], "x", 1);
		return 1;
	}
	if (!strcmp(mode, "badframe")) {
		/* rt_sigreturn with no frame on the stack (rsp 16: the frame would be at 8): SIGSEGV, not a crash. */
		printf("threadtest: rt_sigreturn with a bad frame\n");
		__asm__ volatile("mov $16, %%rsp\n\tmov %0, %%eax\n\tsyscall" :: "i"(SYS_rt_sigreturn) : "memory");
		return 1;
	}
	if (!strcmp(mode, "delivery")) {
		/* Only the signal delivery checks: they also run on Linux itself, to compare. */
		test_signal_delivery();
		printf("threadtest: %d passed, %d failed\n", passed, failed);
		return failed;
	}
	if (!strcmp(mode, "strace")) {
		pthread_create(&t, NULL, strace_thread, NULL);
		pthread_join(t, NULL);
		getppid();
		return 0;
	}
	test_threads();
	test_detach();
	test_locks();
	test_futex();
	test_clone3();
	test_sleep();
	test_cpu_clocks();
	test_limits();
	test_affinity();
	test_signals();
	test_signal_delivery();
	test_address_space();
	test_cycles();
	printf("threadtest: %d passed, %d failed\n", passed, failed);
	return failed;
}
