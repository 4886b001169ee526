/* SPDX-License-Identifier: BSD-2-Clause */
/* Thread lifecycle: create with a guarded stack and vector-state area, exit, join, detach, reap, dump. */
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
#include "lib/format.h"
#include "lib/string.h"

#define STACK_FILL 0x5354414b5354414bull	/* "KATSKATS": never-written stack reads as this */
#define IDLE_STACK (8 * 1024)

static struct spinlock all_lock = SPINLOCK_INIT;
static struct list_node all_threads = LIST_INIT(all_threads);
static unsigned int next_id;

void arch_thread_trampoline(void);
void arch_thread_start(void);

static void copy_name(struct thread *t, const char *name)
{
	strlcpy(t->name, name ? name : "thread", sizeof(t->name));
}

static void fill_stack(uint64_t from, uint64_t to)
{
	memset64((void *)from, STACK_FILL, (to - from) / 8);
}

static void track(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);

	t->id = next_id++;
	list_push_back(&all_threads, &t->all_link);
	spin_unlock_irqrestore(&all_lock, flags);
}

static void untrack(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&all_lock);

	list_remove(&t->all_link);
	spin_unlock_irqrestore(&all_lock, flags);
}

static void thread_free(struct thread *t)
{
	untrack(t);
	kstack_free(&t->stack);
	kfree(t->fpu);
	kfree(t);
}

/* Everything but the stack: shared by new threads and the boot flow's "main". */
static struct thread *thread_alloc(const char *name, int prio)
{
	struct thread *t = kcalloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fpu = kmalloc_aligned(fpu_state_size(), FPU_STATE_ALIGN);
	if (!t->fpu) {
		kfree(t);
		return NULL;
	}
	fpu_init_state(t->fpu);
	copy_name(t, name);
	t->prio = prio < THREAD_PRIO_MIN ? THREAD_PRIO_MIN : prio > THREAD_PRIO_MAX ? THREAD_PRIO_MAX : prio;
	list_init(&t->run_link);
	list_init(&t->all_link);
	waitq_init(&t->exit_wq);
	timer_init(&t->wake_timer, sched_wake_timeout, t);
	return t;
}

struct thread *thread_create_suspended(const char *name, void *(*entry)(void *), void *arg,
				       size_t stack_size, int prio)
{
	struct thread *t = thread_alloc(name, prio);
	uint64_t *sp;

	if (!t)
		return NULL;
	if (kstack_alloc(stack_size ? ALIGN_UP(stack_size, PAGE_SIZE) : THREAD_STACK_DEFAULT,
			 &t->stack)) {
		kfree(t->fpu);
		kfree(t);
		return NULL;
	}
	if (prio > THREAD_PRIO_MIN)
		fill_stack(t->stack.base, t->stack.top);
	else
		t->stack_unfilled = true;	/* the idle thread: created on every boot */
	t->entry = entry;
	t->arg = arg;
	/*
	 * The first arch_switch to it pops six callee-saved registers (zero),
	 * returns into arch_thread_trampoline, which pops and calls
	 * arch_thread_start with %rsp 16-byte aligned.
	 */
	sp = (uint64_t *)(t->stack.top - 80);
	for (int i = 0; i < 6; i++)
		sp[i] = 0;
	sp[6] = (uint64_t)arch_thread_trampoline;
	sp[7] = (uint64_t)arch_thread_start;
	t->rsp = (uint64_t)sp;
	track(t);
	return t;
}

struct thread *thread_create(const char *name, void *(*entry)(void *), void *arg,
			     size_t stack_size, int prio)
{
	struct thread *t = thread_create_suspended(name, entry, arg, stack_size, prio);

	if (t)
		thread_start(t);
	return t;
}

__noreturn void thread_run_entry(struct thread *t)
{
	thread_exit(t->entry(t->arg));
}

__noreturn void thread_exit(void *retval)
{
	struct thread *t = thread_current();
	uint64_t flags = spin_lock_irqsave(&t->exit_wq.lock);

	(void)flags;	/* never restored: this thread does not run again */
	t->retval = retval;
	t->state = THREAD_DEAD;
	waitq_wake_locked(&t->exit_wq, -1);
	spin_unlock_raw(&t->exit_wq.lock);
	schedule();
	panic("thread %s ran after it exited", t->name);
}

void thread_reap_if_detached(struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&t->exit_wq.lock);
	bool reap = t->detached;

	spin_unlock_irqrestore(&t->exit_wq.lock, flags);
	if (reap)
		thread_free(t);
}

int thread_join(struct thread *t, void **retval)
{
	struct waiter w;
	uint64_t flags;

	if (!t)
		return -EINVAL;
	if (t == thread_current())
		return -EDEADLK;
	flags = spin_lock_irqsave(&t->exit_wq.lock);
	if (t->detached || t->joining) {
		spin_unlock_irqrestore(&t->exit_wq.lock, flags);
		return -EINVAL;
	}
	t->joining = true;
	while (t->state != THREAD_DEAD)
		waitq_wait_locked(&t->exit_wq, &w, 0, &flags, 0);
	spin_unlock_irqrestore(&t->exit_wq.lock, flags);
	/* One CPU: a dead thread woke us before switching away, and we ran only after that. */
	if (retval)
		*retval = t->retval;
	thread_free(t);
	return 0;
}

int thread_detach(struct thread *t)
{
	uint64_t flags;
	bool dead;

	if (!t)
		return -EINVAL;
	flags = spin_lock_irqsave(&t->exit_wq.lock);
	if (t->detached || t->joining) {
		spin_unlock_irqrestore(&t->exit_wq.lock, flags);
		return -EINVAL;
	}
	t->detached = true;
	dead = t->state == THREAD_DEAD && t != thread_current();
	spin_unlock_irqrestore(&t->exit_wq.lock, flags);
	if (dead)
		thread_free(t);
	return 0;
}

const char *thread_current_name(void)
{
	struct thread *t = thread_current();

	return t ? t->name : NULL;
}

void thread_enter_user(void)
{
	thread_current()->user_tls = true;
}

void thread_set_priority(struct thread *t, int prio)
{
	if (prio < THREAD_PRIO_MIN + 1)
		prio = THREAD_PRIO_MIN + 1;	/* below every thread is the idle thread's alone */
	if (prio > THREAD_PRIO_MAX)
		prio = THREAD_PRIO_MAX;
	sched_requeue_prio(t, prio);
}

uint64_t thread_cpu_ticks(const struct thread *t)
{
	uint64_t flags = irq_save(), ticks = t->cpu_ticks;

	/* With interrupts off: a switch would move the slice from run_start into cpu_ticks. */
	if (t->state == THREAD_RUNNING)
		ticks += rdtsc() - t->run_start;
	irq_restore(flags);
	return ticks;
}

size_t thread_stack_used(const struct thread *t)
{
	const uint64_t *p = (const uint64_t *)t->stack.base;

	if (t->stack_unfilled)
		return 0;
	while ((uint64_t)p < t->stack.top && *p == STACK_FILL)
		p++;
	return t->stack.top - (uint64_t)p;
}

static const char *state_name(enum thread_state s)
{
	switch (s) {
	case THREAD_READY:
		return "ready";
	case THREAD_RUNNING:
		return "running";
	case THREAD_BLOCKED:
		return "blocked";
	case THREAD_DEAD:
		return "dead";
	}
	return "?";
}

static void dump_one(struct thread *t)
{
	char used[24];

	if (t->stack_unfilled)
		strlcpy(used, "     ?", sizeof(used));
	else
		fmt_snprintf(used, sizeof(used), "%6zu", thread_stack_used(t));
	printk("  %4u %-16s %-8s %4d %10lu %s/%zu\n", t->id, t->name, state_name(t->state),
	       t->prio, tsc_to_ns(t->cpu_ticks) / 1000, used, (size_t)(t->stack.top - t->stack.base));
}

void thread_dump(void)
{
	uint64_t flags = irq_save();
	struct list_node *pos, *tmp;
	bool locked = false;

	/* Also called from panic(), perhaps with the list lock held: do not wait for ever. */
	for (int i = 0; i < 100000 && !(locked = spin_trylock_raw(&all_lock)); i++)
		cpu_relax();
	printk("mote: threads%s\n    id name             state    prio    cpu(us) stack used/size\n",
	       locked ? "" : " (list lock busy: read without it)");
	list_for_each_safe(pos, tmp, &all_threads)
		dump_one(list_entry(pos, struct thread, all_link));
	if (locked)
		spin_unlock_raw(&all_lock);
	irq_restore(flags);
}

void sched_init(void)
{
	struct percpu *pc = this_cpu();
	struct thread *main = thread_alloc("main", THREAD_PRIO_DEFAULT);
	struct thread *idle;

	if (!main)
		panic("no memory for the main thread");
	/* The boot flow becomes "main", on the stack it already runs on. */
	main->stack.base = pc->kstack_base;
	main->stack.top = pc->kstack_top;
	/* Not filled: that is 2k instructions on every boot, for a figure few need. */
	main->stack_unfilled = true;
	track(main);
	idle = thread_create_suspended("idle", sched_idle_entry, NULL, IDLE_STACK, THREAD_PRIO_MIN);
	if (!idle)
		panic("no memory for the idle thread");
	sched_init_queues(main, idle);
}
