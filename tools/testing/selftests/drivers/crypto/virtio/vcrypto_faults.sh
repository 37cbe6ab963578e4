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
#   nospc     the device refuses new sessions: cryptsetup's setkey fails cleanly
#   stall     the data queues stop: unbinding fails the stuck I/O, rebinding works
#   needs-reset  HW_READY cleared, ERR for everything: I/O fails until a reset
# Skipped on devices without a fault channel (QEMU's builtin backend).
# Two programs, each with a timeout of its own: vcrypto_faults.sh runs refuse
# to nospc; vcrypto_faults_reset.sh (this file with the argument "reset") runs
# stall and needs-reset.
. "$(dirname "$0")/vcrypto_lib.sh"

CRYPTSETUP=/usr/sbin/cryptsetup LOSETUP=/usr/sbin/losetup
DRV=/sys/bus/virtio/drivers/$MOD
# Small: what is tested is how each failure reaches the caller, not volume
# (4 MiB is 1024 requests over 4 KiB sectors, many times the queues' depth).
MIB=${VCRYPTO_FAULTS_MIB:-4}
part=${1:-io}
if [ "$part" = reset ]; then ktap_header 7; else ktap_header 14; fi
dev=$(crypto_devices | head -1)
[ -n "$dev" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "the device has no fault channel on $FAULT_TTY"; exit $KSFT_SKIP; }
for t in $CRYPTSETUP $LOSETUP; do
	[ -x $t ] || { ktap_diag "$t missing"; exit $KSFT_SKIP; }
done
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload
fault_cmd clear >/dev/null
dmesg -c >/dev/null

W=/tmp/faults; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
head -c 32 /dev/urandom > $W/key
head -c $((MIB * 1048576)) /dev/urandom > $W/pattern
truncate -s $(((MIB + 1) * 1048576)) $W/disk
loop=$($LOSETUP -f --show $W/disk)
open_crypt() {
	err=$($CRYPTSETUP open --type plain --cipher aes-cbc-essiv:sha256 --key-size 256 \
		--key-file $W/key --sector-size 4096 --disable-locks "$loop" vfault 2>&1) ||
		{ ktap_diag "cryptsetup: $err"; return 1; }
	[ -b /dev/mapper/vfault ]
}
close_crypt() { [ -b /dev/mapper/vfault ] && $CRYPTSETUP close vfault; }
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
# I/O through an existing mapping fails (a missing mapping is not a pass).
io_fails() { [ -b /dev/mapper/vfault ] && ! "$@"; }
write_read() { write_pattern && read_back; }
open_read() { open_crypt && read_back; }
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

	# nospc: the device refuses new sessions.
	fault_cmd status create-session nospc >/dev/null
	ktap_check "nospc: cryptsetup cannot open (setkey fails)" fails open_crypt
	close_crypt 2>/dev/null
	fault_cmd clear >/dev/null
	ktap_check "nospc: once the device has room, it opens and reads back" open_read
}
part_reset() {
	# stall: the data queues stop taking requests; unbinding must fail what is stuck.
	i=0; while [ $i -lt "${queues:-1}" ]; do fault_cmd stall $i >/dev/null; i=$((i + 1)); done
	[ -b /dev/mapper/vfault ] || ktap_diag "no mapping before the stall"
	( write_pattern; echo $? > $W/stalled.rc ) &
	sleep 3
	ktap_check "stall: the writer is stuck while the device does not answer" [ ! -e $W/stalled.rc ]
	name=$(basename "$dev")
	echo "$name" > $DRV/unbind
	t=0; while [ ! -e $W/stalled.rc ] && [ $t -lt 30 ]; do sleep 1; t=$((t + 1)); done
	ktap_check "stall: unbinding fails the stuck I/O within 30 s" [ "$(cat $W/stalled.rc 2>/dev/null)" = 1 ]
	close_crypt
	fault_cmd clear >/dev/null
	echo "$name" > $DRV/bind
	wait_selftests
	ktap_check "stall: the device binds again and serves" open_write_read

	# needs-reset: the device clears HW_READY, raises a config interrupt and answers ERR to
	# everything until it is reset. The driver has no config_changed handler yet: requests
	# must fail (never succeed with garbage), and a reset (unbind, bind) must bring it back.
	# Whether the config interrupt reaches the guest (information for a future handler).
	irqs() { grep "$name" /proc/interrupts | tr -s ' ' | tr '\n' ';'; }
	irq0=$(irqs)
	fault_cmd needs-reset >/dev/null
	sleep 1
	ktap_diag "interrupts of $name before needs-reset: $irq0"
	ktap_diag "interrupts of $name after needs-reset: $(irqs)"
	ktap_check "needs-reset: I/O fails while the device needs a reset" io_fails read_back
	close_crypt
	echo "$name" > $DRV/unbind
	echo "$name" > $DRV/bind
	wait_selftests
	ktap_check "needs-reset: after a reset the device serves again" open_read
}

[ "$part" = reset ] || part_refuse
module_load && wait_selftests
queues=$(dmesg | grep -o "data_queues=[0-9]*" | tail -1 | cut -d= -f2)
ktap_diag "data queues: $queues"

ref0=$(alg_refcnt virtio-rs-cbc-aes)
open_crypt
ref1=$(alg_refcnt virtio-rs-cbc-aes)
ktap_check "dm-crypt opens over our cbc(aes) (refcnt $ref0 -> $ref1)" [ "${ref1:-0}" -gt "${ref0:-0}" ]

if [ "$part" = reset ]; then
	part_reset
else
	part_io_rest
fi
close_crypt
module_unload
$LOSETUP -d "$loop"; rm -rf $W
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
