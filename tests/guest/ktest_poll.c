/* SPDX-License-Identifier: BSD-2-Clause */
/* Readiness in a booted guest: pollhead subscription and notification, console input as a pollable source. */
#include "arch/x86_64/cpu.h"
#include "fs/poll.h"
#include "kernel/console.h"
#include "kernel/ktest.h"
#include "kernel/log.h"

struct counted_entry {
	struct poll_entry pe;
	unsigned int calls;
	unsigned int events;
	bool irqs_on;		/* seen inside the callback: it must never be */
};

static void count_notify(struct poll_entry *pe, unsigned int events)
{
	struct counted_entry *c = container_of(pe, struct counted_entry, pe);

	c->calls++;
	c->events |= events;
	c->irqs_on |= irqs_enabled();
}

/* A table that subscribes one counted entry. */
struct one_table {
	struct poll_table pt;
	struct counted_entry *entry;
};

static void one_subscribe(struct poll_table *pt, struct pollhead *h)
{
	poll_entry_add(h, &container_of(pt, struct one_table, pt)->entry->pe);
}

static void counted_init(struct counted_entry *c)
{
	c->pe.head = NULL;
	c->pe.notify = count_notify;
	c->calls = c->events = 0;
	c->irqs_on = false;
}

KTEST(pollhead)
{
	int failures = 0;
	struct pollhead h;
	struct counted_entry a, b;
	uint64_t flags;

	pollhead_init(&h);
	counted_init(&a);
	counted_init(&b);
	/* Nobody subscribed: a notification is a no-op. */
	pollhead_notify(&h, POLLIN);
	poll_entry_add(&h, &a.pe);
	poll_entry_add(&h, &b.pe);
	KCHECK(a.pe.head == &h && b.pe.head == &h);
	pollhead_notify(&h, POLLIN);
	KCHECK(a.calls == 1 && b.calls == 1 && a.events == POLLIN && b.events == POLLIN);
	/* From interrupt context (interrupts off), as a driver's handler notifies. */
	flags = irq_save();
	pollhead_notify(&h, POLLOUT);
	irq_restore(flags);
	KCHECK(a.calls == 2 && a.events == (POLLIN | POLLOUT));
	poll_entry_remove(&a.pe);
	KCHECK(a.pe.head == NULL);
	poll_entry_remove(&a.pe);	/* twice is harmless */
	pollhead_notify(&h, POLLHUP);
	KCHECK(a.calls == 2 && b.calls == 3 && (b.events & POLLHUP));
	KCHECK(!a.irqs_on && !b.irqs_on);
	poll_entry_remove(&b.pe);
	pollhead_notify(&h, POLLIN);
	KCHECK(b.calls == 3);
	return failures;
}

/* Console input: console_input() is what the UART's interrupt calls for each byte received. */
KTEST(console_poll)
{
	int failures = 0;
	struct counted_entry c;
	struct one_table t = { { one_subscribe }, &c };
	char buf[16];
	unsigned int ev;
	size_t n;
	uint64_t flags;

	/* Whatever was typed before the test is not ours. */
	while (console_read_nonblock(buf, sizeof(buf)))
		;
	counted_init(&c);
	ev = console_poll(&t.pt);
	KCHECK(c.pe.head != NULL);
	KCHECK(ev & POLLOUT);
	KCHECK(!(ev & POLLIN));		/* needs input by interrupt, as on QEMU's 8250 */
	KCHECK(console_read_nonblock(buf, sizeof(buf)) == 0);
	flags = irq_save();
	console_input('o');
	console_input('k');
	console_input('\r');
	irq_restore(flags);
	KCHECK(c.calls == 3 && (c.events & POLLIN));
	KCHECK(!c.irqs_on);
	KCHECK(console_poll(NULL) & POLLIN);
	n = console_read_nonblock(buf, sizeof(buf));
	KCHECK(n == 3 && buf[0] == 'o' && buf[1] == 'k' && buf[2] == '\r');
	KCHECK(!(console_poll(NULL) & POLLIN));
	poll_entry_remove(&c.pe);
	console_input('z');
	KCHECK(c.calls == 3);
	/* A blocking read takes what is there at once. */
	KCHECK(console_read(buf, sizeof(buf)) == 1 && buf[0] == 'z');
	printk("ktest: console_poll done\n");
	return failures;
}
