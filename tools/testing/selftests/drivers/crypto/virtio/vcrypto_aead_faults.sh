#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults on aead requests: the device (tools/vhost-user-crypto, through its
# fault channel) answers ERR, BADMSG, NOTSUPP or INVSESS to every Nth aead
# request of one kind (AEAD service encryptions or decryptions, or the chained
# CIPHER requests of authenc); the KUnit fault suite of
# virtio_crypto_rs_kunit.ko checks that exactly those callers get the mapped
# errno and every other caller the right output; no warning follows.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 5
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "no fault channel (not our vhost-user device)"; exit $KSFT_SKIP; }
KUNIT_KO=${VCRYPTO_KUNIT_KO:-$(dirname "${VCRYPTO_KO:-/lib/modules/extra/x}")/virtio_crypto_rs_kunit.ko}
[ -f "$KUNIT_KO" ] || { ktap_diag "$KUNIT_KO not found"; exit $KSFT_SKIP; }
module_loaded && module_unload
quick_selftests
module_load || { echo "not ok 1 module loads"; exit $KSFT_FAIL; }
wait_selftests
our_algs | grep -q "^virtio-rs-gcm-aes passed" || { ktap_diag "our gcm(aes) is not registered"; exit $KSFT_SKIP; }

# run_faults <label> <device op> <device status> <every> <errno> <our alg>
run_faults() {
	fault_cmd clear >/dev/null
	fault_cmd status "$2" "$3" every="$4" >/dev/null || { ktap_fail "$1: fault rule accepted"; return; }
	dmesg -c >/dev/null
	# iterations=0: the cipher suite's random cases are not what this is about.
	insmod "$KUNIT_KO" fault_every="$4" fault_errno="$5" fault_alg="$6" iterations=0 &&
		rmmod virtio_crypto_rs_kunit
	fault_cmd clear >/dev/null
	res=$(dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E "test_aead_faults|(ok|not ok) [0-9]+ virtio_crypto_rs_aead_faults")
	echo "$res" | grep -E "# test_aead_faults|Expected|request" | head -5 | sed 's/^ */# /'
	ktap_check "$1" sh -c 'echo "$1" | grep -qE "^ *ok [0-9]+ virtio_crypto_rs_aead_faults$"' _ "$res"
}
run_faults "ERR on every 5th gcm encryption: exactly those fail with -EIO" aead-encrypt err 5 5 virtio-rs-gcm-aes
run_faults "BADMSG on every 3rd ccm decryption: exactly those fail with -EBADMSG" aead-decrypt badmsg 3 74 virtio-rs-ccm-aes
run_faults "NOTSUPP on every 4th chacha20-poly1305 encryption: exactly those fail with -EOPNOTSUPP" aead-encrypt notsupp 4 95 virtio-rs-rfc7539-chacha20-poly1305
run_faults "INVSESS on every 3rd chained authenc encryption: exactly those fail with -EIO" cipher-encrypt invsess 3 5 virtio-rs-authenc-hmac-sha256-cbc-aes
p=$(dmesg_problems); [ -z "$p" ] && ktap_ok "no warning in dmesg" || { ktap_diag "$p"; ktap_fail "no warning in dmesg"; }
module_unload
ktap_exit
