#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A minimal kselftest runner: run each program with the timeout from
# ./settings, nest its KTAP output as subtests, and report one result per
# program (exit 0 ok, 4 skip, anything else or a timeout: not ok).
#
# Each program runs in a process group of its own. At its timeout the whole
# group gets SIGTERM (the program's exit trap undoes what it set up, see
# vcrypto_lib.sh), then SIGKILL 30 s later. After every program the runner
# checks that the guest is back to the state programs start from (no module,
# mapping, loop device, namespace or fault left): a program that left state
# behind fails, and the state is cleared so that the next program starts clean.
# "# time: <program> <s> s of <timeout> s" gives each program's duration.
cd "$(dirname "$0")" || exit 1
. ./vcrypto_lib.sh
trap - EXIT TERM INT HUP   # the runner is not a test program
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null); timeout=${timeout:-300}
# A slower kernel (the debug profile) may give every program more time.
timeout=${VCRYPTO_TEST_TIMEOUT:-$timeout}
[ $# -gt 0 ] || set -- $(sed -n 's/^TEST_PROGS := //p' Makefile)

echo "KTAP version 1"
echo "1..$#"
n=0; failed=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: drivers/crypto/virtio: $t"
	out=/tmp/ksft_$t.out
	rm -f "$out" "$out.timeout"; : > "$out"
	start=$(date +%s)
	# Progress goes to the console as it happens (a hang shows where it hangs).
	setsid sh -c 'exec tail -f "$1" | sed "s|^|[$2] |" > /dev/console' _ "$out" "$t" &
	console=$!
	setsid "./$t" > "$out" 2>&1 < /dev/null &
	pid=$!
	setsid sh -c 'sleep "$1"; : > "$2"; kill -TERM -"$3"; sleep 30; kill -KILL -"$3"' \
		_ "$timeout" "$out.timeout" "$pid" > /dev/null 2>&1 &
	watchdog=$!
	wait $pid; rc=$?
	kill -KILL -$watchdog 2>/dev/null
	# Nothing of the program outlives it (a stuck writer it started, say).
	kill -KILL -$pid 2>/dev/null
	secs=$(($(date +%s) - start))
	sleep 1; kill -TERM -$console 2>/dev/null
	sed 's/^/    /' "$out"
	left=$(guest_leftovers)
	echo "# time: $t $secs s of $timeout s"
	if [ -n "$left" ]; then
		echo "$left" | sed 's/^/# left behind: /'
		guest_reset
	fi
	if [ -e "$out.timeout" ]; then
		echo "not ok $n selftests: drivers/crypto/virtio: $t # TIMEOUT ${timeout}s"; failed=1
	elif [ "$rc" != 0 ] && [ "$rc" != 4 ]; then
		echo "not ok $n selftests: drivers/crypto/virtio: $t # exit=$rc"; failed=1
	elif [ -n "$left" ]; then
		echo "not ok $n selftests: drivers/crypto/virtio: $t # left state behind"; failed=1
	elif [ "$rc" = 4 ]; then
		echo "ok $n selftests: drivers/crypto/virtio: $t # SKIP"
	else
		echo "ok $n selftests: drivers/crypto/virtio: $t"
	fi
done
exit $failed
