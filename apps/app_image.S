/* SPDX-License-Identifier: BSD-2-Clause */
/* Embeds the application's ELF file (APP_IMAGE) and its name (APP_NAME) in the kernel image. */
	.section .app, "a"
	.balign 16
	.globl app_image_start, app_image_end
app_image_start:
	.incbin APP_IMAGE
app_image_end:

	.section .rodata
	.globl app_image_name
app_image_name:
	.asciz APP_NAME
