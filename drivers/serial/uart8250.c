/* SPDX-License-Identifier: BSD-2-Clause */
/* 8250/16550 UART console: polled output with CR before LF, polled input. */
#include "arch/x86_64/cpu.h"
#include "drivers/serial/uart8250.h"
#include "arch/x86_64/trap.h"
#include "kernel/console.h"
#include "plat/plat.h"

/* Register offsets and bits (National Semiconductor PC16550D data sheet). */
#define THR 0	/* transmit holding (write) / receive buffer (read) */
#define IER 1
#define FCR 2
#define LCR 3
#define MCR 4
#define LSR 5
#define DLL 0	/* with LCR.DLAB */
#define DLM 1
#define LSR_DATA_READY	0x01
#define LSR_THR_EMPTY	0x20
#define LCR_DLAB	0x80
#define LCR_8N1		0x03

struct uart8250 {
	struct console console;
	uint16_t port;
};

static struct uart8250 com1;

#define FIFO_DEPTH 16	/* 16550: THR empty means the whole transmit FIFO is free */

/* Bounded wait: a missing UART reads 0xff (THR empty) and a stuck one must not hang us. */
static void uart_wait_thr_empty(uint16_t port)
{
	for (int i = 0; i < 100000 && !(inb(port + LSR) & LSR_THR_EMPTY); i++)
		cpu_relax();
}

/*
 * One status read per FIFO-full of bytes rather than per byte: under a VMM
 * every port access is an exit, and the console is on the boot path.
 */
static void uart_write(struct console *c, const char *s, size_t n)
{
	struct uart8250 *u = (struct uart8250 *)c;
	int room = 0;

	for (size_t i = 0; i < n; i++) {
		bool crlf = s[i] == '\n';

		if (room < 1 + crlf) {
			uart_wait_thr_empty(u->port);
			room = FIFO_DEPTH;
		}
		if (crlf) {
			outb(u->port + THR, '\r');
			room--;
		}
		outb(u->port + THR, (uint8_t)s[i]);
		room--;
	}
}

/* Receive interrupt: every waiting byte goes to the console layer. */
static void uart_irq(struct trap_frame *tf, void *arg)
{
	struct uart8250 *u = arg;
	uint8_t lsr;

	(void)tf;
	while ((lsr = inb(u->port + LSR)) != 0xff && (lsr & LSR_DATA_READY))
		console_input(inb(u->port + THR));
}

int uart8250_enable_rx_irq(unsigned int isa_irq)
{
	unsigned int vector = VEC_IRQ_BASE + isa_irq;
	int r;

	trap_set_handler(vector, uart_irq, &com1);
	r = plat_route_isa_irq(isa_irq, vector);
	if (r)
		return r;
	outb(com1.port + MCR, 0x0b);	/* DTR, RTS, OUT2: OUT2 gates the IRQ line on PCs */
	outb(com1.port + IER, 0x01);	/* received data available */
	console_set_input_irq(true);
	return 0;
}

static int uart_read_byte(struct console *c)
{
	struct uart8250 *u = (struct uart8250 *)c;
	uint8_t lsr = inb(u->port + LSR);

	if (lsr == 0xff || !(lsr & LSR_DATA_READY))
		return -1;
	return inb(u->port + THR);
}

void uart8250_console_init(uint16_t port)
{
	com1.port = port;
	outb(port + IER, 0);
	outb(port + LCR, LCR_DLAB);
	outb(port + DLL, 1);		/* 115200 baud */
	outb(port + DLM, 0);
	outb(port + LCR, LCR_8N1);
	outb(port + FCR, 0x07);		/* FIFOs on and cleared */
	outb(port + MCR, 0x03);		/* DTR, RTS */
	com1.console.name = "ttyS0";
	com1.console.write = uart_write;
	com1.console.read_byte = uart_read_byte;
	console_register(&com1.console);
}
