#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module as DKMS installed it on the host (scripts/tests/host_install.sh,
# copied into this guest's /lib/modules/<release>/): `modprobe
# virtio_crypto_rs` finds it through modules.dep, loads it from
# updates/dkms/, it binds the device and its self-tests pass; `modprobe -r`
# removes it.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 4
rel=$(uname -r)
[ -f "/lib/modules/$rel/modules.dep" ] ||
	{ ktap_diag "no installed module tree /lib/modules/$rel in this guest"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
grep -q "^$C_MOD " /proc/modules && c_driver_unload
module_loaded && module_unload
quick_selftests
path=$(modinfo -n virtio_crypto_rs 2>&1)
ktap_diag "modinfo -n virtio_crypto_rs: $path"
ktap_check "modprobe virtio_crypto_rs loads the module DKMS installed (updates/dkms/)" \
	sh -c 'modprobe virtio_crypto_rs && [ "$1" = "/lib/modules/$2/updates/dkms/virtio_crypto_rs.ko" ]' _ "$path" "$rel"
ktap_check "it binds every virtio crypto device" [ "$(bound_count)" -ge 1 ]
wait_selftests
algs=$(our_algs)
ktap_diag "$(echo "$algs" | grep -c .) algorithms, $(echo "$algs" | grep -vc ' passed$') not passed"
ktap_check "its algorithms pass the crypto self-tests" sh -c '[ -n "$1" ] && ! echo "$1" | grep -qv " passed$"' _ "$algs"
ktap_check "modprobe -r virtio_crypto_rs unloads it" sh -c 'modprobe -r virtio_crypto_rs && ! grep -q "^virtio_crypto_rs " /proc/modules'
ktap_exit
