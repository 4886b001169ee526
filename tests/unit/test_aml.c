/* SPDX-License-Identifier: BSD-2-Clause */
/* Host tests for the AML reader: DSDTs laid out as QEMU microvm and Firecracker write them, then broken on purpose. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plat/pc/aml.h"
#include "tests/unit/check.h"
#include "tests/unit/xorshift.h"

/*
 * A small AML assembler (ACPI 6.5 §20.2): bytes go to buf; pkg_open()
 * after an opcode marks where a PkgLength goes, pkg_close() inserts it
 * in its shortest encoding once the object's size is known (§20.2.4).
 */
static uint8_t buf[8192];
static uint32_t n;
static uint32_t open_at[32];
static int depth;

static void b(uint8_t v)
{
	buf[n++] = v;
}

static void bytes(const void *p, uint32_t len)
{
	memcpy(buf + n, p, len);
	n += len;
}

static void le(uint64_t v, int width)
{
	for (int i = 0; i < width; i++)
		b((uint8_t)(v >> (8 * i)));
}

static void pkg_open(void)
{
	open_at[depth++] = n;
}

static void pkg_close(void)
{
	uint32_t start = open_at[--depth], body = n - start, len;
	uint8_t enc[4];
	int k;

	for (k = 1;; k++) {
		len = body + (uint32_t)k;
		if (k == 1 && len < 0x40) {
			enc[0] = (uint8_t)len;
			break;
		}
		if (k > 1 && len < (1u << (4 + 8 * (k - 1)))) {
			enc[0] = (uint8_t)((k - 1) << 6 | (len & 0xf));
			for (int j = 1; j < k; j++)
				enc[j] = (uint8_t)(len >> (4 + 8 * (j - 1)));
			break;
		}
	}
	memmove(buf + start + k, buf + start, body);
	memcpy(buf + start, enc, (size_t)k);
	n += (uint32_t)k;
}

/* A NameString: "\\_SB_", "VR23", "\\_SB_.VIO0" (dual), "\\_SB_.PCI0.S00_" (multi). */
static void name(const char *s)
{
	const char *p = s;
	int segs = 1;

	if (*p == '\\')
		b((uint8_t)*p++);
	if (*p == '\0') {
		b(0);		/* NullName: the root itself */
		return;
	}
	for (const char *q = p; *q; q++)
		segs += *q == '.';
	if (segs == 2)
		b(0x2e);
	else if (segs > 2) {
		b(0x2f);
		b((uint8_t)segs);
	}
	for (; *p; p++)
		if (*p != '.')
			b((uint8_t)*p);
}

static void scope_open(const char *nm)
{
	b(0x10);
	pkg_open();
	name(nm);
}

static void device_open(const char *nm)
{
	b(0x5b);
	b(0x82);
	pkg_open();
	name(nm);
}

static void name_string(const char *nm, const char *value)
{
	b(0x08);
	name(nm);
	b(0x0d);
	bytes(value, (uint32_t)strlen(value) + 1);
}

static void name_int(const char *nm, uint64_t v)
{
	b(0x08);
	name(nm);
	if (v <= 1) {
		b((uint8_t)v);
	} else if (v <= 0xff) {
		b(0x0a);
		le(v, 1);
	} else if (v <= 0xffffffffu) {
		b(0x0c);
		le(v, 4);
	} else {
		b(0x0e);
		le(v, 8);
	}
}

/* EISAID("PNP0501") as ASL compiles it: the letters in 5 bits each, big-endian, then the digits. */
static void name_eisa(const char *nm, const char *id)
{
	uint16_t m = (uint16_t)((id[0] - '@') << 10 | (id[1] - '@') << 5 | (id[2] - '@'));
	unsigned int d = (unsigned int)strtoul(id + 3, NULL, 16);

	b(0x08);
	name(nm);
	b(0x0c);
	b((uint8_t)(m >> 8));
	b((uint8_t)m);
	b((uint8_t)(d >> 8));
	b((uint8_t)d);
}

/* Name (_CRS, ResourceTemplate () { ... }): crs_open, descriptors, crs_close adds the end tag. */
static uint32_t crs_size_at;

static void crs_open(void)
{
	b(0x08);
	name("_CRS");
	b(0x11);
	pkg_open();
	b(0x0a);		/* BufferSize as a ByteConst, patched by crs_close */
	crs_size_at = n;
	b(0);
}

static void crs_close(void)
{
	b(0x79);		/* end tag, §6.4.2.9 */
	b(0);
	buf[crs_size_at] = (uint8_t)(n - crs_size_at - 1);
	pkg_close();
}

static void res_mem32_fixed(uint32_t base, uint32_t size)
{
	b(0x86);
	le(9, 2);
	b(1);			/* read-write */
	le(base, 4);
	le(size, 4);
}

/* Interrupt (ResourceConsumer, Level|Edge, ActiveHigh|ActiveLow, Exclusive) { gsi }: §6.4.3.6. */
static void res_ext_irq(bool edge, bool low, uint32_t gsi)
{
	b(0x89);
	le(6, 2);
	b((uint8_t)(1 | (edge ? 2 : 0) | (low ? 4 : 0)));
	b(1);
	le(gsi, 4);
}

static void res_io(uint16_t port, uint8_t len)
{
	b(0x47);		/* small item 8, length 7: §6.4.2.5 */
	b(1);
	le(port, 2);
	le(port, 2);
	b(1);
	b(len);
}

static void res_irq(unsigned int irq)
{
	b(0x22);		/* small item 4, length 2: edge, active high */
	le(1u << irq, 2);
}

static void res_qword_mem(uint64_t base, uint64_t size)
{
	b(0x8a);
	le(43, 2);
	b(0);			/* memory range */
	b(0x0c);
	b(0);
	le(0, 8);		/* granularity */
	le(base, 8);
	le(base + size - 1, 8);
	le(0, 8);
	le(size, 8);
}

static void header(void)
{
	memset(buf, 0, sizeof(buf));
	n = 0;
	depth = 0;
	bytes("DSDT", 4);
	le(0, 4);		/* length: header_done() */
	b(2);
	b(0);
	bytes("MOTE  MOTETEST", 14);
	le(1, 4);
	bytes("MOTE", 4);
	le(1, 4);
}

static uint32_t header_done(void)
{
	uint8_t sum = 0;

	buf[4] = (uint8_t)n;
	buf[5] = (uint8_t)(n >> 8);
	for (uint32_t i = 0; i < n; i++)
		sum = (uint8_t)(sum + buf[i]);
	buf[9] = (uint8_t)-sum;
	return n;
}

/* A virtio-mmio device as QEMU microvm writes it (hw/i386/acpi-microvm.c's layout, built here from the spec). */
static void virtio_dev(const char *nm, unsigned int index, uint32_t base, uint32_t gsi)
{
	device_open(nm);
	name_string("_HID", "LNRO0005");
	name_int("_UID", index);
	name_int("_CCA", 1);
	crs_open();
	res_mem32_fixed(base, 0x200);
	res_ext_irq(false, false, gsi);
	crs_close();
	pkg_close();
}

/* Where build_microvm()'s \\_SB_ scope ends: tables cut before it hold no whole device. */
static uint32_t sb_end;

/* The shape of QEMU 7.2's microvm DSDT with acpi=on and two virtio-mmio devices. */
static uint32_t build_microvm(void)
{
	header();
	scope_open("\\_SB_");
	device_open("FWCF");
	name_string("_HID", "QEMU0002");
	name_int("_STA", 0x0b);
	crs_open();
	res_io(0x510, 12);
	crs_close();
	pkg_close();
	device_open("COM1");
	name_eisa("_HID", "PNP0501");
	name_int("_UID", 1);
	name_int("_STA", 0x0f);
	crs_open();
	res_io(0x3f8, 8);
	res_irq(4);
	crs_close();
	pkg_close();
	device_open("GED_");
	name_string("_HID", "ACPI0013");
	name_string("_UID", "GED");
	crs_open();
	res_ext_irq(false, false, 9);
	crs_close();
	/* OperationRegion (EREG, SystemMemory, 0xfea00000, 4) and its Field. */
	b(0x5b); b(0x80); name("EREG"); b(0); b(0x0c); le(0xfea00000, 4); b(0x0a); b(4);
	b(0x5b); b(0x81); pkg_open(); name("EREG"); b(0x03); name("ESEL"); b(0x20); pkg_close();
	/* Method (_EVT, 1) { Local0 = ESEL; If ((Local0 & 2) == 2) { Notify (PWRB, 0x80) } } */
	b(0x14); pkg_open(); name("_EVT"); b(0x01);
	b(0x70); name("ESEL"); b(0x60);
	b(0xa0); pkg_open(); b(0x93); b(0x7b); b(0x60); b(0x0a); b(2); b(0); b(0x0a); b(2);
	b(0x86); name("PWRB"); b(0x0a); b(0x80); pkg_close();
	pkg_close();
	pkg_close();
	device_open("PWRB");
	name_string("_HID", "PNP0C0C");
	name_int("_UID", 0);
	pkg_close();
	virtio_dev("VR23", 23, 0xfeb02e00, 47);
	virtio_dev("VR22", 22, 0xfeb02c00, 46);
	pkg_close();
	sb_end = n;
	scope_open("\\");
	b(0x08); name("_S5_"); b(0x12); pkg_open(); b(4); b(0x0a); b(5); b(0); b(0); b(0); pkg_close();
	pkg_close();
	return header_done();
}

#define MAX_FOUND 16
static struct aml_device found[MAX_FOUND];
static unsigned int nfound;

static void collect(const struct aml_device *d, void *arg)
{
	(void)arg;
	if (nfound < MAX_FOUND)
		found[nfound] = *d;
	nfound++;
}

static unsigned int find(uint32_t len, const char *hid)
{
	memset(found, 0, sizeof(found));
	nfound = 0;
	return aml_find_devices(buf, len, hid, collect, NULL);
}

static const struct aml_device *by_name(const char *nm)
{
	for (unsigned int i = 0; i < nfound && i < MAX_FOUND; i++)
		if (strcmp(found[i].name, nm) == 0)
			return &found[i];
	return NULL;
}

static void test_microvm(void)
{
	uint32_t len = build_microvm();
	const struct aml_device *d;

	CHECK_EQ(find(len, "LNRO0005"), 0);
	CHECK_EQ(nfound, 2);
	d = by_name("VR23");
	CHECK(d && !d->skipped);
	if (d) {
		CHECK_EQ(d->base, 0xfeb02e00);
		CHECK_EQ(d->size, 0x200);
		CHECK_EQ(d->gsi, 47);
		CHECK(d->level && !d->active_low);
		CHECK_EQ(buf[d->offset], 0x5b);
		CHECK_EQ(buf[d->offset + 1], 0x82);
	}
	d = by_name("VR22");
	CHECK(d && !d->skipped && d->base == 0xfeb02c00 && d->gsi == 46);

	/* The EISA ID form: COM1's _HID is EISAID ("PNP0501"); it has ports, not memory. */
	CHECK_EQ(find(len, "PNP0501"), 0);
	CHECK_EQ(nfound, 1);
	CHECK(nfound == 1 && strcmp(found[0].name, "COM1") == 0);
	CHECK(nfound == 1 && found[0].skipped && strcmp(found[0].skipped, "_CRS has no memory range") == 0);
	CHECK(nfound == 1 && found[0].gsi == 4 && !found[0].level);
	CHECK_EQ(find(len, "PNP0C0C"), 0);
	CHECK(nfound == 1 && found[0].skipped && strcmp(found[0].skipped, "it has no _CRS buffer") == 0);
	CHECK_EQ(find(len, "ACPI0013"), 0);
	CHECK(nfound == 1 && strcmp(found[0].name, "GED_") == 0);
	CHECK_EQ(find(len, "LNRO0006"), 0);
	CHECK_EQ(nfound, 0);
	/* Only the header, or less: nothing to walk. */
	CHECK_EQ(find(36, "LNRO0005"), 0);
	CHECK_EQ(nfound, 0);
	CHECK_EQ(find(0, "LNRO0005"), 0);
	CHECK_EQ(nfound, 0);
}

/* Firecracker-style: devices named by a path from the root, other descriptor forms. */
static void test_other_forms(void)
{
	uint32_t len;
	const struct aml_device *d;

	header();
	device_open("\\_SB_.VIO0");
	name_string("_HID", "LNRO0005");
	name_int("_UID", 0);
	crs_open();
	res_mem32_fixed(0xd0000000, 0x1000);
	res_ext_irq(true, true, 5);
	crs_close();
	pkg_close();
	scope_open("\\_SB_.PCI0.S00_");
	device_open("VIO1");
	name_string("_HID", "LNRO0005");
	crs_open();
	res_irq(7);
	res_qword_mem(0x100000000ull, 0x200);
	crs_close();
	pkg_close();
	pkg_close();
	/* A device inside another: only the inner one has the ID. */
	device_open("PAR0");
	name_eisa("_HID", "PNP0A08");
	device_open("CHLD");
	name_string("_HID", "LNRO0005");
	crs_open();
	res_mem32_fixed(0xd0001000, 0x200);
	res_ext_irq(false, false, 6);
	crs_close();
	pkg_close();
	pkg_close();
	/* Not present, a _CRS method, no interrupt. */
	device_open("OFF0");
	name_string("_HID", "LNRO0005");
	name_int("_STA", 0);
	pkg_close();
	device_open("MTH0");
	name_string("_HID", "LNRO0005");
	b(0x14); pkg_open(); name("_CRS"); b(0); b(0xa4); b(0x00); pkg_close();
	pkg_close();
	device_open("NIRQ");
	name_string("_HID", "LNRO0005");
	crs_open();
	res_mem32_fixed(0xd0002000, 0x200);
	crs_close();
	pkg_close();
	len = header_done();

	CHECK_EQ(find(len, "LNRO0005"), 0);
	CHECK_EQ(nfound, 6);
	d = by_name("VIO0");
	CHECK(d && !d->skipped && d->base == 0xd0000000 && d->size == 0x1000 && d->gsi == 5);
	CHECK(d && !d->level && d->active_low);
	d = by_name("VIO1");
	CHECK(d && !d->skipped && d->base == 0x100000000ull && d->size == 0x200 && d->gsi == 7);
	CHECK(d && !d->level && !d->active_low);
	d = by_name("CHLD");
	CHECK(d && !d->skipped && d->base == 0xd0001000 && d->gsi == 6);
	CHECK(by_name("PAR0") == NULL);
	d = by_name("OFF0");
	CHECK(d && d->skipped && strcmp(d->skipped, "_STA says it is not present") == 0);
	d = by_name("MTH0");
	CHECK(d && d->skipped && strstr(d->skipped, "method") != NULL);
	d = by_name("NIRQ");
	CHECK(d && d->skipped && strcmp(d->skipped, "_CRS has no interrupt") == 0);
	CHECK_EQ(find(len, "PNP0A08"), 0);
	CHECK(nfound == 1 && strcmp(found[0].name, "PAR0") == 0);
}

/* Broken _CRS templates: each device is skipped with its reason, the others still found. */
static void test_bad_crs(void)
{
	uint32_t len;
	const struct aml_device *d;

	header();
	scope_open("\\_SB_");
	device_open("LONG");		/* a Memory32Fixed claiming 200 bytes */
	name_string("_HID", "LNRO0005");
	crs_open();
	b(0x86); le(200, 2); b(1); le(0xd0000000, 4); le(0x200, 4);
	crs_close();
	pkg_close();
	device_open("SHRT");		/* a Memory32Fixed of 5 bytes */
	name_string("_HID", "LNRO0005");
	crs_open();
	b(0x86); le(5, 2); b(1); le(0xd0000000, 4);
	res_ext_irq(false, false, 5);
	crs_close();
	pkg_close();
	device_open("NOIN");		/* an extended interrupt with an empty table */
	name_string("_HID", "LNRO0005");
	crs_open();
	res_mem32_fixed(0xd0000000, 0x200);
	b(0x89); le(6, 2); b(1); b(0); le(5, 4);
	crs_close();
	pkg_close();
	device_open("ZERO");		/* a memory range of 0 bytes */
	name_string("_HID", "LNRO0005");
	crs_open();
	res_mem32_fixed(0xd0000000, 0);
	res_ext_irq(false, false, 5);
	crs_close();
	pkg_close();
	device_open("GOOD");
	name_string("_HID", "LNRO0005");
	crs_open();
	res_mem32_fixed(0xd0000200, 0x200);
	res_ext_irq(false, false, 6);
	crs_close();
	pkg_close();
	device_open("CUT_");		/* a large item header cut by the buffer's end */
	name_string("_HID", "LNRO0005");
	b(0x08); name("_CRS"); b(0x11); pkg_open(); b(0x0a); b(2); b(0x86); b(9); pkg_close();
	pkg_close();
	pkg_close();
	len = header_done();

	CHECK_EQ(find(len, "LNRO0005"), 0);
	CHECK_EQ(nfound, 6);
	d = by_name("LONG");
	CHECK(d && d->skipped && strcmp(d->skipped, "a resource runs past the _CRS buffer") == 0);
	d = by_name("SHRT");
	CHECK(d && d->skipped && strcmp(d->skipped, "a resource descriptor is shorter than its type") == 0);
	d = by_name("NOIN");
	CHECK(d && d->skipped && strstr(d->skipped, "extended interrupt") != NULL);
	d = by_name("ZERO");
	CHECK(d && d->skipped && strstr(d->skipped, "empty") != NULL);
	d = by_name("GOOD");
	CHECK(d && !d->skipped && d->base == 0xd0000200 && d->gsi == 6);
	d = by_name("CUT_");
	CHECK(d && d->skipped && strstr(d->skipped, "header runs past") != NULL);
}

/* Lengths past the table's or the scope's end, unknown terms, deep nesting. */
static void test_bad_structure(void)
{
	uint32_t full = build_microvm(), len;
	const struct aml_device *d;
	static uint8_t copy[sizeof(buf)];

	/* Every truncation: no read past the end (ASan), and no device from a scope that does not fit. */
	memcpy(copy, buf, full);
	for (len = 0; len < full; len++) {
		uint8_t *t = malloc(len ? len : 1);

		memcpy(t, copy, len);
		nfound = 0;
		aml_find_devices(t, len, "LNRO0005", collect, NULL);
		if (len < sb_end) {
			for (unsigned int i = 0; i < nfound && i < MAX_FOUND; i++)
				CHECK(found[i].skipped != NULL);
		} else {
			/* Both devices whole; the cut \\ scope after them, if any, reported as too long. */
			CHECK(nfound == 2 || nfound == 3);
			CHECK(nfound >= 2 && !found[0].skipped && found[0].base == 0xfeb02e00);
			CHECK(nfound >= 2 && !found[1].skipped && found[1].base == 0xfeb02c00);
			CHECK(nfound < 3 || (found[2].skipped && found[2].name[0] == '\0'));
		}
		free(t);
	}
	/* Cut inside VR22: the enclosing \_SB_ scope runs past the end, named in the report. */
	memcpy(buf, copy, full);
	CHECK_EQ(find(full - 40, "LNRO0005"), 1);
	CHECK(nfound == 1 && strcmp(found[0].name, "_SB_") == 0 && found[0].offset == 36);
	CHECK(nfound == 1 && found[0].skipped && strstr(found[0].skipped, "runs past the end") != NULL);

	/* A device longer than its scope: reported by name, the scope's rest skipped, the next scope read. */
	header();
	scope_open("\\_SB_");
	virtio_dev("VR00", 0, 0xd0000000, 5);
	/* Device (VR01) with a two-byte PkgLength of 255: past VR02 and the scope's end. */
	b(0x5b); b(0x82); b(0x4f); b(0x0f); name("VR01");
	name_string("_HID", "LNRO0005");
	virtio_dev("VR02", 2, 0xd0000400, 7);
	pkg_close();
	scope_open("\\_SB_");
	virtio_dev("VR03", 3, 0xd0000600, 8);
	pkg_close();
	len = header_done();
	CHECK_EQ(find(len, "LNRO0005"), 1);
	CHECK_EQ(nfound, 3);
	CHECK(by_name("VR00") && !by_name("VR00")->skipped);
	d = by_name("VR01");
	CHECK(d && d->skipped && strstr(d->skipped, "runs past") != NULL);
	CHECK(by_name("VR02") == NULL);
	CHECK(by_name("VR03") && !by_name("VR03")->skipped);

	/* A term this reader does not know (a Store at scope level) ends that scope only. */
	header();
	scope_open("\\_SB_");
	virtio_dev("VR00", 0, 0xd0000000, 5);
	b(0x70); b(0x0a); b(1); name("XXXX");
	virtio_dev("VR01", 1, 0xd0000200, 6);
	pkg_close();
	scope_open("\\_SB_");
	virtio_dev("VR02", 2, 0xd0000400, 7);
	pkg_close();
	len = header_done();
	CHECK_EQ(find(len, "LNRO0005"), 1);
	CHECK_EQ(nfound, 2);
	CHECK(by_name("VR00") && by_name("VR02") && !by_name("VR01"));

	/* Scopes nested deeper than the reader goes: cut, never a stack overflow. */
	header();
	for (int i = 0; i < 30; i++)
		scope_open("S000");
	virtio_dev("VR00", 0, 0xd0000000, 5);
	for (int i = 0; i < 30; i++)
		pkg_close();
	len = header_done();
	CHECK_EQ(find(len, "LNRO0005"), 1);
	CHECK_EQ(nfound, 0);

	/* Bad names and a string without its terminator. */
	header();
	scope_open("\\_SB_");
	b(0x08); b('a'); b('b'); b('c'); b('d'); b(0);
	pkg_close();
	device_open("VR00");
	b(0x08); name("_HID"); b(0x0d); bytes("LNRO0005", 8);
	len = n;
	pkg_close();
	len = header_done();
	CHECK_EQ(find(len - 1, "LNRO0005"), 2);	/* the bad name, and VR00 running past the end */
	CHECK_EQ(nfound, 1);
	CHECK(nfound == 1 && strcmp(found[0].name, "VR00") == 0 && found[0].skipped);
}

/* Random damage to a good table: whatever comes out, nothing is read outside it. */
static void test_mutations(void)
{
	uint32_t full = build_microvm();
	static uint8_t copy[sizeof(buf)];
	unsigned int ok = 0;

	memcpy(copy, buf, full);
	for (int iter = 0; iter < 20000; iter++) {
		uint8_t *t = malloc(full);
		int flips = 1 + (int)(rnd() % 4);

		memcpy(t, copy, full);
		for (int k = 0; k < flips; k++)
			t[36 + rnd() % (full - 36)] = (uint8_t)rnd();
		nfound = 0;
		aml_find_devices(t, full, "LNRO0005", collect, NULL);
		for (unsigned int i = 0; i < nfound && i < MAX_FOUND; i++)
			if (!found[i].skipped) {
				ok++;
				CHECK(found[i].size != 0);
			}
		free(t);
	}
	CHECK(ok > 0);
}

int main(void)
{
	test_microvm();
	test_other_forms();
	test_bad_crs();
	test_bad_structure();
	test_mutations();
	return check_done("aml");
}
