/* SPDX-License-Identifier: BSD-2-Clause */
/* Host test of the cpio newc parser: good archives, and truncated or corrupt ones each stopped at the named entry. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mote/errno.h>
#include "lib/cpio.h"
#include "tests/unit/check.h"
#include "tests/unit/xorshift.h"

/* ---------------------------------------------------------------- building archives */

struct arc {
	unsigned char buf[8192];
	size_t len;
	size_t entry_off[16];		/* where each entry's header starts */
	unsigned int nentries;
};

static void pad4(struct arc *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

/* Appends one newc entry (magic "070701", or "070702" with the data sum as check). */
static void add(struct arc *a, const char *name, uint32_t mode, uint32_t mtime, const void *data,
		size_t size, bool crc)
{
	char hdr[CPIO_HEADER_SIZE + 1];
	uint32_t sum = 0;

	for (size_t i = 0; i < size; i++)
		sum += ((const unsigned char *)data)[i];
	if (a->nentries < 16)
		a->entry_off[a->nentries++] = a->len;
	snprintf(hdr, sizeof(hdr), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 crc ? "070702" : "070701", a->nentries + 100, mode, 0u, 0u, 1u, mtime,
		 (unsigned)size, 0u, 0u, 1u, 3u, (unsigned)strlen(name) + 1, crc ? sum : 0u);
	memcpy(a->buf + a->len, hdr, CPIO_HEADER_SIZE);
	a->len += CPIO_HEADER_SIZE;
	memcpy(a->buf + a->len, name, strlen(name) + 1);
	a->len += strlen(name) + 1;
	pad4(a);
	if (size)
		memcpy(a->buf + a->len, data, size);
	a->len += size;
	pad4(a);
}

static void trailer(struct arc *a)
{
	add(a, CPIO_TRAILER, 0, 0, NULL, 0, false);
	a->nentries--;		/* not an entry the callback sees */
}

/* The model archive: a directory, a file, a symlink, an empty file. */
static void model(struct arc *a, bool crc)
{
	memset(a, 0, sizeof(*a));
	add(a, "etc", 040755, 1000, NULL, 0, crc);
	add(a, "etc/motd", 0100644, 2000, "hello\n", 6, crc);
	add(a, "etc/link", 0120777, 3000, "motd", 4, crc);
	add(a, "empty", 0100600, 4000, NULL, 0, crc);
	trailer(a);
}

/* Writes an 8-digit hex field (0-based after the magic) of entry i. */
static void set_field(struct arc *a, unsigned int i, int field, const char *digits8)
{
	memcpy(a->buf + a->entry_off[i] + 6 + 8 * field, digits8, 8);
}

/* ---------------------------------------------------------------- recording what the parser delivers */

struct seen {
	unsigned int n;
	char names[16][32];
	uint32_t modes[16], mtimes[16], indexes[16];
	size_t sizes[16];
	char data[16][16];
	int stop_at;			/* return 7 from this entry (1-based), 0: never */
};

static int record(void *ctx, const struct cpio_entry *e)
{
	struct seen *s = ctx;

	if (s->n < 16) {
		snprintf(s->names[s->n], sizeof(s->names[0]), "%.*s", (int)e->name_len, e->name);
		s->modes[s->n] = e->mode;
		s->mtimes[s->n] = e->mtime;
		s->indexes[s->n] = e->index;
		s->sizes[s->n] = e->size;
		if (e->size < sizeof(s->data[0]))
			memcpy(s->data[s->n], e->data ? e->data : "", e->size);
	}
	s->n++;
	return s->stop_at && e->index == (unsigned int)s->stop_at ? 7 : 0;
}

/* Parses a copy of exactly len bytes in its own allocation, so ASan sees any read past the end. */
static long parse_exact(const struct arc *a, size_t len, struct seen *s, struct cpio_error *err)
{
	unsigned char *copy = malloc(len ? len : 1);
	long r;

	memcpy(copy, a->buf, len);
	memset(s, 0, offsetof(struct seen, stop_at));
	memset(err, 0, sizeof(*err));
	r = cpio_parse(copy, len, record, s, err);
	if (r < 0 && err->name) {
		/* The name points into the copy: keep it past the free. */
		static char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)err->name_len, err->name);
		err->name = name;
	}
	free(copy);
	return r;
}

static bool err_name_is(const struct cpio_error *err, const char *want)
{
	return err->name && err->name_len == strlen(want) && memcmp(err->name, want, err->name_len) == 0;
}

/* ---------------------------------------------------------------- tests */

static void test_good(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	for (int crc = 0; crc < 2; crc++) {
		model(&a, crc);
		CHECK_EQ(parse_exact(&a, a.len, &s, &err), 4);
		CHECK_EQ(s.n, 4);
		CHECK_STR(s.names[0], "etc");
		CHECK_EQ(s.modes[0], 040755);
		CHECK_EQ(s.mtimes[0], 1000);
		CHECK_EQ(s.indexes[0], 1);
		CHECK_STR(s.names[1], "etc/motd");
		CHECK_EQ(s.sizes[1], 6);
		CHECK_STR(s.data[1], "hello\n");
		CHECK_EQ(s.modes[2], 0120777);
		CHECK_STR(s.data[2], "motd");
		CHECK_EQ(s.indexes[3], 4);
		CHECK_EQ(s.sizes[3], 0);
	}

	/* Trailing NULs (block padding) are ignored; so is an empty or all-NUL buffer. */
	model(&a, false);
	memset(a.buf + a.len, 0, 512);
	CHECK_EQ(parse_exact(&a, a.len + 509, &s, &err), 4);
	CHECK_EQ(parse_exact(&a, 0, &s, &err), 0);
	memset(a.buf, 0, 64);
	CHECK_EQ(parse_exact(&a, 64, &s, &err), 0);
}

static void test_concatenated(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	model(&a, false);
	memset(a.buf + a.len, 0, 8);	/* NULs between the archives, as Linux allows */
	a.len += 8;
	add(&a, "second", 0100644, 5, "xy", 2, false);
	trailer(&a);
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), 5);
	CHECK_STR(s.names[4], "second");
	CHECK_EQ(s.indexes[4], 5);
	CHECK_STR(s.data[4], "xy");
}

/* Every cut of the model archive: no read out of bounds, the entries before the cut delivered whole. */
static void test_truncated(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	model(&a, false);
	/* Up to the trailer's NUL; only the padding after it may be missing. */
	for (size_t len = 1; len < a.entry_off[4] + CPIO_HEADER_SIZE + sizeof(CPIO_TRAILER); len++) {
		long r = parse_exact(&a, len, &s, &err);

		CHECK_EQ(r, -EINVAL);
		CHECK(err.what != NULL);
		CHECK_EQ(err.index, s.n + 1);
		CHECK(err.offset <= len);
	}

	/* Cut inside the file's data: entry 2, named, with the reason. */
	CHECK_EQ(parse_exact(&a, a.entry_off[1] + CPIO_HEADER_SIZE + 10 + 3, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(err.index, 2);
	CHECK(err_name_is(&err, "etc/motd"));
	CHECK_STR(err.what, "file size past the end of the archive");

	/* Cut inside a header. */
	CHECK_EQ(parse_exact(&a, a.entry_off[2] + 50, &s, &err), -EINVAL);
	CHECK_EQ(err.index, 3);
	CHECK(err.name == NULL);
	CHECK_STR(err.what, "header past the end of the archive");

	/* Cut at an entry boundary: all there, but no trailer. */
	CHECK_EQ(parse_exact(&a, a.entry_off[3], &s, &err), -EINVAL);
	CHECK_EQ(s.n, 3);
	CHECK_EQ(err.index, 4);
	CHECK_STR(err.what, "archive ends without a trailer (truncated?)");
}

static void test_bad_magic(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	model(&a, false);
	a.buf[a.entry_off[1] + 5] = '7';	/* "070707": odc */
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(err.index, 2);
	CHECK_EQ(err.offset, a.entry_off[1]);
	CHECK(strstr(err.what, "odc") != NULL);

	model(&a, false);
	memcpy(a.buf + a.entry_off[2], "XXXXXX", 6);
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(err.index, 3);
	CHECK(strstr(err.what, "bad magic") != NULL);

	/* A gzip stream is named as such. */
	a.buf[0] = 0x1f;
	a.buf[1] = 0x8b;
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 0);
	CHECK_EQ(err.index, 1);
	CHECK(strstr(err.what, "gzip") != NULL);

	/* Garbage after the trailer is not silently ignored. */
	model(&a, false);
	memcpy(a.buf + a.len, "junk", 4);
	CHECK_EQ(parse_exact(&a, a.len + 4, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 4);
	CHECK_EQ(err.index, 5);
}

static void test_bad_hex(void)
{
	static const char *const fields[13] = { "ino", "mode", "uid", "gid", "nlink", "mtime",
		"filesize", "devmajor", "devminor", "rdevmajor", "rdevminor", "namesize", "check" };
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;
	char want[64];

	for (int f = 0; f < 13; f++) {
		model(&a, false);
		set_field(&a, 1, f, f % 2 ? "0000000g" : " 0000001");
		CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
		CHECK_EQ(s.n, 1);
		CHECK_EQ(err.index, 2);
		snprintf(want, sizeof(want), "bad hex digit in the %s field", fields[f]);
		CHECK_STR(err.what, want);
	}
	/* Lower-case hex is accepted. */
	model(&a, false);
	set_field(&a, 0, 5, "0000abcd");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), 4);
	CHECK_EQ(s.mtimes[0], 0xabcd);
}

static void test_name(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	/* namesize past the end. */
	model(&a, false);
	set_field(&a, 2, 11, "7FFFFFFF");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(err.index, 3);
	CHECK_STR(err.what, "name past the end of the archive");
	set_field(&a, 2, 11, "FFFFFFFF");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_STR(err.what, "name past the end of the archive");

	/* namesize one short: the name's last byte is not NUL. */
	model(&a, false);
	set_field(&a, 1, 11, "00000008");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_STR(err.what, "name not NUL-terminated");

	/* namesize 0. */
	model(&a, false);
	set_field(&a, 1, 11, "00000000");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_STR(err.what, "name size 0 (the NUL is counted)");

	/* A NUL inside the name. */
	model(&a, false);
	a.buf[a.entry_off[1] + CPIO_HEADER_SIZE + 3] = 0;
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_STR(err.what, "NUL byte inside the name");
	CHECK(err_name_is(&err, "etc"));
}

static void test_file_size(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	model(&a, false);
	set_field(&a, 1, 6, "00100000");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(err.index, 2);
	CHECK(err_name_is(&err, "etc/motd"));
	CHECK_EQ(err.offset, a.entry_off[1]);
	CHECK_STR(err.what, "file size past the end of the archive");
	set_field(&a, 1, 6, "FFFFFFFF");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_STR(err.what, "file size past the end of the archive");

	/* A wrong size that still fits shifts the next header: its magic is then wrong. */
	model(&a, false);
	set_field(&a, 1, 6, "00000002");
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 2);
	CHECK_EQ(err.index, 3);
	CHECK(strstr(err.what, "bad magic") != NULL);
}

static void test_checksum(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	model(&a, true);
	a.buf[a.entry_off[1] + CPIO_HEADER_SIZE + 10] = 'j';	/* "hello" -> "jello" */
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), -EINVAL);
	CHECK_EQ(s.n, 1);
	CHECK_EQ(err.index, 2);
	CHECK_STR(err.what, "data does not match its checksum");
}

static void test_callback_stops(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	model(&a, false);
	s.stop_at = 2;
	CHECK_EQ(parse_exact(&a, a.len, &s, &err), 7);
	CHECK_EQ(s.n, 2);
	CHECK(err.what == NULL);
	CHECK_EQ(cpio_parse(a.buf, a.len, NULL, NULL, NULL), 4);
}

/* Random corruption: any answer is fine as long as nothing is read out of bounds and errors are named. */
static void test_fuzz(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	for (int round = 0; round < 20000; round++) {
		long r;
		size_t len;

		model(&a, round & 1);
		for (int k = 0, n = 1 + (int)(rnd() % 4); k < n; k++) {
			size_t at = rnd() % a.len;

			a.buf[at] = rnd() % 3 ? "0123456789abcdefgF\0 "[rnd() % 20] : (unsigned char)rnd();
		}
		len = rnd() % 4 ? a.len : rnd() % a.len;
		r = parse_exact(&a, len, &s, &err);
		check_count++;
		if (!(r >= 0 || (r == -EINVAL && err.what && err.index == s.n + 1 && err.offset <= len))) {
			check_failures++;
			fprintf(stderr, "fuzz round %d: result %ld, what %s\n", round, r,
				err.what ? err.what : "(none)");
		}
	}
}

int main(void)
{
	test_good();
	test_concatenated();
	test_truncated();
	test_bad_magic();
	test_bad_hex();
	test_name();
	test_file_size();
	test_checksum();
	test_callback_stops();
	test_fuzz();
	return check_done("cpio");
}
