#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A LUKS2 volume with aes-xts-plain64 (AES-256-XTS) on a loop device, and
# proof of which implementation of xts(aes) serves it.
#
#   modprobe virtio_crypto_rs      # or insmod virtio_crypto_rs.ko
#   ./luks2.sh [image file]        # default /tmp/vcrypto-luks2.img
#
# Formats the image (MIB of data, default 16 MiB, plus LUKS2's 16 MiB header)
# with a random key file next to it (<image>.key) unless it already is a LUKS
# volume, opens it, writes MIB MiB, drops the page cache, reads them back and
# compares, then closes it. The image and key file stay.
#
# PBKDF: pbkdf2 with a short iteration time (PBKDF_MS, default 200 ms) so that
# a small VM formats in seconds; use cryptsetup's default (argon2id) with a
# passphrase for a real disk. The key derivation runs in userspace; only the
# data (and the keyslot area) go through the kernel's xts(aes).
set -eu
img=${1:-/tmp/vcrypto-luks2.img}
mib=${MIB:-16}
name=vcrypto-luks2
cipher=aes-xts-plain64

# "driver refcnt" for every implementation of algorithm $1.
refcnts() { awk -v n="$1" '/^name/{x=($3==n)} x&&/^driver/{d=$3} x&&/^refcnt/{print d, $3}' /proc/crypto; }

[ -f "$img" ] || truncate -s "$((mib + 16))M" "$img"
[ -f "$img.key" ] || { head -c 64 /dev/urandom > "$img.key"; chmod 600 "$img.key"; }
loop=$(losetup -f --show "$img")
work=$(mktemp -d)
trap 'cryptsetup close $name 2>/dev/null; losetup -d $loop; rm -rf $work' EXIT

if ! cryptsetup isLuks "$loop"; then
	cryptsetup luksFormat --batch-mode --type luks2 --cipher $cipher --key-size 512 \
		--sector-size 4096 --pbkdf pbkdf2 --iter-time "${PBKDF_MS:-200}" \
		--key-file "$img.key" "$loop"
fi
refcnts 'xts(aes)' > "$work/before"
cryptsetup open --type luks2 --key-file "$img.key" "$loop" $name
refcnts 'xts(aes)' > "$work/after"
driver=$(awk 'FILENAME == ARGV[1] {r[$1] = $2; next} $2 > r[$1] + 0 {print $1}' "$work/before" "$work/after" | head -1)
echo "LUKS2 $(cryptsetup status $name | awk '/cipher:/{print $2}') on $loop (image $img, key $img.key)"

head -c $((mib * 1048576)) /dev/urandom > "$work/data"
dd if="$work/data" of=/dev/mapper/$name bs=1M conv=fsync 2>/dev/null
sync; echo 3 > /proc/sys/vm/drop_caches
dd if=/dev/mapper/$name of="$work/back" bs=1M count=$mib 2>/dev/null
sum=$(md5sum < "$work/data" | cut -d' ' -f1)
if ! cmp -s "$work/data" "$work/back"; then
	echo "FAIL: what was read back differs from what was written"; exit 1
fi
echo "wrote $mib MiB (md5 $sum), dropped caches, read them back: identical"
echo "xts(aes) served by: ${driver:-unknown}"
echo "OK: dm-crypt LUKS2 $cipher round trip, served by ${driver:-unknown}"
