/* SPDX-License-Identifier: BSD-2-Clause */
/* epoll instances (epoll(7)): interest lists of (fd, file) items and a ready list filled by their notifications. */
#ifndef FS_EVENTPOLL_H
#define FS_EVENTPOLL_H

#include <mote/compiler.h>
#include <mote/types.h>

struct file;
struct uio;

/* Linux include/uapi/linux/eventpoll.h; the event bits are poll(2)'s. */
#define EPOLLIN			0x00000001u
#define EPOLLPRI		0x00000002u
#define EPOLLOUT		0x00000004u
#define EPOLLERR		0x00000008u
#define EPOLLHUP		0x00000010u
#define EPOLLNVAL		0x00000020u
#define EPOLLRDNORM		0x00000040u
#define EPOLLRDBAND		0x00000080u
#define EPOLLWRNORM		0x00000100u
#define EPOLLWRBAND		0x00000200u
#define EPOLLMSG		0x00000400u
#define EPOLLRDHUP		0x00002000u
#define EPOLLEXCLUSIVE		(1u << 28)
#define EPOLLWAKEUP		(1u << 29)
#define EPOLLONESHOT		(1u << 30)
#define EPOLLET			(1u << 31)

#define EPOLL_CTL_ADD		1
#define EPOLL_CTL_DEL		2
#define EPOLL_CTL_MOD		3

#define EPOLL_CLOEXEC		02000000	/* O_CLOEXEC */

/* epoll_event(3type): packed on x86_64, 12 bytes, as the application sees it. */
struct epoll_event {
	uint32_t events;
	uint64_t data;
} __packed;

/* A chain of more epoll instances than this, each watching the next, is refused (epoll_ctl(2): ELOOP). */
#define EPOLL_MAX_NESTS		5

/* A new epoll instance (one reference), or NULL when out of memory. */
struct file *epoll_create(void);
bool file_is_epoll(const struct file *f);

/*
 * EPOLL_CTL_ADD, _MOD or _DEL of (fd, target) on the instance ep; ev is
 * ignored by _DEL. The caller holds references to both files and has
 * checked what epoll_ctl(2) checks first (op is valid, ep is an epoll
 * file other than target, target has a poll method). 0 or -EEXIST,
 * -ENOENT, -EINVAL (EPOLLEXCLUSIVE misuse), -ELOOP, -ENOMEM.
 */
int epoll_ctl_file(struct file *ep, int op, int fd, struct file *target,
		   const struct epoll_event *ev);

/*
 * Waits for events on ep and copies up to max of them out as struct
 * epoll_event: their number, 0 when deadline_ns (monotonic; 0: none)
 * passed first, or -EFAULT when none could be copied. A deadline already
 * past only collects what is ready.
 */
long epoll_wait_file(struct file *ep, struct uio *out, int max, uint64_t deadline_ns);

/* file_release_hook: forgets every item watching f, whose last reference is going. */
void epoll_file_released(struct file *f);

#endif
