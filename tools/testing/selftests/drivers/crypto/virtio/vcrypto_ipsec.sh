#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# IPsec ESP (transport mode, authenc(hmac(sha256),cbc(aes))) between two
# network namespaces over veth: the authenc template wraps our cbc(aes),
# traffic passes and arrives intact, and our counters prove who encrypted it.
. "$(dirname "$0")/vcrypto_lib.sh"

IP=/usr/sbin/ip
A=10.77.0.1 B=10.77.0.2
ktap_header 7
[ -x $IP ] || { ktap_diag "iproute2 missing"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
module_loaded || module_load
wait_selftests

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
KE=0x$(hex 16) KA=0x$(hex 32)

cleanup() { $IP netns del va 2>/dev/null; $IP netns del vb 2>/dev/null; }
setup() {
	cleanup
	$IP netns add va && $IP netns add vb &&
	$IP link add veth-a type veth peer name veth-b &&
	$IP link set veth-a netns va && $IP link set veth-b netns vb &&
	$IP -n va addr add $A/24 dev veth-a && $IP -n vb addr add $B/24 dev veth-b &&
	$IP -n va link set veth-a up && $IP -n vb link set veth-b up &&
	$IP -n va link set lo up && $IP -n vb link set lo up || return 1
	for ns in va vb; do
		$IP -n $ns xfrm state add src $A dst $B proto esp spi 0x1001 mode transport \
			auth-trunc 'hmac(sha256)' $KA 128 enc 'cbc(aes)' $KE || return 1
		$IP -n $ns xfrm state add src $B dst $A proto esp spi 0x1002 mode transport \
			auth-trunc 'hmac(sha256)' $KA 128 enc 'cbc(aes)' $KE || return 1
	done
	$IP -n va xfrm policy add src $A dst $B dir out tmpl src $A dst $B proto esp mode transport &&
	$IP -n va xfrm policy add src $B dst $A dir in tmpl src $B dst $A proto esp mode transport &&
	$IP -n vb xfrm policy add src $B dst $A dir out tmpl src $B dst $A proto esp mode transport &&
	$IP -n vb xfrm policy add src $A dst $B dir in tmpl src $A dst $B proto esp mode transport
}

before=$(our_stat completed)
ktap_check "two namespaces with ESP security associations and policies" setup
ktap_check "ping over ESP gets every reply" $IP netns exec va ping -c 20 -W 5 -q $B

# 1 MiB of random data through TCP over ESP arrives intact.
head -c 1048576 /dev/urandom > /tmp/ipsec.send
rm -f /tmp/ipsec.recv
$IP netns exec vb sh -c "nc -l -p 5001 > /tmp/ipsec.recv" &
sleep 1
$IP netns exec va sh -c "nc -w 5 $B 5001 < /tmp/ipsec.send"
wait
ktap_check "1 MiB over TCP through ESP arrives intact" cmp -s /tmp/ipsec.send /tmp/ipsec.recv

pk=$($IP -n va -s xfrm state | grep -c "spi 0x0000100[12]")
ktap_check "both security associations are installed" [ "$pk" -eq 2 ]
inst=$(grep "^driver" /proc/crypto | grep -c "authenc(hmac(sha256.*),virtio-rs-cbc-aes)")
ktap_diag "authenc instances over virtio-rs-cbc-aes: $inst"
ktap_check "the ESP authenc instance wraps our cbc(aes)" [ "$inst" -ge 1 ]
after=$(our_stat completed)
ktap_diag "our completed requests: $before -> $after"
ktap_check "our counters moved with the ESP traffic" [ $((after - before)) -ge 40 ]
cleanup
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
