#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Every queue busy, an interrupt per queue, in a guest with several CPUs:
#   - a device of ours on MSI-X has one vector per data queue plus one for the
#     control queue and one for the configuration (/proc/interrupts,
#     PCI-MSIX lines), and every data queue's vector counts interrupts under
#     a parallel load (crypto_loadgen, one thread per CPU);
#   - the data queues have the ring size the host gives (VCRYPTO_QUEUES_VQ_SIZE,
#     default 1024: our device's and QEMU's builtin device's);
#   - a load of one thread per CPU on one transform (like one dm-crypt
#     mapping) puts requests on every data queue of the device with the most
#     queues (the driver's per-queue counters dataq<i>_submitted in debugfs);
#   - each data queue's MSI-X vector is affine to a CPU of its own.
# The last two need the driver's per-queue counters: without them (no
# dataq0_submitted in the stats file) they are skipped.
# Skipped with one CPU or without crypto_loadgen.ko. With QEMU 11.1 no device
# has both: QEMU's builtin device has MSI-X vectors per queue but serves one
# data queue; our vhost-user device has four queues, but QEMU's
# vhost-user-test-device-pci gives it one MSI-X vector, so Linux falls back to
# INTx for it. The make check guest "smp" has one of each.
. "$(dirname "$0")/vcrypto_lib.sh"

LOADGEN=/lib/modules/extra/crypto_loadgen.ko
INSMOD=insmod
[ -x /usr/libexec/kmod/insmod ] && INSMOD=/usr/libexec/kmod/insmod
cpus=$(grep -c '^processor' /proc/cpuinfo)
[ "$cpus" -ge 2 ] || { ktap_diag "one CPU: nothing to spread over queues"; exit $KSFT_SKIP; }
[ -f "$LOADGEN" ] || { ktap_diag "$LOADGEN not built"; exit $KSFT_SKIP; }
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
ktap_header 6
ktap_diag "$cpus CPUs"
module_loaded && module_unload
grep -q "^$C_MOD " /proc/modules && c_driver_unload
quick_selftests
dmesg -c >/dev/null
module_load && wait_selftests
# The probe lines, kept (the load generator's runs clear the kernel log).
W=/tmp/queues; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
dmesg > $W/probe

# The probe line's value of <key> for device <virtioN>.
probe_val() { sed -n "s/.* $1: virtio_crypto_rs: .* $2=\([^ ]*\).*/\1/p" $W/probe | tail -1; }
# A counter of device <virtioN>'s stats file.
dev_stat() { awk -v k="$2" '$1 == k { print $2 }' "/sys/kernel/debug/virtio_crypto_rs-$1/stats" 2>/dev/null; }
# /proc/interrupts: the lines whose action is named <name>, the interrupts of
# the vector named <name> on all CPUs together, and its IRQ number.
irq_line() { awk -v n="$1" '$NF == n' /proc/interrupts; }
irq_count() {
	awk -v n="$1" -v c="$(head -1 /proc/interrupts | wc -w)" \
		'$NF == n { s = 0; for (i = 2; i <= c + 1; i++) s += $i; print s }' /proc/interrupts
}
irq_number() { awk -v n="$1" '$NF == n { sub(":", "", $1); print $1 }' /proc/interrupts; }
# loadgen <algorithm driver> <key bytes> [parameters]: one thread per CPU, 4 KiB
# requests for a second; succeeds if requests completed without errors.
loadgen() {
	alg=$1 klen=$2
	shift 2
	dmesg -c >/dev/null
	$INSMOD "$LOADGEN" alg="$alg" keylen="$klen" threads="$cpus" inflight=8 secs=1 sizes=4096 "$@" 2>/dev/null
	res=$(dmesg | sed -n 's/.*crypto_loadgen: result //p')
	dmesg | grep "crypto_loadgen:" | sed 's/^\[[^]]*\] /# /'
	echo "$res" | grep -q ' ops=[1-9][0-9]* .* errors=0$'
}

# --- the devices: data queues, ring size, interrupt mode ---
devs="" msix="" most="" most_q=0 sizes_ok=1
for d in $(crypto_devices); do
	v=$(basename "$d")
	q=$(probe_val "$v" data_queues) sz=$(probe_val "$v" dataq_size)
	[ -n "$q" ] || { ktap_diag "$v: no probe line of ours"; continue; }
	devs="$devs $v"
	pci=$(basename "$(dirname "$(readlink -f "$d")")")
	if [ -n "$(irq_line "$v-config")" ] && irq_line "$v-config" | grep -q 'PCI-MSIX'; then
		msix="$msix $v"; mode=MSI-X
	else
		mode="not MSI-X ($(awk -v n="$v" -v c="$(head -1 /proc/interrupts | wc -w)" \
			'{ for (i = c + 2; i <= NF; i++) if ($i == n || $i == n ",") { print $(c + 2), $(c + 3); exit } }' /proc/interrupts))"
	fi
	ktap_diag "$v (PCI $pci): $q data queues of $sz entries, interrupts: $mode"
	[ "$sz" = "${VCRYPTO_QUEUES_VQ_SIZE:-1024}" ] || sizes_ok=0
	[ "$q" -gt "$most_q" ] && most=$v most_q=$q
done
ktap_check "a device of ours has its queues on MSI-X (PCI-MSIX lines in /proc/interrupts)" [ -n "$msix" ]

vectors_ok=1
for v in $msix; do
	q=$(probe_val "$v" data_queues)
	grep -E " $v-[^ ]+\$" /proc/interrupts | sed 's/^/# /'
	n=$(grep -cE "PCI-MSIX.* $v-[^ ]+\$" /proc/interrupts)
	i=0
	while [ $i -lt "$q" ]; do
		[ "$(irq_line "$v-dataq.$i" | grep -c PCI-MSIX)" = 1 ] || { ktap_diag "$v: no vector of its own for dataq.$i"; vectors_ok=0; }
		i=$((i + 1))
	done
	[ "$(irq_line "$v-controlq" | grep -c PCI-MSIX)" = 1 ] || { ktap_diag "$v: no vector of its own for controlq"; vectors_ok=0; }
	[ "$n" = $((q + 2)) ] || { ktap_diag "$v: $n vectors for $q data queues"; vectors_ok=0; }
done
[ -n "$msix" ] || vectors_ok=0
ktap_check "one MSI-X vector per data queue, one for the control queue and one for the configuration" \
	[ $vectors_ok = 1 ]
[ -n "$devs" ] || sizes_ok=0
ktap_check "the data queues have ${VCRYPTO_QUEUES_VQ_SIZE:-1024} entries (the driver's dataq_size)" \
	[ $sizes_ok = 1 ]

# --- every MSI-X data-queue vector counts interrupts under load ---
# cbc(aes), served by every device; a transform per thread, spread over the
# devices.
before=""
for v in $msix; do
	i=0; while [ $i -lt "$(probe_val "$v" data_queues)" ]; do
		before="$before $v-dataq.$i=$(irq_count "$v-dataq.$i")"; i=$((i + 1))
	done
done
loadgen virtio-rs-cbc-aes 16 || ktap_diag "the cbc(aes) load failed"
moved=1
[ -n "$before" ] || moved=0
for b in $before; do
	name=${b%=*} was=${b#*=} now=$(irq_count "${b%=*}")
	ktap_diag "$name: $was -> $now interrupts"
	[ "$now" -gt "$was" ] || moved=0
done
ktap_check "every MSI-X data-queue vector counts interrupts under a load of $cpus threads" \
	[ $moved = 1 ]

# --- per-queue counters: every queue busy, a vector per CPU ---
if [ -z "$(dev_stat "$most" dataq0_submitted)" ]; then
	ktap_skip "a load of $cpus threads on one transform puts requests on every data queue (no per-queue counters: dataq0_submitted missing in the stats file)"
	ktap_skip "each data queue's vector is affine to a CPU of its own (no per-queue counters: dataq0_submitted missing in the stats file)"
else
	# One transform shared by all threads: the queue is chosen per request.
	# xts(aes) where the device serves it (QEMU's builtin device does not:
	# the transform lands on the multi-queue device), else cbc(aes).
	if grep -q "^driver *: virtio-rs-xts-aes$" /proc/crypto; then
		alg=virtio-rs-xts-aes klen=32
	else
		alg=virtio-rs-cbc-aes klen=16
	fi
	i=0 before=""
	while [ $i -lt "$most_q" ]; do before="$before $(dev_stat "$most" "dataq${i}_submitted")"; i=$((i + 1)); done
	loadgen $alg $klen shared=1 || ktap_diag "the $alg load failed"
	i=0 busy=1
	[ "$most_q" -gt 1 ] || busy=0
	for was in $before; do
		now=$(dev_stat "$most" "dataq${i}_submitted")
		ktap_diag "$most dataq.$i: submitted $was -> $now, kicks $(dev_stat "$most" "dataq${i}_kicks"), interrupts $(dev_stat "$most" "dataq${i}_interrupts")"
		[ "${now:-0}" -gt "$was" ] || busy=0
		i=$((i + 1))
	done
	ktap_check "a load of $cpus threads on one $alg transform puts requests on every data queue of $most" \
		[ $busy = 1 ]

	affine_ok=1 seen=""
	[ -n "$msix" ] || affine_ok=0
	for v in $msix; do
		i=0; while [ $i -lt "$(probe_val "$v" data_queues)" ]; do
			irq=$(irq_number "$v-dataq.$i")
			a=$(cat "/proc/irq/$irq/effective_affinity_list" 2>/dev/null || cat "/proc/irq/$irq/smp_affinity_list")
			ktap_diag "$v dataq.$i: IRQ $irq on CPU $a (smp_affinity_list $(cat "/proc/irq/$irq/smp_affinity_list"))"
			case $a in *[-,]*|"") affine_ok=0 ;; esac
			case " $seen " in *" $a "*) affine_ok=0 ;; esac
			seen="$seen $a"
			i=$((i + 1))
		done
	done
	ktap_check "each data queue's vector is affine to a CPU of its own" [ $affine_ok = 1 ]
fi

module_unload
ktap_exit
