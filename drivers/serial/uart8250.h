/* SPDX-License-Identifier: BSD-2-Clause */
/* 8250/16550 UART console on an I/O port (COM1 = 0x3f8). */
#ifndef DRIVERS_SERIAL_UART8250_H
#define DRIVERS_SERIAL_UART8250_H

#include <mote/types.h>

#define UART8250_COM1 0x3f8

/* Programs the UART and registers it as a console. */
void uart8250_console_init(uint16_t port);
/* Takes input by interrupt from then on (ISA IRQ 4 for COM1): 0 or -ENODEV. */
int uart8250_enable_rx_irq(unsigned int isa_irq);

#endif
