/* SPDX-License-Identifier: BSD-2-Clause */
/* procfs: /proc, the process and system information Linux programs read (proc(5)). */
#ifndef FS_PROCFS_H
#define FS_PROCFS_H

/* Mounts procfs on /proc (creating the directory): 0 or -errno. After vfs_init(). */
int procfs_init(void);

#endif
