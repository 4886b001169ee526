#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Builds the empty PVH guest (the boot-time floor) into build/bench/empty.elf.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${1:-$root/build/bench}
CC=${CC:-gcc}
LD=${LD:-ld}

mkdir -p "$out"
elf=$out/empty.elf
obj=$out/empty.o

if [[ -f $elf && $elf -nt $here/entry.S && $elf -nt $here/empty.ld \
      && $elf -nt $here/build.sh ]]; then
	exit 0
fi

"$CC" -c -m64 -nostdinc -o "$obj" "$here/entry.S"
"$LD" -m elf_x86_64 -nostdlib -static --build-id=none -z max-page-size=4096 \
	-z noexecstack -T "$here/empty.ld" -o "$elf" "$obj"
rm -f "$obj"
echo "built $elf" >&2
