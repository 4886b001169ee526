#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# Host tap devices for guest network tests: a unique name and subnet per tap, each deleted again when the script exits.
#
# Source it from a bash script, then create taps in the script's main shell
# (not in a subshell or $(...): the globals and the clean-up live there):
#
#   source tests/guest/tap.sh
#   if ! tap_create [--multi-queue]; then echo "SKIP ... ($TAP_WHY)"; fi
#   qemu ... -netdev tap,id=n0,ifname=$TAP_NAME,script=no,downscript=no ...
#   ...                      # the host is $TAP_HOST_IP, the guest takes $TAP_GUEST_IP
#   tap_delete "$TAP_NAME"   # optional: every tap left is deleted at exit
#
# tap_create sets TAP_NAME, TAP_NET (10.0.N), TAP_HOST_IP (10.0.N.1, on the
# tap, /24), TAP_GUEST_IP (10.0.N.2) and TAP_PREFIX (24); on failure it
# returns 1 with TAP_WHY saying why (not root, no /dev/net/tun, ...), so
# that a suite can report a SKIP. --multi-queue makes an IFF_MULTI_QUEUE
# tap, which QEMU needs for -netdev tap,queues=N with N > 1 (and refuses
# with N = 1). tap_usable only checks the prerequisites.
#
# Sourcing installs an EXIT trap (and INT, TERM, HUP traps that exit) that
# calls tap_cleanup; a script that sets its own EXIT trap must call
# tap_cleanup from it.
#
# Names are mote<PID>t<K>, PID being the creating script's ($$): at most
# 15 characters, the kernel's limit. A tap whose creator has gone (killed
# with SIGKILL, say) is deleted by the next tap_create on this host.
# Subnets 10.0.100.0/24 to 10.0.249.0/24 are handed out under a lock
# (flock on $TAP_LOCK), skipping any that a host interface or route uses,
# so that parallel runs never share one.
#
# env: TAP_LOCK (default ${TMPDIR:-/tmp}/mote-tap.lock)

TAP_LOCK=${TAP_LOCK:-${TMPDIR:-/tmp}/mote-tap.lock}
TAP_NAME= TAP_NET= TAP_HOST_IP= TAP_GUEST_IP= TAP_PREFIX= TAP_WHY=
_tap_made=()
_tap_count=0

# 0 when taps can be made here; otherwise 1 with TAP_WHY set.
tap_usable() {
	local cap
	TAP_WHY=
	if ! command -v ip >/dev/null 2>&1; then
		TAP_WHY="no ip command (iproute2)"
	elif ! command -v flock >/dev/null 2>&1; then
		TAP_WHY="no flock command (util-linux)"
	elif [[ ! -c /dev/net/tun ]]; then
		TAP_WHY="no /dev/net/tun"
	elif [[ ! -r /dev/net/tun || ! -w /dev/net/tun ]]; then
		TAP_WHY="/dev/net/tun is not readable and writable"
	else
		# CAP_NET_ADMIN (bit 12) in the effective set: root usually, but not in every container.
		cap=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status 2>/dev/null)
		if [[ -z $cap ]] || ((!((16#$cap >> 12) & 1))); then
			TAP_WHY="no CAP_NET_ADMIN (run as root)"
		fi
	fi
	[[ -z $TAP_WHY ]]
}

# Deletes taps left by creators that no longer run.
_tap_reap() {
	local name pid
	while read -r name; do
		[[ $name =~ ^mote([0-9]+)t[0-9]+$ ]] || continue
		pid=${BASH_REMATCH[1]}
		[[ -d /proc/$pid ]] || ip link delete "$name" 2>/dev/null || true
	done < <(ip -o link show type tun 2>/dev/null | sed -n 's/^[0-9]*: \([^:@]*\).*/\1/p')
}

# A /24 under 10.0 that no address or route of the host touches: prints N, or fails.
_tap_free_subnet() {
	local used n
	used=$(ip -4 -o addr show 2>/dev/null | awk '{ print $4 }')
	for ((n = 100; n < 250; n++)); do
		grep -q "^10\.0\.$n\." <<<"$used" && continue
		# Any route but the default one that covers it (10.0.N.0/24, 10.0.0.0/16, 10.0.0.0/8, ...).
		ip -4 route show match "10.0.$n.1" 2>/dev/null | grep -qv '^default' && continue
		echo "$n"
		return 0
	done
	return 1
}

tap_create() {
	local mode=() name n fd out
	TAP_NAME= TAP_NET= TAP_HOST_IP= TAP_GUEST_IP= TAP_PREFIX=
	case ${1:-} in
	--multi-queue) mode=(multi_queue) ;;
	'') ;;
	*) TAP_WHY="tap_create: unknown option $1"; return 1 ;;
	esac
	tap_usable || return 1
	_tap_reap
	name=mote$$t$_tap_count
	_tap_count=$((_tap_count + 1))
	if ! exec {fd}>>"$TAP_LOCK"; then
		TAP_WHY="cannot open the lock file $TAP_LOCK"
		return 1
	fi
	if ! flock -w 60 "$fd"; then
		exec {fd}>&-
		TAP_WHY="timed out waiting for $TAP_LOCK"
		return 1
	fi
	if ! n=$(_tap_free_subnet); then
		TAP_WHY="no free 10.0.N.0/24 subnet (N 100..249)"
	elif ! out=$(ip tuntap add dev "$name" mode tap "${mode[@]}" 2>&1); then
		TAP_WHY="ip tuntap add $name failed: $out"
	else
		_tap_made+=("$name")
		# No IPv6 on it: router solicitations and MLD reports would only be noise for the guest.
		echo 1 >"/proc/sys/net/ipv6/conf/$name/disable_ipv6" 2>/dev/null || true
		if ! out=$( { ip addr add "10.0.$n.1/24" dev "$name" && ip link set dev "$name" up; } 2>&1); then
			TAP_WHY="cannot configure $name: $out"
			tap_delete "$name"
		fi
	fi
	flock -u "$fd"
	exec {fd}>&-
	[[ -z $TAP_WHY ]] || return 1
	TAP_NAME=$name
	TAP_NET=10.0.$n
	TAP_HOST_IP=10.0.$n.1
	TAP_GUEST_IP=10.0.$n.2
	TAP_PREFIX=24
	return 0
}

tap_delete() {
	local name=$1 i kept=()
	ip link delete "$name" 2>/dev/null || true
	for i in ${_tap_made[@]+"${_tap_made[@]}"}; do
		[[ $i == "$name" ]] || kept+=("$i")
	done
	_tap_made=(${kept[@]+"${kept[@]}"})
}

# Deletes every tap this script made; safe to call more than once.
tap_cleanup() {
	local name
	for name in ${_tap_made[@]+"${_tap_made[@]}"}; do
		ip link delete "$name" 2>/dev/null || true
	done
	_tap_made=()
}

trap tap_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
