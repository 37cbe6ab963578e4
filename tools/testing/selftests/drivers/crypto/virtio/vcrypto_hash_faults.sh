#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults on hash and MAC requests: the device (tools/vhost-user-crypto, through
# its fault channel) answers ERR, BADMSG or INVSESS to every Nth hash or MAC
# request; the KUnit fault suite of virtio_crypto_rs_kunit.ko checks that
# exactly those callers get the mapped errno, that their result buffer is left
# alone, and that every other caller gets the right digest; no warning follows.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 4
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "no fault channel (not our vhost-user device)"; exit $KSFT_SKIP; }
KUNIT_KO=${VCRYPTO_KUNIT_KO:-$(dirname "${VCRYPTO_KO:-/lib/modules/extra/x}")/virtio_crypto_rs_kunit.ko}
[ -f "$KUNIT_KO" ] || { ktap_diag "$KUNIT_KO not found"; exit $KSFT_SKIP; }
module_loaded && module_unload
quick_selftests
module_load || { echo "not ok 1 module loads"; exit $KSFT_FAIL; }
wait_selftests
our_algs | grep -q "^virtio-rs-sha256 passed" || { ktap_diag "our sha256 is not registered"; exit $KSFT_SKIP; }

# run_faults <label> <device op> <device status> <every> <errno> <our alg>
run_faults() {
	fault_cmd clear >/dev/null
	fault_cmd status "$2" "$3" every="$4" >/dev/null || { ktap_fail "$1: fault rule accepted"; return; }
	dmesg -c >/dev/null
	# iterations=0: the cipher suite's random cases are not what this is about.
	insmod "$KUNIT_KO" fault_every="$4" fault_errno="$5" fault_alg="$6" iterations=0 &&
		rmmod virtio_crypto_rs_kunit
	fault_cmd clear >/dev/null
	res=$(dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E "test_hash_faults|(ok|not ok) [0-9]+ virtio_crypto_rs_ahash_faults")
	echo "$res" | grep -E "# test_hash_faults|Expected|request" | head -5 | sed 's/^ */# /'
	ktap_check "$1" sh -c 'echo "$1" | grep -qE "^ *ok [0-9]+ virtio_crypto_rs_ahash_faults$"' _ "$res"
}
run_faults "ERR on every 5th hash request: exactly those fail with -EIO" hash err 5 5 virtio-rs-sha256
run_faults "BADMSG on every 3rd MAC request: exactly those fail with -EBADMSG" mac badmsg 3 74 virtio-rs-hmac-sha256
run_faults "INVSESS on every 4th MAC request: exactly those fail with -EIO" mac invsess 4 5 virtio-rs-cmac-aes
p=$(dmesg_problems); [ -z "$p" ] && ktap_ok "no warning in dmesg" || { ktap_diag "$p"; ktap_fail "no warning in dmesg"; }
module_unload
ktap_exit
