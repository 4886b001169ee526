/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A TCP client for the network tests and benchmarks, one subcommand per job:
 *
 *   netclient send HOST PORT MIB        MIB MiB of a fixed pattern to HOST:PORT (IPv4 or IPv6)
 *   netclient reuse HOST PORT LPORT N   N connections in a row from local port LPORT
 *   netclient resolve NAME              NAME's IPv4 addresses through musl's resolver
 *
 * `send` also prints each interface's counters from /proc/net/dev once done
 * ("netclient: netdev: eth0: ..."), so a test can see how the bytes left.
 *
 * Each ends with one line starting "netclient: " that says what happened,
 * exits 0 when it all worked, 1 when something failed (the line says what),
 * and 2 with a usage line when the arguments are wrong. It is an ordinary
 * Linux program: it runs natively as well (musl-gcc -static).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define USAGE \
	"usage: netclient send HOST PORT MIB\n" \
	"       netclient reuse HOST PORT LPORT N\n" \
	"       netclient resolve NAME\n"

/* Bytes per write(2) in `send`: large, so that the stack sees big writes as a throughput client makes them. */
#define SEND_CHUNK	(256 * 1024)
/* The stream repeats with this period (see pattern()). */
#define PATTERN_PERIOD	(2u << 20)
/* The largest transfer `send` accepts: 64 GiB, far beyond any test, small enough that bytes fit in 64 bits easily. */
#define SEND_MAX_MIB	65536

static int usage(const char *why)
{
	fprintf(stderr, "netclient: %s\n" USAGE, why);
	return 2;
}

/* The symbolic name of the errnos a socket call gives, so that a log line says EADDRINUSE, not only its text. */
static const char *errno_name(int e)
{
	switch (e) {
	case EADDRINUSE: return "EADDRINUSE";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ECONNABORTED: return "ECONNABORTED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case ENETUNREACH: return "ENETUNREACH";
	case EINPROGRESS: return "EINPROGRESS";
	case EALREADY: return "EALREADY";
	case EISCONN: return "EISCONN";
	case ENOTCONN: return "ENOTCONN";
	case EPIPE: return "EPIPE";
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case ENOMEM: return "ENOMEM";
	case ENOBUFS: return "ENOBUFS";
	case ENOSYS: return "ENOSYS";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case EMFILE: return "EMFILE";
	case ENFILE: return "ENFILE";
	default: return "E?";
	}
}

/* A decimal in [min, max], the whole string: 0, or -1 when it is not one. */
static int parse_num(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * HOST (a dotted quad or a name) and PORT as an IPv4 address: 0, or 1 with
 * a message. Names go through getaddrinfo, so /etc/hosts and
 * /etc/resolv.conf apply as they do to any musl program.
 */
static int lookup(const char *what, const char *host, unsigned port, struct sockaddr_in *sa)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res;
	int r;

	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) == 1)
		return 0;
	r = getaddrinfo(host, NULL, &hints, &res);
	if (r) {
		printf("netclient: %s: resolve %s failed: %s\n", what, host, gai_strerror(r));
		return 1;
	}
	sa->sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * The stream `send` writes. Byte k of the stream (k counted from 0, as an
 * unsigned 64-bit integer, the product taken modulo 2^64) is
 *
 *     (k * 2654435761 >> 13) & 0xff
 *
 * 2654435761 is Knuth's multiplicative-hash constant (about 2^32 / phi).
 * Only bits 13..20 of the product are kept, and those depend only on
 * k mod 2^21, so the stream repeats every 2 MiB; inside a period
 * consecutive bytes differ irregularly, so a lost, repeated or reordered
 * segment (anything but a whole multiple of 2 MiB) changes the digest.
 * The host side (tests/guest/host/tcp_sink.py, the throughput benchmark)
 * regenerates the same bytes. Fills buf with bytes [k, k + n).
 */
static void pattern(uint8_t *buf, size_t n, uint64_t k)
{
	uint64_t v = k * 2654435761u;

	for (size_t i = 0; i < n; i++, v += 2654435761u)
		buf[i] = (uint8_t)(v >> 13);
}

/* write(2) until all n bytes are gone: 0, or -1 with errno. */
static int write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* /proc/net/dev's interface lines (proc(5)), after its two header lines; nothing where there is none. */
static void print_netdev(void)
{
	FILE *f = fopen("/proc/net/dev", "r");
	char line[256];
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;

		if (n++ < 2)
			continue;
		while (*p == ' ')
			p++;
		printf("netclient: netdev: %s", p);
	}
	fclose(f);
}

static int fail(const char *cmd, const char *call)
{
	int e = errno;

	printf("netclient: %s: %s failed: %s (%s)\n", cmd, call, strerror(e), errno_name(e));
	return 1;
}

static int cmd_send(int argc, char **argv)
{
	/*
	 * One period of the stream and a chunk more, made once: any chunk is
	 * then a slice of it, and the time measured is the network's, not
	 * that of making the bytes (the same on every system measured).
	 */
	static uint8_t stream[PATTERN_PERIOD + SEND_CHUNK], buf[4096];
	unsigned long port, mib;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} to;
	socklen_t to_len = sizeof(to.in);
	uint64_t total, sent = 0, drained = 0, t0, t1;
	int fd;

	if (argc != 5)
		return usage("send takes HOST PORT MIB");
	if (parse_num(argv[3], 1, 65535, &port))
		return usage("PORT must be a number from 1 to 65535");
	if (parse_num(argv[4], 0, SEND_MAX_MIB, &mib))
		return usage("MIB must be a number from 0 to 65536");
	/* HOST: an IPv6 address as such, else an IPv4 address or a name. */
	memset(&to, 0, sizeof(to));
	if (inet_pton(AF_INET6, argv[2], &to.in6.sin6_addr) == 1) {
		to.in6.sin6_family = AF_INET6;
		to.in6.sin6_port = htons((unsigned)port);
		to_len = sizeof(to.in6);
	} else if (lookup("send", argv[2], (unsigned)port, &to.in)) {
		return 1;
	}
	total = (uint64_t)mib << 20;

	fd = socket(to.sa.sa_family, SOCK_STREAM, 0);
	if (fd < 0)
		return fail("send", "socket");
	if (connect(fd, &to.sa, to_len))
		return fail("send", "connect");
	pattern(stream, sizeof(stream), 0);
	t0 = now_ns();
	while (sent < total) {
		size_t n = total - sent < SEND_CHUNK ? (size_t)(total - sent) : SEND_CHUNK;

		if (write_all(fd, stream + sent % PATTERN_PERIOD, n)) {
			int e = errno;

			printf("netclient: send: write failed after %llu bytes: %s (%s)\n",
			       (unsigned long long)sent, strerror(e), errno_name(e));
			return 1;
		}
		sent += n;
	}
	/* Half-close and wait for the peer's EOF: the receiver has then read everything (it closes after). */
	if (shutdown(fd, SHUT_WR))
		return fail("send", "shutdown(SHUT_WR)");
	for (;;) {
		ssize_t r = read(fd, buf, sizeof(buf));

		if (r == 0)
			break;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return fail("send", "read (waiting for EOF)");
		}
		drained += (uint64_t)r;
	}
	t1 = now_ns();
	if (close(fd))
		return fail("send", "close");
	if (drained)
		printf("netclient: send: the peer sent %llu bytes back (ignored)\n", (unsigned long long)drained);
	print_netdev();
	/* Timing on its own line, so that the result line stays exactly "sent N bytes". */
	printf("netclient: send took %llu us\n", (unsigned long long)((t1 - t0) / 1000));
	printf("netclient: sent %llu bytes\n", (unsigned long long)sent);
	return 0;
}

/*
 * One connection of `reuse`: bind LPORT with SO_REUSEADDR, connect, send a
 * line, read the reply line, then close first: shutdown(SHUT_WR) sends our
 * FIN, the server (which waits for it) closes in turn, and we read its EOF
 * before close(). The side whose FIN goes first is the one that ends in
 * TIME-WAIT (RFC 9293 section 3.6), so the connection is in TIME-WAIT here
 * when this returns. Waiting for the server's FIN matters: connecting
 * again while the old connection were still in FIN-WAIT-2 would meet a
 * live connection on the same 4-tuple, which any stack refuses
 * (EADDRINUSE/EADDRNOTAVAIL); the test is about TIME-WAIT only. 0, or -1
 * with errno and *step naming the call that failed.
 */
static int reuse_once(const struct sockaddr_in *sa, unsigned lport, unsigned i, const char **step)
{
	struct sockaddr_in local = { .sin_family = AF_INET, .sin_port = htons(lport) };
	char line[64], reply[256];
	size_t got = 0;
	int fd, one = 1, e;

	*step = "socket";
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	*step = "setsockopt(SO_REUSEADDR)";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto out;
	*step = "bind";
	if (bind(fd, (struct sockaddr *)&local, sizeof(local)))
		goto out;
	*step = "connect";
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)))
		goto out;
	*step = "write";
	snprintf(line, sizeof(line), "reuse %u\n", i);
	if (write_all(fd, (const uint8_t *)line, strlen(line)))
		goto out;
	*step = "read";
	while (got < sizeof(reply) && (got == 0 || reply[got - 1] != '\n')) {
		ssize_t r = read(fd, reply + got, sizeof(reply) - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
		if (r == 0) {
			/* EOF before a whole line: the server did not answer. */
			errno = ECONNRESET;
			*step = "read (EOF before the reply)";
			goto out;
		}
		got += (size_t)r;
	}
	*step = "shutdown(SHUT_WR)";
	if (shutdown(fd, SHUT_WR))
		goto out;
	*step = "read (waiting for the server's FIN)";
	for (;;) {
		ssize_t r = read(fd, reply, sizeof(reply));

		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			goto out;
	}
	*step = "close";
	return close(fd);
out:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

static int cmd_reuse(int argc, char **argv)
{
	unsigned long port, lport, n, ok = 0, first = 0;
	struct sockaddr_in sa;
	const char *step, *first_step = NULL;
	int first_errno = 0;

	if (argc != 6)
		return usage("reuse takes HOST PORT LPORT N");
	if (parse_num(argv[3], 1, 65535, &port))
		return usage("PORT must be a number from 1 to 65535");
	if (parse_num(argv[4], 1, 65535, &lport))
		return usage("LPORT must be a number from 1 to 65535");
	if (parse_num(argv[5], 1, 100000, &n))
		return usage("N must be a number from 1 to 100000");
	if (lookup("reuse", argv[2], (unsigned)port, &sa))
		return 1;
	/* Every attempt is made even after a failure, so that the count says how many work. */
	for (unsigned long i = 1; i <= n; i++) {
		if (reuse_once(&sa, (unsigned)lport, (unsigned)i, &step) == 0) {
			ok++;
		} else if (!first_step) {
			first = i;
			first_step = step;
			first_errno = errno;
		}
	}
	if (ok == n) {
		printf("netclient: reuse %lu/%lu connected\n", ok, n);
		return 0;
	}
	printf("netclient: reuse %lu/%lu connected, first failure: connection %lu: %s: %s (%s)\n", ok, n, first,
	       first_step, strerror(first_errno), errno_name(first_errno));
	return 1;
}

static int cmd_resolve(int argc, char **argv)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *res, *ai;
	struct in_addr seen[32];
	size_t nseen = 0;
	int r;

	if (argc != 3)
		return usage("resolve takes NAME");
	if (!argv[2][0])
		return usage("NAME is empty");
	r = getaddrinfo(argv[2], NULL, &hints, &res);
	if (r) {
		printf("netclient: resolve %s failed: %s\n", argv[2], gai_strerror(r));
		return 1;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		struct in_addr a = ((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		char text[INET_ADDRSTRLEN];
		size_t j;

		/* One line per address, even if the answer repeats one. */
		for (j = 0; j < nseen; j++)
			if (seen[j].s_addr == a.s_addr)
				break;
		if (j < nseen)
			continue;
		if (nseen < sizeof(seen) / sizeof(seen[0]))
			seen[nseen++] = a;
		inet_ntop(AF_INET, &a, text, sizeof(text));
		printf("netclient: %s -> %s\n", argv[2], text);
	}
	freeaddrinfo(res);
	return 0;
}

int main(int argc, char **argv)
{
	/* Each line goes out whole and at once, even when stdout is not a terminal. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage("no subcommand");
	if (!strcmp(argv[1], "send"))
		return cmd_send(argc, argv);
	if (!strcmp(argv[1], "reuse"))
		return cmd_reuse(argc, argv);
	if (!strcmp(argv[1], "resolve"))
		return cmd_resolve(argc, argv);
	return usage("unknown subcommand");
}
