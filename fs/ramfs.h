/* SPDX-License-Identifier: BSD-2-Clause */
/* ramfs: a read-write file system in memory: sparse files in pages, directories in the dentry cache. */
#ifndef FS_RAMFS_H
#define FS_RAMFS_H

struct super;

/* A new empty ramfs instance (the root file system, /dev, /tmp...): NULL when out of memory. */
struct super *ramfs_create(const char *fstype);

struct file;
/* A read-write file no directory names (memfd_create): NULL when out of memory. */
struct file *ramfs_open_anonymous(const char *name);

#endif
