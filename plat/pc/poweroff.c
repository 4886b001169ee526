/* SPDX-License-Identifier: BSD-2-Clause */
/* Leaving the VM: isa-debug-exit with the status, then ACPI S5, then a triple fault, then halt. */
#include "arch/x86_64/cpu.h"
#include "plat/pc/pc.h"
#include "plat/plat.h"

#define DEBUG_EXIT_PORT 0xf4	/* QEMU isa-debug-exit as the runner configures it */

__noreturn void plat_poweroff(int status)
{
	const struct acpi_info *ai = &pc.acpi_info;

	irq_disable();
	/* QEMU exits with (status << 1) | 1; elsewhere the port is unused and this is harmless. */
	outb(DEBUG_EXIT_PORT, (uint8_t)status);
	if (pc.acpi && ai->has_s5 && ai->pm1a_cnt) {
		outw(ai->pm1a_cnt, (uint16_t)(ai->slp_typa << ACPI_PM1_SLP_TYP_SHIFT) | ACPI_PM1_SLP_EN);
		if (ai->pm1b_cnt)
			outw(ai->pm1b_cnt, (uint16_t)(ai->slp_typb << ACPI_PM1_SLP_TYP_SHIFT) |
				   ACPI_PM1_SLP_EN);
	}
	/* No ACPI (microvm): a triple fault, which QEMU's -no-reboot turns into an exit. */
	{
		struct { uint16_t limit; uint64_t base; } __packed empty = { 0, 0 };
		__asm__ volatile("lidt %0; int3" :: "m"(empty));
	}
	for (;;)
		cpu_halt();
}
