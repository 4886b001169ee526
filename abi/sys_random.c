/* SPDX-License-Identifier: BSD-2-Clause */
/* getrandom(2): bytes from the kernel CSPRNG, which is keyed at boot and so never blocks. */
#include <mote/compiler.h>
#include <mote/errno.h>
#include "abi/syscall.h"
#include "abi/usercopy.h"
#include "arch/x86_64/layout.h"
#include "kernel/random.h"
#include "lib/chacha20.h"

/* Linux include/uapi/linux/random.h */
#define GRND_NONBLOCK		0x0001
#define GRND_RANDOM		0x0002
#define GRND_INSECURE		0x0004

/* getrandom(2), "Maximum number of bytes returned": 33554431 (INT_MAX >> 6) per call from urandom. */
#define GETRANDOM_MAX		33554431ul

/* Made and copied out this much at a time: a small stack buffer, wiped after. */
#define CHUNK			256

long sys_getrandom(long ubuf, long count, long flags_arg, long a3, long a4, long a5)
{
	/* flags is an unsigned int in the ABI: the register's upper half is not ours to read. */
	unsigned int flags = (unsigned int)flags_arg;
	uint64_t addr = (uint64_t)ubuf;
	size_t n = (size_t)count, done = 0;
	struct random_stream s;
	uint8_t chunk[CHUNK];
	long ret;

	(void)a3, (void)a4, (void)a5;
	if (flags & ~(unsigned int)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	/* Linux 5.6, which added GRND_INSECURE (commit 75551dbf112c), rejects it together with GRND_RANDOM. */
	if ((flags & (GRND_INSECURE | GRND_RANDOM)) == (GRND_INSECURE | GRND_RANDOM))
		return -EINVAL;
	/*
	 * GRND_RANDOM reads the same generator, as on Linux since 5.6 (no
	 * separate blocking pool, so no 512-byte limit); GRND_NONBLOCK and
	 * GRND_INSECURE change nothing, since the generator is ready from boot.
	 */
	n = MIN(n, GETRANDOM_MAX);
	if (n == 0)
		return 0;
	/* As Linux: a range outside the application's half fails whole, before any byte is made. */
	if (addr >= USER_TOP || n > USER_TOP - addr)
		return -EFAULT;

	if (n <= 32) {
		/* A seed-sized read (getentropy, a hash table's key): from the generator's buffered output. */
		random_bytes(chunk, n);
		ret = copy_to_user(addr, chunk, n) ? -EFAULT : (long)n;
		chacha20_wipe(chunk, n);
		return ret;
	}
	random_stream_begin(&s);
	while (done < n) {
		size_t len = MIN(n - done, sizeof(chunk));

		random_stream_read(&s, chunk, len);
		/*
		 * Copied page by page, so that a fault stops at a page boundary
		 * and the count returned is exactly what arrived (Linux returns
		 * the partial count too, and -EFAULT only when nothing did).
		 */
		for (size_t off = 0; off < len;) {
			uint64_t dst = addr + done;
			size_t piece = MIN(len - off, PAGE_SIZE - (dst & (PAGE_SIZE - 1)));

			if (copy_to_user(dst, chunk + off, piece))
				goto out;
			off += piece;
			done += piece;
		}
	}
out:
	random_stream_end(&s);
	chacha20_wipe(chunk, sizeof(chunk));
	return done ? (long)done : -EFAULT;
}
