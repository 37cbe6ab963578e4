#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Our aeads in use by IPsec ESP between two network namespaces: every aead we
# registered is asynchronous; ESP with rfc4106(gcm(aes)) runs on the kernel's
# rfc4106 template over our gcm(aes), and ESP with
# authenc(hmac(sha256),cbc(aes)) on our chained aead (one device session for
# both, not the authenc template), each proven by driver name and by our aead
# counters, traffic verified end to end.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 9
esp_prologue
aeads=$(our_of_type aead)
[ -n "$aeads" ] || { ktap_diag "the device serves no aead"; exit $KSFT_SKIP; }
ktap_diag "our aeads: $(echo $aeads)"
ktap_check "every aead of ours is registered as asynchronous" all_async $aeads

esp_traffic() { esp_pings "$1" "$2" && esp_http "$1" "$2" 256; }
# esp_over <name> <net> <pattern of the driver name of ESP's aead> <algorithm>
#          <whose it must be> <ip xfrm algorithm arguments...>
# Four results: the SAs, whose aead ESP uses, traffic, and our counters.
esp_over() {
	n=$1 net=$2 want=$3 what=$4 whose=$5
	shift 5
	on_exit "esp_unpair $n"
	ktap_check "ESP security associations with $what" esp_pair "$n" "$net" "$@"
	# Counted from here: making the SAs instantiated ESP's templates, whose
	# self-tests (tampered vectors too) ran on our aead.
	req0=$(our_stat aead_requests); fail0=$(our_stat aead_failures)
	esp=$(instances seqiv; instances echainiv)
	ktap_diag "ESP's aead: $esp"
	ktap_check "ESP's $what is $whose" sh -c 'echo "$1" | grep -qE "$2"' _ "$esp" "$want"
	ktap_check "pings of 56 and 1400 bytes and 256 KiB over TCP through ESP ($what)" \
		esp_traffic "$n" "$net"
	req1=$(our_stat aead_requests); fail1=$(our_stat aead_failures)
	ktap_diag "aead requests served by the device: $((req1 - req0)), failed: $((fail1 - fail0))"
	# 40 echo requests and 40 replies, each sealed by the sender and opened by
	# the receiver: 160 aead requests at least.
	ktap_check "our device sealed and opened the ESP packets ($what: aead_requests +160 at least, no failure)" \
		[ $((req1 - req0)) -ge 160 -a $((fail1 - fail0)) -eq 0 ]
	esp_unpair "$n"
}
if our_algs | grep -q "^virtio-rs-gcm"; then
	esp_over g 10.79.0 'seqiv\(rfc4106\(virtio-rs-gcm' \
		"rfc4106(gcm(aes))" "the rfc4106 template over our gcm(aes)" \
		aead 'rfc4106(gcm(aes))' 0x$(hex 20) 128
else
	for i in 1 2 3 4; do ktap_skip "ESP with rfc4106(gcm(aes)): the device serves no gcm(aes)"; done
fi
if our_algs | grep -q "^virtio-rs-authenc-hmac-sha256-cbc-aes"; then
	esp_over c 10.79.1 'echainiv\(virtio-rs-authenc-hmac-sha256-cbc-aes' \
		"authenc(hmac(sha256),cbc(aes))" "our chained aead" \
		auth-trunc 'hmac(sha256)' 0x$(hex 32) 128 enc 'cbc(aes)' 0x$(hex 16)
else
	for i in 1 2 3 4; do ktap_skip "ESP with authenc(hmac(sha256),cbc(aes)): the device serves no chaining"; done
fi
ktap_exit
