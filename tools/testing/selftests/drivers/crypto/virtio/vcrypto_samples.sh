#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The samples (/samples in the guest, samples/ in the repository) run exactly
# as a user runs them, with our module loaded: dm-crypt plain and LUKS2 with
# aes-xts-plain64, IPsec ESP with rfc4106(gcm(aes)), and the sample module
# that runs one cbc(aes) and one gcm(aes) request through the crypto API.
# Each must succeed, name our driver as the one that served it, and give the
# right result: the dm-crypt images are opened again with the kernel's
# generic code (our module unloaded) and must hold what the samples wrote;
# the ESP packets must be sealed and opened by our device (our aead counter);
# the sample module checks published test vectors.
. "$(dirname "$0")/vcrypto_lib.sh"

S=${VCRYPTO_SAMPLES:-/samples}
# The samples are POSIX sh scripts; they run under dash, /bin/sh on Debian
# (busybox's sh would run its own losetup and ip instead of the real ones).
SH=${VCRYPTO_SAMPLE_SH:-/usr/bin/dash}
# 8 MiB per dm-crypt sample: correctness, not volume (vcrypto_dmcrypt.sh moves more).
MIB=8
ktap_header 12
[ -d "$S" ] && [ -x "$SH" ] || { ktap_diag "$S or $SH missing"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
grep -q "^$C_MOD " /proc/modules && c_driver_unload
module_loaded && module_unload
quick_selftests
module_load && wait_selftests
W=/tmp/samples; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"

# sample <log> <command...>: runs a sample, its output in $W/<log> and as diagnostics.
sample() {
	log=$W/$1; shift
	"$@" > "$log" 2>&1; rc=$?
	sed 's/^/# /' "$log"
	return $rc
}
served_by() { sed -n 's/^.* served by: //p' "$W/$1" | head -1; }
md5_of() { sed -n 's/^wrote .*(md5 \([0-9a-f]*\)).*/\1/p' "$W/$1"; }

# --- dm-crypt ---
# plain.sh with dm-crypt's default aes-xts-plain64, or, on a device that
# serves only AES-CBC (QEMU's builtin backend), the way the sample says to run
# it there; luks2.sh with aes-xts-plain64 only.
plain=1 luks2=0
if our_algs | grep -q "^virtio-rs-xts-aes passed$"; then
	pcipher=aes-xts-plain64 pbits=512 pours=virtio-rs-xts-aes luks2=1
elif our_algs | grep -q "^virtio-rs-cbc-aes passed$"; then
	pcipher=aes-cbc-essiv:sha256 pbits=256 pours=virtio-rs-cbc-aes
else
	plain=0
fi
if [ $plain = 1 ]; then
	ktap_check "samples/dm-crypt/plain.sh ($pcipher): round trip ok" \
		sample plain env MIB=$MIB CIPHER=$pcipher KEY_BITS=$pbits $SH "$S/dm-crypt/plain.sh" $W/plain.img
	ktap_check "samples/dm-crypt/plain.sh ($pcipher): served by $pours" [ "$(served_by plain)" = $pours ]
else
	ktap_skip "samples/dm-crypt/plain.sh: round trip ok (the device serves neither AES-XTS nor AES-CBC)"
	ktap_skip "samples/dm-crypt/plain.sh: served by ours (the device serves neither AES-XTS nor AES-CBC)"
fi
if [ $luks2 = 1 ]; then
	ktap_check "samples/dm-crypt/luks2.sh: round trip ok" sample luks2 env MIB=$MIB $SH "$S/dm-crypt/luks2.sh" $W/luks2.img
	ktap_check "samples/dm-crypt/luks2.sh: served by virtio-rs-xts-aes" [ "$(served_by luks2)" = virtio-rs-xts-aes ]
else
	ktap_skip "samples/dm-crypt/luks2.sh: round trip ok (the device does not serve AES-XTS)"
	ktap_skip "samples/dm-crypt/luks2.sh: served by virtio-rs-xts-aes (the device does not serve AES-XTS)"
fi

# --- IPsec ---
if our_algs | grep -q "^virtio-rs-gcm-aes passed$"; then
	# The counters include the self-tests of the seqiv and rfc4106 instances
	# the SAs create (their tampered vectors fail on purpose): the sample's own
	# checks (every ping answered, the SAs' packet counts) show that no ESP
	# packet failed; here, that our device did the work: 20 pings each way,
	# each sealed by one side and opened by the other, 80 requests at least.
	r0=$(our_stat aead_requests)
	ktap_check "samples/ipsec/esp-gcm.sh: ESP traffic ok" sample esp $SH "$S/ipsec/esp-gcm.sh"
	r1=$(our_stat aead_requests)
	ktap_diag "our aead requests: +$((r1 - r0))"
	ktap_check "samples/ipsec/esp-gcm.sh: served by seqiv(rfc4106(virtio-rs-gcm-aes)), our device sealed and opened the packets" \
		[ "$(served_by esp)" = "seqiv(rfc4106(virtio-rs-gcm-aes))" -a $((r1 - r0)) -ge 80 ]
	aead=gcm\(aes\)
else
	ktap_skip "samples/ipsec/esp-gcm.sh: ESP traffic ok (the device does not serve AES-GCM)"
	ktap_skip "samples/ipsec/esp-gcm.sh: served by our gcm(aes) (the device does not serve AES-GCM)"
	aead=
fi

# --- the sample module ---
ko=$S/crypto-user/vcrypto_sample.ko
if [ -f "$ko" ]; then
	dmesg -c > /dev/null
	ktap_check "samples/crypto-user: vcrypto_sample.ko loads (its known answers are right)" insmod "$ko" aead="$aead"
	grep -q "^vcrypto_sample " /proc/modules && rmmod vcrypto_sample
	dmesg | sed -n 's/^\[[^]]*\] //p' | grep vcrypto_sample | sed 's/^/# /'
	ktap_check "samples/crypto-user: cbc(aes) known answer ok, served by virtio-rs-cbc-aes" \
		sh -c 'dmesg | grep -q "vcrypto_sample: cbc(aes): known answer ok, served by virtio-rs-cbc-aes$"'
	if [ -n "$aead" ]; then
		ktap_check "samples/crypto-user: gcm(aes) known answer ok, served by virtio-rs-gcm-aes" \
			sh -c 'dmesg | grep -q "vcrypto_sample: gcm(aes): known answer ok, served by virtio-rs-gcm-aes$"'
	else
		ktap_skip "samples/crypto-user: gcm(aes) (the device does not serve AES-GCM)"
	fi
else
	for i in 1 2 3; do ktap_skip "samples/crypto-user: $ko not built"; done
fi

# --- what our driver wrote, read by the kernel's generic code ---
# (ESP's transforms go with their namespaces, a moment after the sample exits.)
t=10; while ! module_unload 2>/dev/null && [ $t -gt 0 ]; do sleep 1; t=$((t - 1)); done
# generic_reads <sample> <cryptsetup open arguments...>
generic_reads() {
	s=$1; shift
	loop=$(/usr/sbin/losetup -f --show $W/$s.img) &&
	/usr/sbin/cryptsetup open "$@" --key-file $W/$s.img.key "$loop" generic &&
	sum=$(dd if=/dev/mapper/generic bs=1M count=$MIB 2>/dev/null | md5sum | cut -d' ' -f1)
	/usr/sbin/cryptsetup close generic; /usr/sbin/losetup -d "$loop"
	ktap_diag "$s: sample wrote md5 $(md5_of $s), generic code reads md5 $sum"
	[ -n "$sum" ] && [ "$sum" = "$(md5_of $s)" ]
}
if [ $plain = 1 ]; then
	ktap_check "dm-crypt plain ($pcipher): the generic code reads what the sample wrote through ours" \
		generic_reads plain --type plain --cipher $pcipher --key-size $pbits --sector-size 4096
else
	ktap_skip "dm-crypt plain: generic code reads it back (not run)"
fi
if [ $luks2 = 1 ]; then
	ktap_check "dm-crypt LUKS2: the generic xts(aes) reads what the sample wrote through ours" \
		generic_reads luks2 --type luks2
else
	ktap_skip "dm-crypt LUKS2: generic code reads it back (not run)"
fi
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
