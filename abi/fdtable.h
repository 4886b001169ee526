/* SPDX-License-Identifier: BSD-2-Clause */
/* The process's file descriptor table: small integers naming open files, with their close-on-exec bits. */
#ifndef ABI_FDTABLE_H
#define ABI_FDTABLE_H

#include <mote/types.h>

struct file;

/* Opens fds 0, 1, 2 on the console; called once before the application starts. */
int fdtable_init(void);
/* The lowest free fd >= min; the table takes the caller's reference. -EMFILE when full. */
int fd_install(struct file *f, int min, bool cloexec);
/* Puts f at fd (dup2): closes what was there. */
int fd_install_at(struct file *f, int fd, bool cloexec);
/* The file at fd with a reference the caller drops with fput(), or NULL (EBADF). */
struct file *fd_get(int fd);
int fd_close(int fd);
int fd_get_cloexec(int fd);
int fd_set_cloexec(int fd, bool on);
/* The highest fd the table may hold + 1: RLIMIT_NOFILE's soft limit. */
int fd_limit(void);
/* Calls fn for every open fd in ascending order (procfs /proc/self/fd). */
void fd_for_each(void (*fn)(int fd, struct file *f, void *ctx), void *ctx);

#endif
