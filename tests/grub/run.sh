#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Boots the 32-bit multiboot image (hello) from a GRUB BIOS CD on QEMU pc: the real-bootloader path.
#
# usage: tests/grub/run.sh [BUILD_DIR]     (default build; needs BUILD_DIR/kernel/hello/mote.mb)
# Ends with "N passed, N failed[, N skipped]"; exit status 1 if anything
# failed. Without grub-mkrescue, xorriso or GRUB's i386-pc modules the case
# is skipped, not passed.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-build}
image=$build/kernel/hello/mote.mb
out=$build/tests/grub
grubdir=/usr/lib/grub/i386-pc
name=grub.multiboot

summary() {
	local pass=0 fail=0 skip=0
	case $1 in
	pass) pass=1 ;;
	fail) fail=1 ;;
	skip) skip=1 ;;
	esac
	if ((skip)); then
		echo "$pass passed, $fail failed, $skip skipped"
	else
		echo "$pass passed, $fail failed"
	fi
	exit $((fail))
}
skip() { echo "SKIP $name ($1)"; summary skip; }
# fail REASON [LOG]: the log's tail shows what GRUB or the kernel said.
fail() {
	echo "FAIL $name ($1)"
	[[ -n ${2:-} && -f $2 ]] && tail -n 30 "$2" | sed 's/^/    /'
	summary fail
}

# A missing GRUB is a host without the packages (scripts/setup installs
# them), not a Mote bug.
command -v grub-mkrescue >/dev/null 2>&1 || skip "no grub-mkrescue; install grub-common"
command -v xorriso >/dev/null 2>&1 || skip "no xorriso, which grub-mkrescue needs"
for f in cdboot.img normal.mod multiboot.mod serial.mod terminfo.mod echo.mod reboot.mod; do
	[[ -f $grubdir/$f ]] || skip "no $grubdir/$f; install grub-pc-bin"
done

[[ -f $image ]] || fail "no $image; build it first (make BUILD=$build APP=apps/hello)"

rm -rf "$out"
mkdir -p "$out/iso/boot/grub" || fail "cannot create $out"
cp "$image" "$out/iso/boot/mote.mb" || fail "cannot copy $image"

# No menu and no delay; output goes to COM1, which the runner captures. The
# serial terminal is "dumb" so that GRUB sends no vt100 clear-screen codes
# ahead of the kernel's first line. loglevel=3 makes the kernel print
# debug lines, which proves that the command line arrived through GRUB.
# GRUB goes on after a failed command and would then wait at its prompt
# until the timeout; rebooting (QEMU runs with -no-reboot, so it exits)
# ends a failed run at once.
cat >"$out/iso/boot/grub/grub.cfg" <<'EOF'
set timeout=0
serial --unit=0 --speed=115200
terminfo serial dumb
terminal_output serial
echo "grub: booting /boot/mote.mb"
multiboot /boot/mote.mb loglevel=3
boot
echo "grub: boot failed"
reboot
EOF

# BIOS only, and only the modules grub.cfg uses (their dependencies come
# along): a ~1 MB image instead of ~10 MB, built in well under a second.
if ! grub-mkrescue -d "$grubdir" --install-modules="normal multiboot serial terminfo echo reboot" \
	--fonts= --locales= --themes= -o "$out/mote.iso" "$out/iso" >"$out/mkrescue.log" 2>&1; then
	fail "grub-mkrescue failed" "$out/mkrescue.log"
fi

# -device VGA: GRUB's multiboot loader sets the text video mode through VBE
# and prints "error: Can't get controller info" when the machine has no VGA
# (mote-run passes -nodefaults).
rc=0
"$root/tools/mote-run" --plat pc --timeout 60 --cdrom "$out/mote.iso" \
	--qemu-arg -device --qemu-arg VGA >"$out/console.log" 2>&1 || rc=$?

# GRUB ends its lines with \n\r; drop the \r so that ^ anchors hold.
log=$out/console.txt
tr -d '\r' <"$out/console.log" >"$log"
# GRUB's own complaint, if any, is the most useful reason to give.
grub_err=$(grep -m 1 '^error:' "$log")
case $rc in
0) ;;
124) fail "timeout after 60 s" "$log" ;;
125) [[ -n $grub_err ]] && fail "GRUB $grub_err" "$log"
	fail "the guest ended without an exit status line" "$log" ;;
126) fail "mote-run could not start QEMU" "$log" ;;
*) fail "exit status $rc, want 0" "$log" ;;
esac
grep -q '^grub: booting /boot/mote.mb' "$log" || fail "GRUB did not run grub.cfg" "$log"
grep -q 'mote: debug: boot phase' "$log" || fail "no debug lines: loglevel=3 did not reach the kernel" "$log"
grep -q 'Hello from Mote' "$log" || fail "no 'Hello from Mote'" "$log"
echo "PASS $name"
summary pass
