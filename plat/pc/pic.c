/* SPDX-License-Identifier: BSD-2-Clause */
/* The legacy 8259A PIC pair: moved off the exception vectors and masked, since we use the APICs. */
#include "arch/x86_64/cpu.h"
#include "plat/pc/pc.h"

/*
 * Even masked, a PIC can raise a spurious IRQ 7/15 at its vector base, which
 * defaults to 8 — the #DF vector. Intel 8259A data sheet: ICW1..ICW4.
 */
void pic_disable(void)
{
	outb(0x20, 0x11);	/* ICW1: edge, cascade, ICW4 follows */
	outb(0xa0, 0x11);
	outb(0x21, 0x20);	/* ICW2: vector bases 0x20 and 0x28 */
	outb(0xa1, 0x28);
	outb(0x21, 0x04);	/* ICW3: slave on IRQ 2 */
	outb(0xa1, 0x02);
	outb(0x21, 0x01);	/* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff);	/* mask everything */
	outb(0xa1, 0xff);
}
