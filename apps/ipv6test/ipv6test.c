/* SPDX-License-Identifier: BSD-2-Clause */
/* AF_INET6 sockets: TCP and UDP over ::1, a dual-stack listener taking IPv4 as v4-mapped, and (with an argument) a connection to the host through QEMU's IPv6 user network. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static int fails;
#define CK(c) do { if (!(c)) { printf("FAIL %s (line %d)\n", #c, __LINE__); fails++; } else printf("ok   %s\n", #c); } while (0)
/* ipv6test host PORT: connects to QEMU user networking's host address fec0::2 (SLAAC must have given us fec0::/64). */
static int host_test(int port)
{
	struct sockaddr_in6 h = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	char buf[64];
	int c = -1, r = -1;

	inet_pton(AF_INET6, "fec0::2", &h.sin6_addr);
	/* The router advertisement that gives the prefix may come a moment after boot. */
	for (int i = 0; i < 50 && r; i++) {
		if (c >= 0)
			close(c);
		c = socket(AF_INET6, SOCK_STREAM, 0);
		r = connect(c, (void *)&h, sizeof(h));
		if (r)
			usleep(100000);
	}
	CK(r == 0);
	CK(write(c, "ping6\n", 6) == 6);
	ssize_t n = read(c, buf, sizeof(buf) - 1);
	CK(n > 0);
	if (n > 0) {
		buf[n] = 0;
		printf("host said %s", buf);
	}
	printf("ipv6test: %d failed\n", fails);
	return fails != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "host"))
		return host_test(atoi(argv[2]));
	int l = socket(AF_INET6, SOCK_STREAM, 0), c, a, one = 1;
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	socklen_t len = sizeof(s6);
	char buf[64], str[64];
	CK(l >= 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	CK(bind(l, (void *)&s6, sizeof(s6)) == 0);
	CK(listen(l, 8) == 0);
	CK(getsockname(l, (void *)&s6, &len) == 0 && s6.sin6_port != 0);
	/* over ::1 */
	struct sockaddr_in6 to = s6; to.sin6_addr = in6addr_loopback;
	c = socket(AF_INET6, SOCK_STREAM, 0);
	CK(connect(c, (void *)&to, sizeof(to)) == 0);
	a = accept(l, (void *)&s6, &len);
	CK(a >= 0);
	inet_ntop(AF_INET6, &s6.sin6_addr, str, sizeof(str)); printf("peer %s\n", str);
	CK(IN6_IS_ADDR_LOOPBACK(&s6.sin6_addr));
	CK(write(c, "hello6", 6) == 6 && read(a, buf, 64) == 6 && !memcmp(buf, "hello6", 6));
	close(a); close(c);
	/* IPv4 to the dual-stack listener */
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = to.sin6_port, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	c = socket(AF_INET, SOCK_STREAM, 0);
	CK(connect(c, (void *)&s4, sizeof(s4)) == 0);
	len = sizeof(s6);
	a = accept(l, (void *)&s6, &len);
	CK(a >= 0);
	inet_ntop(AF_INET6, &s6.sin6_addr, str, sizeof(str)); printf("peer %s\n", str);
	CK(IN6_IS_ADDR_V4MAPPED(&s6.sin6_addr));
	CK(write(c, "hello4", 6) == 6 && read(a, buf, 64) == 6 && !memcmp(buf, "hello4", 6));
	/* UDP over ::1 */
	int u1 = socket(AF_INET6, SOCK_DGRAM, 0), u2 = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 ub = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	CK(bind(u1, (void *)&ub, sizeof(ub)) == 0);
	len = sizeof(ub); getsockname(u1, (void *)&ub, &len);
	CK(sendto(u2, "dgram", 5, 0, (void *)&ub, sizeof(ub)) == 5);
	len = sizeof(s6);
	CK(recvfrom(u1, buf, 64, 0, (void *)&s6, &len) == 5 && IN6_IS_ADDR_LOOPBACK(&s6.sin6_addr));
	int v6only = 1;
	int t = socket(AF_INET6, SOCK_STREAM, 0);
	CK(setsockopt(t, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only)) == 0);
	printf("ipv6test: %d failed\n", fails);
	return fails != 0;
}
