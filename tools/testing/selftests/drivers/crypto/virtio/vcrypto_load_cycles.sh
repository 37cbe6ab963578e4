#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Load and unload the module many times: every cycle binds and probes the
# device; afterwards kmemleak finds nothing of ours and dmesg has no warning.
. "$(dirname "$0")/vcrypto_lib.sh"

CYCLES=${VCRYPTO_CYCLES:-50}
KML=/sys/kernel/debug/kmemleak
ktap_header 4
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
module_loaded && module_unload
quick_selftests
dmesg -c >/dev/null
[ -w "$KML" ] && echo clear > "$KML"

ok=0; slab_before=$(awk '/^Slab:/{print $2}' /proc/meminfo)
i=0
while [ $i -lt "$CYCLES" ]; do
	module_load || break
	grep -q "^$MOD " /proc/modules || break
	module_unload || break
	i=$((i + 1))
done
ktap_diag "$i of $CYCLES load/unload cycles completed"
ktap_check "$CYCLES load/unload cycles" [ "$i" -eq "$CYCLES" ]
probes=$(dmesg | grep -c "virtio_crypto_rs: max_dataqueues=")
ktap_check "every cycle probed the device ($probes probes)" [ "$probes" -ge "$CYCLES" ]

if [ -w "$KML" ]; then
	# Two scans: kmemleak reports an object only once it was unreferenced for a whole scan.
	echo scan > "$KML"; sleep 1; echo scan > "$KML"
	leaks=$(grep -c "^unreferenced object" "$KML")
	ours=$(grep -A20 "^unreferenced object" "$KML" | grep -c "virtio_crypto_rs\|vcrs_\|virtio_\|vring")
	ktap_diag "kmemleak: $leaks unreferenced object(s), $ours with virtio in their backtrace"
	[ "$ours" -eq 0 ] || head -60 "$KML" | sed 's/^/# /'
	ktap_check "kmemleak finds no leak from the load/unload cycles" [ "$ours" -eq 0 ]
else
	slab_after=$(awk '/^Slab:/{print $2}' /proc/meminfo)
	ktap_diag "kmemleak unavailable; Slab $slab_before kB -> $slab_after kB"
	ktap_check "slab usage grew less than 1 MiB" [ $((slab_after - slab_before)) -lt 1024 ]
fi
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
