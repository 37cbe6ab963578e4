#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# IPsec ESP (transport mode, authenc(hmac(sha256),cbc(aes))) between two
# network namespaces over veth: ESP's authenc is ours (our chained aead where
# the device serves algorithm chaining, else the kernel's authenc template
# wrapping our cbc(aes)), traffic passes and arrives intact, and our counters
# prove who encrypted it.
. "$(dirname "$0")/vcrypto_lib.sh"

NET=10.77.0
ktap_header 7
esp_prologue
if ! our_algs | grep -q "^virtio-rs-cbc-aes passed"; then
	ktap_diag "our cbc(aes) is not registered: modules: $(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
	for d in $(crypto_devices); do ktap_diag "$d: $(readlink $d/driver)"; done
	our_algs | sed 's/^/# /'
	exit $KSFT_FAIL
fi

on_exit "esp_unpair v"
before=$(our_stat completed)
ktap_check "two namespaces with ESP security associations and policies" \
	esp_pair v $NET auth-trunc 'hmac(sha256)' 0x$(hex 32) 128 enc 'cbc(aes)' 0x$(hex 16)
ktap_check "pings of 56 and 1400 bytes over ESP get every reply" esp_pings v $NET
ktap_check "1 MiB over TCP through ESP arrives intact" esp_http v $NET 1024
$IP -n vb -s xfrm state | grep -E "spi|error|replay|integrity|stats" | sed 's/^/# vb: /' | head -20
pk=$($IP -n va -s xfrm state | grep -c "spi 0x0000100[12]")
ktap_check "both security associations are installed" [ "$pk" -eq 2 ]

# ESP asks for echainiv(authenc(hmac(sha256),cbc(aes))): the highest priority
# authenc, ours where the device chains, else the template over our cbc(aes).
esp=$(instances echainiv)
ktap_diag "ESP's aead: $esp"
ktap_check "the ESP authenc is ours (our chained aead, or the template over our cbc(aes))" \
	sh -c 'echo "$1" | grep -qE "echainiv\((virtio-rs-authenc|authenc\([^,]*,virtio-rs-cbc-aes\))"' _ "$esp"
after=$(our_stat completed)
ktap_diag "our completed requests: $before -> $after"
ktap_check "our counters moved with the ESP traffic" [ $((after - before)) -ge 40 ]
esp_unpair v
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
