#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# IPsec ESP in transport mode with rfc4106(gcm(aes)) (AES-128-GCM, 16-byte
# ICV) between two network namespaces joined by a veth pair, and proof of
# which implementation seals and opens the packets.
#
#   modprobe virtio_crypto_rs      # or insmod virtio_crypto_rs.ko
#   ./esp-gcm.sh
#
# Namespaces esp-a (10.99.0.1) and esp-b (10.99.0.2); one security
# association per direction, each with its own random key (16 bytes of AES
# key + 4 bytes of salt), and policies that require ESP both ways. Pings of
# 56 and 1400 bytes go through; the SA's packet counters show they were
# protected. Everything is removed at exit (KEEP=1 keeps the namespaces).
#
# Which implementation: ESP allocates seqiv(rfc4106(gcm(aes))), the kernel's
# seqiv and rfc4106 templates around the best gcm(aes); with virtio_crypto_rs
# loaded and a device that serves AES-GCM that is
# seqiv(rfc4106(virtio-rs-gcm-aes)) in /proc/crypto.
set -eu
A=10.99.0.1 B=10.99.0.2
alg='rfc4106(gcm(aes))'

# "driver refcnt" for every implementation of algorithm $1.
refcnts() { awk -v n="$1" '/^name/{x=($3==n)} x&&/^driver/{d=$3} x&&/^refcnt/{print d, $3}' /proc/crypto; }
key() { echo 0x$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n'); }
# The packets an SA of namespace $1 from $2 to $3 has processed.
sa_packets() {
	ip -n "$1" -s xfrm state | awk -v h="src $2 dst $3" '
		index($0, h) == 1 { x = 1 } x && /lifetime current/ { y = 1 }
		y && /\(packets\)/ { sub(/\(packets\).*/, ""); sub(/.*, */, ""); print; exit }'
}

work=$(mktemp -d)
cleanup() { [ "${KEEP:-0}" = 1 ] || { ip netns del esp-a 2>/dev/null; ip netns del esp-b 2>/dev/null; }; rm -rf "$work"; }
trap cleanup EXIT
ip netns add esp-a
ip netns add esp-b
ip link add veth-a netns esp-a type veth peer name veth-b netns esp-b
ip -n esp-a addr add $A/24 dev veth-a
ip -n esp-b addr add $B/24 dev veth-b
for ns in esp-a esp-b; do ip -n $ns link set lo up; done
ip -n esp-a link set veth-a up
ip -n esp-b link set veth-b up

refcnts "seqiv($alg)" > "$work/before"
kab=$(key) kba=$(key)
for ns in esp-a esp-b; do
	ip -n $ns xfrm state add src $A dst $B proto esp spi 0x1001 mode transport aead "$alg" "$kab" 128
	ip -n $ns xfrm state add src $B dst $A proto esp spi 0x1002 mode transport aead "$alg" "$kba" 128
done
ip -n esp-a xfrm policy add src $A dst $B dir out tmpl src $A dst $B proto esp mode transport
ip -n esp-a xfrm policy add src $B dst $A dir in  tmpl src $B dst $A proto esp mode transport
ip -n esp-b xfrm policy add src $B dst $A dir out tmpl src $B dst $A proto esp mode transport
ip -n esp-b xfrm policy add src $A dst $B dir in  tmpl src $A dst $B proto esp mode transport
refcnts "seqiv($alg)" > "$work/after"
driver=$(awk 'FILENAME == ARGV[1] {r[$1] = $2; next} $2 > r[$1] + 0 {print $1}' "$work/before" "$work/after" | head -1)
echo "ESP $alg between esp-a ($A) and esp-b ($B)"

for size in 56 1400; do
	if ! ip netns exec esp-a ping -c 10 -s $size -W 5 -q $B | grep -q ' 0% packet loss'; then
		echo "FAIL: pings of $size bytes from esp-a to esp-b lost"; exit 1
	fi
done
echo "20 pings of 56 and 1400 bytes: every one answered"
sent=$(sa_packets esp-a $A $B) got=$(sa_packets esp-b $A $B)
echo "ESP packets from esp-a to esp-b: sealed $sent, opened $got"
if [ "${sent:-0}" -lt 20 ] || [ "${got:-0}" -lt 20 ]; then
	echo "FAIL: the pings did not go through ESP"; exit 1
fi
echo "$alg served by: ${driver:-unknown}"
echo "OK: IPsec ESP $alg, served by ${driver:-unknown}"
