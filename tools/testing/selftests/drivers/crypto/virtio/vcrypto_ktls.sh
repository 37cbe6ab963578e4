#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Kernel TLS served by our gcm(aes): vcrypto_ktls (built with the initramfs)
# sets up TLS 1.3 AES-GCM-128 TX and RX on both ends of a loopback TCP
# connection and moves 16 MiB each way at once, checking every byte; our aead
# counters prove that our gcm(aes) sealed and opened the records.
. "$(dirname "$0")/vcrypto_lib.sh"

KTLS=$(dirname "$0")/vcrypto_ktls
MIB=${VCRYPTO_KTLS_MIB:-16}
ktap_header 4
zcat /proc/config.gz 2>/dev/null | grep -qE '^CONFIG_TLS=(y|m)' ||
	{ ktap_diag "the kernel has no TLS (CONFIG_TLS)"; exit $KSFT_SKIP; }
[ -x $IP ] || { ktap_diag "iproute2 missing"; exit $KSFT_SKIP; }
[ -x "$KTLS" ] || { ktap_diag "$KTLS missing (no C compiler when the initramfs was built?)"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
quick_selftests
module_loaded || module_load
wait_selftests
gcm=$(our_algs | awk '$1 ~ /^virtio-rs-gcm/ {print $1, $2}')
[ -n "$gcm" ] || { ktap_diag "the device serves no gcm(aes)"; exit $KSFT_SKIP; }
ktap_diag "our gcm(aes): $gcm"

req0=$(our_stat aead_requests); fail0=$(our_stat aead_failures)
# In a network namespace of its own, with its loopback up.
on_exit "$IP netns del ktls"
$IP netns add ktls && $IP -n ktls link set lo up || { ktap_diag "no network namespace"; exit $KSFT_FAIL; }
ktap_check "$MIB MiB each way through kernel TLS 1.3 AES-GCM-128 arrive intact" \
	$IP netns exec ktls "$KTLS" "$MIB"
req1=$(our_stat aead_requests); fail1=$(our_stat aead_failures)
ktap_diag "aead requests served by the device: $((req1 - req0)), failed: $((fail1 - fail0))"
# A TLS record carries 16 KiB at most: each way's MiB take 64 records at least,
# each sealed by the sender and opened by the receiver.
ktap_check "our gcm(aes) sealed and opened every record (aead_requests +$((MIB * 256)) at least, no failure)" \
	[ $((req1 - req0)) -ge $((MIB * 256)) -a $((fail1 - fail0)) -eq 0 ]
$IP netns del ktls
ktap_check "module unloads" module_unload
p=$(dmesg_problems); [ -z "$p" ] || ktap_diag "$p"
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
