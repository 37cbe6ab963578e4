#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# dm-crypt in plain mode with aes-xts-plain64 (a 512-bit key: AES-256-XTS) on a
# loop device, and proof of which implementation of xts(aes) serves it.
#
#   modprobe virtio_crypto_rs      # or insmod virtio_crypto_rs.ko
#   ./plain.sh [image file]        # default /tmp/vcrypto-plain.img
#
# CIPHER=aes-cbc-essiv:sha256 KEY_BITS=256 ./plain.sh uses cbc(aes) instead
# (QEMU's builtin cryptodev backend serves AES-CBC only).
#
# Creates the image (MIB, default 16 MiB) and a random key next to it
# (<image>.key) if they are not there, maps it, writes MIB MiB, drops the page
# cache, reads them back and compares, then unmaps. The image and key stay:
# the same command opens the same disk again. Plain mode has no header: the
# key file alone decides what the disk decrypts to; keep it safe.
#
# Which implementation dm-crypt uses: the one whose reference count in
# /proc/crypto goes up while the mapping is open (dm-crypt holds a transform
# of it). With virtio_crypto_rs loaded and a device that serves AES-XTS it is
# virtio-rs-xts-aes.
set -eu
img=${1:-/tmp/vcrypto-plain.img}
mib=${MIB:-16}
name=vcrypto-plain
cipher=${CIPHER:-aes-xts-plain64}
keybits=${KEY_BITS:-512}
# The algorithm dm-crypt's transform rests on: aes-xts-... is xts(aes),
# aes-cbc-essiv:sha256 is essiv(cbc(aes),sha256) over cbc(aes).
alg="$(echo "$cipher" | cut -d- -f2)($(echo "$cipher" | cut -d- -f1))"

# "driver refcnt" for every implementation of algorithm $1.
refcnts() { awk -v n="$1" '/^name/{x=($3==n)} x&&/^driver/{d=$3} x&&/^refcnt/{print d, $3}' /proc/crypto; }

[ -f "$img" ] || truncate -s "${mib}M" "$img"
[ -f "$img.key" ] || { head -c $((keybits / 8)) /dev/urandom > "$img.key"; chmod 600 "$img.key"; }
loop=$(losetup -f --show "$img")
work=$(mktemp -d)
trap 'cryptsetup close $name 2>/dev/null; losetup -d $loop; rm -rf $work' EXIT

refcnts "$alg" > "$work/before"
# 4096-byte sectors: one crypto request per 4 KiB instead of per 512 bytes.
cryptsetup open --type plain --cipher $cipher --key-size $keybits --key-file "$img.key" \
	--sector-size 4096 "$loop" $name
refcnts "$alg" > "$work/after"
driver=$(awk 'FILENAME == ARGV[1] {r[$1] = $2; next} $2 > r[$1] + 0 {print $1}' "$work/before" "$work/after" | head -1)
echo "dm-crypt plain $cipher on $loop (image $img, key $img.key)"

head -c $((mib * 1048576)) /dev/urandom > "$work/data"
dd if="$work/data" of=/dev/mapper/$name bs=1M conv=fsync 2>/dev/null
sync; echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/mapper/$name of="$work/back" bs=1M count=$mib 2>/dev/null
sum=$(md5sum < "$work/data" | cut -d' ' -f1)
if ! cmp -s "$work/data" "$work/back"; then
	echo "FAIL: what was read back differs from what was written"; exit 1
fi
echo "wrote $mib MiB (md5 $sum), dropped caches, read them back: identical"
if head -c 1048576 "$img" | cmp -s - "$work/data"; then
	echo "FAIL: the image holds the plaintext"; exit 1
fi
echo "$alg served by: ${driver:-unknown}"
echo "OK: dm-crypt plain $cipher round trip, served by ${driver:-unknown}"
