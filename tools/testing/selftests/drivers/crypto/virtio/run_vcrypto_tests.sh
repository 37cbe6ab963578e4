#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A minimal kselftest runner: run each program with the timeout from
# ./settings, nest its KTAP output as subtests, and report one result per
# program (exit 0 ok, 4 skip, anything else or a timeout: not ok).
cd "$(dirname "$0")" || exit 1
timeout=$(sed -n 's/^timeout=//p' settings 2>/dev/null); timeout=${timeout:-300}
[ $# -gt 0 ] || set -- $(sed -n 's/^TEST_PROGS := //p' Makefile)

echo "KTAP version 1"
echo "1..$#"
n=0; failed=0
for t in "$@"; do
	n=$((n + 1))
	echo "# selftests: drivers/crypto/virtio: $t"
	out=/tmp/ksft_$t.out
	# Progress goes to the console as it happens (a hang shows where it hangs).
	{ timeout "$timeout" "./$t" 2>&1; echo $? > "$out.rc"; } | tee "$out" | sed "s|^|[$t] |" > /dev/console
	rc=$(cat "$out.rc")
	sed 's/^/    /' "$out"
	case $rc in
	0) echo "ok $n selftests: drivers/crypto/virtio: $t" ;;
	4) echo "ok $n selftests: drivers/crypto/virtio: $t # SKIP" ;;
	124) echo "not ok $n selftests: drivers/crypto/virtio: $t # TIMEOUT ${timeout}s"; failed=1 ;;
	*) echo "not ok $n selftests: drivers/crypto/virtio: $t # exit=$rc"; failed=1 ;;
	esac
done
exit $failed
