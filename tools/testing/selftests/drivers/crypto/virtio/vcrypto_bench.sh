#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Not a test: tcrypt's multi-buffer skcipher speed test (mode=600, num_mb=8,
# sec=1) for cbc(aes), first through our driver, then through the C
# virtio_crypto driver, on the same device. Prints one line per measurement:
#   BENCH <rs|c> <enc|dec> <block bytes> <operations> <bytes>
. "$(dirname "$0")/vcrypto_lib.sh"

TCRYPT=${VCRYPTO_TCRYPT_KO:-$C_KO_DIR/tcrypt.ko}
SECS=${VCRYPTO_BENCH_SECS:-1}

run_tcrypt() { # <label> <driver name>
	dmesg -c > /dev/null
	# tcrypt refuses to stay loaded (-EAGAIN) once it has run: that is expected.
	insmod "$TCRYPT" mode=600 alg="$2" klen=16 num_mb=8 sec="$SECS" 2>/dev/null
	dmesg | awk -v who="$1" '
		/testing speed of multibuffer/ { dir = ($0 ~ /decryption/) ? "dec" : "enc" }
		/byte blocks\):.*operations in/ {
			for (i = 1; i <= NF; i++) {
				if ($i == "byte") bs = $(i - 1)
				if ($i == "operations") ops = $(i - 1)
				if ($i ~ /^\(/) { b = $i; gsub(/\(/, "", b) }
			}
			print "BENCH", who, dir, bs, ops, b
		}'
}

module_loaded && module_unload
grep -q "^$C_MOD " /proc/modules && c_driver_unload
module_load && wait_selftests && run_tcrypt rs virtio-rs-cbc-aes
module_unload
c_driver_load && wait_selftests 120 "$C_MOD" && run_tcrypt c virtio_crypto_aes_cbc
c_driver_unload
