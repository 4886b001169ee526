/* SPDX-License-Identifier: BSD-2-Clause */
/* The device list and the probe loop: each device goes to the first matching driver, lowest order first. */
#include <mote/errno.h>
#include "kernel/device.h"
#include "kernel/init.h"
#include "kernel/log.h"
#include "lib/string.h"

extern const struct driver *const __drivers_start[], *const __drivers_end[];

static struct list_node devices = LIST_INIT(devices);

void device_add(struct device *dev)
{
	list_init(&dev->link);
	dev->driver = NULL;
	dev->probe_error = -ENODEV;
	list_push_back(&devices, &dev->link);
}

struct device *device_next(struct device *prev)
{
	struct list_node *n = prev ? prev->link.next : devices.next;

	return n == &devices ? NULL : list_entry(n, struct device, link);
}

/* The `nodriver=NAME[,NAME...]` kernel parameter keeps drivers off their devices (tests, debugging). */
static bool driver_disabled(const char *name)
{
	const char *list = cmdline_get(&kernel_cmdline, "nodriver");
	size_t n = strlen(name);

	while (list && *list) {
		if (strncmp(list, name, n) == 0 && (list[n] == ',' || list[n] == '\0'))
			return true;
		list = strchr(list, ',');
		if (list)
			list++;
	}
	return false;
}

void device_probe_all(void)
{
	int lo = 0, hi = 0;

	/* The orders in use, lowest first; a handful of drivers, so a simple pass per order. */
	for (const struct driver *const *d = __drivers_start; d < __drivers_end; d++) {
		if ((*d)->order < lo)
			lo = (*d)->order;
		if ((*d)->order > hi)
			hi = (*d)->order;
	}
	for (int order = lo; order <= hi; order++) {
		for (const struct driver *const *d = __drivers_start; d < __drivers_end; d++) {
			const struct driver *drv = *d;

			if (drv->order != order || driver_disabled(drv->name))
				continue;
			for (struct device *dev = device_next(NULL); dev; dev = device_next(dev)) {
				if (dev->driver || dev->bus != drv->bus || !drv->match(dev))
					continue;
				dev->probe_error = drv->probe(dev);
				if (dev->probe_error == 0)
					dev->driver = (struct driver *)drv;
				else
					pr_warn("%s: %s driver failed (%d); device left unused\n", dev->name,
						drv->name, dev->probe_error);
			}
		}
	}
}

void device_list_print(void)
{
	for (struct device *dev = device_next(NULL); dev; dev = device_next(dev))
		pr_info("device %s: %s, %s\n", dev->name, dev->desc ? dev->desc : "unknown",
			dev->driver ? dev->driver->name : "no driver");
}
