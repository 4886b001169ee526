/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * echo: the Echo Protocol (RFC 862) over TCP and UDP on one port.
 *
 *   echo [PORT]            (default 7)
 *
 * TCP: every byte a client sends comes back, until the client closes its
 * sending side; then the server finishes sending and closes. UDP: each
 * datagram goes back to its sender. One thread, one level-triggered epoll
 * loop over non-blocking sockets; a TCP connection that the peer does not
 * read from stops being read too, so memory stays bounded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEFAULT_PORT	7
#define BACKLOG		128
#define CONN_SIZE	65536		/* a TCP connection's state and buffer, one mapping */
#define DGRAM_MAX	65536		/* a UDP datagram's largest payload fits */
#define MAX_EVENTS	64
#define UDP_BATCH	64		/* datagrams per wake-up, so TCP gets its turn */

/* epoll's data.u64 for the two listening sockets; connections carry their pointer. */
#define TAG_TCP		1
#define TAG_UDP		2

struct conn {
	int fd;
	uint32_t interest;		/* EPOLLIN, or EPOLLOUT while echoed bytes wait for room */
	bool eof;			/* the client closed its side: close once buf is sent */
	uint32_t off, len;		/* buf[off, len) is still to send back */
	char buf[];			/* the rest of the mapping */
};

#define BUF_SIZE	(CONN_SIZE - offsetof(struct conn, buf))

static int epfd, tcp_fd, udp_fd;
static char dgram[DGRAM_MAX];

static void die(const char *what)
{
	fprintf(stderr, "echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	/* Unmapped, not freed: the memory goes back to the system at once. */
	munmap(c, CONN_SIZE);
}

static void set_interest(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	if (c->interest == events)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
		die("epoll_ctl(MOD)");
	c->interest = events;
}

/* Sends what is buffered: 0 all sent, 1 the socket is full, -1 the connection failed. */
static int flush(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EAGAIN)
				return 1;
			if (errno == EINTR)
				continue;
			return -1;
		}
		c->off += n;
	}
	c->off = c->len = 0;
	return 0;
}

static void conn_run(struct conn *c)
{
	if (c->interest == EPOLLIN && !c->eof) {
		ssize_t n = read(c->fd, c->buf, BUF_SIZE);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(c);
			return;
		}
		if (n == 0)
			c->eof = true;
		c->off = 0;
		c->len = n;
	}
	switch (flush(c)) {
	case -1:
		conn_close(c);
		return;
	case 1:
		/* The client is not reading: stop reading from it until it does. */
		set_interest(c, EPOLLOUT);
		return;
	}
	if (c->eof) {
		/* Everything echoed: close, which sends FIN after the data (RFC 9293 §3.6). */
		conn_close(c);
		return;
	}
	set_interest(c, EPOLLIN);
}

static void tcp_accept(void)
{
	for (int i = 0; i < 16; i++) {
		int fd = accept4(tcp_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev = { .events = EPOLLIN };
		struct conn *c;

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				fprintf(stderr, "echo: accept: %s\n", strerror(errno));
			return;
		}
		c = mmap(NULL, CONN_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED) {
			fprintf(stderr, "echo: out of memory for a connection\n");
			close(fd);
			continue;
		}
		c->fd = fd;
		c->interest = EPOLLIN;
		ev.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			fprintf(stderr, "echo: epoll_ctl(ADD): %s\n", strerror(errno));
			conn_close(c);
		}
	}
}

static void udp_echo(void)
{
	for (int i = 0; i < UDP_BATCH; i++) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(udp_fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&from, &flen);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				fprintf(stderr, "echo: recvfrom: %s\n", strerror(errno));
			return;
		}
		/* A datagram that cannot go back (no buffer, no route) is lost, as UDP allows. */
		if (sendto(udp_fd, dgram, n, 0, (struct sockaddr *)&from, flen) < 0 && errno != EAGAIN)
			fprintf(stderr, "echo: sendto: %s\n", strerror(errno));
	}
}

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

static int open_socket(int type, int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_ANY) };
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;
	const char *proto = type == SOCK_STREAM ? "tcp" : "udp";

	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt(SO_REUSEADDR)");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "echo: bind to %s port %d: %s\n", proto, port, strerror(errno));
		exit(1);
	}
	if (type == SOCK_STREAM && listen(fd, BACKLOG) < 0)
		die("listen");
	return fd;
}

int main(int argc, char **argv)
{
	struct epoll_event events[MAX_EVENTS], ev = { .events = EPOLLIN };
	int port = DEFAULT_PORT;

	if (argc > 2) {
		fprintf(stderr, "usage: echo [PORT]\n");
		return 2;
	}
	if (argc == 2 && !(port = parse_port(argv[1]))) {
		fprintf(stderr, "echo: bad port '%s': want a number from 1 to 65535\n", argv[1]);
		return 2;
	}
	tcp_fd = open_socket(SOCK_STREAM, port);
	udp_fd = open_socket(SOCK_DGRAM, port);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	ev.data.u64 = TAG_TCP;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tcp_fd, &ev) < 0)
		die("epoll_ctl(ADD tcp)");
	ev.data.u64 = TAG_UDP;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, udp_fd, &ev) < 0)
		die("epoll_ctl(ADD udp)");

	printf("echo: listening on port %d (tcp, udp)\n", port);
	fflush(stdout);

	for (;;) {
		int n = epoll_wait(epfd, events, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = events[i].data.u64;

			if (tag == TAG_TCP)
				tcp_accept();
			else if (tag == TAG_UDP)
				udp_echo();
			else if (events[i].events & EPOLLERR)
				conn_close(events[i].data.ptr);
			else
				conn_run(events[i].data.ptr);
		}
	}
}
