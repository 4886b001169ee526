/* SPDX-License-Identifier: BSD-2-Clause */
/* Timers: a deadline-sorted list; the one-shot timer is armed for the earliest deadline only (tickless). */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "kernel/timer.h"

static struct spinlock lock = SPINLOCK_INIT;
static struct list_node timers = LIST_INIT(timers);
static bool running;
static uint64_t armed_for;	/* deadline the hardware is set for; 0 = none */

void timer_init(struct timer *t, void (*fn)(struct timer *t, void *arg), void *arg)
{
	list_init(&t->link);
	t->fn = fn;
	t->arg = arg;
	t->armed = false;
	t->deadline_ns = 0;
}

/* With the lock held: program the hardware for the first deadline, if it changed. */
static void program_locked(void)
{
	uint64_t first;

	if (!running || list_empty(&timers)) {
		armed_for = 0;
		return;
	}
	first = list_entry(timers.next, struct timer, link)->deadline_ns;
	if (first != armed_for) {
		armed_for = first;
		time_timer_arm(first);
	}
}

void timer_arm(struct timer *t, uint64_t deadline_ns)
{
	uint64_t flags = spin_lock_irqsave(&lock);
	struct list_node *pos = timers.prev;

	if (t->armed)
		list_remove(&t->link);
	t->deadline_ns = deadline_ns;
	t->armed = true;
	/* Timers are mostly added at the end; search from the back. */
	while (pos != &timers && list_entry(pos, struct timer, link)->deadline_ns > deadline_ns)
		pos = pos->prev;
	list_insert_between(&t->link, pos, pos->next);
	if (timers.next == &t->link)
		program_locked();
	spin_unlock_irqrestore(&lock, flags);
}

bool timer_cancel(struct timer *t)
{
	uint64_t flags = spin_lock_irqsave(&lock);
	bool was = t->armed;

	if (was) {
		list_remove(&t->link);
		t->armed = false;
		/* The hardware may still fire for it; the interrupt then finds nothing due. */
	}
	spin_unlock_irqrestore(&lock, flags);
	return was;
}

static void timer_irq(struct trap_frame *tf, void *arg)
{
	uint64_t flags, now;

	(void)tf, (void)arg;
	flags = spin_lock_irqsave(&lock);
	armed_for = 0;
	now = time_monotonic_ns();
	while (!list_empty(&timers)) {
		struct timer *t = list_entry(timers.next, struct timer, link);

		if (t->deadline_ns > now)
			break;
		list_remove(&t->link);
		t->armed = false;
		spin_unlock_raw(&lock);
		t->fn(t, t->arg);
		spin_lock_raw(&lock);
		now = time_monotonic_ns();
	}
	program_locked();
	spin_unlock_irqrestore(&lock, flags);
}

void timer_subsystem_init(void)
{
	uint64_t flags;

	trap_set_handler(VEC_TIMER, timer_irq, NULL);
	flags = spin_lock_irqsave(&lock);
	running = true;
	program_locked();
	spin_unlock_irqrestore(&lock, flags);
}
