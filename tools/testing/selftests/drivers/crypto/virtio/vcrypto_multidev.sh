#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Two or more virtio crypto devices in one guest, serving different cipher
# sets (QEMU's builtin backend: cbc(aes) only; the vhost-user device: six
# ciphers). Algorithms are registered once for all devices: the first device
# that serves one registers it, the last one to go unregisters it, and new
# transforms are spread over the devices that serve their algorithm.
# Skipped with fewer than two devices.
. "$(dirname "$0")/vcrypto_lib.sh"

DRV=/sys/bus/virtio/drivers/$MOD
CRYPTSETUP=/usr/sbin/cryptsetup LOSETUP=/usr/sbin/losetup
devs=$(crypto_devices)
[ "$(echo "$devs" | grep -c .)" -ge 2 ] || { ktap_diag "fewer than two virtio crypto devices"; exit $KSFT_SKIP; }
ktap_header 7
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload
dmesg -c >/dev/null

module_load && wait_selftests
bound=$(bound_count)
ktap_check "every device is bound ($bound)" [ "$bound" -eq "$(echo "$devs" | grep -c .)" ]
all=$(our_algs | sort)
echo "$all" | sed 's/^/# registered: /'
ktap_check "each algorithm is registered once and passed its self-tests" \
	sh -c '[ -n "$1" ] && [ "$(echo "$1" | cut -d" " -f1 | sort -u | wc -l)" -eq "$(echo "$1" | wc -l)" ] && ! echo "$1" | grep -qv " passed$"' _ "$all"

# New transforms are spread over the devices that serve their algorithm: four dm-crypt
# mappings (one cbc(aes) transform each) give every device sessions. (The self-tests
# do not show it: they ran when the first device registered the algorithms, alone.)
sessions() { for f in /sys/kernel/debug/virtio_crypto_rs-*/stats; do awk '$1=="sessions"{print $2}' "$f"; done; }
before=$(sessions | tr '\n' ' ')
W=/tmp/multidev; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
head -c 32 /dev/urandom > $W/key
for i in 1 2 3 4; do
	truncate -s 1M $W/disk$i
	l=$($LOSETUP -f --show $W/disk$i)
	$CRYPTSETUP open --type plain --cipher aes-cbc-essiv:sha256 --key-size 256 \
		--key-file $W/key --disable-locks "$l" vmulti$i && echo "$l" >> $W/loops
done
after=$(sessions | tr '\n' ' ')
ktap_diag "sessions per device: $before-> $after"
grew=0; set -- $before
for a in $after; do [ "$a" -gt "${1:-0}" ] && grew=$((grew + 1)); shift; done
ktap_check "new transforms were spread over every device" [ "$grew" -eq "$bound" ]
for i in 1 2 3 4; do $CRYPTSETUP close vmulti$i 2>/dev/null; done
while read -r l; do $LOSETUP -d "$l"; done < $W/loops
rm -rf $W

# Unbind each device in turn: what only it serves goes away, what another serves stays.
only_xts=0 kept_cbc=1 back=1
for d in $devs; do
	name=$(basename "$d")
	echo "$name" > $DRV/unbind
	now=$(our_algs | sort)
	ktap_diag "without $name: $(echo "$now" | cut -d' ' -f1 | tr '\n' ' ')"
	echo "$now" | grep -q "^virtio-rs-cbc-aes " || kept_cbc=0
	echo "$now" | grep -q "^virtio-rs-xts-aes " || only_xts=$((only_xts + 1))
	echo "$name" > $DRV/bind
	wait_selftests
	[ "$(our_algs | sort)" = "$all" ] || back=0
done
ktap_check "cbc(aes), served by every device, stays registered while any one is unbound" [ $kept_cbc = 1 ]
ktap_check "xts(aes), served by one device, goes away with exactly that one" [ $only_xts = 1 ]
ktap_check "after each rebind the same algorithms are registered" [ $back = 1 ]
module_unload
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
