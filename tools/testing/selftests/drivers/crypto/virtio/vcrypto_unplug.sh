#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# PCI hot-unplug of the device under load, re-plug, and unload.
#
# The guest's device sits in a PCIe root port with native hotplug and the test
# reaches QEMU's monitor through ttyS3 (scripts/qemu.sh, VCRYPTO_HOTPLUG=1).
# While dm-crypt writes through our cbc(aes), the KUnit suites
# (virtio_crypto_rs_kunit.ko) flood our algorithms and, where the kernel has
# networking, ESP traffic runs over our cbc(aes), QEMU deletes the device
# (device_del: the guest's pciehp unbinds the driver and powers the slot off).
# Nothing may crash or hang: every wait here is bounded; dm-crypt I/O ends
# with EIO or completes; our algorithms go. Then device_add brings the device
# back: the algorithms return and pass their self-tests, dm-crypt and ESP work
# again (byte-for-byte readback). rmmod is refused while a transform exists and
# succeeds right after it is freed; kmemleak finds nothing of ours.
. "$(dirname "$0")/vcrypto_lib.sh"

KML=/sys/kernel/debug/kmemleak
NET=10.79.0
MIB=${VCRYPTO_UNPLUG_MIB:-8}
QEMU_ID=vcrypto0
DEVICE_ADD='{"driver": "virtio-crypto-pci", "id": "vcrypto0", "bus": "vcrs-rp0", "cryptodev": "c0"}'

ktap_header 19
dm_tools_or_skip
monitor_available || { ktap_diag "no QEMU monitor on a serial port (scripts/qemu.sh VCRYPTO_HOTPLUG=1)"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
[ -f "$KUNIT_KO" ] || { ktap_diag "$KUNIT_KO not found"; exit $KSFT_SKIP; }
reply=$(qmp query-status) || { ktap_diag "QEMU's monitor does not answer: $reply"; exit $KSFT_FAIL; }
module_loaded && module_unload
grep -q "^$C_MOD " /proc/modules && c_driver_unload
quick_selftests
dmesg -c >/dev/null
[ -w "$KML" ] && echo clear > "$KML"

running() { kill -0 "$1" 2>/dev/null; }
T0=$(date +%s)
elapsed() { echo "+$(($(date +%s) - T0)) s"; }
# Ten pings through ESP, each sent as soon as the last was answered.
esp_quick() { $IP netns exec ua ping -A -c 10 -s 1000 -W 5 -q $NET.2 >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }
no_device() { [ -z "$(crypto_devices)" ]; }
device_bound() { [ "$(bound_count)" -ge 1 ]; }
# The device back in QEMU: device_add fails until QEMU has deleted the old one
# (after the guest powered the slot off); retried for up to 60 s.
replug() {
	rt=60
	while ! r=$(qmp device_add "$DEVICE_ADD"); do
		[ $rt -gt 0 ] || { ktap_diag "device_add: $r"; return 1; }
		sleep 2; rt=$((rt - 2))
	done
}
# The exit path leaves the device plugged in for the programs after this one.
on_exit 'no_device && replug && wait_for 60 device_bound'

W=/tmp/unplug; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
head -c 32 /dev/urandom > $W/key
truncate -s 128M $W/disk
loop=$($LOSETUP -f --show $W/disk)
open_crypt() { # open_crypt <name>
	$CRYPTSETUP open --type plain --cipher aes-cbc-essiv:sha256 --key-size 256 \
		--key-file $W/key --sector-size 4096 --disable-locks "$loop" "$1" && [ -b "/dev/mapper/$1" ]
}

module_load && wait_selftests
our_algs | grep -q "^virtio-rs-cbc-aes passed" ||
	{ ktap_diag "our cbc(aes) is not registered: $(our_algs | tr '\n' ' ')"; exit $KSFT_FAIL; }
ref0=$(alg_refcnt virtio-rs-cbc-aes)
open_crypt vunplug
ref1=$(alg_refcnt virtio-rs-cbc-aes)
ktap_check "dm-crypt opened over our cbc(aes) (refcnt $ref0 -> $ref1)" [ "${ref1:-0}" -gt "${ref0:-0}" ]

# ESP: only on a kernel with network namespaces (the debug kernel has none).
esp=no
if [ -x $IP ] && $IP netns add vcrs-probe 2>/dev/null; then
	$IP netns del vcrs-probe
	on_exit "esp_unpair u"
	if esp_pair u $NET auth-trunc 'hmac(sha256)' 0x$(hex 32) 128 enc 'cbc(aes)' 0x$(hex 16) &&
		esp_quick && instances echainiv | grep -q "virtio-rs-"; then
		esp=yes
		ktap_ok "ESP between two namespaces runs over our algorithms ($(instances echainiv))"
	else
		ktap_fail "ESP between two namespaces runs over our algorithms ($(instances echainiv))"
	fi
else
	ktap_skip "ESP between two namespaces runs over our algorithms (no network namespaces)"
fi

# --- the load ---
# dm-crypt: a writer that rewrites the mapping with direct I/O (every write
# waits for our driver) until a write fails or it is told to stop.
(while [ ! -e $W/stop ] && dd if=/dev/zero of=/dev/mapper/vunplug bs=64k count=1024 oflag=direct 2>$W/dd.err; do
	echo pass >> $W/dd.passes
done) &
writer=$!
# The KUnit suites against our algorithms (they run inside insmod), with
# their default number of random cases whatever VCRYPTO_KUNIT_ARGS says: they
# must outlast the unplug, and once our algorithms are gone they end at once.
kunit_args=${VCRYPTO_UNPLUG_KUNIT_ARGS:-}
ktap_diag "insmod $(basename "$KUNIT_KO") $kunit_args"
# shellcheck disable=SC2086
(insmod "$KUNIT_KO" $kunit_args; echo $? > $W/kunit.rc) &
kunit=$!
# ESP: pings as fast as they are answered, 60 s at most.
pinger=""
if [ $esp = yes ]; then
	$IP netns exec ua ping -A -q -s 1000 -w 60 $NET.2 > $W/ping.out 2>&1 &
	pinger=$!
fi
sleep 4
before=$(our_stat completed)
ktap_diag "$(elapsed): our completed requests before the unplug: $before"
load_runs() { running $writer && running $kunit && { [ -z "$pinger" ] || running $pinger; }; }
ktap_check "dm-crypt, KUnit$([ -z "$pinger" ] || echo " and ESP") are running when the device goes" load_runs

# --- unplug ---
dev=$(crypto_devices | head -1)
t0=$(date +%s)
if r=$(qmp device_del "{\"id\": \"$QEMU_ID\"}"); then
	ktap_ok "QEMU accepts device_del"
else
	ktap_fail "QEMU accepts device_del ($r)"
fi
# pciehp waits 5 s after the attention button before it unbinds.
ktap_check "the device leaves the guest" wait_for 60 no_device
ktap_diag "$(elapsed): $(basename "$dev") gone $(($(date +%s) - t0)) s after device_del"
none_of_ours() { [ -z "$(our_algs)" ]; }
ktap_check "our algorithms are unregistered" wait_for 10 none_of_ours

# Either a write fails (EIO), or the writer is still being served: then it
# is told to stop and its current pass must finish. A hang fails both ways.
if wait_for 60 gone $writer; then
	how="a write failed"
else
	touch $W/stop; how="stopped: its writes went on succeeding"
	wait_for 60 gone $writer || how=""
fi
ktap_check "dm-crypt I/O fails or completes within 60 s: ${how:-hangs}" [ -n "$how" ]
ktap_diag "writer: $(cat $W/dd.passes 2>/dev/null | wc -l) full passes; $(tr '\n' ' ' < $W/dd.err | cut -c1-200)"
kill -9 $writer 2>/dev/null; wait $writer 2>/dev/null
# The KUnit cases fail once our algorithms are gone; they must end.
if wait_for 180 gone $kunit; then
	ktap_ok "the KUnit flood ends within 180 s"
else
	ktap_fail "the KUnit flood ends within 180 s"
	# Where it waits: the stacks of blocked tasks and of every CPU.
	dmesg -c > /dev/null; echo w > /proc/sysrq-trigger; echo l > /proc/sysrq-trigger; sleep 2
	dmesg | sed 's/^\[[^]]*\] //' | grep -vE '^ *\? ' | head -120 | sed 's/^/# sysrq: /'
fi
ktap_diag "$(elapsed): KUnit insmod exit status $(cat $W/kunit.rc 2>/dev/null || echo none)"
grep -q "^virtio_crypto_rs_kunit " /proc/modules && rmmod virtio_crypto_rs_kunit
if [ -n "$pinger" ]; then
	ktap_check "the ESP traffic ends" wait_for 70 gone $pinger
	ktap_diag "ping: $(tail -2 $W/ping.out | tr '\n' ' ')"
else
	ktap_skip "the ESP traffic ends (no ESP)"
fi
ktap_check "the transform of the unplugged device is freed (dm-crypt closes)" \
	timeout 30 $CRYPTSETUP close vunplug

# --- re-plug ---
t0=$(date +%s)
replugged() { replug && wait_for 60 device_bound; }
ktap_check "device_add brings the device back and our driver binds it" replugged
ktap_diag "$(elapsed): bound again after $(($(date +%s) - t0)) s: $(crypto_devices | tr '\n' ' ')"
wait_selftests
back() { our_algs | grep -q "^virtio-rs-cbc-aes passed$" && ! our_algs | grep -qv " passed$"; }
ktap_check "the algorithms return and pass their self-tests ($(our_algs | wc -l) of ours)" back

# Users of the module hold a reference on it: ESP's transforms (freed
# when their network namespace is cleaned up, which the kernel does in the
# background), dm-crypt's. None may be left once they are gone.
modref() { cat /sys/module/$MOD/refcnt 2>/dev/null; }
unused() { [ "$(modref)" = 0 ]; }
if [ $esp = yes ]; then
	esp_again() { esp_unpair u; esp_pair u $NET auth-trunc 'hmac(sha256)' 0x$(hex 32) 128 enc 'cbc(aes)' 0x$(hex 16) &&
		esp_quick && instances echainiv | grep -q "virtio-rs-"; }
	ktap_check "ESP runs over our algorithms again" esp_again
	esp_unpair u
else
	ktap_skip "ESP runs over our algorithms again (no ESP)"
fi
wait_selftests
wait_for 30 unused
ktap_diag "$(elapsed): module refcnt with no user left: $(modref)"

# dm-crypt on the new device: a pattern written, caches dropped, read back.
numbered_pattern $W/pattern $MIB unplug
before=$(our_stat completed)
serves() {
	open_crypt vunplug2 &&
		timeout 120 dd if=$W/pattern of=/dev/mapper/vunplug2 bs=1M count=$MIB conv=fsync 2>/dev/null &&
		sync && echo 3 > /proc/sys/vm/drop_caches &&
		timeout 120 dd if=/dev/mapper/vunplug2 of=$W/readback bs=1M count=$MIB 2>/dev/null &&
		cmp -s $W/pattern $W/readback
}
ktap_check "dm-crypt serves again: $MIB MiB read back byte for byte" serves
after=$(our_stat completed)
ktap_diag "$(elapsed): our completed requests on the new device: ${before:-none} -> ${after:-none}"
ktap_check "... through our driver (its counters moved)" [ $((${after:-0} - ${before:-0})) -ge $((MIB * 256 * 2)) ]

# --- unload ---
# A transform exists (the open mapping): rmmod must be refused, and succeed
# right after the mapping is closed.
ktap_diag "module refcnt with the mapping open: $(modref)"
refused() { ! rmmod $MOD 2>/dev/null && module_loaded; }
ktap_check "rmmod is refused while dm-crypt holds a transform" refused
$CRYPTSETUP close vunplug2
ktap_diag "module refcnt after closing it: $(modref)"
ktap_check "rmmod succeeds right after the transform is freed" rmmod $MOD
$LOSETUP -d "$loop"

if [ -w "$KML" ]; then
	# Two scans: kmemleak reports an object only once it was unreferenced for a whole scan.
	echo scan > "$KML"; sleep 1; echo scan > "$KML"
	leaks=$(grep -c "^unreferenced object" "$KML")
	ours=$(grep -A20 "^unreferenced object" "$KML" | grep -c "virtio_crypto_rs\|vcrs_")
	ktap_diag "$(elapsed): kmemleak: $leaks unreferenced object(s), $ours backtrace line(s) of ours"
	[ "$leaks" -eq 0 ] || head -${VCRYPTO_KMEMLEAK_LINES:-80} "$KML" | sed 's/^/# /'
	[ "$ours" -eq 0 ] || grep -B12 -A8 "virtio_crypto_rs\|vcrs_" "$KML" | head -150 | sed 's/^/# ours: /'
	ktap_check "kmemleak reports nothing of our module" [ "$ours" -eq 0 ]
else
	ktap_skip "kmemleak reports nothing of our module (no kmemleak)"
fi
dmesg | awk -f "$KNOWN_REPORTS" | grep "^KNOWN: " | sort -u | sed 's/^/# /'
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning or checker report in dmesg" [ -z "$p" ]
rm -rf $W
ktap_exit
