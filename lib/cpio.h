/* SPDX-License-Identifier: BSD-2-Clause */
/* A bounds-checked parser of cpio "newc" archives (the initrd format): one callback per entry. */
#ifndef LIB_CPIO_H
#define LIB_CPIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The format (man 5 cpio, "New ASCII Format"; Linux
 * Documentation/driver-api/early-userspace/buffer-format.rst): each entry
 * is a 110-byte header -- the magic "070701" (or "070702", whose check
 * field holds a sum of the data bytes) and thirteen 8-digit hexadecimal
 * fields -- then the name, namesize bytes with its NUL, padded so that
 * header and name end on a multiple of 4, then filesize bytes of data,
 * padded to a multiple of 4. The entry named "TRAILER!!!" ends an
 * archive. As Linux's initramfs does, several archives may follow one
 * another with NUL bytes between them; NULs after the last are ignored.
 */
#define CPIO_HEADER_SIZE	110
#define CPIO_TRAILER		"TRAILER!!!"

/* One entry, pointing into the archive; valid during the callback only. */
struct cpio_entry {
	unsigned int index;		/* 0 for the first entry of the buffer */
	const char *name;		/* NUL-terminated, as stored (may start with "./" or "/") */
	size_t name_len;		/* without the NUL */
	uint32_t ino, mode, uid, gid, nlink, mtime;
	uint32_t dev_major, dev_minor, rdev_major, rdev_minor;
	const void *data;		/* the file's bytes (a symlink's target, not NUL-terminated) */
	size_t size;
};

/* What stopped a parse. */
struct cpio_error {
	unsigned int index;		/* the entry at fault (the count parsed so far) */
	const char *name;		/* its name when the header got that far, else NULL; not NUL-terminated */
	size_t name_len;
	size_t offset;			/* where in the buffer the entry starts */
	const char *what;		/* a static description ("bad magic", ...) */
};

/*
 * Calls fn for every entry of buf (the trailers excepted) in order. A
 * non-zero return from fn stops the walk and is returned as it is (err
 * untouched). Returns the number of entries, or -EINVAL when the archive
 * is malformed, with *err naming the entry and the fault; the entries
 * before it were all delivered, and nothing of the bad one was.
 */
long cpio_parse(const void *buf, size_t len, int (*fn)(void *ctx, const struct cpio_entry *e),
		void *ctx, struct cpio_error *err);

#endif
