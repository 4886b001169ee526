# SPDX-License-Identifier: BSD-2-Clause
# Shared helpers for the benchmark scripts: figures, timing, medians.
# Sourced (not run) by bench/run.sh; needs bash 5 for $EPOCHREALTIME.
# shellcheck shell=bash

# A figure is one "NAME VALUE UNIT" line on stdout; everything else a
# benchmark says goes to stderr, or to stdout as a "# ..." comment.
bench_figure() {
	printf '%s %s %s\n' "$1" "$2" "$3"
}

bench_comment() {
	printf '# %s\n' "$*"
}

# A measurement that could not be made: say why instead of giving a number.
bench_fail() {
	local name=$1
	shift
	printf '# %s failed: %s\n' "$name" "$*"
	printf 'bench: %s failed: %s\n' "$name" "$*" >&2
}

bench_log() {
	printf 'bench: %s\n' "$*" >&2
}

# Wall clock in microseconds. $EPOCHREALTIME is read without a fork, so the
# clock adds nothing measurable to a run.
bench_now_us() {
	local t=$EPOCHREALTIME
	# The decimal separator follows the locale: keep digits only.
	t=${t//[!0-9]/}
	printf '%s\n' "$((10#$t))"
}

# bench_time_us OUT CMD...: runs CMD with stdin from /dev/null and stdout and
# stderr into OUT; sets BENCH_RC to its exit status and BENCH_US to its wall
# time in microseconds. Never fails itself.
# shellcheck disable=SC2034 # BENCH_RC and BENCH_US are for the caller
bench_time_us() {
	local out=$1
	shift
	local t0 t1
	t0=$EPOCHREALTIME
	BENCH_RC=0
	"$@" </dev/null >"$out" 2>&1 || BENCH_RC=$?
	t1=$EPOCHREALTIME
	t0=${t0//[!0-9]/}
	t1=${t1//[!0-9]/}
	BENCH_US=$((10#$t1 - 10#$t0))
}

# Median of the numbers given as arguments (the mean of the middle two when
# the count is even); prints nothing and fails when there are none.
bench_median() {
	(($# > 0)) || return 1
	printf '%s\n' "$@" | LC_ALL=C sort -g | awk '
		{ v[NR] = $1 }
		END {
			if (NR % 2) m = v[(NR + 1) / 2]
			else m = (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%.15g\n", m
		}'
}

# Microseconds to milliseconds with one decimal.
bench_us_to_ms() {
	awk -v us="$1" 'BEGIN { printf "%.1f\n", us / 1000 }'
}

# bench_ratio A B: A / B with two decimals; fails when B is zero.
bench_ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) exit 1; printf "%.2f\n", a / b }'
}
