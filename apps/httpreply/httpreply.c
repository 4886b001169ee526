/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * httpreply: a small HTTP/1.1 server, Mote's demo and its req/s benchmark.
 *
 *   httpreply [PORT]       (default 8080)
 *
 * GET / answers a short HTML page, GET /stats a text/plain page of counters
 * and free memory, any other path 404, a method other than GET or HEAD 405,
 * a malformed request or a head over 8 KiB 400 (and the connection closes).
 * Connections are kept alive as HTTP/1.1 says (RFC 9112 §9.3), pipelined
 * requests are answered in order, and every response has a Content-Length.
 *
 * One thread, one level-triggered epoll loop over non-blocking sockets. Level
 * triggering suits request/response traffic: a readable connection is read
 * once per wake-up (edge triggering would need a second read to see EAGAIN),
 * and a connection only changes its epoll interest in the rare case that a
 * reply does not fit in the socket's send buffer. Each connection owns two
 * fixed buffers in one 16 KiB mapping, made when it is accepted; answering
 * a request allocates nothing. A few closed connections' mappings are kept
 * for the next ones, the rest are unmapped, so that memory taken by a burst
 * of connections goes back to the system once they have closed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PORT	8080
#define BACKLOG		1024
#define HEAD_MAX	8192		/* request line and headers, terminating empty line included */
#define CONN_SIZE	16384		/* a connection's state and buffers: four pages */
#define CONN_CACHE	8		/* closed connections kept mapped for reuse */
#define REPLY_MAX	1024		/* the longest reply this server makes */
#define MAX_EVENTS	128
#define ACCEPT_BATCH	64		/* accepts per wake-up, so that connections already open get their turn */
#define IDLE_SECONDS	30		/* a connection with nothing received or sent for this long is closed */
#define DRAIN_SECONDS	5		/* how long a closing connection may keep sending */
#define DRAIN_MAX	(1 << 20)	/* and how much */

static const char page[] =
	"<!DOCTYPE html>\n"
	"<html><head><meta charset=\"utf-8\"><title>Mote</title></head>\n"
	"<body><h1>Hello from Mote</h1>\n"
	"<p>This page was served by httpreply, an ordinary static Linux program "
	"booted as a Mote unikernel.</p></body></html>\n";

enum conn_state {
	CONN_OPEN,		/* reading requests, answering them */
	CONN_DRAINING,		/* replied and shut down for writing: discarding what the peer still sends */
};

struct conn {
	int fd;
	enum conn_state state;
	uint32_t interest;		/* EPOLLIN, or EPOLLOUT while a reply waits for room */
	bool close_after;		/* close once the replies in wbuf are sent */
	bool drain_after;		/* ... but first drain the peer's input (an error reply) */
	uint32_t rpos, rlen;		/* rbuf[rpos, rlen) is unparsed input */
	uint32_t scan;			/* bytes after rpos already searched for the end of the head */
	uint64_t skip;			/* body bytes of the last request still to discard */
	uint32_t woff, wlen;		/* wbuf[woff, wlen) is still to send */
	uint32_t drained;
	time_t deadline;		/* closed at this time unless there is progress */
	struct conn *prev, *next;	/* idle or drain list; the free list (next only) */
	char rbuf[HEAD_MAX];
	char wbuf[];			/* OUT_MAX bytes: replies still to send */
};

/* The rest of the mapping is the output buffer: room for several pipelined replies. */
#define OUT_MAX		(CONN_SIZE - offsetof(struct conn, wbuf))
_Static_assert(OUT_MAX >= 4 * REPLY_MAX, "the output buffer holds a few replies");

static int epfd, listen_fd;
static bool listen_paused;
static struct conn *free_conns;		/* up to CONN_CACHE closed connections */
static unsigned int n_free;
/*
 * Timeouts: every connection is on one of two lists, each in deadline
 * order since its timeout is the same for all (a connection that makes
 * progress moves to the tail). A peer may vanish without a FIN or RST ever
 * arriving (RFC 9293 §3.5.1, half-open connections): without a deadline
 * its connection would hold its memory and its TCP control block for ever.
 */
struct conn_list {
	struct conn *head, *tail;
};
static struct conn_list idle_list;		/* CONN_OPEN: IDLE_SECONDS */
static struct conn_list drain_list;		/* CONN_DRAINING: DRAIN_SECONDS */
static time_t now;
static char date_hdr[64];			/* "Date: ...\r\n", redone when the second changes */
static size_t date_len;
static uint64_t n_requests, n_open, n_total;

static void die(const char *what)
{
	fprintf(stderr, "httpreply: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* RFC 9110 §6.6.1: an origin server with a clock sends Date, in IMF-fixdate form (§5.6.7). */
static void update_date(void)
{
	time_t t = time(NULL);
	struct tm tm;

	if (t == now && date_len)
		return;
	now = t;
	gmtime_r(&t, &tm);
	date_len = strftime(date_hdr, sizeof(date_hdr), "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
}

/* ------------------------------------------------------------ connections */

static void set_interest(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->interest == events)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl(MOD)");
	c->interest = events;
}

static void listen_resume(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (!listen_paused)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, listen_fd, &ev) < 0)
		die("epoll_ctl(MOD listener)");
	listen_paused = false;
}

static void list_del(struct conn_list *l, struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		l->tail = c->prev;
	c->prev = c->next = NULL;
}

static void list_add_tail(struct conn_list *l, struct conn *c)
{
	c->prev = l->tail;
	c->next = NULL;
	if (l->tail)
		l->tail->next = c;
	else
		l->head = c;
	l->tail = c;
}

static struct conn_list *conn_list_of(struct conn *c)
{
	return c->state == CONN_DRAINING ? &drain_list : &idle_list;
}

/* Data moved: the idle deadline starts again (once a second at most: the list order holds). */
static void conn_touch(struct conn *c)
{
	if (c->deadline == now + IDLE_SECONDS)
		return;
	c->deadline = now + IDLE_SECONDS;
	list_del(&idle_list, c);
	list_add_tail(&idle_list, c);
}

static void conn_free(struct conn *c)
{
	if (n_free < CONN_CACHE) {
		c->next = free_conns;
		free_conns = c;
		n_free++;
	} else {
		munmap(c, CONN_SIZE);
	}
}

static void conn_close(struct conn *c)
{
	list_del(conn_list_of(c), c);
	/* close() also removes the descriptor from the epoll set. */
	close(c->fd);
	conn_free(c);
	n_open--;
	/* Out of descriptors or memory earlier: this one may be what the listener waited for. */
	listen_resume();
}

/*
 * The reply is sent; the peer may still be sending (an oversized head, or
 * requests after a bad one). Closing a socket with unread input makes TCP
 * send RST (RFC 1122 §4.2.2.13), which can destroy the reply before the
 * peer reads it, so shut the sending side, read until the peer closes too,
 * and give up after DRAIN_SECONDS or DRAIN_MAX bytes.
 */
static void conn_drain(struct conn *c)
{
	shutdown(c->fd, SHUT_WR);
	list_del(&idle_list, c);
	c->state = CONN_DRAINING;
	c->drained = 0;
	c->deadline = now + DRAIN_SECONDS;
	list_add_tail(&drain_list, c);
	set_interest(c, EPOLLIN);
}

static void drain_read(struct conn *c)
{
	ssize_t n = read(c->fd, c->rbuf, sizeof(c->rbuf));

	if (n > 0 && c->drained + n <= DRAIN_MAX) {
		c->drained += n;
		return;
	}
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	conn_close(c);
}

static void expire(void)
{
	while (idle_list.head && idle_list.head->deadline <= now)
		conn_close(idle_list.head);
	while (drain_list.head && drain_list.head->deadline <= now)
		conn_close(drain_list.head);
}

/* epoll_wait's timeout: until the earliest deadline, or none. */
static int next_timeout_ms(void)
{
	time_t t = 0;

	if (idle_list.head)
		t = idle_list.head->deadline;
	if (drain_list.head && (!t || drain_list.head->deadline < t))
		t = drain_list.head->deadline;
	if (!t)
		return -1;
	/* `now` has whole seconds: wake at most a second late, never early with 0. */
	return t > now ? (int)(t - now) * 1000 : 1000;
}

/* ------------------------------------------------------------ replies */

static void put(struct conn *c, const void *s, size_t n)
{
	memcpy(c->wbuf + c->wlen, s, n);
	c->wlen += n;
}

#define PUTS(c, lit)	put((c), (lit), sizeof(lit) - 1)

static void put_uint(struct conn *c, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = '0' + v % 10;
		v /= 10;
	} while (v);
	put(c, tmp + i, sizeof(tmp) - i);
}

enum {
	ST_200, ST_400, ST_404, ST_405, ST_501, ST_505,
};

static const struct {
	const char *line;
	size_t len;
} status_lines[] = {
#define S(x) { x "\r\n", sizeof(x "\r\n") - 1 }
	[ST_200] = S("HTTP/1.1 200 OK"),
	[ST_400] = S("HTTP/1.1 400 Bad Request"),
	[ST_404] = S("HTTP/1.1 404 Not Found"),
	[ST_405] = S("HTTP/1.1 405 Method Not Allowed"),
	[ST_501] = S("HTTP/1.1 501 Not Implemented"),
	[ST_505] = S("HTTP/1.1 505 HTTP Version Not Supported"),
#undef S
};

/* What a request asked for, as far as the reply depends on it. */
struct request {
	bool head;			/* HEAD: the headers only (RFC 9110 §9.3.2) */
	bool keep_alive;		/* after this reply the connection stays open */
	bool http10;			/* an HTTP/1.0 client kept alive must be told so */
};

/* Appends one reply to wbuf (the caller made sure REPLY_MAX bytes are free). */
static void reply(struct conn *c, const struct request *rq, int status, const char *type,
		  const char *body, size_t blen)
{
	n_requests++;
	put(c, status_lines[status].line, status_lines[status].len);
	PUTS(c, "Server: httpreply\r\n");
	put(c, date_hdr, date_len);
	if (status == ST_405)
		PUTS(c, "Allow: GET, HEAD\r\n");
	PUTS(c, "Content-Type: ");
	put(c, type, strlen(type));
	PUTS(c, "\r\nContent-Length: ");
	put_uint(c, blen);
	if (!rq->keep_alive)
		PUTS(c, "\r\nConnection: close");
	else if (rq->http10)
		PUTS(c, "\r\nConnection: keep-alive");
	PUTS(c, "\r\n\r\n");
	if (!rq->head)
		put(c, body, blen);
	if (!rq->keep_alive)
		c->close_after = true;
}

static void reply_error(struct conn *c, const struct request *rq, int status)
{
	static const char *const bodies[] = {
		[ST_400] = "bad request\n",
		[ST_404] = "not found\n",
		[ST_405] = "method not allowed\n",
		[ST_501] = "not implemented\n",
		[ST_505] = "HTTP version not supported\n",
	};

	reply(c, rq, status, "text/plain", bodies[status], strlen(bodies[status]));
}

/* A reply after which the connection cannot go on: the request's framing is unknown. */
static void reply_fatal(struct conn *c, bool head, int status)
{
	struct request rq = { .head = head, .keep_alive = false };

	reply_error(c, &rq, status);
	c->drain_after = true;
}

static void reply_stats(struct conn *c, const struct request *rq)
{
	struct sysinfo si;
	uint64_t unit, free_kib = 0, total_kib = 0;
	char body[2048];
	int n, fd;

	if (sysinfo(&si) == 0) {
		unit = si.mem_unit ? si.mem_unit : 1;
		free_kib = (uint64_t)si.freeram * unit / 1024;
		total_kib = (uint64_t)si.totalram * unit / 1024;
	}
	/* Counted before printing, so that the page includes the request asking for it. */
	n = snprintf(body, sizeof(body),
		     "requests %llu\nconnections_open %llu\nconnections_total %llu\n"
		     "mem_free_kib %llu\nmem_total_kib %llu\n",
		     (unsigned long long)n_requests + 1, (unsigned long long)n_open,
		     (unsigned long long)n_total, (unsigned long long)free_kib,
		     (unsigned long long)total_kib);
	if (n < 0)
		n = 0;
	else if ((size_t)n >= sizeof(body))
		n = sizeof(body) - 1;		/* cannot happen: five numbers of 20 digits at most */
	/* The TCP/IP stack's counters follow, where the system has them (Linux and Mote: /proc/net/snmp). */
	fd = open("/proc/net/snmp", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t k = read(fd, body + n, sizeof(body) - (size_t)n);

		if (k > 0)
			n += (int)k;
		close(fd);
	}
	reply(c, rq, ST_200, "text/plain", body, (size_t)n);
}

/* ------------------------------------------------------------ parsing */

/* RFC 9110 §5.6.2: tchar. */
static bool is_tchar(unsigned char ch)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	return (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z') ||
	       (ch && memchr(extra, ch, sizeof(extra) - 1));
}

static bool ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

/* Does the comma-separated list [s, e) hold the token tok (case-insensitive, RFC 9110 §5.6.1)? */
static bool list_has(const char *s, const char *e, const char *tok)
{
	size_t tl = strlen(tok);

	while (s < e) {
		const char *t, *comma = memchr(s, ',', e - s);

		if (!comma)
			comma = e;
		while (s < comma && ows(*s))
			s++;
		t = comma;
		while (t > s && ows(t[-1]))
			t--;
		if ((size_t)(t - s) == tl && strncasecmp(s, tok, tl) == 0)
			return true;
		s = comma + 1;
	}
	return false;
}

static bool name_is(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

/* Ends a line at a bare LF or at CRLF (RFC 9112 §2.2 lets a recipient accept a bare LF). */
static const char *line_end(const char *s, const char *e, const char **next)
{
	const char *nl = memchr(s, '\n', e - s);

	*next = nl + 1;
	return nl > s && nl[-1] == '\r' ? nl - 1 : nl;
}

/*
 * Answers the request whose head is [s, e): e is just past the empty line
 * that ends it. Its body, if any (Content-Length), is discarded afterwards.
 */
static void handle(struct conn *c, const char *s, const char *e)
{
	struct request rq = { 0 };
	const char *next, *le, *method, *target, *path, *ver, *p;
	size_t mlen, tlen, plen;
	int fatal;
	bool have_host = false, have_len = false, conn_close_tok = false, conn_keep_tok = false;
	uint64_t clen = 0;

	/* Request line (RFC 9112 §3): method SP request-target SP HTTP-version. */
	le = line_end(s, e, &next);
	method = s;
	for (p = s; p < le && is_tchar(*p); p++)
		;
	mlen = p - method;
	rq.head = mlen == 4 && memcmp(method, "HEAD", 4) == 0;
	if (!mlen || p == le || *p != ' ')
		goto bad;
	target = ++p;
	for (; p < le && *p > ' ' && *p != 0x7f; p++)
		;
	tlen = p - target;
	if (!tlen || p == le || *p != ' ')
		goto bad;
	ver = ++p;
	if (le - ver != 8 || memcmp(ver, "HTTP/", 5) != 0 || ver[5] < '0' || ver[5] > '9' ||
	    ver[6] != '.' || ver[7] < '0' || ver[7] > '9')
		goto bad;
	if (ver[5] != '1') {
		fatal = ST_505;
		goto fatal;
	}
	rq.http10 = ver[7] == '0';

	/* Header fields (RFC 9112 §5): name ":" OWS value OWS, one to a line. */
	for (s = next; s < e; s = next) {
		const char *name = s, *v, *ve;
		size_t nlen;

		le = line_end(s, e, &next);
		if (le == s)
			break;		/* the empty line */
		for (p = s; p < le && is_tchar(*p); p++)
			;
		/*
		 * No space before the colon (§5.1: 400), and no obsolete line
		 * folding, which a leading space or tab would be (§5.2: 400).
		 */
		if (p == s || p == le || *p != ':')
			goto bad;
		nlen = p - name;
		for (v = p + 1; v < le && ows(*v); v++)
			;
		for (ve = le; ve > v && ows(ve[-1]); ve--)
			;
		for (p = v; p < ve; p++)
			if ((*p < ' ' && *p != '\t') || *p == 0x7f)
				goto bad;
		switch (nlen) {
		case 4:
			if (name_is(name, nlen, "host")) {
				/* §3.2: a request with more than one Host is a 400. */
				if (have_host)
					goto bad;
				have_host = true;
			}
			break;
		case 10:
			if (name_is(name, nlen, "connection")) {
				conn_close_tok |= list_has(v, ve, "close");
				conn_keep_tok |= list_has(v, ve, "keep-alive");
			}
			break;
		case 14:
			if (name_is(name, nlen, "content-length")) {
				uint64_t n = 0;

				/* §6.3: an invalid length, or several that differ, is unrecoverable. */
				if (v == ve || ve - v > 15)
					goto bad;
				for (p = v; p < ve; p++) {
					if (*p < '0' || *p > '9')
						goto bad;
					n = n * 10 + (*p - '0');
				}
				if (have_len && n != clen)
					goto bad;
				have_len = true;
				clen = n;
			}
			break;
		case 17:
			/* §6.1: a transfer coding this server does not decode is a 501; the framing is lost. */
			if (name_is(name, nlen, "transfer-encoding")) {
				fatal = ST_501;
				goto fatal;
			}
			break;
		}
	}
	/* §3.2: an HTTP/1.1 request without Host is a 400. */
	if (!rq.http10 && !have_host)
		goto bad;
	/* §9.3: 1.1 persists unless "close"; 1.0 only with "keep-alive" (§C.2.2). */
	rq.keep_alive = !conn_close_tok && (!rq.http10 || conn_keep_tok);
	c->skip = clen;

	if (!rq.head && !(mlen == 3 && memcmp(method, "GET", 3) == 0)) {
		reply_error(c, &rq, ST_405);
		return;
	}

	/* The path: origin-form, or absolute-form (§3.2.2: a server must accept it). */
	path = target;
	plen = tlen;
	if (*target != '/') {
		const char *sep = tlen > 3 ? memmem(target, tlen, "://", 3) : NULL;

		if (!sep)
			goto bad;
		path = memchr(sep + 3, '/', target + tlen - (sep + 3));
		if (path)
			plen = target + tlen - path;
		else
			path = "/", plen = 1;
	}
	/* The query does not choose the resource here. */
	if ((p = memchr(path, '?', plen)))
		plen = p - path;
	if (plen == 1)
		reply(c, &rq, ST_200, "text/html; charset=utf-8", page, sizeof(page) - 1);
	else if (plen == 6 && memcmp(path, "/stats", 6) == 0)
		reply_stats(c, &rq);
	else
		reply_error(c, &rq, ST_404);
	return;
bad:
	fatal = ST_400;
fatal:
	reply_fatal(c, rq.head, fatal);
}

/*
 * Answers every complete request buffered, in order, while wbuf has room
 * for another reply. Returns true when it stopped for room.
 */
static bool process(struct conn *c)
{
	bool full = false;

	while (c->rpos < c->rlen && !c->close_after) {
		char *s = c->rbuf + c->rpos, *end = c->rbuf + c->rlen, *p, *nl;
		uint32_t avail = c->rlen - c->rpos;

		if (c->skip) {
			uint32_t n = c->skip < avail ? (uint32_t)c->skip : avail;

			c->skip -= n;
			c->rpos += n;
			continue;
		}
		if (OUT_MAX - c->wlen < REPLY_MAX) {
			full = true;
			break;
		}
		/* §2.2: empty lines before a request line are ignored. */
		if (!c->scan && (*s == '\r' || *s == '\n')) {
			c->rpos++;
			continue;
		}
		/* The head ends at an empty line: LF LF, or LF CR LF. */
		for (p = s + c->scan; (nl = memchr(p, '\n', end - p)); p = nl + 1) {
			if (nl + 1 < end && nl[1] == '\n') {
				p = nl + 2;
				break;
			}
			if (nl + 2 < end && nl[1] == '\r' && nl[2] == '\n') {
				p = nl + 3;
				break;
			}
		}
		if (!nl) {
			/* Incomplete: resume the search where a terminator could still start. */
			if (avail >= HEAD_MAX) {
				reply_fatal(c, false, ST_400);
				break;
			}
			c->scan = avail > 3 ? avail - 3 : 0;
			break;
		}
		c->scan = 0;
		c->rpos = p - c->rbuf;
		if (memchr(s, '\0', p - s))
			reply_fatal(c, false, ST_400);
		else
			handle(c, s, p);
	}
	/* Keep the unparsed rest at the start of rbuf, so that a head can use all of it. */
	if (c->rpos == c->rlen) {
		c->rpos = c->rlen = 0;
	} else if (c->rpos) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	return full;
}

/* ------------------------------------------------------------ I/O */

/* Sends wbuf: 0 all sent, 1 the socket is full, -1 the connection failed. */
static int flush(struct conn *c)
{
	while (c->woff < c->wlen) {
		/*
		 * MSG_NOSIGNAL: a peer gone must not raise SIGPIPE (on Linux) but
		 * return EPIPE. MSG_MORE before a close: the reply then leaves
		 * with the FIN in one segment, so the server closes first even
		 * when the client closes as soon as it has the body; the server
		 * then holds TIME_WAIT, not the client (whose next connection
		 * from the same port would fail).
		 */
		ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff,
				 MSG_NOSIGNAL | (c->close_after ? MSG_MORE : 0));

		if (n < 0) {
			if (errno == EAGAIN)
				return 1;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->woff += n;
		conn_touch(c);
	}
	c->woff = c->wlen = 0;
	return 0;
}

/*
 * Runs a connection as far as it can go: reads once when `readable`, then
 * answers and sends until it has nothing to answer or the socket is full.
 */
static void conn_run(struct conn *c, bool readable)
{
	if (c->state == CONN_DRAINING) {
		drain_read(c);
		return;
	}
	if (readable) {
		ssize_t n = read(c->fd, c->rbuf + c->rlen, sizeof(c->rbuf) - c->rlen);

		if (n <= 0) {
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			/* The peer closed (or reset): a partial request left is dropped. */
			conn_close(c);
			return;
		}
		c->rlen += n;
		conn_touch(c);
	}
	for (;;) {
		bool more = process(c);
		int r = flush(c);

		if (r < 0) {
			conn_close(c);
			return;
		}
		if (r > 0) {
			/* Stop reading until the peer takes what it asked for. */
			set_interest(c, EPOLLOUT);
			return;
		}
		if (c->close_after) {
			/* Input left after the last reply would turn close() into a RST. */
			if (c->drain_after || c->rpos < c->rlen)
				conn_drain(c);
			else
				conn_close(c);
			return;
		}
		if (!more)
			break;
	}
	set_interest(c, EPOLLIN);
}

static struct conn *conn_new(int fd)
{
	struct conn *c = free_conns;

	if (c) {
		free_conns = c->next;
		n_free--;
	} else {
		/* Pages are only touched, so only taken, as far as the buffers fill. */
		c = mmap(NULL, CONN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
	}
	c->fd = fd;
	c->state = CONN_OPEN;
	c->interest = EPOLLIN;
	c->close_after = c->drain_after = false;
	c->rpos = c->rlen = c->scan = 0;
	c->skip = 0;
	c->woff = c->wlen = 0;
	c->prev = c->next = NULL;
	return c;
}

static void accept_some(void)
{
	for (int i = 0; i < ACCEPT_BATCH; i++) {
		int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
				/*
				 * The listener stays readable, and level triggering would
				 * spin on it: stop watching it until a connection closes.
				 */
				struct epoll_event off = { .events = 0, .data.ptr = NULL };

				fprintf(stderr, "httpreply: accept: %s (pausing until a connection closes)\n",
					strerror(errno));
				if (n_open && epoll_ctl(epfd, EPOLL_CTL_MOD, listen_fd, &off) == 0)
					listen_paused = true;
			} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED &&
				   errno != EPROTO && errno != EPERM) {
				die("accept4");
			}
			return;
		}
		/* Replies are whole and small: send each at once rather than wait for an ACK (Nagle). */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (!(c = conn_new(fd))) {
			close(fd);
			continue;
		}
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "httpreply: epoll_ctl(ADD): %s\n", strerror(errno));
			close(fd);
			conn_free(c);
			continue;
		}
		c->deadline = now + IDLE_SECONDS;
		list_add_tail(&idle_list, c);
		n_open++;
		n_total++;
	}
}

/* The port argument: 1..65535 in decimal, or 0 for a bad one. */
static int parse_port(const char *s)
{
	long v = 0;

	if (!*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return 0;
		v = v * 10 + (*s - '0');
		if (v > 65535)
			return 0;
	}
	return (int)v;
}

int main(int argc, char **argv)
{
	struct epoll_event events[MAX_EVENTS], ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY) };
	int port = DEFAULT_PORT, one = 1;

	if (argc > 2) {
		fprintf(stderr, "usage: httpreply [PORT]\n");
		return 2;
	}
	if (argc == 2 && !(port = parse_port(argv[1]))) {
		fprintf(stderr, "httpreply: bad port '%s': want a number from 1 to 65535\n", argv[1]);
		return 2;
	}

	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (listen_fd < 0)
		die("socket");
	/* A restarted server binds again while the old connections sit in TIME_WAIT. */
	if (setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt(SO_REUSEADDR)");
	sin.sin_port = htons(port);
	if (bind(listen_fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "httpreply: bind to port %d: %s\n", port, strerror(errno));
		return 1;
	}
	if (listen(listen_fd, BACKLOG) < 0)
		die("listen");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, listen_fd, &ev) < 0)
		die("epoll_ctl(ADD listener)");
	update_date();

	printf("httpreply: listening on port %d\n", port);
	fflush(stdout);

	for (;;) {
		/* Sleep until something happens or the first connection's deadline. */
		int n = epoll_wait(epfd, events, MAX_EVENTS, next_timeout_ms());

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		update_date();
		for (int i = 0; i < n; i++) {
			struct conn *c = events[i].data.ptr;

			if (!c)
				accept_some();
			else if (events[i].events & EPOLLERR)
				conn_close(c);
			else
				conn_run(c, c->interest == EPOLLIN);
		}
		expire();
	}
}
