# SPDX-License-Identifier: BSD-2-Clause
# Build as a static position-independent executable (loaded at a random base).
APP_PIE := y
