# SPDX-License-Identifier: BSD-2-Clause
# Cut the executable inside its first segment: the ELF loader must reject it with a message.
APP_MANGLE := truncate -s 3000
