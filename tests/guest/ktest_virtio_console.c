/* SPDX-License-Identifier: BSD-2-Clause */
/* virtio console in a booted guest: lines printed reach the host's file past many ring wraps; host input reaches console_read(). */
#include <mote/errno.h>
#include "arch/x86_64/cpu.h"
#include "drivers/pci/pci.h"
#include "drivers/virtio/virtio.h"
#include "drivers/virtio/virtio_console.h"
#include "kernel/console.h"
#include "kernel/device.h"
#include "kernel/init.h"
#include "kernel/ktest.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/cmdline.h"
#include "lib/string.h"

/* tests/guest/virtio_console.sh looks for these in the file behind the device. */
#define VCON_MARKER	"ktest: virtio_console marker 5e1f-c0de"
/* printk pieces take a transmit buffer each: 64 lines wrap the 16-buffer ring many times over. */
#define VCON_LINES	64
#define VCON_FLUSH_NS	((uint64_t)2000 * 1000000)
#define VCON_INPUT_NS	((uint64_t)5000 * 1000000)

/* virtio_console.expect=WORD: the host typed WORD and a newline into the device. */
static int check_input(const char *want)
{
	int failures = 0;
	uint64_t deadline = time_monotonic_ns() + VCON_INPUT_NS;
	struct virtio_console_stats st = { 0 };
	char got[64];
	size_t n;

	/* console_read() would wait for good: first see that the bytes came, by interrupt. */
	while (virtio_console_flush(VCON_FLUSH_NS, &st) == 0 && st.received < strlen(want) + 1 &&
	       time_monotonic_ns() < deadline)
		cpu_relax();
	KCHECK(st.received >= strlen(want) + 1);
	if (st.received < strlen(want) + 1)
		return failures;
	n = console_read(got, sizeof(got) - 1);
	got[n] = '\0';
	while (n > 0 && (got[n - 1] == '\n' || got[n - 1] == '\r'))
		got[--n] = '\0';
	printk("ktest: virtio_console read \"%s\"\n", got);
	KCHECK(strcmp(got, want) == 0);
	return failures;
}

KTEST(virtio_console)
{
	int failures = 0;
	struct virtio_console_stats st = { 0 };
	const char *transport, *want;
	int r;

	/* Boot may have done this already: each step is idempotent. */
	pci_enumerate();
	virtio_mmio_scan(&kernel_cmdline);
	device_probe_all();

	transport = virtio_console_transport();
	KCHECK(transport != NULL);
	if (!transport)
		return failures;
	printk("ktest: virtio_console via %s\n", transport);
	printk("%s\n", VCON_MARKER);
	for (int i = 0; i < VCON_LINES; i++)
		printk("ktest: virtio_console line %d of %d\n", i + 1, VCON_LINES);
	/* With interrupts off too: the transmit path never waits for an interrupt. */
	irq_disable();
	printk("ktest: virtio_console written with interrupts off\n");
	irq_enable();

	r = virtio_console_flush(VCON_FLUSH_NS, &st);
	printk("ktest: virtio_console %lu bytes sent, %lu dropped\n", st.sent, st.dropped);
	KCHECK(r == 0);
	KCHECK(st.dropped == 0);
	KCHECK(st.sent > (uint64_t)VCON_LINES * 30);

	want = cmdline_get(&kernel_cmdline, "virtio_console.expect");
	if (want)
		failures += check_input(want);
	if (failures == 0)
		printk("ktest: virtio_console: ok\n");
	/* The host checks the device's side for the lines above: they must be out before the VM stops. */
	virtio_console_flush(VCON_FLUSH_NS, &st);
	return failures;
}
