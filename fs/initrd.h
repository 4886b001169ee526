/* SPDX-License-Identifier: BSD-2-Clause */
/* The initrd: a cpio newc archive from the boot loader, unpacked into the root file system at boot. */
#ifndef FS_INITRD_H
#define FS_INITRD_H

#include <mote/types.h>

/*
 * Creates the archive's directories, files, symlinks, hard links and
 * device nodes under / with their modes, owners and mtimes, after
 * vfs_init() (and devfs/procfs, so entries under dev/ land in devfs).
 * A malformed archive is reported in a warning naming the entry and the
 * fault; what came before it stays. An entry that cannot be created is
 * reported and skipped. Returns the number of entries created.
 */
unsigned int initrd_unpack(const void *archive, size_t size);

#endif
