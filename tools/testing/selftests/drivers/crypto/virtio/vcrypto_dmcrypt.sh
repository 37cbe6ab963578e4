#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# dm-crypt over a loop device uses our cbc(aes) (aes-cbc-essiv:sha256) and,
# where the device serves it, our xts(aes) (aes-xts-plain64, dm-crypt's
# default): write a known pattern, drop caches, read it back; then open the
# same ciphertext with the kernel's generic code (our module unloaded) and read
# the pattern again, so our output is checked by an independent
# implementation. A cipher the device does not serve is skipped. Finally, the same
# setup with only the C virtio driver loaded: dm-crypt does not use it, since it
# sets CRYPTO_ALG_ALLOCATES_MEMORY, which dm-crypt masks out.
. "$(dirname "$0")/vcrypto_lib.sh"

MIB=${VCRYPTO_DMCRYPT_MIB:-16}
ktap_header 15
dm_tools_or_skip
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload

W=/tmp/dmcrypt; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
numbered_pattern $W/pattern $MIB dm-crypt
dm_loop $W $MIB

SPEC=aes-cbc-essiv:sha256 KEYBITS=256
open_crypt() { dm_open vcrypt $SPEC $KEYBITS $W; }
# Reads the mapping into $1 and compares with the pattern (fails if there is no mapping,
# rather than reading a stray regular file).
read_matches() {
	[ -b /dev/mapper/vcrypt ] &&
		dd if=/dev/mapper/vcrypt of="$1" bs=1M count=$MIB 2>/dev/null &&
		cmp -s $W/pattern "$1"
}
close_crypt() { $CRYPTSETUP close vcrypt; }

first_mib() { head -c 1048576 "$1" | md5sum | cut -d' ' -f1; }

# crypt_case <dm-crypt cipher> <key bits> <our driver name>: six results.
crypt_case() {
	SPEC=$1 KEYBITS=$2 ours=$3
	module_load && wait_selftests
	if ! our_algs | grep -q "^$ours passed$"; then
		module_unload
		for c in "opens $SPEC" "holds $ours" "reads back" "counters" "ciphertext" "generic reads back"; do
			ktap_skip "$SPEC: $c ($ours not registered: the device does not serve it)"
		done
		return
	fi
	before=$(our_stat completed); ref0=$(alg_refcnt $ours)
	ktap_check "cryptsetup opens $SPEC with our module loaded" open_crypt
	ref1=$(alg_refcnt $ours)
	ktap_diag "refcnt of $ours: $ref0 -> $ref1"
	ktap_check "dm-crypt holds our $ours (refcnt went up)" [ "${ref1:-0}" -gt "${ref0:-0}" ]
	[ -b /dev/mapper/vcrypt ] && dd if=$W/pattern of=/dev/mapper/vcrypt bs=1M count=$MIB conv=fsync 2>/dev/null
	sync; echo 3 > /proc/sys/vm/drop_caches
	ktap_check "$SPEC: $MIB MiB read back equal the pattern written" read_matches $W/readback
	after=$(our_stat completed)
	ktap_diag "our completed requests: $before -> $after"
	ktap_check "$SPEC: our request counters moved by at least the data written and read" \
		[ $((after - before)) -ge $((MIB * 256 * 2)) ]
	close_crypt
	ktap_check "$SPEC: the disk holds ciphertext, not the pattern" \
		[ "$(first_mib $W/disk)" != "$(first_mib $W/pattern)" ]
	module_unload
	# The generic implementation decrypts what our driver encrypted.
	open_crypt
	ktap_check "$SPEC: the kernel's generic code reads back the same pattern" read_matches $W/readback2
	close_crypt
	rm -f $W/readback $W/readback2
}

[ -b "$loop" ] || { ktap_diag "no loop device"; exit $KSFT_FAIL; }
crypt_case aes-cbc-essiv:sha256 256 virtio-rs-cbc-aes
crypt_case aes-xts-plain64 512 virtio-rs-xts-aes

SPEC=aes-cbc-essiv:sha256 KEYBITS=256
# With only the C driver: it registers cbc(aes) but dm-crypt does not pick it.
if c_driver_load && wait_selftests 120 "$C_MOD"; then
	cref0=$(alg_refcnt virtio_crypto_aes_cbc)
	open_crypt
	dd if=/dev/mapper/vcrypt of=/dev/null bs=1M count=4 2>/dev/null
	cref1=$(alg_refcnt virtio_crypto_aes_cbc)
	ktap_diag "refcnt of the C driver's virtio_crypto_aes_cbc: $cref0 -> $cref1"
	ktap_check "the C driver registered cbc(aes)" [ -n "$cref0" ]
	ktap_check "dm-crypt does not use the C driver (ALLOCATES_MEMORY)" [ "$cref1" = "$cref0" ]
	close_crypt
	c_driver_unload
else
	ktap_skip "the C driver registered cbc(aes) (C module did not load)"
	ktap_skip "dm-crypt does not use the C driver (C module did not load)"
fi
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
