#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# IPsec ESP (transport mode, authenc(hmac(sha256),cbc(aes))) between two
# network namespaces over veth: the authenc template wraps our cbc(aes),
# traffic passes and arrives intact, and our counters prove who encrypted it.
. "$(dirname "$0")/vcrypto_lib.sh"

IP=/usr/sbin/ip
A=10.77.0.1 B=10.77.0.2
ktap_header 8
[ -x $IP ] || { ktap_diag "iproute2 missing"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
grep -q "^$C_MOD " /proc/modules && c_driver_unload
quick_selftests
module_loaded || module_load
wait_selftests
if ! our_algs | grep -q "^virtio-rs-cbc-aes passed"; then
	ktap_diag "our cbc(aes) is not registered: modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
	for d in $(crypto_devices); do ktap_diag "$d: $(readlink $d/driver)"; done
	our_algs | sed 's/^/# /'
	exit $KSFT_FAIL
fi

hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
KE=0x$(hex 16) KA=0x$(hex 32)

cleanup() { $IP netns del va 2>/dev/null; $IP netns del vb 2>/dev/null; }
on_exit cleanup
on_exit "rm -rf /tmp/ipsec-www /tmp/ipsec.send /tmp/ipsec.recv"
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
ktap_check "ping with 1400-byte payloads over ESP gets every reply" \
	$IP netns exec va ping -c 20 -s 1400 -W 5 -q $B

# 1 MiB of random data over HTTP (TCP) through ESP arrives intact.
mkdir -p /tmp/ipsec-www
head -c 1048576 /dev/urandom > /tmp/ipsec-www/data
cp /tmp/ipsec-www/data /tmp/ipsec.send
rm -f /tmp/ipsec.recv
$IP netns exec vb httpd -f -p 8080 -h /tmp/ipsec-www &
server=$!
sleep 1
$IP netns exec va wget -q -O /tmp/ipsec.recv http://$B:8080/data
kill $server 2>/dev/null
ktap_diag "received $(stat -c %s /tmp/ipsec.recv 2>/dev/null || echo no) bytes"
$IP -n vb -s xfrm state | grep -E "spi|error|replay|integrity|stats" | sed 's/^/# vb: /' | head -20
ktap_check "1 MiB over TCP through ESP arrives intact" cmp -s /tmp/ipsec.send /tmp/ipsec.recv

pk=$($IP -n va -s xfrm state | grep -c "spi 0x0000100[12]")
ktap_check "both security associations are installed" [ "$pk" -eq 2 ]
grep "^driver.*authenc" /proc/crypto | sed 's/^/# /'
inst=$(grep "^driver" /proc/crypto | grep -c "authenc([^,]*sha256[^,]*,virtio-rs-cbc-aes)")
ktap_diag "authenc instances over virtio-rs-cbc-aes: $inst"
ktap_check "the ESP authenc instance wraps our cbc(aes)" [ "$inst" -ge 1 ]
after=$(our_stat completed)
ktap_diag "our completed requests: $before -> $after"
ktap_check "our counters moved with the ESP traffic" [ $((after - before)) -ge 40 ]
cleanup
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
