/* SPDX-License-Identifier: BSD-2-Clause */
/* devfs: /dev with the standard character devices (null, zero, full, random, urandom, tty, console). */
#ifndef FS_DEVFS_H
#define FS_DEVFS_H

struct file;

/* The console as an open file for fds 0-2, made without the tree (a new reference to one static file). */
struct file *devfs_open_console(void);

/*
 * Called by the VFS when it builds the tree (on first use). Mounts a ramfs on /dev and creates the device nodes, the /dev/std*
 * and /dev/fd links into /proc, and /dev/shm. After vfs_init(), before
 * anything opens a file there. 0, or the first error (the nodes
 * made before it stay).
 */
int devfs_init(void);

#endif
