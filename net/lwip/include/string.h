/* SPDX-License-Identifier: BSD-2-Clause */
/* <string.h> for lwIP's sources, which include it by that name: the kernel's lib/string.h. */
#ifndef NET_LWIP_INCLUDE_STRING_H
#define NET_LWIP_INCLUDE_STRING_H
#include "lib/string.h"
#endif
