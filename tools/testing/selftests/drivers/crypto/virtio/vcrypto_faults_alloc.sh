#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Allocation failures on the probe and setkey paths (CONFIG_FAILSLAB,
# CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS). Two programs:
# vcrypto_faults_alloc.sh (the probe part) and vcrypto_faults_setkey.sh (this
# file with the argument "setkey"), each with the runner's whole timeout.
#   probe    bind the device with the Nth allocation of the binding task
#            failing (/proc/self/fail-nth), N = 1, 2, 3... over the whole bind,
#            once with failslab and once with fail_page_alloc (order >= 1)
#            taking the failures
#   unbind   unbind with 5% of the unbinding task's allocations failing
#            (task-filter, /proc/self/make-it-fail, probability, times)
#   setkey   a dm-crypt table load (crypto_alloc_skcipher, setkey, the
#            device's session) with its Nth allocation failing, swept over it
# Every attempt ends in success or a clean error: a failed bind leaves nothing
# of ours registered, a successful one every algorithm it registered passed, a
# failed table load leaves no table. Then a clean bind serves, the device
# holds no session once the mappings are gone, kmemleak finds nothing of ours
# and the kernel log has no report. (KUnit setkey runs in KUnit's own
# threads, which a task's fault injection does not reach.)
#
# The device advertises only cbc(aes) here (config overrides over the fault
# channel), and during the probe sweeps it refuses that cipher's session, so
# the probe registers nothing. That is because of the kernel, not the driver:
# crypto_register_alg() schedules the self-test with allocations of its own
# (cryptomgr_schedule_test: kzalloc, kthread_run), and when one of those
# fails the crypto core WARNs (crypto_schedule_test, crypto/api.c) and keeps
# the test larval on its list for good, so no algorithm of that name can be
# registered again until reboot (-EEXIST). Seen on this program's first run.
. "$(dirname "$0")/vcrypto_lib.sh"

DMSETUP=/usr/sbin/dmsetup
DRV=/sys/bus/virtio/drivers/$MOD
DBG=/sys/kernel/debug
FS=$DBG/failslab FP=$DBG/fail_page_alloc
# At most this many table loads per setkey sweep, at most VCRYPTO_ALLOC_MAX
# binds per probe sweep.
STEPS=${VCRYPTO_ALLOC_STEPS:-40}
part=${1:-probe}
# The runner's timeout (settings): the sweeps share it out.
T0=$(date +%s)
TMO=$(sed -n 's/^timeout=//p' "$(dirname "$0")/settings" 2>/dev/null); TMO=${TMO:-600}
if [ "$part" = setkey ]; then ktap_header 8; else ktap_header 7; fi
dev=$(crypto_devices | head -1)
[ -n "$dev" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
[ -d $FS ] && [ -d $FP ] && [ -e /proc/self/fail-nth ] ||
	{ ktap_diag "no failslab/fail_page_alloc in debugfs or no /proc/self/fail-nth"; exit $KSFT_SKIP; }
dm_tools_or_skip
[ -x $DMSETUP ] || { ktap_diag "$DMSETUP missing"; exit $KSFT_SKIP; }
name=$(basename "$dev")
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload
fault_available && fault_cmd clear >/dev/null
dmesg -c >/dev/null
W=/tmp/faults_alloc; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
# The forced failures' stacks overflow the kernel's log buffer: the program
# moves the log into $W/klog as it goes (klog_take; the new part in
# $W/klog.new), and reads it from there.
: > $W/klog
klog_take() { dmesg -c > $W/klog.new; cat $W/klog.new >> $W/klog; }
# Forced failures so far: each one takes one off a fault type's "times" (set
# high at the start; with probability 0 nothing else reads it). The log line
# would miss the failures of allocations made with __GFP_NOWARN.
TIMES=1000000
forced() { klog_take; echo $((2 * TIMES - $(cat $FS/times) - $(cat $FP/times))); }
[ -w $KMEMLEAK ] && echo clear > $KMEMLEAK
# Every forced failure logs a stack: into the log, not onto the slow serial console.
read -r lvl _ < /proc/sys/kernel/printk
on_exit "echo $lvl > /proc/sys/kernel/printk"
echo 1 > /proc/sys/kernel/printk

# inject <failslab|fail_page_alloc|none>: which of the two lets the task's
# allocations reach its failure point. Sleeping allocations count (by default
# both ignore them); pages of order 1 and up (fail_page_alloc's default: the
# vrings and other multi-page buffers; order 0 pages would also be the slab
# refills under cryptomgr's allocation, see the top). Each forced failure
# logs its stack (verbose=2: the sweep reads where it failed).
inject() {
	for d in $FS $FP; do
		echo Y > $d/ignore-gfp-wait; echo 0 > $d/probability; echo 2 > $d/verbose
		echo N > $d/task-filter; echo 1 > $d/interval
	done
	echo 1 > $FP/min-order
	case $1 in
	failslab) echo N > $FS/ignore-gfp-wait ;;
	fail_page_alloc) echo N > $FP/ignore-gfp-wait ;;
	esac
}
for d in $FS $FP; do echo $TIMES > $d/times; done
on_exit "inject none; echo 1 > $FS/times; echo 1 > $FP/times"

# The Nth candidate allocation of what follows in this shell fails; prints the
# budget left afterwards (not 0: the path made fewer than N allocations).
# run_nth <N> <command...>
run_nth() {
	n=$1; shift
	( echo "$n" > /proc/self/fail-nth; "$@" >/dev/null 2>&1; rc=$?
	  read -r left < /proc/self/fail-nth; echo 0 > /proc/self/fail-nth; echo "$rc $left" )
}
# How many candidate allocations <command...> makes (run once, nothing fails).
count_allocs() {
	set -- $(run_nth 1000000 "$@")
	echo $((1000000 - $2))
}

bind_it() { echo "$name" > $DRV/bind; }
unbind_it() { echo "$name" > $DRV/unbind; }
is_bound() { [ "$(basename "$(readlink "$dev/driver" 2>/dev/null)")" = "$MOD" ]; }
# After a bind attempt: bound with every algorithm it registered passed (a
# registration that failed is left out: the probe goes on without that
# algorithm), or not bound with nothing of ours registered. Leaves the device
# unbound.
bind_outcome() {
	if is_bound; then
		wait_selftests
		algs=$(our_algs)
		unbind_it
		echo "$algs" | grep -v '^$' | grep -qv " passed$" || return 0
		ktap_diag "$1: bound, but: $(echo "$algs" | grep -v " passed$" | head -3 | tr '\n' ' ')"
		return 1
	fi
	[ -z "$(our_algs)" ] && return 0
	ktap_diag "$1: the bind failed but algorithms stay registered: $(our_algs | head -3 | tr '\n' ' ')"
	return 1
}

# The log since the last forced failure (call forced first).
last_failure() { awk '/FAULT_INJECTION: forcing a failure/ { b = "" } { b = b $0 "\n" } END { printf "%s", b }' $W/klog; }
# probe_sweep <failslab|fail_page_alloc> <percent of the timeout to end by>
probe_sweep() {
	inject "$1"
	total=$(count_allocs bind_it); bind_outcome "$1 count" >/dev/null
	bad=0 tried=0 bound=0 n=0 reached=no
	# Each sweep ends by a share of the runner's timeout (a debug kernel, or a
	# busy machine, binds several times slower): $2 percent of it.
	until=$((T0 + TMO * $2 / 100))
	while [ $n -lt "$total" ] && [ $n -lt ${VCRYPTO_ALLOC_MAX:-300} ] && [ "$(date +%s)" -lt $until ]; do
		n=$((n + 1)) f0=$(forced)
		run_nth "$n" bind_it >/dev/null
		is_bound && bound=$((bound + 1))
		bind_outcome "$1 N=$n" || bad=$((bad + 1))
		tried=$((tried + 1))
		# Nothing registers here (see the top); should it, the first failure in
		# our registration code or in crypto_register_alg ends the sweep.
		if [ "$(forced)" -gt "$f0" ] && last_failure | grep -qE "crypto_register_alg|12registration"; then
			reached=$n; break
		fi
	done
	inject none
	ktap_diag "probe, $1: $total candidate allocations in a bind; failed each of 1..$n ($tried binds, $bound bound anyway, $bad unclean); stopped at registration: $reached"
	ktap_check "probe, $1: every bind with an allocation failing ends bound (its algorithms passed) or cleanly failed" \
		[ "$bad" = 0 -a "$tried" -gt 0 ]
}

# One algorithm to register: cbc(aes) only (the device itself serves as ever).
fault_available || { ktap_diag "no fault channel (not our vhost-user device)"; exit $KSFT_SKIP; }
on_exit "fault_cmd clear"
fault_cmd config services 1 >/dev/null && fault_cmd config cipher 0x8 >/dev/null ||
	{ ktap_diag "the device takes no config override"; exit $KSFT_SKIP; }
module_load || { ktap_fail "the module loads"; exit $KSFT_FAIL; }
wait_selftests
ktap_diag "registered: $(our_algs | tr '\n' ' ')"
is_bound && unbind_it
unbound_clean() { ! is_bound && [ -z "$(our_algs)" ]; }
ktap_check "the module loads and the device unbinds" unbound_clean

if [ "$part" = probe ]; then
fault_cmd refuse cipher:aes-cbc >/dev/null
probe_sweep failslab 45
probe_sweep fail_page_alloc 55
fault_cmd unrefuse cipher:aes-cbc >/dev/null

# unbind: a clean bind, then an unbind with its Nth allocation failing (N = 1,
# 2, 3... failslab), then a few with 5% of the unbinding task's allocations
# failing (task-filter, make-it-fail, probability). The sysfs write itself may
# fail (it allocates too): then a clean unbind must work. Either way nothing of
# ours stays registered.
unbind_clean_after() {
	if is_bound; then
		unbind_it
		is_bound && { ktap_diag "unbind $1: the device stays bound"; return 1; }
	fi
	[ -z "$(our_algs)" ] || { ktap_diag "unbind $1: algorithms left after the unbind"; return 1; }
}
bad=0 i=0 f0=$(forced)
inject failslab
bind_it; wait_selftests
total=$(count_allocs unbind_it)
n=0
until=$((T0 + TMO * 72 / 100))
while [ $n -lt "$total" ] && [ $n -lt ${VCRYPTO_ALLOC_UNBIND_MAX:-40} ] && [ "$(date +%s)" -lt $until ]; do
	n=$((n + 1))
	bind_it; wait_selftests
	run_nth "$n" unbind_it >/dev/null
	unbind_clean_after "N=$n" || bad=$((bad + 1))
done
inject none
while [ $i -lt 4 ]; do
	bind_it; wait_selftests
	for d in $FS $FP; do
		echo Y > $d/task-filter; echo 5 > $d/probability; echo 1 > $d/verbose
	done
	echo N > $FS/ignore-gfp-wait; echo N > $FP/ignore-gfp-wait; echo 0 > $FP/min-order
	( echo 1 > /proc/self/make-it-fail; unbind_it ) 2>/dev/null
	inject none
	unbind_clean_after "random $i" || bad=$((bad + 1))
	i=$((i + 1))
done
ktap_diag "unbind: $total candidate allocations in an unbind, each of 1..$n failed in turn; $i unbinds with 5% failing; $(($(forced) - f0)) forced failures"
ktap_check "unbind: unbinds with allocation failures end clean" [ $bad = 0 ]

bind_it; wait_selftests
cbc_passes() { our_algs | grep -q "^virtio-rs-cbc-aes passed"; }
ktap_check "afterwards a clean bind registers cbc(aes) and it passes" cbc_passes
unbind_it
fi

if [ "$part" = setkey ]; then
# setkey: a crypt table load, the Nth allocation failing. dmsetup is a program of
# its own and fork() clears fail-nth, so the subshell sets it and execs dmsetup
# (the count then includes the program's start); whether the failure fired is
# read from the fault types' "times" (see forced).
# exec_nth <N> <program...>: prints "<exit status> <fired: 0|1>".
exec_nth() {
	n=$1; shift; f0=$(forced)
	( echo "$n" > /proc/self/fail-nth; exec "$@" ) >/dev/null 2>&1; rc=$?
	[ "$(forced)" -gt "$f0" ] && echo "$rc 1" || echo "$rc 0"
}
# exec_count <program...>: about how many candidate allocations it makes: the
# smallest N whose failure no longer fires (doubling, then bisecting).
exec_count() {
	hi=8
	while [ "$(exec_nth $hi "$@" | cut -d' ' -f2)" = 1 ] && [ $hi -lt 65536 ]; do hi=$((hi * 2)); done
	lo=$((hi / 2))
	# To within 1/16: it only places the sweep's points (each run is a program start).
	while [ $((hi - lo)) -gt $((hi / 16 + 1)) ]; do
		mid=$(( (lo + hi) / 2 ))
		if [ "$(exec_nth $mid "$@" | cut -d' ' -f2)" = 1 ]; then lo=$mid; else hi=$mid; fi
	done
	echo $hi
}
bind_it; wait_selftests
truncate -s 8M $W/disk
loop=$($LOSETUP -f --show $W/disk)
on_exit "$DMSETUP remove vfalloc 2>/dev/null; $LOSETUP -d $loop 2>/dev/null"
key=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
table="0 16384 crypt aes-cbc-essiv:sha256 $key 0 $loop 0 1 sector_size:4096"
ref0=$(alg_refcnt virtio-rs-cbc-aes)
# A failed load leaves the device without a table; a successful one is
# cleared again. Either way nothing stays loaded.
no_table() { [ -z "$($DMSETUP table --inactive vfalloc 2>/dev/null)" ]; }
setkey_sweep() {
	kind=$1 pct=$2
	inject "$kind"
	$DMSETUP create vfalloc --notable
	# A clean load first: the essiv(cbc(aes),sha256) instance then exists, and
	# the sweep does not register it (see the top for why not).
	$DMSETUP load vfalloc --table "$table" && $DMSETUP clear vfalloc
	# The program's start alone (one version ioctl), then the whole load: the
	# points crowd into the part that is the table load.
	start=$(exec_count $DMSETUP version)
	total=$(exec_count $DMSETUP load vfalloc --table "$table")
	$DMSETUP clear vfalloc >/dev/null 2>&1
	from=$((start > 10 ? start - 10 : 1))
	points="$(seq 1 $(( (from + 7) / 8 )) $from) $(seq $from $(( (total - from) / STEPS + 1 )) $total)"
	bad=0 tried=0 ok=0
	# Ends by $2 percent of the runner's timeout, however far it got.
	until=$((T0 + TMO * pct / 100))
	for n in $points; do
		[ "$(date +%s)" -lt $until ] || break
		set -- $(exec_nth "$n" $DMSETUP load vfalloc --table "$table")
		[ "$1" = 0 ] && ok=$((ok + 1))
		$DMSETUP clear vfalloc >/dev/null 2>&1
		no_table || { ktap_diag "setkey N=$n: a table stays loaded"; bad=$((bad + 1)); }
		tried=$((tried + 1))
	done
	inject none
	$DMSETUP remove vfalloc
	ktap_diag "setkey, $kind: dmsetup's start ~$start, the load ~$total candidate allocations; $tried loads (of $(echo $points | wc -w) points), $ok succeeded anyway, $bad unclean"
	ktap_check "setkey, $kind: every table load with an allocation failing succeeds or fails cleanly" \
		[ "$bad" = 0 -a "$tried" -gt 0 ]
}
setkey_sweep failslab 40
setkey_sweep fail_page_alloc 70
ref1=$(alg_refcnt virtio-rs-cbc-aes)
ktap_diag "cbc(aes) refcnt before the sweeps $ref0, after $ref1"
ktap_check "setkey: no transform left behind (cbc(aes) refcnt back to $ref0)" [ "$ref1" = "$ref0" ]

# After all that, a clean bind serves dm-crypt.
unbind_it; bind_it; wait_selftests
head -c 4194304 /dev/urandom > $W/pattern
head -c 32 /dev/urandom > $W/key
serves() {
	$CRYPTSETUP open --type plain --cipher aes-cbc-essiv:sha256 --key-size 256 --key-file $W/key \
		--sector-size 4096 --disable-locks "$loop" vfalloc2 &&
	dd if=$W/pattern of=/dev/mapper/vfalloc2 bs=1M count=4 conv=fsync 2>/dev/null &&
	echo 3 > /proc/sys/vm/drop_caches &&
	dd if=/dev/mapper/vfalloc2 of=$W/readback bs=1M count=4 2>/dev/null &&
	cmp -s $W/pattern $W/readback
}
ktap_check "afterwards a clean bind serves dm-crypt (write, read back, compare)" serves
$CRYPTSETUP close vfalloc2 2>/dev/null
if fault_available; then
	s=$(fault_cmd sessions)
	ktap_check "the device holds no session once the mappings are gone ($s)" [ "$s" = "ok sessions=0" ]
else
	ktap_skip "the device holds no session once the mappings are gone (no fault channel)"
fi
$LOSETUP -d "$loop"
fi
module_unload

kmemleak_check
ktap_diag "forced failures: $(forced), page allocation failure reports: $(grep -c "page allocation failure" $W/klog)"
# Forced failures and failed page allocations (warn_alloc) print their stacks;
# those traces are the injection's, not bugs. Everything else counts, in the
# whole log of this program.
dmesg() { cat $W/klog; command dmesg; }
p=$(dmesg_problems | grep -v "Call Trace:")
unset -f dmesg
[ -z "$p" ] || echo "$p" | head -20 | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
