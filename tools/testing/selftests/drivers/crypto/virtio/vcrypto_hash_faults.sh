#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Faults on hash and MAC requests: the device (tools/vhost-user-crypto, through
# its fault channel) answers ERR, BADMSG or INVSESS to every Nth hash or MAC
# request; the KUnit fault suite of virtio_crypto_rs_kunit.ko checks that
# exactly those callers get the mapped errno, that their result buffer is left
# alone, and that every other caller gets the right digest; no warning follows.
# INVSESS for the session the driver holds is recovered (the session created
# again, the request resubmitted): every caller gets the right digest.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 4
faults_prologue virtio-rs-sha256

# run_faults <label> <device op> <device status> <every> <errno> <our alg>
run_faults() { kunit_faults virtio_crypto_rs_ahash_faults test_hash_faults "$@"; }
run_faults "ERR on every 5th hash request: exactly those fail with -EIO" hash err 5 5 virtio-rs-sha256
run_faults "BADMSG on every 3rd MAC request: exactly those fail with -EBADMSG" mac badmsg 3 74 virtio-rs-hmac-sha256
run_faults "INVSESS on every 4th MAC request: the driver creates the session again, every request is right" mac invsess 4 0 virtio-rs-cmac-aes
p=$(dmesg_problems); [ -z "$p" ] && ktap_ok "no warning in dmesg" || { ktap_diag "$p"; ktap_fail "no warning in dmesg"; }
module_unload
ktap_exit
