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

# Kernel log lines that are a report of a bug: WARN, BUG, oops, KASAN, lockdep,
# sleeping in atomic context, list/sg corruption, refcount errors.
KERNEL_REPORTS='WARNING:|BUG:|Oops|kernel BUG|general protection|UBSAN:|KASAN:|refcount_t:|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|sleeping function called|list_(add|del) corruption|kmemleak: [0-9]+ new suspected'

guest() { # guest <name> <expect-file> [device options for the vhost-user device]
	local name=$1 expect=$2 dir=$out/$1 args="" qemu=${QEMU:-} rc=0 kdir=${GUEST_KDIR:-$kdir}
	shift 2
	mkdir -p "$dir"
	"$TOP/scripts/initramfs.sh" "$kdir" "$dir/initramfs.cpio.gz" "$expect"
	if [ "$name" != qemu-builtin ]; then
		qemu=$("$TOP/scripts/qemu-vhost-user.sh" qemu)
		args=$("$TOP/scripts/vhost-user-device.sh" start "$dir" "$@") || args=""
		[ -n "$args" ] && args="$args ${GUEST_MORE_DEVICES:-}"
	fi
	if [ "$name" = qemu-builtin ] || [ -n "$args" ]; then
		QEMU=$qemu VCRYPTO_DEVICE_ARGS=$args VCRYPTO_TESTS=${VCRYPTO_TESTS:-} \
			"$TOP/scripts/qemu.sh" "$kdir" "$dir/initramfs.cpio.gz" test "$dir" 1500 || true
	fi
	# A guest that hung or crashed before it finished counts as a failure.
	if ! grep -q "VCRS-RESULTS-DONE" "$dir/results.ktap" 2>/dev/null; then
		say "guest '$name' did not finish; last console lines:"
		tail -30 "$dir/console.log" 2>/dev/null
		echo "not ok 1 guest $name ran to completion" >> "$dir/results.ktap"
	fi
	if [ "$name" != qemu-builtin ]; then
		"$TOP/scripts/vhost-user-device.sh" stop "$dir" || rc=1
	fi
	# Results the host adds, in one rewrite of the guest's file: the whole kernel log of
	# the boot (streamed on ttyS2) has no checker report anywhere, also between tests and
	# after the last one; and our device, if it served this guest, exited cleanly.
	{ sed -n '/^# VCRS-RESULTS-DONE/q;p' "$dir/results.ktap"
	  reports=$(grep -aE "$KERNEL_REPORTS" "$dir/dmesg.log" 2>/dev/null | head -5)
	  if [ -z "$reports" ] && [ -s "$dir/dmesg.log" ]; then
		echo "ok 1 guest $name: kernel log free of warnings and checker reports"
	  else
		echo "$reports" | sed 's/^/# /'
		echo "not ok 1 guest $name: kernel log free of warnings and checker reports"
	  fi
	  if [ "$name" != qemu-builtin ]; then
		[ $rc = 0 ] && echo "ok 1 device: vhost-user-crypto served guest $name and exited cleanly" ||
			echo "not ok 1 device: vhost-user-crypto served guest $name and exited cleanly"
	  fi
	  echo "# VCRS-RESULTS-DONE"; } > "$dir/results.tmp" && mv "$dir/results.tmp" "$dir/results.ktap"
	sed -n '/^# VCRS-RESULTS-DONE/q;p' "$dir/results.ktap"
}

say "guest tests: QEMU builtin cryptodev backend"
VCRYPTO_TESTS="" guest qemu-builtin "$TOP/tools/testing/selftests/drivers/crypto/virtio/expect/qemu-builtin"

say "guest tests: vhost-user-crypto device, 4 data queues, every algorithm it serves"
VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_c_driver.sh,vcrypto_kunit.sh,vcrypto_dmcrypt.sh,vcrypto_faults.sh \
	guest vhost-user "$TOP/tools/testing/selftests/drivers/crypto/virtio/expect/vhost-user" --max-dataqueues 4

say "guest tests: two devices (vhost-user-crypto and QEMU's builtin backend) in one guest"
GUEST_MORE_DEVICES="-object cryptodev-backend-builtin,id=c1 -device virtio-crypto-pci,cryptodev=c1" \
VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_multidev.sh \
	guest two-devices "$TOP/tools/testing/selftests/drivers/crypto/virtio/expect/vhost-user" --max-dataqueues 4

say "debug kernel (lockdep, KASAN, DEBUG_SG): the module and the guest tests again"
# Built from a copy of the module's sources, so the checkout keeps its own build.
if kdir_debug=$("$TOP/scripts/kernel.sh" debug); then
	dtree=$out/debug-tree
	rm -rf "$dtree" && mkdir -p "$dtree"
	(cd "$TOP" && cp -r Kbuild drivers rust include "$dtree/")
	find "$dtree" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
	rm -rf "$dtree/include/generated"
	# shellcheck disable=SC2046
	if make -s -C "$kdir_debug" M="$dtree" $(cat "$kdir_debug/.vcrypto-make-args") modules \
		>"$out/build-debug.log" 2>&1; then
		VCRYPTO_MODULE_DIR=$dtree GUEST_KDIR=$kdir_debug \
		VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_kunit.sh,vcrypto_faults.sh,vcrypto_teardown.sh \
			guest debug-vhost-user "$TOP/tools/testing/selftests/drivers/crypto/virtio/expect/vhost-user" --max-dataqueues 4
	else
		tail -20 "$out/build-debug.log"
		mkdir -p "$out/debug-vhost-user"
		echo "not ok 1 module builds against the debug kernel" > "$out/debug-vhost-user/results.ktap"
	fi
else
	mkdir -p "$out/debug-vhost-user"
	echo "not ok 1 debug kernel builds" > "$out/debug-vhost-user/results.ktap"
fi

say "summary"
python3 "$TOP/scripts/ktap_count.py" "$out"/host_*.ktap "$out"/*/results.ktap
