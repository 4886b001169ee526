/* SPDX-License-Identifier: BSD-2-Clause */
/* A small AML reader: finds Device() objects by _HID in a DSDT and decodes their _CRS, without an interpreter. */
#ifndef PLAT_PC_AML_H
#define PLAT_PC_AML_H

#include <mote/types.h>

/* What aml_find_devices() reports for one device. */
struct aml_device {
	char name[5];			/* the device's own name segment, "VR23" */
	uint32_t offset;		/* of its DeviceOp in the table */
	const char *skipped;		/* NULL: decoded; else why the device is skipped */
	uint64_t base, size;		/* the first memory range in _CRS */
	uint32_t gsi;			/* the first interrupt in _CRS */
	bool level, active_low;		/* its trigger and polarity */
};

typedef void (*aml_device_fn)(const struct aml_device *dev, void *arg);

/*
 * Walks the definition block table[0..len) (a DSDT or SSDT, header
 * included) and calls fn for every Device() whose _HID is hid, given as
 * a string or as an EISA ID integer, with the first memory range and the
 * first interrupt of its _CRS resource template. Such a device that cannot
 * be decoded, and any object whose PkgLength runs past what holds it
 * (named when it has a name), comes with `skipped` saying why. Never reads
 * outside the table; terms it does not know, and objects too long, end the
 * walk of the scope they are in (the rest of the table is still walked).
 * Returns the number of scopes cut short.
 */
unsigned int aml_find_devices(const uint8_t *table, uint32_t len, const char *hid,
			      aml_device_fn fn, void *arg);

#endif
