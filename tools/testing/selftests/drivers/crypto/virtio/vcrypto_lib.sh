#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# KTAP helpers shared by the virtio-crypto-rs selftests (busybox sh compatible).
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0; KSFT_FAIL=1; KSFT_SKIP=4
ktap_n=0; ktap_failed=0
MOD=${VCRYPTO_MODULE:-virtio_crypto_rs}

ktap_header() { echo "KTAP version 1"; echo "1..$1"; }
ktap_ok()     { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $*"; }
ktap_fail()   { ktap_n=$((ktap_n + 1)); ktap_failed=1; echo "not ok $ktap_n $*"; }
ktap_skip()   { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $* # SKIP"; }
ktap_diag()   { echo "# $*"; }
# ktap_check <description> <command...>: one result from a command's status.
ktap_check()  { d=$1; shift; if "$@"; then ktap_ok "$d"; else ktap_fail "$d"; fi; }
ktap_exit()   { exit $ktap_failed; }

# The module file: VCRYPTO_KO, or the installed module.
module_load()   { if [ -n "${VCRYPTO_KO:-}" ]; then insmod "$VCRYPTO_KO" "$@"; else modprobe "$MOD" "$@"; fi; }
module_loaded() { grep -q "^$MOD " /proc/modules; }
# A self-test in progress holds the module: let it finish first.
module_unload() { wait_selftests 120; rmmod "$MOD"; }

# The virtio devices of type 20 (crypto), one sysfs path per line.
crypto_devices() {
	for d in /sys/bus/virtio/devices/*; do
		[ -e "$d/device" ] || continue
		[ "$(cat "$d/device")" = "0x0014" ] && echo "$d"
	done
}

# How many virtio crypto devices are bound to driver $1 (default: ours).
bound_count() {
	n=0
	for d in $(crypto_devices); do
		[ "$(basename "$(readlink "$d/driver")")" = "${1:-$MOD}" ] && n=$((n + 1))
	done
	echo $n
}

# Kernel log lines that mean something went wrong in the kernel.
dmesg_problems() {
	dmesg | grep -E 'WARNING:|BUG:|Oops|Call Trace:|kernel BUG|general protection|UBSAN:|KASAN:|refcount_t:|alg: .*failed|invalid device configuration'
}

# The algorithms of module $1 (default: ours) in /proc/crypto: "driver selftest" per line.
our_algs() {
	awk -v m="${1:-$MOD}" '/^driver/{d=$3} /^module/{mod=$3} /^selftest/{if (mod==m) print d, $3}' /proc/crypto
}

# Self-tests run asynchronously after registration: wait (at most $1 s, default 120)
# until none of the algorithms of module $2 (default: ours) is still untested.
wait_selftests() {
	t=${1:-120}
	while [ "$t" -gt 0 ]; do
		our_algs "${2:-$MOD}" | grep -q " unknown$" || return 0
		sleep 1; t=$((t - 1))
	done
	return 1
}

# The kernel's C virtio crypto driver, for side-by-side checks.
C_MOD=virtio_crypto
C_KO_DIR=${VCRYPTO_C_KO_DIR:-/lib/modules/extra}
c_driver_load() {
	grep -q "^crypto_engine " /proc/modules || insmod "$C_KO_DIR/crypto_engine.ko" 2>/dev/null
	insmod "$C_KO_DIR/virtio_crypto.ko"
}
c_driver_unload() { wait_selftests 120 "$C_MOD"; rmmod "$C_MOD"; }

# The refcnt /proc/crypto shows for the implementation called $1.
alg_refcnt() {
	awk -v d="$1" '/^driver/{dr=$3} /^refcnt/{if (dr==d) print $3}' /proc/crypto | head -1
}

# A counter of our first device's debugfs stats file.
our_stat() {
	f=$(ls /sys/kernel/debug/virtio_crypto_rs-*/stats 2>/dev/null | head -1)
	[ -n "$f" ] && awk -v k="$1" '$1==k{print $2}' "$f"
}

# The device's fault-injection channel: scripts/vhost-user-device.sh wires the
# vhost-user-crypto device's fault socket to the guest's ttyS3. One command
# line out, one reply line back ("ok ...", "err ...").
FAULT_TTY=${VCRYPTO_FAULT_TTY:-/dev/ttyS3}
# fault_cmd <command...>: prints the reply; succeeds on "ok".
fault_cmd() {
	[ -c "$FAULT_TTY" ] || return 1
	# Raw and without echo: an echoed reply would go back to the device as a command.
	stty -F "$FAULT_TTY" raw -echo 2>/dev/null || return 1
	exec 3<>"$FAULT_TTY"
	echo "$*" >&3
	reply=""
	IFS= read -r -t 5 reply <&3
	exec 3<&-
	echo "$reply"
	case $reply in ok*) return 0 ;; esac
	return 1
}
# Whether this guest's device takes fault commands.
fault_available() { fault_cmd show >/dev/null 2>&1; }
