#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The project's KUnit suites: the driver's own (config validation) run when it
# loads; virtio_crypto_rs_kunit.ko (the algorithms against the kernel's generic
# code) runs when it is loaded next to the driver. Their KTAP is taken from the
# kernel log and re-emitted as this test's subtests.
. "$(dirname "$0")/vcrypto_lib.sh"

# KUnit runs a module's suites at load time only with CONFIG_KUNIT=y.
if ! zcat /proc/config.gz 2>/dev/null | grep -q '^CONFIG_KUNIT=y'; then
	echo "# CONFIG_KUNIT is not enabled (or /proc/config.gz is missing)"
	exit $KSFT_SKIP
fi
module_loaded && module_unload
quick_selftests
dmesg -c >/dev/null
# A shallow queue (4 requests in flight) makes the backlog paths run on any
# device, however fast it is.
module_load queue_depth=4 || { echo "not ok 1 module loads"; exit $KSFT_FAIL; }
wait_selftests
if [ -f "$KUNIT_KO" ]; then
	# VCRYPTO_KUNIT_ARGS: module parameters of the suite (iterations=N on slow kernels).
	ktap_diag "insmod $(basename "$KUNIT_KO") ${VCRYPTO_KUNIT_ARGS:-}"
	insmod "$KUNIT_KO" ${VCRYPTO_KUNIT_ARGS:-} && rmmod virtio_crypto_rs_kunit
else
	echo "# $KUNIT_KO not found: only the driver's own suites run"
fi
module_unload
# Suite results are the lines from the "KTAP version" header of our suites to their
# top-level result; print them without the printk prefix.
dmesg | sed -n 's/^\[[^]]*\] //p' | awk '
	/^    # Subtest: virtio_crypto_rs/ { on = 1; n++; print "    KTAP version 1" }
	on { print }
	on && /^(not )?ok [0-9]+ virtio_crypto_rs/ { on = 0 }
' > /tmp/vcrypto_kunit.ktap
suites=$(grep -c "^    # Subtest: virtio_crypto_rs" /tmp/vcrypto_kunit.ktap)
[ "$suites" -gt 0 ] || { echo "# no virtio_crypto_rs KUnit suite ran"; exit $KSFT_FAIL; }
echo "KTAP version 1"
echo "1..$suites"
# Renumber the suites' own result lines (KUnit numbers them globally).
awk '
	/^(not )?ok [0-9]+ / { i++; sub(/ok [0-9]+ /, "ok " i " ") }
	{ print }
' /tmp/vcrypto_kunit.ktap
grep -q "^not ok" /tmp/vcrypto_kunit.ktap && exit $KSFT_FAIL
exit $KSFT_PASS
