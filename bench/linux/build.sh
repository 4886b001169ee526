#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the Linux baseline guest (Debian kernel + busybox initramfs) into build/bench/linux/.
#
# Outputs: vmlinuz (Debian's linux-image-amd64 bzImage, copied from /boot),
# vmlinux (the ELF kernel inside it, unpacked here: it carries the Xen PVH
# note, so QEMU boots it the way it boots Mote, without the bzImage's
# self-decompression) and initrd.cpio (uncompressed newc archive: busybox-static
# plus bench/linux/init). bench/run.sh boots it through tools/mote-run:
#   tools/mote-run --plat microvm --mem 256M --initrd initrd.cpio \
#     --append "console=ttyS0 quiet reboot=t panic=-1" vmlinux
# i.e. qemu -M microvm,acpi=off -cpu max -accel tcg -no-reboot
#   -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel vmlinux -initrd ...;
# QEMU exits 1 (debug-exit with 0) right after "Hello from Linux".
# The same files boot on -M q35: vmlinux through `mote-run --plat q35` exits
# through the port; the bzImage without isa-debug-exit falls back to reboot -f
# (reboot=t) or, with bench_exit=poweroff on the command line, uses ACPI.
#
# What we found (QEMU 7.2, Debian kernel 6.1, TCG, 2 loaded host cores):
# - Ending the VM. microvm,acpi=off has no ACPI, so "poweroff -f" only halts
#   the CPU and QEMU never exits; there is no i8042, so reboot=k cannot work.
#   reboot=t + "reboot -f" with -no-reboot works (triple fault, QEMU exits 0),
#   as does writing 0 to isa-debug-exit through /dev/port (mknod c 1 4,
#   dd seek=244; QEMU exits 1). Both cost the same within the noise (about
#   2.5-4 s per boot either way); init uses the port, which is what Mote and
#   the empty guest do, and falls back to reboot -f where the device is absent.
# - Booting the bzImage costs 7-9 s against 2.5-3 s for the same kernel's
#   vmlinux through PVH (the bzImage first XZ-decompresses itself, under
#   TCG). The baseline therefore boots vmlinux: the strongest Linux we have.
# - A gzip initrd (1.0 MB instead of 2.0 MB) and "quiet" made no difference
#   beyond the noise; the initrd stays uncompressed, the command line quiet.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${LINUX_OUT:-$root/build/bench/linux}
busybox=${BUSYBOX:-/bin/busybox}

die() { echo "bench/linux/build.sh: $*" >&2; exit 1; }

# Newest Debian kernel in /boot (linux-image-amd64 depends on it).
kernel_src=$(shopt -s nullglob; k=(/boot/vmlinuz-*)
	if ((${#k[@]})); then printf '%s\n' "${k[@]}" | sort -V | tail -n 1; fi)
[[ -n $kernel_src ]] || die "no /boot/vmlinuz-*: install linux-image-amd64"
[[ -x $busybox ]] || die "no $busybox: install busybox-static"
file -L "$busybox" | grep -q 'statically linked' \
	|| die "$busybox is not static: install busybox-static"

mkdir -p "$out"

# Debian may install the kernel file root-only (0600): copy it as root then.
if [[ ! -f $out/vmlinuz || $kernel_src -nt $out/vmlinuz ]]; then
	if [[ -r $kernel_src ]]; then
		cp "$kernel_src" "$out/vmlinuz.tmp"
	elif sudo -n true 2>/dev/null; then
		sudo -n cp "$kernel_src" "$out/vmlinuz.tmp"
		sudo -n chown "$(id -u):$(id -g)" "$out/vmlinuz.tmp"
	else
		die "$kernel_src is not readable; run once as root: install -m 644 $kernel_src $out/vmlinuz"
	fi
	mv "$out/vmlinuz.tmp" "$out/vmlinuz"
	echo "copied $kernel_src" >&2
fi
basename "$kernel_src" > "$out/kernel-version"

initrd=$out/initrd.cpio
if [[ ! -f $initrd || $here/init -nt $initrd || $here/build.sh -nt $initrd \
      || $busybox -nt $initrd ]]; then
	tree=$(mktemp -d)
	trap 'rm -rf "$tree"' EXIT
	mkdir -p "$tree/bin" "$tree/dev" "$tree/proc"
	cp "$busybox" "$tree/bin/busybox"
	for applet in sh echo printf dd mknod reboot poweroff; do
		ln -s busybox "$tree/bin/$applet"
	done
	install -m 755 "$here/init" "$tree/init"
	# Fixed owner and order: the archive depends only on its inputs.
	(cd "$tree" && find . -mindepth 1 | LC_ALL=C sort \
		| cpio --quiet -o -H newc -R 0:0 --reproducible) > "$initrd.tmp"
	mv "$initrd.tmp" "$initrd"
	echo "built $initrd" >&2
fi

# The bzImage (Linux boot protocol, Documentation/arch/x86/boot.rst) holds the
# compressed ELF kernel at payload_offset (le32 at 0x248) from the start of
# the protected-mode code, (setup_sects (byte at 0x1f1) + 1) * 512 bytes in,
# payload_length (le32 at 0x24c) bytes long; its last 4 bytes are the
# uncompressed size (le32), after the compressed stream.
le() {	# le FILE OFFSET BYTES: unsigned little-endian integer
	od -An -t "u$3" -j "$2" -N "$3" --endian=little "$1" | tr -d ' '
}
unpack_vmlinux() {
	local z=$out/vmlinuz setup_sects offset length size magic
	setup_sects=$(le "$z" $((0x1f1)) 1)
	(( setup_sects )) || setup_sects=4
	offset=$(( (setup_sects + 1) * 512 + $(le "$z" $((0x248)) 4) ))
	length=$(le "$z" $((0x24c)) 4)
	size=$(le "$z" $((offset + length - 4)) 4)
	magic=$(od -An -tx1 -j "$offset" -N 6 "$z" | tr -d ' \n')
	case $magic in
	fd377a585a00) ;;	# xz, what Debian uses (CONFIG_KERNEL_XZ)
	*) die "vmlinuz payload is not xz (magic $magic); cannot unpack vmlinux" ;;
	esac
	dd if="$z" iflag=skip_bytes,count_bytes skip="$offset" count=$((length - 4)) \
		bs=1M status=none | xz -dc --single-stream >"$out/vmlinux.tmp" \
		|| die "unpacking vmlinux from vmlinuz failed"
	[[ $(stat -c %s "$out/vmlinux.tmp") == "$size" ]] \
		|| die "vmlinux is $(stat -c %s "$out/vmlinux.tmp") bytes, the bzImage says $size"
	# XEN_ELFNOTE_PHYS32_ENTRY (18) makes it bootable through PVH.
	LC_ALL=C readelf -n "$out/vmlinux.tmp" | grep -c 'Xen.*(0x00000012)' >/dev/null \
		|| die "vmlinux has no PVH entry note (CONFIG_PVH)"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
	echo "unpacked $out/vmlinux" >&2
}
if [[ ! -f $out/vmlinux || $out/vmlinuz -nt $out/vmlinux || $here/build.sh -nt $out/vmlinux ]]; then
	unpack_vmlinux
fi
