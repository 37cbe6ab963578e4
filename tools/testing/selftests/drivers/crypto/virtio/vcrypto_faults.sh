#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A device that misbehaves, driven through the fault channel of the
# vhost-user-crypto device (ttyS3, see vcrypto_lib.sh). For each fault the
# driver must give the caller a clear error, never a wrong "success", lose no
# request, warn about nothing, and work again once the device behaves:
#   refuse    an advertised cipher whose sessions the device refuses is not registered
#   reorder   completions out of order (delayed, newest first): data still right
#   status    every 7th data request fails: the writer sees EIO, counters count it
#   used-len  a used length one byte short: reads fail instead of returning garbage
#   nospc     the device refuses new sessions: cryptsetup's setkey fails cleanly,
#             or, where the device serves stateless cipher requests, the
#             transform goes stateless and the data reads back
#   stall     the data queues stop: unbinding fails the stuck I/O, rebinding works
#   needs-reset  HW_READY cleared, ERR for everything, a config interrupt:
#             the interrupt reaches the guest, the driver resets the device
#             and I/O goes on (vcrypto_recover.sh does this under load)
# The hostile matrix (argument "hostile"):
#   config-change  the device's config-change notification raises a config
#             interrupt in the guest (QEMU: vub_config_notifier)
#   used-len  used lengths far past the buffers: never wrong data
#   invsess   INVSESS for every request: an error, never wrong data
#   forget-sessions  the device loses its sessions without a reset: the
#             driver creates the session again and resubmits, I/O goes on
#   used-id   a completed id published twice, an id never made available: the
#             guest's ring catches it; unbinding fails the stuck I/O, a rebind serves
#   config    services, masks and max_dataqueues changed under a bound driver
#             (with a config interrupt): no crash, never wrong data
# Probing a device whose config lies (argument "config"): no service, 0, 64
# or 65535 data queues, empty or all-ones algorithm masks, HW_READY clear,
# max_size 0: the bind fails cleanly or serves with every algorithm passed.
# Skipped on devices without a fault channel (QEMU's builtin backend).
# Four programs, each with a timeout of its own: vcrypto_faults.sh runs refuse
# to nospc; vcrypto_faults_reset.sh (this file with the argument "reset") runs
# stall and needs-reset; vcrypto_faults_hostile.sh ("hostile") and
# vcrypto_faults_config.sh ("config") the rest. Every part ends with a
# kmemleak scan (where the kernel has it) and a clean kernel log.
. "$(dirname "$0")/vcrypto_lib.sh"

DRV=/sys/bus/virtio/drivers/$MOD
# Small: what is tested is how each failure reaches the caller, not volume
# (4 MiB is 1024 requests over 4 KiB sectors, many times the queues' depth).
MIB=${VCRYPTO_FAULTS_MIB:-4}
part=${1:-io}
case $part in
reset) ktap_header 9 ;;
hostile) ktap_header 20 ;;
config) ktap_header 13 ;;
*) ktap_header 15 ;;
esac
dev=$(crypto_devices | head -1)
[ -n "$dev" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "the device has no fault channel on $FAULT_TTY"; exit $KSFT_SKIP; }
dm_tools_or_skip
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload
fault_cmd clear >/dev/null
dmesg -c >/dev/null

W=/tmp/faults; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
head -c $((MIB * 1048576)) /dev/urandom > $W/pattern
dm_loop $W $MIB
open_crypt() { dm_open vfault aes-cbc-essiv:sha256 256 $W; }
close_crypt() { dm_close vfault; }
# Never through a regular file: dd would create one if the mapping were missing.
write_pattern() {
	[ -b /dev/mapper/vfault ] && dd if=$W/pattern of=/dev/mapper/vfault bs=1M count=$MIB conv=fsync 2>/dev/null
}
read_back() { # succeeds when the read works and equals the pattern
	[ -b /dev/mapper/vfault ] || return 1
	sync; echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/mapper/vfault of=$W/readback bs=1M count=$MIB 2>/dev/null && cmp -s $W/pattern $W/readback
}
fails() { ! "$@"; }
# No wrong data: the read fails, or what it returns equals the pattern.
read_right_or_fails() {
	[ -b /dev/mapper/vfault ] || return 1
	sync; echo 3 > /proc/sys/vm/drop_caches
	rm -f $W/readback
	dd if=/dev/mapper/vfault of=$W/readback bs=1M count=$MIB 2>/dev/null || { ktap_diag "the read failed"; return 0; }
	cmp -s $W/pattern $W/readback
}
# I/O through an existing mapping fails (a missing mapping is not a pass).
io_fails() { [ -b /dev/mapper/vfault ] && ! "$@"; }
write_read() { write_pattern && read_back; }
open_read() { open_crypt && read_back; }
# opens_stateless <stateless_nospc before>: opens and reads back, the counter moved.
opens_stateless() { open_read && [ "$(our_stat stateless_nospc)" -gt "$1" ]; }
open_write_read() { open_crypt && write_read; }

part_refuse() {
	# refuse: advertised, but every session refused.
	fault_cmd refuse cipher:aes-ecb >/dev/null
	module_load && wait_selftests
	algs=$(our_algs)
	ktap_check "refuse: ecb(aes) advertised but refused is not registered" \
		sh -c '! echo "$1" | grep -q "virtio-rs-ecb-aes"' _ "$algs"
	ktap_check "refuse: the probe says why" sh -c 'dmesg | grep -q "refuses a session for it"'
	ktap_check "refuse: the other ciphers are registered and passed" \
		sh -c 'echo "$1" | grep -q "virtio-rs-cbc-aes passed" && ! echo "$1" | grep -qv " passed$"' _ "$algs"
	module_unload
	fault_cmd clear >/dev/null
}
part_io_rest() {
	# reorder: completions delayed and published newest first.
	fault_cmd delay 5 >/dev/null && fault_cmd reorder on >/dev/null
	ktap_check "reorder: $MIB MiB written with completions out of order" write_pattern
	ktap_check "reorder: and read back equal" read_back
	fault_cmd clear >/dev/null

	# status: every 7th data request answers ERR.
	failed0=$(our_stat failed)
	fault_cmd status data err every=7 >/dev/null
	ktap_check "status: the writer sees an I/O error" io_fails write_pattern
	failed1=$(our_stat failed)
	ktap_diag "$(fault_cmd show)"
	ktap_diag "stats: $(cat /sys/kernel/debug/virtio_crypto_rs-*/stats | tr '\n' ' ')"
	ktap_diag "failed requests: $failed0 -> $failed1"
	ktap_check "status: the failed requests are counted" [ "${failed1:-0}" -gt "${failed0:-0}" ]
	fault_cmd clear >/dev/null
	ktap_check "status: once the device behaves, write and read back work" write_read

	# used-len: one byte short of output + status.
	fault_cmd used-len sub 1 >/dev/null
	ktap_check "used-len: a short used length fails the read" io_fails read_back
	fault_cmd clear >/dev/null
	ktap_check "used-len: once the device behaves, the data reads back" read_back
	close_crypt

	# nospc: the device refuses new sessions. Where it serves stateless cipher
	# requests (revision 1), the driver's default makes the transform stateless.
	fault_cmd status create-session nospc >/dev/null
	services=$(our_stat stateless_services)
	if [ $((${services:-0} & 1)) = 1 ]; then
		ktap_check "nospc: stateless cipher requests served: cryptsetup opens, reads back, the transform stateless" \
			opens_stateless "$(our_stat stateless_nospc)"
	else
		ktap_check "nospc: cryptsetup cannot open (setkey fails)" fails open_crypt
	fi
	close_crypt 2>/dev/null
	fault_cmd clear >/dev/null
	ktap_check "nospc: once the device has room, it opens and reads back" open_read
}
# Interrupts of device $name: the config vector's own line with MSI-X, else the
# device's INTx line (no queue is busy when this is read, so a config interrupt
# is what moves it).
irqs() {
	awk -v n="$name" '
		{ s = 0; for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i }
		$NF == n "-config" { c = s; cfg = 1 }
		$NF == n || index($NF, n "-") == 1 { t += s }
		END { print (cfg ? c : t + 0) }' /proc/interrupts
}
irq_lines() { grep "$name" /proc/interrupts | tr -s ' ' | tr '\n' ';'; }
# irqs_moved <before>: wait up to 5 s for the count to pass <before>.
irqs_moved() {
	t=0; while [ "$(irqs)" -le "$1" ] && [ $t -lt 10 ]; do sleep 0.5; t=$((t + 1)); done
	[ "$(irqs)" -gt "$1" ]
}

part_reset() {
	# stall: the data queues stop taking requests; unbinding must fail what is stuck.
	i=0; while [ $i -lt "${queues:-1}" ]; do fault_cmd stall $i >/dev/null; i=$((i + 1)); done
	[ -b /dev/mapper/vfault ] || ktap_diag "no mapping before the stall"
	( write_pattern; echo $? > $W/stalled.rc ) &
	sleep 3
	ktap_check "stall: the writer is stuck while the device does not answer" [ ! -e $W/stalled.rc ]
	echo "$name" > $DRV/unbind
	t=0; while [ ! -e $W/stalled.rc ] && [ $t -lt 30 ]; do sleep 1; t=$((t + 1)); done
	ktap_check "stall: unbinding fails the stuck I/O within 30 s" [ "$(cat $W/stalled.rc 2>/dev/null)" = 1 ]
	close_crypt
	fault_cmd clear >/dev/null
	echo "$name" > $DRV/bind
	wait_selftests
	ktap_check "stall: the device binds again and serves" open_write_read

	# needs-reset: the device clears HW_READY, raises a config interrupt and answers ERR to
	# everything until it is reset. The driver resets it and resubmits: the read goes on
	# with the right data, and one recovery is counted. Unbind and bind serve too.
	sync
	irq0=$(irqs) lines0=$(irq_lines) rec0=$(our_stat recoveries)
	fault_cmd needs-reset >/dev/null
	ktap_check "needs-reset: the config interrupt reaches the guest" irqs_moved "$irq0"
	ktap_diag "interrupts of $name before needs-reset: $lines0"
	ktap_diag "interrupts of $name after needs-reset: $(irq_lines)"
	ktap_check "needs-reset: I/O goes on with the right data (the driver resets the device)" read_back
	ktap_check "needs-reset: one recovery counted ($rec0 -> $(our_stat recoveries))" \
		[ "$(our_stat recoveries)" -gt "${rec0:-0}" ]
	close_crypt
	echo "$name" > $DRV/unbind
	echo "$name" > $DRV/bind
	wait_selftests
	ktap_check "needs-reset: after a reset the device serves again" open_read
}

# unbind_stuck <label>: a writer is stuck on a queue the device no longer serves
# (or whose ring the guest found broken): unbinding fails it, and after the
# device is cleared a rebind serves again.
unbind_stuck() {
	( write_pattern; echo $? > $W/stuck.rc ) &
	t=0; while [ ! -e $W/stuck.rc ] && [ $t -lt 10 ]; do sleep 1; t=$((t + 1)); done
	ktap_diag "$1: the writer $([ -e $W/stuck.rc ] && echo "ended with $(cat $W/stuck.rc)" || echo "is stuck") after ${t} s"
	echo "$name" > $DRV/unbind
	t=0; while [ ! -e $W/stuck.rc ] && [ $t -lt 30 ]; do sleep 1; t=$((t + 1)); done
	ktap_check "$1: no hang: after the unbind the writer is done within 30 s" [ -e $W/stuck.rc ]
	rm -f $W/stuck.rc
	close_crypt
	fault_cmd clear >/dev/null
	echo "$name" > $DRV/bind
	wait_selftests
	ktap_check "$1: the device binds again and serves" open_write_read
}

part_hostile() {
	# config-change: the notification alone, nothing in flight.
	sync
	irq0=$(irqs)
	fault_cmd config-change >/dev/null
	ktap_check "config-change: the config interrupt reaches the guest" irqs_moved "$irq0"
	ktap_diag "interrupts of $name: $irq0 -> $(irqs) ($(irq_lines))"
	ktap_check "config-change: I/O goes on" write_read

	# used-len: far past the buffers (the driver must never read or trust past what it gave).
	fault_cmd used-len add 65536 >/dev/null
	ktap_check "used-len +64 KiB: no wrong data" read_right_or_fails
	fault_cmd used-len set 0xffffffff >/dev/null
	ktap_check "used-len 0xffffffff: no wrong data" read_right_or_fails
	fault_cmd clear >/dev/null
	ktap_check "used-len: once the device behaves, the data reads back" read_back

	# invsess: the device forgets the sessions of a live transform.
	failed0=$(our_stat failed)
	fault_cmd status data invsess >/dev/null
	ktap_check "invsess: no wrong data" read_right_or_fails
	ktap_diag "failed requests: $failed0 -> $(our_stat failed)"
	fault_cmd clear >/dev/null
	ktap_check "invsess: once the device behaves, the data reads back" read_back

	# forget-sessions: the device loses its session table without a reset.
	ren0=$(our_stat renewals)
	fault_cmd forget-sessions >/dev/null
	ktap_check "forget-sessions: the read goes on with the right data (the session created again)" read_back
	ren1=$(our_stat renewals)
	ktap_check "forget-sessions: the renewal is counted ($ren0 -> $ren1)" [ "${ren1:-0}" -gt "${ren0:-0}" ]

	# config values changed under the bound driver, announced by a config interrupt.
	fault_cmd config services 0 >/dev/null && fault_cmd config cipher 0 >/dev/null &&
		fault_cmd config max-dataqueues 1 notify >/dev/null
	ktap_check "config changed under the driver: no wrong data" read_right_or_fails
	fault_cmd config max-dataqueues 65535 >/dev/null && fault_cmd config hash 0xffffffff notify >/dev/null
	ktap_check "config changed again: no wrong data" read_right_or_fails
	fault_cmd clear >/dev/null && fault_cmd config-change >/dev/null
	ktap_check "config restored: the data reads back" read_back

	# used-id: the guest's virtio ring must catch both and stop trusting the queue.
	caught=0
	for mode in dup unknown; do
		n0=$(dmesg | grep -cE "is not a head|out of range")
		fault_cmd used-id $mode >/dev/null
		unbind_stuck "used-id $mode"
		n1=$(dmesg | grep -cE "is not a head|out of range")
		ktap_diag "used-id $mode: kernel: $(dmesg | grep -E "is not a head|out of range" | tail -1)"
		[ "$n1" -gt "$n0" ] && caught=$((caught + 1))
	done
	ktap_check "used-id: the guest's ring caught the bogus id both times" [ $caught = 2 ]
}

# bind_result <label>: after a bind with a lying config, either the bind failed
# and nothing of ours is registered, or every algorithm registered passed.
bind_result() {
	lines=$(dmesg | wc -l)
	if echo "$name" > $DRV/bind 2>/dev/null; then
		wait_selftests
		algs=$(our_algs)
		ktap_diag "$1: bound, $(echo "$algs" | grep -c passed) algorithms passed"
		ktap_check "$1: the bind serves with every algorithm passed" \
			sh -c '[ -n "$1" ] && ! echo "$1" | grep -qv " passed$"' _ "$algs"
		echo "$name" > $DRV/unbind
	else
		ktap_diag "$1: the bind failed: $(dmesg | tail -n +$((lines + 1)) | grep "$name:" | head -1)"
		ktap_check "$1: the bind fails cleanly" [ -z "$(our_algs)" ]
	fi
}

part_config() {
	close_crypt
	echo "$name" > $DRV/unbind
	for c in "services 0" "max-dataqueues 0" "max-dataqueues 64" "max-dataqueues 65535" \
		"cipher 0" "cipher 0xffffffffffffffff" "hash 0xffffffff" "status 0" "max-size 0"; do
		fault_cmd config $c >/dev/null || ktap_diag "config $c refused"
		bind_result "config $c"
		fault_cmd clear >/dev/null
	done
	echo "$name" > $DRV/bind
	wait_selftests
	ktap_check "config: with the true config the device binds and serves" open_write_read
}

[ "$part" = io ] && part_refuse
module_load && wait_selftests
queues=$(dmesg | grep -o "data_queues=[0-9]*" | tail -1 | cut -d= -f2)
ktap_diag "data queues: $queues"

ref0=$(alg_refcnt virtio-rs-cbc-aes)
open_crypt
ref1=$(alg_refcnt virtio-rs-cbc-aes)
ktap_check "dm-crypt opens over our cbc(aes) (refcnt $ref0 -> $ref1)" [ "${ref1:-0}" -gt "${ref0:-0}" ]

name=$(basename "$dev")
[ -w /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak
case $part in
reset) part_reset ;;
hostile) part_hostile ;;
config) part_config ;;
*) part_io_rest ;;
esac
close_crypt
module_unload
kmemleak_check
# What the config part provokes on purpose: the probe's complaint about a lying config.
p=$(dmesg_problems | grep -v "invalid device configuration")
[ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
rm -rf $W
ktap_exit
