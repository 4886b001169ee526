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

/* Bounded wait: a missing UART reads 0xff (THR empty) and a stuck one must not hang us. */
static void uart_wait_thr_empty(uint16_t port)
{
	for (int i = 0; i < 100000 && !(inb(port + LSR) & LSR_THR_EMPTY); i++)
		cpu_relax();
}

static void uart_putc(uint16_t port, char c)
{
	uart_wait_thr_empty(port);
	outb(port + THR, (uint8_t)c);
}

static void uart_write(struct console *c, const char *s, size_t n)
{
	struct uart8250 *u = (struct uart8250 *)c;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(u->port, '\r');
		uart_putc(u->port, s[i]);
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
	/*
	 * FIFOs off: QEMU's 16550 paces a FIFO at the line rate (87 us a byte
	 * at 115200 baud), which tripled the console's share of boot time;
	 * byte by byte it sends at once.
	 */
	outb(port + FCR, 0x00);
	outb(port + MCR, 0x03);		/* DTR, RTS */
	com1.console.name = "ttyS0";
	com1.console.write = uart_write;
	com1.console.read_byte = uart_read_byte;
	console_register(&com1.console);
}
