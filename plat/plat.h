/* SPDX-License-Identifier: BSD-2-Clause */
/* Platform interface: firmware tables, interrupt controllers, clocks and power, for the kernel above. */
#ifndef PLAT_PLAT_H
#define PLAT_PLAT_H

#include <mote/bootinfo.h>
#include <mote/compiler.h>

/* Reads ACPI or the MP table (through the direct map); before interrupts are on. */
void plat_init_early(const struct bootinfo *bi);
/* Masks the legacy PIC, sets up IOAPICs and the local APIC. */
void plat_init(void);
/* Delivers ISA IRQ irq (0-15) to this CPU at vector: 0, or -ENODEV without an I/O APIC. */
int plat_route_isa_irq(unsigned int irq, unsigned int vector);
/* Delivers GSI gsi (an I/O APIC input) at vector: 0 or -ENODEV. */
int plat_route_gsi(uint32_t gsi, unsigned int vector, bool level, bool active_low);
/* PCI Express ECAM base from ACPI's MCFG (segment 0), or 0 when there is none (use ports 0xCF8/0xCFC). */
uint64_t plat_ecam_base(unsigned int *bus_start, unsigned int *bus_end);
/* "pc (ACPI)", "microvm (MP table)", ... */
const char *plat_name(void);

/*
 * A device the firmware tables describe by hardware ID (an ACPI _HID)
 * with one memory range and one interrupt: how QEMU microvm with ACPI
 * and Firecracker-style VMMs list their virtio-mmio devices.
 */
struct plat_fw_device {
	char name[5];			/* the firmware's name for it, "VR23" */
	uint64_t base, size;
	uint32_t gsi;
	bool level, active_low;
};
/*
 * Calls fn for each device with hardware ID hid in the firmware tables
 * (ACPI: the DSDT, read on each call). Devices it cannot decode are
 * skipped with a message. Nothing on the boot path calls it: only the
 * drivers that want such devices, so images without them carry none of it.
 */
void plat_find_devices(const char *hid, void (*fn)(const struct plat_fw_device *dev, void *arg),
		       void *arg);

/* Wall clock at the time of the call, seconds since 1970, from the CMOS RTC; 0 when unknown. */
uint64_t plat_rtc_seconds(void);

/*
 * A free-running reference counter of known frequency, for calibrating the
 * TSC and the LAPIC timer when no CPUID leaf or paravirtual clock tells
 * them: the ACPI PM timer where present, else PIT channel 0. Returns false
 * when the platform has neither.
 */
struct plat_refclock {
	const char *name;
	uint64_t hz;
	uint64_t (*read)(void);		/* monotonic count, wrap handled by the caller within `mask` */
	uint64_t mask;
};
bool plat_refclock(struct plat_refclock *out);

__noreturn void plat_poweroff(int status);

#endif
