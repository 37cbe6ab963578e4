#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The device goes away while a transform is alive and requests are in flight:
# dm-crypt writes through our cbc(aes) while the device is unbound from the
# driver. Every request must come back (with an error once the device is
# gone), the writer must finish, the transform must be freeable, nothing may
# warn; then the device binds again and works, and the module unloads.
. "$(dirname "$0")/vcrypto_lib.sh"

DRV=/sys/bus/virtio/drivers/$MOD
ktap_header 8
dm_tools_or_skip
dev=$(crypto_devices | head -1)
[ -n "$dev" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
name=$(basename "$dev")
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload
dmesg -c > /dev/null

W=/tmp/teardown; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
head -c 32 /dev/urandom > $W/key
truncate -s 256M $W/disk
loop=$($LOSETUP -f --show $W/disk)
module_load && wait_selftests
$CRYPTSETUP open --type plain --cipher aes-cbc-essiv:sha256 --key-size 256 \
	--key-file $W/key --sector-size 4096 --disable-locks "$loop" vtear
ktap_check "dm-crypt opened over our cbc(aes)" [ -b /dev/mapper/vtear ]

dd if=/dev/zero of=/dev/mapper/vtear bs=1M count=256 oflag=direct 2>$W/dd.err &
writer=$!
sleep 2
ktap_check "the writer is still running when the device goes" kill -0 $writer
echo "$name" > $DRV/unbind
ktap_check "the device is unbound" [ ! -e "$dev/driver" ]

# The writer must end (with I/O errors) within a bound: no request is lost.
t=60; while kill -0 $writer 2>/dev/null && [ $t -gt 0 ]; do sleep 1; t=$((t - 1)); done
ktap_check "every in-flight request came back: the writer ended" sh -c "! kill -0 $writer 2>/dev/null"
kill -9 $writer 2>/dev/null; wait $writer 2>/dev/null; rc=$?
ktap_diag "writer exit status $rc: $(head -1 $W/dd.err)"
ktap_diag "stats after removal: $(cat /sys/kernel/debug/$MOD-$name/stats 2>/dev/null | tr '\n' ' ')"
ktap_check "the transform is freed (dm-crypt closes)" $CRYPTSETUP close vtear
$LOSETUP -d "$loop"

echo "$name" > $DRV/bind
wait_selftests
rebound() { [ -e "$dev/driver" ] && [ -n "$(our_algs)" ] && ! our_algs | grep -qv " passed$"; }
ktap_check "the device binds again and its algorithms pass their self-tests" rebound
p=$(dmesg_problems | grep -v "I/O error\|Buffer I/O\|dm-crypt")
[ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_check "the module unloads" module_unload
rm -rf $W
ktap_exit
