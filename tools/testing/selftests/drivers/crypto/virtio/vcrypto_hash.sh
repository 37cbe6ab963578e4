#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Our hashes and MACs in use: every ahash we registered is asynchronous and
# passed its self-tests; IPsec ESP with
# authenc(hmac(sha256),cbc(aes)) between two network namespaces is assembled by
# the kernel's authenc template from our hmac(sha256) and our cbc(aes) (their
# driver names), traffic arrives intact, and our device's ahash counters moved.
. "$(dirname "$0")/vcrypto_lib.sh"
IP=/usr/sbin/ip
A=10.78.0.1 B=10.78.0.2
ktap_header 7
[ -x $IP ] || { ktap_diag "iproute2 missing"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
grep -q "^$C_MOD " /proc/modules && c_driver_unload
quick_selftests
module_loaded || module_load
wait_selftests
if ! our_algs | grep -q "^virtio-rs-hmac-sha256 passed"; then
	ktap_diag "our hmac(sha256) is not registered (a device without MAC service?)"
	exit $KSFT_SKIP
fi

# /proc/crypto blocks of our ahashes: type, async, and no ALLOCATES_MEMORY.
hashes=$(awk '/^driver/{d=$3} /^type/{if (d ~ /^virtio-rs-/ && $3 == "ahash") print d}' /proc/crypto)
ktap_diag "our ahashes: $(echo $hashes)"
async_ok=1
for d in $hashes; do
	a=$(awk -v d="$d" '/^driver/{x=($3==d)} x && /^async/{print $3}' /proc/crypto | head -1)
	[ "$a" = yes ] || { ktap_diag "$d: async $a"; async_ok=0; }
done
ktap_check "every ahash of ours is registered as asynchronous" [ -n "$hashes" ] && [ $async_ok = 1 ]

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
KE=0x$(hex 16) KA=0x$(hex 32)
cleanup() { $IP netns del ha 2>/dev/null; $IP netns del hb 2>/dev/null; }
on_exit cleanup
setup() {
	cleanup
	$IP netns add ha && $IP netns add hb &&
	$IP link add veth-ha type veth peer name veth-hb &&
	$IP link set veth-ha netns ha && $IP link set veth-hb netns hb &&
	$IP -n ha addr add $A/24 dev veth-ha && $IP -n hb addr add $B/24 dev veth-hb &&
	$IP -n ha link set veth-ha up && $IP -n hb link set veth-hb up || return 1
	for ns in ha hb; do
		$IP -n $ns xfrm state add src $A dst $B proto esp spi 0x2001 mode transport \
			auth-trunc 'hmac(sha256)' $KA 128 enc 'cbc(aes)' $KE || return 1
		$IP -n $ns xfrm state add src $B dst $A proto esp spi 0x2002 mode transport \
			auth-trunc 'hmac(sha256)' $KA 128 enc 'cbc(aes)' $KE || return 1
	done
	$IP -n ha xfrm policy add src $A dst $B dir out tmpl src $A dst $B proto esp mode transport &&
	$IP -n ha xfrm policy add src $B dst $A dir in tmpl src $B dst $A proto esp mode transport &&
	$IP -n hb xfrm policy add src $B dst $A dir out tmpl src $B dst $A proto esp mode transport &&
	$IP -n hb xfrm policy add src $A dst $B dir in tmpl src $A dst $B proto esp mode transport
}
req0=$(our_stat ahash_requests); fail0=$(our_stat ahash_failures)
ktap_check "two namespaces with ESP security associations (hmac(sha256), cbc(aes))" setup
authenc=$(awk '/^driver/ && $3 ~ /^authenc\(/ {print $3}' /proc/crypto | sort -u | tr '\n' ' ')
ktap_diag "authenc implementations: $authenc"
ktap_check "the authenc template is built from our hmac(sha256) and our cbc(aes)" \
	sh -c 'echo "$1" | grep -q "authenc(virtio-rs-hmac-sha256,virtio-rs-cbc-aes)"' _ "$authenc"
ktap_check "ping over ESP gets every reply" $IP netns exec ha ping -c 20 -W 5 -q $B
ktap_check "ping with 1400-byte payloads over ESP gets every reply" \
	$IP netns exec ha ping -c 20 -s 1400 -W 5 -q $B
req1=$(our_stat ahash_requests); fail1=$(our_stat ahash_failures)
ktap_diag "ahash requests served by the device: $((req1 - req0)), failed: $((fail1 - fail0))"
# 40 echo requests and 40 replies, each authenticated once by the sender and once
# by the receiver: 160 MACs at least.
ktap_check "our device computed the ESP MACs (ahash_requests +160 at least, no failure)" \
	[ $((req1 - req0)) -ge 160 ] && [ $((fail1 - fail0)) -eq 0 ]
cleanup
ktap_check "module unloads" module_unload
p=$(dmesg_problems); [ -z "$p" ] || ktap_diag "$p"
ktap_exit
