#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The kernel's own C virtio_crypto driver on this device: it binds, its
# cbc(aes) passes the crypto self-tests (with CONFIG_CRYPTO_SELFTESTS_FULL
# these include random comparisons against the generic code), and a tcrypt
# mode=600 run by its driver name completes without an error. A device that
# a driver nobody here wrote can use is a device that follows the spec.
. "$(dirname "$0")/vcrypto_lib.sh"

TCRYPT=${VCRYPTO_TCRYPT_KO:-$C_KO_DIR/tcrypt.ko}
C_ALG=virtio_crypto_aes_cbc

ktap_header 8
devs=$(crypto_devices)
if [ -z "$devs" ]; then
	ktap_diag "no virtio crypto device (virtio ID 20) in this guest"
	exit $KSFT_SKIP
fi
if [ ! -f "$C_KO_DIR/virtio_crypto.ko" ] || [ ! -f "$TCRYPT" ]; then
	ktap_diag "virtio_crypto.ko or tcrypt.ko missing from $C_KO_DIR"
	exit $KSFT_SKIP
fi
module_loaded && module_unload
dmesg -c >/dev/null

ktap_check "C driver loads" c_driver_load
bound=$(bound_count "$C_MOD"); total=$(echo "$devs" | grep -c .)
ktap_check "every virtio crypto device is bound to $C_MOD ($bound of $total)" [ "$bound" -eq "$total" ]
ktap_check "C driver self-tests finished" wait_selftests 300 "$C_MOD"
c_algs=$(our_algs "$C_MOD")
echo "$c_algs" | sed 's/^/# registered by the C driver: /'
ktap_check "$C_ALG is registered and passed its self-tests" \
	sh -c 'echo "$1" | grep -qx "$2 passed"' _ "$c_algs" "$C_ALG"

dmesg -c >/dev/null
# tcrypt refuses to stay loaded (-EAGAIN) once it has run: that is expected.
insmod "$TCRYPT" mode=600 alg="$C_ALG" klen=16 num_mb=8 sec=1 2>/dev/null
out=$(dmesg)
runs=$(echo "$out" | grep -c "byte blocks).*operations in")
ktap_diag "tcrypt mode=600 alg=$C_ALG: $runs measurements"
echo "$out" | grep "operations in" | head -4 | sed 's/^/# /'
ktap_check "tcrypt mode=600 measured encryption and decryption" \
	sh -c 'echo "$1" | grep -q "multibuffer.*encryption" && echo "$1" | grep -q "multibuffer.*decryption" && [ "$2" -ge 2 ]' _ "$out" "$runs"
errs=$(echo "$out" | grep -iE "failed|error|tcrypt: .*not " | head -5)
[ -z "$errs" ] || ktap_diag "$errs"
ktap_check "tcrypt reported no error" [ -z "$errs" ]

ktap_check "C driver unloads" c_driver_unload
p=$(dmesg_problems); [ -z "$p" ] || ktap_diag "$p"
ktap_check "no kernel warnings" [ -z "$p" ]
ktap_exit
