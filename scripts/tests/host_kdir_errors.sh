#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A malformed KDIR or a missing tool gives a one-line error that names the fix.
# Usage: host_kdir_errors.sh <good-kdir>
top=$(cd "$(dirname "$0")/../.." && pwd)
good=$1
echo "KTAP version 1"; echo "1..4"
n=0; failed=0
expect_error() { # <description> <pattern the error must contain> <command...>
	local d=$1 pat=$2 out lines; shift 2
	n=$((n + 1))
	out=$("$@" 2>&1); rc=$?
	lines=$(echo "$out" | grep -c '^error:')
	if [ $rc -ne 0 ] && [ "$lines" -eq 1 ] && echo "$out" | grep '^error:' | grep -q -- "$pat"; then
		echo "ok $n $d"
	else
		echo "$out" | sed 's/^/# /' | head -5
		echo "not ok $n $d"; failed=1
	fi
}
expect_error "nonexistent KDIR is refused naming KDIR" "KDIR=/nonexistent" \
	make -s -C "$top" KDIR=/nonexistent
expect_error "KDIR that is not a kernel tree is refused" "not a configured kernel build tree" \
	make -s -C "$top" KDIR=/tmp
nor=$(mktemp -d); touch "$nor/Makefile"; echo "CONFIG_RUST=n" > "$nor/.config"
expect_error "KDIR without CONFIG_RUST is refused" "CONFIG_RUST" \
	make -s -C "$top" KDIR="$nor"
rm -rf "$nor"
# bindgen lives in ~/.cargo/bin: without it on PATH the check names the installer.
expect_error "missing bindgen names scripts/host-deps.sh" "host-deps.sh" \
	env PATH=/usr/bin:/bin "$top/scripts/check-kdir.sh" "$good"
exit $failed
