/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel timers on the tickless one-shot LAPIC timer: callbacks at monotonic deadlines. */
#ifndef KERNEL_TIMER_H
#define KERNEL_TIMER_H

#include <mote/types.h>
#include "lib/list.h"

struct timer {
	struct list_node link;		/* sorted by deadline */
	uint64_t deadline_ns;
	void (*fn)(struct timer *t, void *arg);	/* runs in interrupt context */
	void *arg;
	bool armed;
};

void timer_init(struct timer *t, void (*fn)(struct timer *t, void *arg), void *arg);
/* (Re)arms t for the monotonic time deadline_ns. */
void timer_arm(struct timer *t, uint64_t deadline_ns);
/* Disarms t; true if it was armed (its callback will not run). */
bool timer_cancel(struct timer *t);
/* Starts the timer interrupt; before this, armed timers wait. */
void timer_subsystem_init(void);

#endif
