#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs in-guest test cases from .cases files in parallel and prints one verdict per case.
#
# usage: tests/guest/run.sh BUILD_DIR CASEFILE...
#
# A case is one line, fields separated by " | ":
#   NAME | EXPECTED_STATUS | REGEX | RUNNER ARGS... [| !FORBIDDEN_REGEX]
# REGEX (grep -E) must match some line of the runner's stdout+stderr,
# FORBIDDEN_REGEX must match none. RUNNER ARGS go to tools/mote-run, split
# on blanks with "double quotes" grouping words; {build} is BUILD_DIR. Args
# starting with @kvmboot run BUILD_DIR/tools/kvmboot instead; its exit 77
# (no usable /dev/kvm) makes the case a SKIP. Lines starting with # and
# blank lines are ignored.
#
# Output: PASS/FAIL/SKIP lines in case order, then "N passed, N failed"
# (", N skipped" when any were). Exit 0 iff nothing failed. Each case's
# output is kept in BUILD_DIR/test-logs/NAME.log.
#
# env: MOTE_JOBS (parallel cases, default 2), MOTE_RUNNER (default
# tools/mote-run next to this tree).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
runner=${MOTE_RUNNER:-$root/tools/mote-run}
jobs=${MOTE_JOBS:-2}

if (($# < 1)); then
	echo "usage: tests/guest/run.sh BUILD_DIR CASEFILE..." >&2
	exit 2
fi
[[ $jobs =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: MOTE_JOBS must be a positive number" >&2; exit 2; }
build=$1
shift
logdir=$build/test-logs
mkdir -p "$logdir"

# Each case writes its verdict into its own file, so parallel cases never
# interleave their output and verdicts can be printed in case order.
resdir=$(mktemp -d "${TMPDIR:-/tmp}/mote-guest.XXXXXX")
trap 'rm -rf "$resdir"' EXIT

# Split $1 into the global array `words`: blanks separate words, "..."
# groups (with \" and \\ inside), nothing else is special. Fails on an
# unterminated quote.
split_words() {
	local s=$1 w='' c i have=0 inq=0
	words=()
	for ((i = 0; i < ${#s}; i = i + 1)); do
		c=${s:i:1}
		if ((inq)); then
			if [[ $c == '"' ]]; then
				inq=0
			elif [[ $c == '\' && ${s:i+1:1} == [\"\\] ]]; then
				w+=${s:i+1:1}
				i=$((i + 1))
			else
				w+=$c
			fi
		elif [[ $c == '"' ]]; then
			inq=1
			have=1
		elif [[ $c == [[:blank:]] ]]; then
			if ((have)); then words+=("$w"); fi
			w=
			have=0
		else
			w+=$c
			have=1
		fi
	done
	if ((inq)); then return 1; fi
	if ((have)); then words+=("$w"); fi
	return 0
}

trim() {
	local s=$1
	s=${s#"${s%%[![:space:]]*}"}
	s=${s%"${s##*[![:space:]]}"}
	printf '%s' "$s"
}

# Write a verdict atomically: the printer must never see half a file.
verdict() {
	local idx=$1
	shift
	printf '%s\n' "$@" >"$resdir/$idx.tmp"
	mv "$resdir/$idx.tmp" "$resdir/$idx"
}

# Run case $1 (index) and write its verdict. Runs in a background subshell.
run_case() {
	local idx=$1 name=${names[$1]} want=${wants[$1]} re=${regexes[$1]}
	local forbid=${forbids[$1]} log=$logdir/${names[$1]}.log
	local cmd rc=0 reasons=() text

	if ! split_words "${argstrs[$idx]}"; then
		verdict "$idx" "FAIL $name (unterminated quote in runner args)"
		return
	fi
	local w expanded=()
	for w in "${words[@]}"; do
		expanded+=("${w//'{build}'/$build}")
	done
	if [[ ${expanded[0]:-} == @kvmboot ]]; then
		cmd=("$build/tools/kvmboot" "${expanded[@]:1}")
		if [[ ! -x ${cmd[0]} ]]; then
			verdict "$idx" "FAIL $name (${cmd[0]} not built)"
			return
		fi
		# kvmboot has its own timeout; this only bounds a wedged VMM.
		cmd=(timeout -k 5 600 "${cmd[@]}")
	else
		cmd=("$runner" "${expanded[@]}")
	fi

	# The runner goes to the background so that a TERM to this subshell
	# (run.sh being stopped) can be passed on; it stops its own QEMU.
	local child
	MOTE_RUN_LOG='' "${cmd[@]}" </dev/null >"$log" 2>&1 &
	child=$!
	trap 'kill -TERM "$child" 2>/dev/null; exit 143' TERM
	wait "$child" || rc=$?
	trap - TERM

	text=$(tr -d '\r' <"$log")
	local last status_bad=
	last=$(awk 'NF { line = $0 } END { print line }' <<<"$text")
	if [[ ${expanded[0]:-} == @kvmboot ]]; then
		# kvmboot exits with the raw isa-debug-exit code ((v << 1) | 1);
		# decode the console's last line as mote-run does, so that
		# EXPECTED_STATUS means the same for both runners.
		if ((rc == 77)); then
			verdict "$idx" "SKIP $name (${last:-kvmboot: /dev/kvm unavailable})"
			return
		elif ((rc == 124)); then
			status_bad="timeout"
		elif [[ $last =~ ^mote:\ exit\ status\ ([0-9]{1,3})$ ]]; then
			local code=$rc
			rc=$((10#${BASH_REMATCH[1]}))
			if ((code != (((rc << 1) | 1) & 255))); then
				echo "run.sh: kvmboot exit code $code disagrees with guest status $rc" >>"$log"
			fi
		else
			status_bad="no exit status line (kvmboot exit code $rc)"
		fi
	else
		case $rc in
		124) status_bad="timeout" ;;
		125) status_bad="no exit status line" ;;
		126) status_bad="runner could not start the guest" ;;
		esac
	fi
	if [[ -n $status_bad ]]; then
		reasons+=("$status_bad")
	elif [[ $rc != "$want" ]]; then
		reasons+=("exit status $rc, expected $want")
	fi
	if ! grep -Eq -- "$re" <<<"$text"; then
		reasons+=("no line matches /$re/")
	fi
	if [[ -n $forbid ]] && grep -Eq -- "$forbid" <<<"$text"; then
		reasons+=("output matches forbidden /$forbid/")
	fi
	if ((${#reasons[@]} == 0)); then
		verdict "$idx" "PASS $name"
		return
	fi
	local joined
	joined=$(printf '%s; ' "${reasons[@]}")
	verdict "$idx" "FAIL $name (${joined%; })" \
		"$(tail -n 20 <<<"$text" | sed 's/^/    /')"
}

# Parse every file first: a malformed line becomes a failing case, so a
# typo can never silently drop a test.
names=() wants=() regexes=() argstrs=() forbids=() bad=()
declare -A seen=()
add_bad() {
	names+=("$1") wants+=("") regexes+=("") argstrs+=("") forbids+=("")
	bad+=("$2")
}
for file in "$@"; do
	if [[ ! -f $file ]]; then
		add_bad "$file" "no such case file"
		continue
	fi
	lineno=0
	while IFS= read -r line || [[ -n $line ]]; do
		lineno=$((lineno + 1))
		line=${line%$'\r'}
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		fields=()
		rest=$line
		while [[ $rest == *' | '* ]]; do
			fields+=("$(trim "${rest%% | *}")")
			rest=${rest#* | }
		done
		fields+=("$(trim "$rest")")
		where="$file:$lineno"
		name=${fields[0]}
		if ((${#fields[@]} < 4 || ${#fields[@]} > 5)); then
			add_bad "${name:-$where}" "malformed case at $where: want NAME | STATUS | REGEX | ARGS [| !REGEX]"
			continue
		fi
		if [[ ! $name =~ ^[A-Za-z0-9._+-]+$ ]]; then
			add_bad "$name" "bad case name at $where: letters, digits and ._+- only"
			continue
		fi
		if [[ -n ${seen[$name]:-} ]]; then
			add_bad "$name" "duplicate case name at $where (first at ${seen[$name]})"
			continue
		fi
		seen[$name]=$where
		if [[ ! ${fields[1]} =~ ^[0-9]+$ ]] || ((10#${fields[1]} > 255)); then
			add_bad "$name" "bad expected status '${fields[1]}' at $where"
			continue
		fi
		forbid=
		if ((${#fields[@]} == 5)); then
			if [[ ${fields[4]} != '!'?* ]]; then
				add_bad "$name" "5th field must be !REGEX at $where"
				continue
			fi
			forbid=${fields[4]#!}
		fi
		names+=("$name") wants+=("$((10#${fields[1]}))") regexes+=("${fields[2]}")
		argstrs+=("${fields[3]}") forbids+=("$forbid") bad+=("")
	done <"$file"
done

passed=0 failed=0 skipped=0 next=0
total=${#names[@]}

# Print verdicts in case order as far as they are available.
flush() {
	local first
	while ((next < total)) && [[ -f $resdir/$next ]]; do
		cat "$resdir/$next"
		read -r first _ <"$resdir/$next"
		case $first in
		PASS) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		*) failed=$((failed + 1)) ;;
		esac
		next=$((next + 1))
	done
}

pids=()
stop() {
	trap - INT TERM
	local p
	for p in ${pids[@]+"${pids[@]}"}; do kill -TERM "$p" 2>/dev/null || true; done
	wait || true
	exit "$1"
}
trap 'stop 130' INT
trap 'stop 143' TERM

running=0
for ((i = 0; i < total; i = i + 1)); do
	if [[ -n ${bad[$i]} ]]; then
		verdict "$i" "FAIL ${names[$i]} (${bad[$i]})"
		flush
		continue
	fi
	while ((running >= jobs)); do
		wait -n || true
		running=$((running - 1))
		flush
	done
	run_case "$i" &
	pids+=($!)
	running=$((running + 1))
	flush
done
while ((running > 0)); do
	wait -n || true
	running=$((running - 1))
	flush
done
flush

summary="$passed passed, $failed failed"
((skipped > 0)) && summary+=", $skipped skipped"
((total > 0)) || echo "run.sh: no test cases found" >&2
echo "$summary"
((failed == 0))
