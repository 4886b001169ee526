/* SPDX-License-Identifier: BSD-2-Clause */
/* The device model: buses add devices, drivers claim them by ID tables, subsystems find them by class. */
#ifndef KERNEL_DEVICE_H
#define KERNEL_DEVICE_H

#include <mote/compiler.h>
#include <mote/types.h>
#include "lib/list.h"

#define DEVICE_NAME_MAX 40

/* Which bus a device sits on: each bus defines what its device and ID table look like. */
enum bus_kind {
	BUS_PCI = 1,
	BUS_VIRTIO_MMIO = 2,
	BUS_XEN = 3,		/* later */
	BUS_VMBUS = 4,		/* later */
};

struct driver;

struct device {
	enum bus_kind bus;
	char name[DEVICE_NAME_MAX];	/* "pci 0000:00:03.0", "virtio-mmio@0xfeb00000" */
	const char *desc;		/* what it is, filled by the bus: "virtio block (1042)" */
	void *bus_data;			/* struct pci_device *, struct virtio_mmio_device * */
	struct driver *driver;		/* NULL: no driver claimed it */
	void *driver_data;
	int probe_error;		/* the last probe's result, for the device list */
	struct list_node link;
};

/*
 * A driver for one bus. match() decides from the bus data (ID tables live
 * in the driver); probe() brings the device up: 0, or a negative errno
 * after leaving the device reset (the rest of the system keeps working).
 */
struct driver {
	const char *name;
	enum bus_kind bus;
	int order;			/* lower probes first: e.g. consoles before disks */
	bool (*match)(struct device *dev);
	int (*probe)(struct device *dev);
};

/* Drivers register at link time, so what is not built is not linked (Kconfig). */
#define DRIVER(var) \
	static const struct driver *const var##_entry __section(".drivers") __attribute__((used)) = &var

/* A bus found a device; it is probed by device_probe_all(). */
void device_add(struct device *dev);
/* Matches and probes every device with the registered drivers, in driver order. */
void device_probe_all(void);
/* One line per device: name, what it is, its driver or why none. */
void device_list_print(void);
/* Iterates over the devices: pass NULL to start. */
struct device *device_next(struct device *prev);

#endif
