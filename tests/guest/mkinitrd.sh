#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Makes the initrds of tests/guest/fs_dev_proc.cases that a source tree cannot hold: exact modes and mtimes, and malformed archives.
#
# usage: tests/guest/mkinitrd.sh OUT_DIR
#   initrd-attrs.cpio      modes 640, 750 and 4755, mtimes 1000000000 and 1200000000, a hard
#                          link, an absolute symlink, and dev/fromcpio (lands in devfs)
#   initrd-bad-size.cpio   etc, etc/a, etc/x, etc/z: entry 3 (etc/x) has a file size past the end
#   initrd-truncated.cpio  the same archive, good, cut inside entry 4's header
set -euo pipefail

out=$1
mkdir -p "$out"
stage=$(mktemp -d "${TMPDIR:-/tmp}/mote-initrd.XXXXXX")
trap 'rm -rf "$stage"' EXIT

die() {
	echo "mkinitrd.sh: $*" >&2
	exit 1
}

# As the Makefile's INITRD=DIR packs a directory.
pack() {
	(cd "$1" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
		cpio -o -H newc --null --quiet --reproducible -R 0:0) >"$2"
}

# The offset of the header of the entry named $2 in archive $1 (its name follows the 110-byte header).
header_of() {
	local at
	at=$(grep -obUa -- "$2" "$1" | head -n 1 | cut -d: -f1)
	[[ -n $at ]] || die "$2 not found in $1"
	at=$((at - 110))
	[[ $(dd if="$1" bs=1 skip="$at" count=6 status=none) == 070701 ]] || die "no newc header before $2"
	echo "$at"
}

a=$stage/attrs
mkdir -p "$a/attrs/dir" "$a/dev"
printf 'exact\n' >"$a/attrs/exact"
chmod 640 "$a/attrs/exact"
touch -d @1000000000 "$a/attrs/exact"
printf 'suid\n' >"$a/attrs/dir/setuid"
chmod 4755 "$a/attrs/dir/setuid"
chmod 750 "$a/attrs/dir"
touch -d @1200000000 "$a/attrs/dir"
printf 'linked\n' >"$a/attrs/hard1"
ln "$a/attrs/hard1" "$a/attrs/hard2"
ln -s /attrs/exact "$a/attrs/abs"
printf 'into devfs\n' >"$a/dev/fromcpio"
pack "$a" "$out/initrd-attrs.cpio"

b=$stage/bad
mkdir -p "$b/etc"
printf 'first\n' >"$b/etc/a"
printf 'cross\n' >"$b/etc/x"
printf 'zulu\n' >"$b/etc/z"
pack "$b" "$stage/good.cpio"

# Entry 3's filesize (man 5 cpio: after the magic and six 8-digit fields) made larger than the archive.
cp "$stage/good.cpio" "$out/initrd-bad-size.cpio"
at=$(header_of "$stage/good.cpio" etc/x)
printf 'FFFFFF00' | dd of="$out/initrd-bad-size.cpio" bs=1 seek=$((at + 6 + 6 * 8)) conv=notrunc status=none

# Cut 50 bytes into entry 4's header.
at=$(header_of "$stage/good.cpio" etc/z)
head -c $((at + 50)) "$stage/good.cpio" >"$out/initrd-truncated.cpio"
