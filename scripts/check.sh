#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: set everything up, run the host tests and the guest tests,
# print every failure and a closing line "N passed, N failed".
. "$(dirname "$0")/lib.sh"

out=${VCRYPTO_OUT:-$CACHE/check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
say "results and logs: $out"

"$TOP/scripts/host-deps.sh"
kdir=$("$TOP/scripts/kernel.sh")

say "host tests"
"$TOP/scripts/tests/host_kdir_errors.sh" "$kdir" > "$out/host_kdir.ktap" 2>&1 || true
# This one also builds the module (under clippy) for the guest.
"$TOP/scripts/tests/host_code_rules.sh" "$kdir" > "$out/host_rules.ktap" 2>&1 || true
say "host tests: the vhost-user-crypto device crate (cargo test, clippy, rustfmt)"
"$TOP/scripts/tests/host_device_crate.sh" > "$out/host_device.ktap" 2>&1 || true
cat "$out"/host_*.ktap
make -s -C "$TOP" KDIR="$kdir" >/dev/null 2>"$out/build.log" || { cat "$out/build.log"; die "module build failed"; }

guest() { # guest <name> <expect-file> [device args]
	local name=$1 expect=$2 dir=$out/$1
	mkdir -p "$dir"
	"$TOP/scripts/initramfs.sh" "$kdir" "$dir/initramfs.cpio.gz" "$expect"
	VCRYPTO_DEVICE_ARGS=${3:-} "$TOP/scripts/qemu.sh" "$kdir" "$dir/initramfs.cpio.gz" test "$dir" 1500 || true
	# A guest that hung or crashed before it finished counts as a failure.
	if ! grep -q "VCRS-RESULTS-DONE" "$dir/results.ktap" 2>/dev/null; then
		say "guest '$name' did not finish; last console lines:"
		tail -30 "$dir/console.log" 2>/dev/null
		echo "not ok 1 guest $name ran to completion" >> "$dir/results.ktap"
	fi
	sed -n '/^# VCRS-RESULTS-DONE/q;p' "$dir/results.ktap"
}

say "guest tests: QEMU builtin cryptodev backend"
guest qemu-builtin "$TOP/tools/testing/selftests/drivers/crypto/virtio/expect/qemu-builtin"

say "summary"
python3 "$TOP/scripts/ktap_count.py" "$out"/host_*.ktap "$out"/*/results.ktap
