#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults on aead requests: the device (tools/vhost-user-crypto, through its
# fault channel) answers ERR, BADMSG, NOTSUPP or INVSESS to every Nth aead
# request of one kind (AEAD service encryptions or decryptions, or the chained
# CIPHER requests of authenc); the KUnit fault suite of
# virtio_crypto_rs_kunit.ko checks that exactly those callers get the mapped
# errno and every other caller the right output; no warning follows. INVSESS
# for the session the driver holds is recovered (the session created again,
# the request resubmitted): every caller gets the right output.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 5
faults_prologue virtio-rs-gcm-aes

# run_faults <label> <device op> <device status> <every> <errno> <our alg>
run_faults() { kunit_faults virtio_crypto_rs_aead_faults test_aead_faults "$@"; }
run_faults "ERR on every 5th gcm encryption: exactly those fail with -EIO" aead-encrypt err 5 5 virtio-rs-gcm-aes
run_faults "BADMSG on every 3rd ccm decryption: exactly those fail with -EBADMSG" aead-decrypt badmsg 3 74 virtio-rs-ccm-aes
run_faults "NOTSUPP on every 4th chacha20-poly1305 encryption: exactly those fail with -EOPNOTSUPP" aead-encrypt notsupp 4 95 virtio-rs-rfc7539-chacha20-poly1305
run_faults "INVSESS on every 3rd chained authenc encryption: the session created again, every request is right" cipher-encrypt invsess 3 0 virtio-rs-authenc-hmac-sha256-cbc-aes
p=$(dmesg_problems); [ -z "$p" ] && ktap_ok "no warning in dmesg" || { ktap_diag "$p"; ktap_fail "no warning in dmesg"; }
module_unload
ktap_exit
