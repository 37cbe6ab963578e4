#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Our hashes and MACs in use: every ahash we registered is asynchronous and
# passed its self-tests; IPsec ESP with
# authenc(hmac(sha256),cbc(des3_ede)) between two network namespaces is
# assembled by the kernel's authenc template from our hmac(sha256) and our
# cbc(des3_ede) (their driver names), traffic arrives intact, and our device's
# ahash counters moved. (cbc(des3_ede), not cbc(aes): the device's algorithm
# chaining serves authenc(hmac(sha256),cbc(aes)) whole, as our own aead, and
# ESP then never builds the template; vcrypto_aead.sh tests that one.)
. "$(dirname "$0")/vcrypto_lib.sh"
NET=10.78.0
ktap_header 6
esp_prologue
if ! our_algs | grep -q "^virtio-rs-hmac-sha256 passed"; then
	ktap_diag "our hmac(sha256) is not registered (a device without MAC service?)"
	exit $KSFT_SKIP
fi

hashes=$(our_of_type ahash)
ktap_diag "our ahashes: $(echo $hashes)"
ktap_check "every ahash of ours is registered as asynchronous" all_async $hashes

on_exit "esp_unpair h"
ktap_check "two namespaces with ESP security associations (hmac(sha256), cbc(des3_ede))" \
	esp_pair h $NET auth-trunc 'hmac(sha256)' 0x$(hex 32) 128 enc 'cbc(des3_ede)' 0x$(hex 24)
# Counted from here: making the SAs instantiated the authenc template, whose
# self-tests ran on our hmac(sha256).
req0=$(our_stat ahash_requests); fail0=$(our_stat ahash_failures)
authenc=$(instances echainiv)
ktap_diag "ESP's aead: $authenc"
ktap_check "the authenc template is built from our hmac(sha256) and our cbc(des3_ede)" \
	sh -c 'echo "$1" | grep -qF "authenc(virtio-rs-hmac-sha256,virtio-rs-cbc-des3_ede)"' _ "$authenc"
ktap_check "pings of 56 and 1400 bytes over ESP get every reply" esp_pings h $NET
req1=$(our_stat ahash_requests); fail1=$(our_stat ahash_failures)
ktap_diag "ahash requests served by the device: $((req1 - req0)), failed: $((fail1 - fail0))"
# 40 echo requests and 40 replies, each authenticated once by the sender and once
# by the receiver: 160 MACs at least.
ktap_check "our device computed the ESP MACs (ahash_requests +160 at least, no failure)" \
	[ $((req1 - req0)) -ge 160 -a $((fail1 - fail0)) -eq 0 ]
esp_unpair h
ktap_check "module unloads" module_unload
p=$(dmesg_problems); [ -z "$p" ] || ktap_diag "$p"
ktap_exit
