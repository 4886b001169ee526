/* SPDX-License-Identifier: BSD-2-Clause */
/* Preemptive priority scheduler: one run queue per priority, round-robin slices within one, tickless. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/percpu.h"
#include "kernel/heap.h"
#include "kernel/log.h"
#include "kernel/panic.h"
#include "kernel/sched_internal.h"
#include "kernel/thread.h"
#include "kernel/time.h"

#define NPRIO (THREAD_PRIO_MAX + 1)

/*
 * The run queue. One CPU for now; every access already happens under
 * rq.lock with interrupts off, so SMP adds per-CPU queues, not rewrites.
 */
static struct {
	struct spinlock lock;
	struct list_node queue[NPRIO];
	uint32_t nonempty;		/* bit p: queue[p] has threads */
	struct thread *current;
	struct thread *idle;
	bool need_resched;
	struct timer slice_timer;	/* ends the current slice when others share its priority */
	struct thread *last_switched_from;	/* read by the thread switched to */
} rq;

void arch_switch(uint64_t *save_rsp, uint64_t load_rsp);

struct thread *thread_current(void)
{
	return rq.current;
}

static void enqueue(struct thread *t)
{
	list_push_back(&rq.queue[t->prio], &t->run_link);
	rq.nonempty |= 1u << t->prio;
}

static void dequeue(struct thread *t)
{
	list_remove(&t->run_link);
	if (list_empty(&rq.queue[t->prio]))
		rq.nonempty &= ~(1u << t->prio);
}

static int top_prio(void)
{
	return rq.nonempty ? 31 - __builtin_clz(rq.nonempty) : -1;
}

void thread_start(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&rq.lock);

	t->state = THREAD_READY;
	enqueue(t);
	if (rq.current && t->prio > rq.current->prio)
		rq.need_resched = true;
	spin_unlock_irqrestore(&rq.lock, flags);
	sched_resched_if_needed();
}

void sched_requeue_prio(struct thread *t, int prio)
{
	uint64_t flags = spin_lock_irqsave(&rq.lock);

	if (t->state == THREAD_READY) {
		dequeue(t);
		t->prio = prio;
		enqueue(t);
	} else {
		t->prio = prio;
	}
	if (rq.current && top_prio() > rq.current->prio)
		rq.need_resched = true;
	spin_unlock_irqrestore(&rq.lock, flags);
	sched_resched_if_needed();
}

/*
 * The slice timer is re-armed lazily: a switch only records when the new
 * slice ends (a TSC value) and arms the timer if it is idle; when it fires
 * early for a slice that began later, it re-arms for the rest. So a switch
 * costs no timer reprogramming.
 */
static uint64_t slice_ticks;

static void slice_expired(struct timer *t, void *arg)
{
	struct thread *cur = rq.current;
	uint64_t now = rdtsc();

	(void)arg;
	if (cur == rq.idle || list_empty(&rq.queue[cur->prio]))
		return;		/* nobody to share with any more */
	if ((int64_t)(cur->slice_end - now) > 0) {
		timer_arm(t, time_monotonic_ns() + tsc_to_ns(cur->slice_end - now));
		return;
	}
	rq.need_resched = true;	/* acted on when the interrupt returns */
}

/* With rq.lock held: next starts a slice; the timer runs while others share its priority. */
static inline void start_slice_locked(struct thread *next, uint64_t now_tsc)
{
	if (next == rq.idle || list_empty(&rq.queue[next->prio]))
		return;
	if (!slice_ticks)
		slice_ticks = ns_to_tsc(SCHED_SLICE_NS);
	next->slice_end = now_tsc + slice_ticks;
	if (!rq.slice_timer.armed)
		timer_arm(&rq.slice_timer, time_monotonic_ns() + SCHED_SLICE_NS);
}

/* Vector and TLS state belong to the thread (DESIGN.md, Ring 0 rules). */
/*
 * The TLS bases matter only to threads that run application code: the
 * kernel never uses FS or GS, so a kernel thread may run with whatever
 * base the last application thread left.
 */
static inline void switch_cpu_state(struct thread *prev, struct thread *next)
{
	fpu_save(prev->fpu);
	if (prev->user_tls) {
		if (cpu.fsgsbase)
			__asm__ volatile("rdfsbase %0; rdgsbase %1" : "=r"(prev->fs_base), "=r"(prev->gs_base));
		else {
			prev->fs_base = rdmsr(MSR_FS_BASE);
			prev->gs_base = rdmsr(MSR_GS_BASE);
		}
	}
	if (next->user_tls) {
		if (cpu.fsgsbase)
			__asm__ volatile("wrfsbase %0; wrgsbase %1" :: "r"(next->fs_base), "r"(next->gs_base));
		else {
			wrmsr(MSR_FS_BASE, next->fs_base);
			wrmsr(MSR_GS_BASE, next->gs_base);
		}
	}
	fpu_restore(next->fpu);
}

/* After a switch, in the thread that now runs: reap a predecessor that exited detached. */
static void finish_switch(struct thread *prev)
{
	if (prev && prev->state == THREAD_DEAD)
		thread_reap_if_detached(prev);
}

/* The switch itself; interrupts are off. Inlined into its two callers: a yield is a hot path. */
static inline __attribute__((always_inline)) void schedule_irqs_off(void)
{
	uint64_t now;
	struct thread *prev, *next;
	int p;

	spin_lock_raw(&rq.lock);
	prev = rq.current;
	rq.need_resched = false;
	if (prev->state == THREAD_RUNNING && prev != rq.idle) {
		prev->state = THREAD_READY;
		enqueue(prev);
	}
	p = top_prio();
	if (p < 0) {
		next = rq.idle;
	} else {
		next = list_entry(rq.queue[p].next, struct thread, run_link);
		dequeue(next);
	}
	next->state = THREAD_RUNNING;
	now = rdtsc();
	if (next == prev) {
		start_slice_locked(next, now);
		spin_unlock_raw(&rq.lock);
		return;
	}
	prev->cpu_ticks += now - prev->run_start;
	next->run_start = now;
	start_slice_locked(next, now);
	rq.current = next;
	this_cpu()->kstack_base = next->stack.base;
	this_cpu()->kstack_top = next->stack.top;
	switch_cpu_state(prev, next);
	rq.last_switched_from = prev;
	arch_switch(&prev->rsp, next->rsp);
	/* Running as prev again: whoever switched to us left its name in rq.last_switched_from. */
	prev = rq.last_switched_from;
	spin_unlock_raw(&rq.lock);
	finish_switch(prev);
}

void schedule(void)
{
	uint64_t flags = irq_save();

	schedule_irqs_off();
	irq_restore(flags);
}

/* The first code a new thread runs (through arch_thread_trampoline). */
void arch_thread_start(void)
{
	struct thread *prev = rq.last_switched_from;

	spin_unlock_raw(&rq.lock);
	finish_switch(prev);
	irq_enable();
	thread_run_entry(rq.current);
}

void sched_resched_if_needed(void)
{
	struct thread *cur = rq.current;

	if (rq.need_resched && cur && cur->preempt_count == 0 && irqs_enabled())
		schedule();
}

void sched_preempt_point(void)
{
	struct thread *cur = rq.current;

	/* Interrupts are off here (inside an interrupt gate); schedule() keeps them so. */
	if (rq.need_resched && cur && cur->preempt_count == 0)
		schedule();
}

void preempt_disable(void)
{
	if (rq.current)
		rq.current->preempt_count++;
	barrier();
}

void preempt_enable(void)
{
	barrier();
	if (rq.current && --rq.current->preempt_count == 0)
		sched_resched_if_needed();
}

void sched_yield(void)
{
	uint64_t flags = irq_save();

	if (rq.current->preempt_count == 0)
		schedule_irqs_off();
	irq_restore(flags);
}

void sched_prepare_block(uint64_t deadline_ns)
{
	struct thread *cur = rq.current;

	cur->state = THREAD_BLOCKED;
	cur->timed_out = false;
	if (deadline_ns)
		timer_arm(&cur->wake_timer, deadline_ns);
}

/*
 * The interruption flag is read and the thread marked blocked under
 * rq.lock, where sched_interrupt sets it: either the sleeper sees the
 * flag, or the interrupter sees an interruptible sleeper and wakes it.
 */
bool sched_prepare_block_intr(uint64_t deadline_ns)
{
	struct thread *cur = rq.current;

	spin_lock_raw(&rq.lock);	/* interrupts are off: the blocking protocol */
	if (cur->intr) {
		spin_unlock_raw(&rq.lock);
		return false;
	}
	cur->intr_sleep = true;
	cur->state = THREAD_BLOCKED;
	cur->timed_out = false;
	spin_unlock_raw(&rq.lock);
	if (deadline_ns)
		timer_arm(&cur->wake_timer, deadline_ns);
	return true;
}

/* The wake timer of a blocked thread: its deadline passed. */
void sched_wake_timeout(struct timer *t, void *arg)
{
	struct thread *th = arg;

	(void)t;
	th->timed_out = true;
	sched_wake(th);
}

/* With rq.lock held. */
static bool wake_locked(struct thread *t)
{
	bool was = t->state == THREAD_BLOCKED;

	if (was) {
		t->state = THREAD_READY;
		enqueue(t);
		if (t->prio > rq.current->prio)
			rq.need_resched = true;
		else if (t->prio == rq.current->prio && !rq.slice_timer.armed)
			start_slice_locked(rq.current, rdtsc());
	}
	return was;
}

bool sched_wake(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&rq.lock);
	bool was = wake_locked(t);

	spin_unlock_irqrestore(&rq.lock, flags);
	return was;
}

void sched_interrupt(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&rq.lock);

	t->intr = true;
	if (t->intr_sleep)
		wake_locked(t);
	spin_unlock_irqrestore(&rq.lock, flags);
	sched_resched_if_needed();
}

void sched_interrupt_clear(struct thread *t)
{
	WRITE_ONCE(t->intr, false);
}

bool sched_timed_out(void)
{
	return rq.current->timed_out;
}

void sched_after_block(void)
{
	struct thread *cur = rq.current;

	cur->intr_sleep = false;
	if (cur->wake_timer.armed)
		timer_cancel(&cur->wake_timer);
}

void sched_sleep_ns(uint64_t ns)
{
	uint64_t flags = irq_save();

	sched_prepare_block(time_monotonic_ns() + ns);
	schedule();
	sched_after_block();
	irq_restore(flags);
}

int sched_sleep_intr(uint64_t deadline_ns)
{
	uint64_t flags = irq_save();
	int r = -EINTR;

	if (sched_prepare_block_intr(deadline_ns)) {
		schedule();
		sched_after_block();
		/* Nothing else knows this sleep: it ends by its deadline, or by an interruption. */
		r = rq.current->timed_out || !READ_ONCE(rq.current->intr) ? 0 : -EINTR;
	}
	irq_restore(flags);
	return r;
}

static void *idle_loop(void *arg)
{
	(void)arg;
	for (;;) {
		irq_disable();
		if (rq.nonempty) {
			schedule();
			irq_enable();
			continue;
		}
		/* sti takes effect after the next instruction: no wake-up slips in before hlt. */
		__asm__ volatile("sti; hlt" ::: "memory");
	}
	return NULL;
}

void sched_init_queues(struct thread *main, struct thread *idle)
{
	for (int p = 0; p < NPRIO; p++)
		list_init(&rq.queue[p]);
	timer_init(&rq.slice_timer, slice_expired, NULL);
	main->state = THREAD_RUNNING;
	main->run_start = rdtsc();
	rq.current = main;
	rq.idle = idle;
	idle->state = THREAD_READY;	/* never on a queue: picked when all are empty */
}

void *sched_idle_entry(void *arg)
{
	return idle_loop(arg);
}
