/* SPDX-License-Identifier: BSD-2-Clause */
/* Intel 8254 PIT channel 0 as a free-running reference counter for clock calibration (IRQ 0 stays masked). */
#include "arch/x86_64/cpu.h"
#include "plat/pc/pc.h"

#define PIT_CH0		0x40
#define PIT_CMD		0x43

static uint16_t last;
static uint64_t total;

void pit_start_free(void)
{
	outb(PIT_CMD, 0x34);	/* channel 0, lobyte/hibyte, mode 2 (rate generator), binary */
	outb(PIT_CH0, 0);	/* reload 0 = 65536 */
	outb(PIT_CH0, 0);
	last = 0;
	total = 0;
}

/* Ticks since pit_start_free(); must be called at least every 54 ms (one wrap). */
uint64_t pit_read(void)
{
	uint16_t now;

	outb(PIT_CMD, 0x00);	/* latch channel 0 */
	now = inb(PIT_CH0);
	now |= (uint16_t)inb(PIT_CH0) << 8;
	total += (uint16_t)(last - now);	/* it counts down */
	last = now;
	return total;
}
