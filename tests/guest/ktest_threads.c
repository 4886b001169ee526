/* SPDX-License-Identifier: BSD-2-Clause */
/* Threads and the scheduler in a booted guest: join, yield, sleep, preemption, vector state, stack overflow. */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/thread.h"
#include "kernel/time.h"

static void *return_arg(void *arg)
{
	return (void *)((uint64_t)arg * 2);
}

KTEST(threads)
{
	int failures = 0;
	struct thread *t[8];
	void *ret = NULL;

	for (uint64_t i = 0; i < 8; i++) {
		t[i] = thread_create("worker", return_arg, (void *)i, 0, THREAD_PRIO_DEFAULT);
		KCHECK(t[i] != NULL);
	}
	for (uint64_t i = 0; i < 8; i++) {
		KCHECK(thread_join(t[i], &ret) == 0);
		KCHECK(ret == (void *)(i * 2));
	}
	/* Bad use: joining itself, a detached thread, twice. */
	KCHECK(thread_join(thread_current(), NULL) == -EDEADLK);
	t[0] = thread_create("detached", return_arg, NULL, 0, THREAD_PRIO_DEFAULT);
	KCHECK(thread_detach(t[0]) == 0);
	KCHECK(thread_detach(t[0]) == -EINVAL);
	KCHECK(thread_join(t[0], NULL) == -EINVAL);
	sched_yield();	/* lets it run and be reaped */
	/* Many create/join rounds reuse stacks and leave nothing behind. */
	for (int i = 0; i < 200; i++) {
		struct thread *w = thread_create("churn", return_arg, NULL, 0, THREAD_PRIO_DEFAULT);

		KCHECK(w && thread_join(w, NULL) == 0);
	}
	thread_dump();
	return failures;
}

static volatile int order[16];
static volatile int norder;

static void *yielder(void *arg)
{
	for (int i = 0; i < 4; i++) {
		order[norder++] = (int)(uint64_t)arg;
		sched_yield();
	}
	return NULL;
}

/* Two threads of one priority alternate on every yield (round robin). */
KTEST(yield)
{
	int failures = 0;
	struct thread *a, *b;

	/* Above both while creating them, so that neither starts before the other exists. */
	thread_set_priority(thread_current(), THREAD_PRIO_DEFAULT + 2);
	a = thread_create("a", yielder, (void *)1, 0, THREAD_PRIO_DEFAULT + 1);
	b = thread_create("b", yielder, (void *)2, 0, THREAD_PRIO_DEFAULT + 1);
	thread_set_priority(thread_current(), THREAD_PRIO_DEFAULT);
	KCHECK(thread_join(a, NULL) == 0 && thread_join(b, NULL) == 0);
	printk("ktest: order %d %d %d %d %d %d %d %d (%d)\n", order[0], order[1], order[2], order[3], order[4], order[5], order[6], order[7], norder);
	KCHECK(norder == 8);
	for (int i = 0; i < norder; i++)
		KCHECK(order[i] == 1 + (i & 1));
	return failures;
}

/* Sleep wakes no earlier than asked, and not much later (TCG follows a loaded host). */
KTEST(sleep)
{
	int failures = 0;
	static const uint64_t asks[] = { 1000000, 5000000, 20000000, 100000000 };

	for (unsigned int i = 0; i < 4; i++) {
		uint64_t t0 = time_monotonic_ns(), slept;

		sched_sleep_ns(asks[i]);
		slept = time_monotonic_ns() - t0;
		printk("ktest: asked %lu us, slept %lu us\n", asks[i] / 1000, slept / 1000);
		KCHECK(slept >= asks[i]);
		KCHECK(slept <= asks[i] + 50000000ull);
	}
	return failures;
}

static volatile bool stop_spinning;

static void *spinner(void *arg)
{
	(void)arg;
	while (!stop_spinning)
		;
	return NULL;
}

/* A thread that spins forever does not stop another of its priority from finishing. */
KTEST(preempt)
{
	int failures = 0;
	struct thread *s = thread_create("spinner", spinner, NULL, 0, THREAD_PRIO_DEFAULT);
	uint64_t t0 = time_monotonic_ns();

	KCHECK(s != NULL);
	sched_yield();			/* the spinner runs now; only its time slice ending brings us back */
	printk("ktest: back after %lu us\n", (time_monotonic_ns() - t0) / 1000);
	stop_spinning = true;
	KCHECK(thread_join(s, NULL) == 0);
	return failures;
}

/*
 * Vector state survives preemption: each thread keeps its own values in all
 * sixteen XMM registers (and the upper YMM halves with AVX) and checks them
 * in a loop long enough to be preempted many times.
 */
static volatile int fpu_errors;
static volatile bool fpu_stop;

static void *fpu_checker(void *arg)
{
	uint64_t tag = (uint64_t)arg, buf[4], seen = 0, loops = 0;

	buf[0] = buf[1] = buf[2] = buf[3] = tag * 0x0101010101010101ull;
	if (cpu.avx)
		__asm__ volatile("vbroadcastsd (%0), %%ymm0\n\t"
				 "vmovdqa %%ymm0, %%ymm1\n\tvmovdqa %%ymm0, %%ymm15" :: "r"(buf) : "memory");
	else
		__asm__ volatile("movq (%0), %%xmm0\n\tmovq %%xmm0, %%xmm1\n\tmovq %%xmm0, %%xmm15"
				 :: "r"(buf) : "memory");
	while (!fpu_stop || loops < 1000) {
		uint64_t out[4] = { 0, 0, 0, 0 }, out15[4] = { 0, 0, 0, 0 };

		if (cpu.avx)
			__asm__ volatile("vmovdqu %%ymm1, (%0)\n\tvmovdqu %%ymm15, (%1)"
					 :: "r"(out), "r"(out15) : "memory");
		else
			__asm__ volatile("movq %%xmm1, (%0)\n\tmovq %%xmm15, (%1)"
					 :: "r"(out), "r"(out15) : "memory");
		for (int i = 0; i < (cpu.avx ? 4 : 1); i++)
			if (out[i] != buf[0] || out15[i] != buf[0])
				seen++;
		loops++;
	}
	if (seen)
		fpu_errors++;
	printk("ktest: fpu thread %lu: %lu loops, %lu mismatches\n", tag, loops, seen);
	return NULL;
}

KTEST(fpu_preempt)
{
	int failures = 0;
	struct thread *a = thread_create("fpu-a", fpu_checker, (void *)0x11, 0, THREAD_PRIO_DEFAULT);
	struct thread *b = thread_create("fpu-b", fpu_checker, (void *)0x22, 0, THREAD_PRIO_DEFAULT);

	sched_sleep_ns(200000000ull);	/* both run, sharing the CPU in 10 ms slices */
	fpu_stop = true;
	KCHECK(thread_join(a, NULL) == 0 && thread_join(b, NULL) == 0);
	KCHECK(a != NULL && b != NULL);
	KCHECK(fpu_errors == 0);
	return failures;
}

static volatile int depth_limit = 1 << 30;

static __attribute__((noinline)) int deep(int n)
{
	volatile char pad[256];

	pad[0] = (char)n;
	if (n > depth_limit)
		return 0;
	return deep(n + 1) + pad[0];
}

static void *overflow(void *arg)
{
	(void)arg;
	return (void *)(uint64_t)deep(0);
}

/* A thread that overflows its stack hits the guard page and is reported by name. */
KTEST(thread_overflow)
{
	struct thread *t = thread_create("deep-recursion", overflow, NULL, 8192, THREAD_PRIO_DEFAULT);

	thread_join(t, NULL);
	return 1;	/* not reached: the overflow stops the VM */
}

/* Benchmarks, run under -icount (TSC = instructions): printed as `bench: NAME VALUE`. */
#define BENCH_ROUNDS 10000


static void *pinger(void *arg)
{
	(void)arg;
	for (int i = 0; i < BENCH_ROUNDS; i++)
		sched_yield();
	return NULL;
}

KTEST(bench_sched)
{
	int failures = 0;
	struct thread *a, *b;
	uint64_t t0, t1;

	time_tsc_hz();	/* calibrate first (10 ms of guest time), outside the measurement */
	thread_set_priority(thread_current(), THREAD_PRIO_DEFAULT + 2);
	a = thread_create("ping", pinger, NULL, 0, THREAD_PRIO_DEFAULT + 1);
	b = thread_create("pong", pinger, NULL, 0, THREAD_PRIO_DEFAULT + 1);
	t0 = rdtsc();
	thread_set_priority(thread_current(), THREAD_PRIO_DEFAULT);
	KCHECK(thread_join(a, NULL) == 0 && thread_join(b, NULL) == 0);
	t1 = rdtsc();
	/* 2 x ROUNDS yields, each one switch; starting, ending and joining the two add < 1 per switch. */
	printk("bench: sched.yield_pair.insns %lu\n", (t1 - t0) / (2 * BENCH_ROUNDS));

	t0 = rdtsc();
	for (int i = 0; i < 100; i++) {
		struct thread *w = thread_create("bench", return_arg, NULL, 0, THREAD_PRIO_DEFAULT + 1);
		KCHECK(w && thread_join(w, NULL) == 0);
	}
	t1 = rdtsc();
	printk("bench: thread.create_join.insns %lu\n", (t1 - t0) / 100);
	return failures;
}

/* The console key (Ctrl-T) prints the thread list: waits up to 20 s for someone to press it. */
KTEST(console_key)
{
	int failures = 0;
	uint64_t until = time_monotonic_ns() + 20 * NSEC_PER_SEC;

	printk("ktest: press Ctrl-T\n");
	while (console_key_count() == 0 && time_monotonic_ns() < until)
		sched_sleep_ns(10000000ull);
	KCHECK(console_key_count() > 0);
	return failures;
}
