/* SPDX-License-Identifier: BSD-2-Clause */
/* cpio newc parser: every length from the archive is checked against the buffer before it is used. */
#include <mote/errno.h>
#include "lib/cpio.h"

/* The thirteen header fields, in their order after the magic (man 5 cpio). */
enum { F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
       F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK, NFIELDS };

static const char *const bad_hex[NFIELDS] = {
	"bad hex digit in the ino field", "bad hex digit in the mode field",
	"bad hex digit in the uid field", "bad hex digit in the gid field",
	"bad hex digit in the nlink field", "bad hex digit in the mtime field",
	"bad hex digit in the filesize field", "bad hex digit in the devmajor field",
	"bad hex digit in the devminor field", "bad hex digit in the rdevmajor field",
	"bad hex digit in the rdevminor field", "bad hex digit in the namesize field",
	"bad hex digit in the check field",
};

/* Eight hexadecimal digits, either case, nothing else (no sign, no blanks). */
static bool parse_hex8(const unsigned char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		unsigned char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return false;
		v = v << 4 | d;
	}
	*out = v;
	return true;
}

static bool bytes_equal(const unsigned char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i] != (unsigned char)b[i])
			return false;
	return true;
}

/* Names the usual reasons a buffer is not newc, so the message says what to fix. */
static const char *magic_problem(const unsigned char *p, size_t avail)
{
	if (avail >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return "bad magic: a gzip-compressed archive (only uncompressed newc is supported)";
	if (avail >= 6 && bytes_equal(p, "070707", 6))
		return "bad magic: an old-format (odc) header (only newc is supported)";
	return "bad magic (not \"070701\" or \"070702\")";
}

static long fail(struct cpio_error *err, unsigned int index, const char *name, size_t name_len,
		 size_t offset, const char *what)
{
	if (err) {
		err->index = index;
		err->name = name;
		err->name_len = name_len;
		err->offset = offset;
		err->what = what;
	}
	return -EINVAL;
}

long cpio_parse(const void *buf, size_t len, int (*fn)(void *ctx, const struct cpio_entry *e),
		void *ctx, struct cpio_error *err)
{
	const unsigned char *b = buf;
	size_t off = 0;
	unsigned int count = 0;
	bool in_archive = false;	/* a header was read and no trailer yet */

	for (;;) {
		const unsigned char *h;
		uint32_t f[NFIELDS];
		struct cpio_entry e;
		size_t avail, name_off, data_off;
		bool with_check;
		unsigned int index = count + 1;

		if (!in_archive) {
			/* Between archives (and after the last one): NUL padding. */
			while (off < len && b[off] == 0)
				off++;
			if (off == len)
				return count;
		}
		if (off == len)
			return fail(err, index, NULL, 0, off, "archive ends without a trailer (truncated?)");
		avail = len - off;
		h = b + off;
		if (avail < 6 || !(bytes_equal(h, "070701", 6) || bytes_equal(h, "070702", 6)))
			return fail(err, index, NULL, 0, off, magic_problem(h, avail));
		if (avail < CPIO_HEADER_SIZE)
			return fail(err, index, NULL, 0, off, "header past the end of the archive");
		with_check = h[5] == '2';
		for (int i = 0; i < NFIELDS; i++)
			if (!parse_hex8(h + 6 + 8 * i, &f[i]))
				return fail(err, index, NULL, 0, off, bad_hex[i]);

		/* The name: namesize bytes including its NUL, right after the header. */
		name_off = off + CPIO_HEADER_SIZE;
		if (f[F_NAMESIZE] == 0)
			return fail(err, index, NULL, 0, off, "name size 0 (the NUL is counted)");
		if (f[F_NAMESIZE] > len - name_off)
			return fail(err, index, NULL, 0, off, "name past the end of the archive");
		e.name = (const char *)b + name_off;
		e.name_len = f[F_NAMESIZE] - 1;
		if (b[name_off + e.name_len] != 0)
			return fail(err, index, NULL, 0, off, "name not NUL-terminated");
		for (size_t i = 0; i < e.name_len; i++)
			if (e.name[i] == 0)
				return fail(err, index, e.name, i, off, "NUL byte inside the name");
		if (e.name_len == 0)
			return fail(err, index, NULL, 0, off, "empty name");

		/* The data starts on the next multiple of 4 (header + name are padded). */
		data_off = name_off + f[F_NAMESIZE];
		data_off += (4 - data_off % 4) % 4;
		if (f[F_FILESIZE] != 0 && (data_off > len || f[F_FILESIZE] > len - data_off))
			return fail(err, index, e.name, e.name_len, off,
				    "file size past the end of the archive");

		if (e.name_len == sizeof(CPIO_TRAILER) - 1 &&
		    bytes_equal((const unsigned char *)e.name, CPIO_TRAILER, e.name_len)) {
			in_archive = false;
		} else {
			e.index = index;
			e.ino = f[F_INO];
			e.mode = f[F_MODE];
			e.uid = f[F_UID];
			e.gid = f[F_GID];
			e.nlink = f[F_NLINK];
			e.mtime = f[F_MTIME];
			e.dev_major = f[F_DEVMAJOR];
			e.dev_minor = f[F_DEVMINOR];
			e.rdev_major = f[F_RDEVMAJOR];
			e.rdev_minor = f[F_RDEVMINOR];
			e.size = f[F_FILESIZE];
			e.data = e.size ? b + data_off : NULL;
			if (with_check) {
				/* "070702": check is the sum of the data bytes, modulo 2^32 (man 5 cpio). */
				uint32_t sum = 0;

				for (size_t i = 0; i < e.size; i++)
					sum += b[data_off + i];
				if (sum != f[F_CHECK])
					return fail(err, index, e.name, e.name_len, off,
						    "data does not match its checksum");
			}
			if (fn) {
				int r = fn(ctx, &e);

				if (r)
					return r;
			}
			count++;
			in_archive = true;
		}
		/* The next header starts on a multiple of 4 after the data; the last may lack the padding. */
		off = data_off + f[F_FILESIZE];
		off += (4 - off % 4) % 4;
		if (off > len)
			off = len;
	}
}
