#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`'s first screen (scripts/run.sh, not from a terminal: it prints
# the guest's console and exits): within 24 lines of the guest's first
# heading, the device's configuration (the probe line), every algorithm of
# ours with its self-test passed, and a dm-crypt round trip served by our
# driver.
# Usage: host_run.sh <kdir> <workdir>; KTAP on stdout.
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$1 w=$2
mkdir -p "$w"
echo "KTAP version 1"; echo "1..4"
n=0; failed=0
result() { # <description> <command...>
	local d=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $d"; else echo "not ok $n $d"; failed=1; fi
}
KDIR=$kdir "$top/scripts/run.sh" < /dev/null > "$w/run.out" 2> "$w/run.log"
# The first screen: 24 lines from the first "===" heading the guest prints.
tr -d '\r' < "$w/run.out" | sed -n '/^=== /,$p' | head -24 > "$w/screen"
sed 's/^/# /' "$w/screen"
result "make run: the probe line (the device's configuration)" \
	grep -qE '^virtio[0-9]+: max_dataqueues=[0-9]+ services=0x' "$w/screen"
result "make run: our algorithms with their self-test results, all passed" \
	sh -c 'grep -q " virtio-rs-.* selftest passed$" "$1" && ! grep " virtio-rs-.* selftest " "$1" | grep -qv "selftest passed$"' _ "$w/screen"
result "make run: a dm-crypt round trip served by our driver" \
	grep -qE '^OK: dm-crypt plain .* round trip, served by virtio-rs-' "$w/screen"
result "make run: the device's counters show the requests, none failed" \
	grep -qE '^device counters: submitted=[1-9][0-9]* completed=[1-9][0-9]* failed=0 ' "$w/screen"
exit $failed
