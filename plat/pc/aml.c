/* SPDX-License-Identifier: BSD-2-Clause */
/* A small AML reader: a bounded walk over scopes and devices that finds devices by _HID and decodes their _CRS. */
#include "plat/pc/aml.h"

/* AML encodings, ACPI 6.5 §20.2. */
#define AML_ZERO		0x00
#define AML_ONE			0x01
#define AML_ALIAS		0x06
#define AML_NAME		0x08
#define AML_BYTE		0x0a
#define AML_WORD		0x0b
#define AML_DWORD		0x0c
#define AML_STRING		0x0d
#define AML_QWORD		0x0e
#define AML_SCOPE		0x10
#define AML_BUFFER		0x11
#define AML_PACKAGE		0x12
#define AML_VARPACKAGE		0x13
#define AML_METHOD		0x14
#define AML_EXTERNAL		0x15
#define AML_DUAL_PREFIX		0x2e
#define AML_MULTI_PREFIX	0x2f
#define AML_EXT			0x5b
#define AML_ROOT		'\\'
#define AML_PARENT		'^'
#define AML_IF			0xa0
#define AML_ELSE		0xa1
#define AML_WHILE		0xa2
#define AML_NOOP		0xa3
#define AML_ONES		0xff
/* The second byte after AML_EXT. */
#define AML_X_MUTEX		0x01
#define AML_X_EVENT		0x02
#define AML_X_REVISION		0x30
#define AML_X_OPREGION		0x80
#define AML_X_FIELD		0x81
#define AML_X_DEVICE		0x82
#define AML_X_PROCESSOR		0x83
#define AML_X_POWERRES		0x84
#define AML_X_THERMALZONE	0x85
#define AML_X_INDEXFIELD	0x86
#define AML_X_BANKFIELD		0x87

/* Resource descriptors, ACPI 6.5 §6.4: small items (§6.4.2) by bits 6:3, large items (§6.4.3) by bits 6:0. */
#define RES_LARGE		0x80
#define RES_S_IRQ		0x04	/* §6.4.2.1 */
#define RES_S_END		0x0f	/* §6.4.2.9 */
#define RES_L_MEM32		0x05	/* §6.4.3.3 */
#define RES_L_MEM32_FIXED	0x06	/* §6.4.3.4 */
#define RES_L_DWORD		0x07	/* §6.4.3.5.2 */
#define RES_L_EXT_IRQ		0x09	/* §6.4.3.6 */
#define RES_L_QWORD		0x0a	/* §6.4.3.5.1 */
#define RES_MEMORY_RANGE	0	/* address space descriptors' resource type */

#define TABLE_HEADER		36	/* ACPI 6.5 §5.2.6 */
/* QEMU nests three deep (\_SB.PCI0.S00); deeper is either exotic or a loop of lengths. */
#define AML_MAX_DEPTH		16

struct walk {
	const uint8_t *t;
	const char *hid;
	aml_device_fn fn;
	void *arg;
	unsigned int cut;
};

/* A Name()'s value, as far as it matters here. */
struct datum {
	enum { DATUM_OTHER, DATUM_INT, DATUM_STRING, DATUM_BUFFER } kind;
	uint64_t v;
	uint32_t off, n;		/* a string's characters, a buffer's initialiser bytes */
};

/* What a Device()'s own names say; nested devices have their own. */
struct dev_names {
	bool hid_match, crs, crs_method, sta;
	uint64_t sta_value;
	uint32_t crs_off, crs_len;
};

static uint64_t get_le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/*
 * PkgLength (§20.2.4) at *pos: the lead byte's bits 7:6 count the bytes
 * that follow; the length counts itself and runs from the lead byte.
 * *obj_end is where the object ends, checked only against wrapping
 * (callers compare it with their bounds); false when the encoding itself
 * does not fit before end.
 */
static bool pkg_length(const uint8_t *t, uint32_t end, uint32_t *pos, uint32_t *obj_end)
{
	uint32_t p = *pos, n, v;

	if (p >= end)
		return false;
	n = t[p] >> 6;
	if (end - p < n + 1)
		return false;
	if (n == 0)
		v = t[p] & 0x3f;
	else
		v = (t[p] & 0x0f) | (uint32_t)get_le(t + p + 1, n) << 4;
	if (v < n + 1)
		return false;
	*obj_end = p + v;
	if (*obj_end < p)
		return false;
	*pos = p + n + 1;
	return true;
}

static bool name_char(uint8_t c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/* NameString (§20.2.2) at *pos; seg gets its last segment ("" for the null name). */
static bool name_string(const uint8_t *t, uint32_t end, uint32_t *pos, char seg[5])
{
	uint32_t p = *pos, count;

	if (p < end && t[p] == AML_ROOT)
		p++;
	else
		while (p < end && t[p] == AML_PARENT)
			p++;
	if (p >= end)
		return false;
	if (t[p] == AML_ZERO) {
		seg[0] = '\0';
		*pos = p + 1;
		return true;
	}
	if (t[p] == AML_DUAL_PREFIX) {
		count = 2;
		p++;
	} else if (t[p] == AML_MULTI_PREFIX) {
		if (end - p < 2 || t[p + 1] == 0)
			return false;
		count = t[p + 1];
		p += 2;
	} else {
		count = 1;
	}
	if ((end - p) / 4 < count)
		return false;
	for (uint32_t i = 0; i < 4 * count; i++)
		if (!name_char(t[p + i], i % 4 == 0))
			return false;
	p += 4 * (count - 1);
	for (int i = 0; i < 4; i++)
		seg[i] = (char)t[p + i];
	seg[4] = '\0';
	*pos = p + 4;
	return true;
}

/* A constant integer (§20.2.3 ComputationalData and ConstObj); false for anything else. */
static bool integer(const uint8_t *t, uint32_t end, uint32_t *pos, uint64_t *v)
{
	static const uint8_t width[] = { [AML_BYTE - AML_BYTE] = 1, [AML_WORD - AML_BYTE] = 2,
					 [AML_DWORD - AML_BYTE] = 4, [AML_QWORD - AML_BYTE] = 8 };
	uint32_t p = *pos;
	uint8_t op;

	if (p >= end)
		return false;
	op = t[p];
	if (op == AML_ZERO || op == AML_ONE || op == AML_ONES) {
		*v = op == AML_ONES ? ~0ull : op;
		*pos = p + 1;
		return true;
	}
	if (op == AML_EXT && end - p >= 2 && t[p + 1] == AML_X_REVISION) {
		*v = 0;
		*pos = p + 2;
		return true;
	}
	if (op < AML_BYTE || op > AML_QWORD || op == AML_STRING || end - p - 1 < width[op - AML_BYTE])
		return false;
	*v = get_le(t + p + 1, width[op - AML_BYTE]);
	*pos = p + 1 + width[op - AML_BYTE];
	return true;
}

/* DataRefObject of a Name(): integers, strings, buffers; packages are skipped whole. */
static bool data_object(const uint8_t *t, uint32_t end, uint32_t *pos, struct datum *d)
{
	uint32_t p = *pos, obj_end;
	uint64_t size;

	*d = (struct datum){ DATUM_OTHER, 0, 0, 0 };
	if (p >= end)
		return false;
	switch (t[p]) {
	case AML_STRING:
		d->kind = DATUM_STRING;
		d->off = ++p;
		while (p < end && t[p] != 0)
			p++;
		if (p >= end)
			return false;
		d->n = p - d->off;
		*pos = p + 1;
		return true;
	case AML_BUFFER:
	case AML_PACKAGE:
	case AML_VARPACKAGE:
		p++;
		if (!pkg_length(t, end, &p, &obj_end) || obj_end > end)
			return false;
		if (t[*pos] == AML_BUFFER) {
			/* BufferSize, then the initialiser; bytes past either bound are not the template's. */
			if (!integer(t, obj_end, &p, &size))
				return false;
			d->kind = DATUM_BUFFER;
			d->off = p;
			d->n = obj_end - p;
			if (size < d->n)
				d->n = (uint32_t)size;
		}
		*pos = obj_end;
		return true;
	default:
		d->kind = DATUM_INT;
		return integer(t, end, pos, &d->v);
	}
}

/* An EISA ID (ACPI 6.5 §6.1.5): three 5-bit letters, then four hex digits, stored big-endian in a DWord. */
static void eisa_id(uint64_t v, char out[8])
{
	static const char hex[] = "0123456789ABCDEF";
	uint32_t m = (uint32_t)((v & 0xff) << 8 | ((v >> 8) & 0xff));

	out[0] = (char)('@' + ((m >> 10) & 0x1f));
	out[1] = (char)('@' + ((m >> 5) & 0x1f));
	out[2] = (char)('@' + (m & 0x1f));
	out[3] = hex[(v >> 20) & 0xf];
	out[4] = hex[(v >> 16) & 0xf];
	out[5] = hex[(v >> 28) & 0xf];
	out[6] = hex[(v >> 24) & 0xf];
	out[7] = '\0';
}

static bool str_eq(const uint8_t *p, uint32_t n, const char *s)
{
	uint32_t i = 0;

	while (i < n && s[i] && (char)p[i] == s[i])
		i++;
	return i == n && s[i] == '\0';
}

static bool hid_matches(const struct walk *w, const struct datum *d)
{
	char id[8];

	if (d->kind == DATUM_STRING)
		return str_eq(w->t + d->off, d->n, w->hid);
	if (d->kind != DATUM_INT || d->v > 0xffffffffu)
		return false;
	eisa_id(d->v, id);
	return str_eq((const uint8_t *)id, 7, w->hid);
}

/* The first memory range and interrupt of a resource template; NULL, or what is wrong. */
static const char *crs_decode(const uint8_t *p, uint32_t n, struct aml_device *d)
{
	bool mem = false, irq = false;
	uint32_t i = 0;

	while (i < n) {
		uint8_t tag = p[i], type;
		uint32_t hdr = 1, dlen = tag & 7, need = 0;
		const uint8_t *q;

		if (tag & RES_LARGE) {
			if (n - i < 3)
				return "a resource header runs past the _CRS buffer";
			hdr = 3;
			dlen = (uint32_t)get_le(p + i + 1, 2);
			type = tag & 0x7f;
		} else {
			type = (tag >> 3) & 0xf;
			if (type == RES_S_END)
				break;
		}
		if (dlen > n - i - hdr)
			return "a resource runs past the _CRS buffer";
		q = p + i + hdr;
		if (!(tag & RES_LARGE) && type == RES_S_IRQ) {
			need = 2;
			if (dlen >= 2 && !irq && get_le(q, 2)) {
				/* Without the flags byte: edge-triggered, active high (§6.4.2.1). */
				uint8_t f = dlen >= 3 ? q[2] : 1;

				d->gsi = (uint32_t)__builtin_ctz((unsigned int)get_le(q, 2));
				d->level = !(f & 1);
				d->active_low = f & 8;
				irq = true;
			}
		} else if (tag & RES_LARGE) {
			switch (type) {
			case RES_L_MEM32_FIXED:
				need = 9;
				if (dlen >= need && !mem) {
					d->base = get_le(q + 1, 4);
					d->size = get_le(q + 5, 4);
					mem = true;
				}
				break;
			case RES_L_MEM32:
				need = 17;
				if (dlen >= need && !mem) {
					d->base = get_le(q + 1, 4);	/* minimum base */
					d->size = get_le(q + 13, 4);
					mem = true;
				}
				break;
			case RES_L_DWORD:
				need = 23;
				if (dlen >= need && !mem && q[0] == RES_MEMORY_RANGE) {
					d->base = get_le(q + 7, 4);
					d->size = get_le(q + 19, 4);
					mem = true;
				}
				break;
			case RES_L_QWORD:
				need = 43;
				if (dlen >= need && !mem && q[0] == RES_MEMORY_RANGE) {
					d->base = get_le(q + 11, 8);
					d->size = get_le(q + 35, 8);
					mem = true;
				}
				break;
			case RES_L_EXT_IRQ:
				need = 6;
				if (dlen >= need && (q[1] == 0 || 2 + 4 * (uint32_t)q[1] > dlen))
					return "an extended interrupt descriptor's table runs past it";
				if (dlen >= need && !irq) {
					d->gsi = (uint32_t)get_le(q + 2, 4);
					d->level = !(q[0] & 2);
					d->active_low = q[0] & 4;
					irq = true;
				}
				break;
			}
		}
		if (dlen < need)
			return "a resource descriptor is shorter than its type";
		i += hdr + dlen;
	}
	if (!mem)
		return "_CRS has no memory range";
	if (d->size == 0 || d->base + d->size < d->base)
		return "_CRS has an empty or wrapping memory range";
	if (!irq)
		return "_CRS has no interrupt";
	return NULL;
}

static void device_report(struct walk *w, const struct dev_names *n, const char *name,
			  uint32_t offset)
{
	struct aml_device d = { .offset = offset };

	for (int i = 0; i < 5; i++)
		d.name[i] = name[i];
	if (n->sta && !(n->sta_value & 1))
		d.skipped = "_STA says it is not present";
	else if (n->crs_method)
		d.skipped = "its _CRS is a method, which this reader does not run";
	else if (!n->crs)
		d.skipped = "it has no _CRS buffer";
	else
		d.skipped = crs_decode(w->t + n->crs_off, n->crs_len, &d);
	w->fn(&d, w->arg);
}

/* An object whose length runs past what holds it: named in a message, then the walk of that scope ends. */
static void overlong(struct walk *w, const uint8_t *t, uint32_t end, uint32_t pos, uint32_t offset)
{
	struct aml_device d = { .offset = offset,
				.skipped = "its length runs past the end of the scope or table holding it" };

	if (!name_string(t, end, &pos, d.name))
		d.name[0] = '\0';
	w->fn(&d, w->arg);
	w->cut++;
}

/*
 * One TermList [pos, end): scopes and devices are entered, the names
 * of a device (dev) are collected, everything with a length is skipped
 * whole, and an unknown term ends this list.
 */
static void walk_terms(struct walk *w, uint32_t pos, uint32_t end, unsigned int depth,
		       struct dev_names *dev)
{
	const uint8_t *t = w->t;
	char seg[5];

	if (depth > AML_MAX_DEPTH) {
		w->cut++;
		return;
	}
	while (pos < end) {
		uint32_t start = pos, obj_end, body;
		uint8_t op = t[pos++];
		struct datum d;
		uint64_t v;

		if (op == AML_EXT) {
			if (pos >= end)
				break;
			op = t[pos++];
			switch (op) {
			case AML_X_DEVICE: {
				struct dev_names names = { 0 };

				if (!pkg_length(t, end, &pos, &obj_end))
					goto cut;
				if (obj_end > end) {
					overlong(w, t, end, pos, start);
					return;
				}
				body = pos;
				if (!name_string(t, obj_end, &body, seg))
					goto cut;
				walk_terms(w, body, obj_end, depth + 1, &names);
				if (names.hid_match)
					device_report(w, &names, seg, start);
				pos = obj_end;
				continue;
			}
			case AML_X_OPREGION:
				/* OperationRegion (name, space, offset, length): constants only. */
				if (!name_string(t, end, &pos, seg) || pos >= end)
					goto cut;
				pos++;
				if (!integer(t, end, &pos, &v) || !integer(t, end, &pos, &v))
					goto cut;
				continue;
			case AML_X_MUTEX:
				if (!name_string(t, end, &pos, seg) || pos >= end)
					goto cut;
				pos++;
				continue;
			case AML_X_EVENT:
				if (!name_string(t, end, &pos, seg))
					goto cut;
				continue;
			case AML_X_FIELD:
			case AML_X_INDEXFIELD:
			case AML_X_BANKFIELD:
			case AML_X_PROCESSOR:
			case AML_X_POWERRES:
			case AML_X_THERMALZONE:
				break;		/* skipped by length below */
			default:
				goto cut;
			}
		} else {
			switch (op) {
			case AML_NOOP:
				continue;
			case AML_SCOPE:
				if (!pkg_length(t, end, &pos, &obj_end))
					goto cut;
				if (obj_end > end) {
					overlong(w, t, end, pos, start);
					return;
				}
				body = pos;
				if (!name_string(t, obj_end, &body, seg))
					goto cut;
				walk_terms(w, body, obj_end, depth + 1, NULL);
				pos = obj_end;
				continue;
			case AML_NAME:
				if (!name_string(t, end, &pos, seg) || !data_object(t, end, &pos, &d))
					goto cut;
				if (!dev)
					continue;
				if (__builtin_memcmp(seg, "_HID", 5) == 0)
					dev->hid_match = hid_matches(w, &d);
				else if (__builtin_memcmp(seg, "_STA", 5) == 0 && d.kind == DATUM_INT)
					dev->sta = true, dev->sta_value = d.v;
				else if (__builtin_memcmp(seg, "_CRS", 5) == 0 && d.kind == DATUM_BUFFER)
					dev->crs = true, dev->crs_off = d.off, dev->crs_len = d.n;
				continue;
			case AML_METHOD:
				body = pos;
				if (dev && pkg_length(t, end, &body, &obj_end) &&
				    name_string(t, end, &body, seg) && __builtin_memcmp(seg, "_CRS", 5) == 0)
					dev->crs_method = true;
				break;		/* skipped by length below */
			case AML_ALIAS:
				if (!name_string(t, end, &pos, seg) || !name_string(t, end, &pos, seg))
					goto cut;
				continue;
			case AML_EXTERNAL:
				if (!name_string(t, end, &pos, seg) || end - pos < 2)
					goto cut;
				pos += 2;
				continue;
			case AML_IF:
			case AML_ELSE:
			case AML_WHILE:
			case AML_BUFFER:
			case AML_PACKAGE:
			case AML_VARPACKAGE:
				break;		/* skipped by length below */
			default:
				goto cut;
			}
		}
		/* Terms that carry a PkgLength and hold nothing we look for. */
		if (!pkg_length(t, end, &pos, &obj_end))
			goto cut;
		if (obj_end > end) {
			overlong(w, t, end, pos, start);
			return;
		}
		pos = obj_end;
	}
	return;
cut:
	w->cut++;
}

unsigned int aml_find_devices(const uint8_t *table, uint32_t len, const char *hid,
			      aml_device_fn fn, void *arg)
{
	struct walk w = { table, hid, fn, arg, 0 };

	if (len > TABLE_HEADER)
		walk_terms(&w, TABLE_HEADER, len, 0, NULL);
	return w.cut;
}
