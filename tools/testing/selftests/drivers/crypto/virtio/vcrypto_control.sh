#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The control queue survives a device that answers late, and a caller that
# gives up (vhost-user device only: it needs the fault channel).
#  - With the device's queues stalled, a dm-crypt table load (our setkey, a
#    session creation) fails after the driver's 5 s bound instead of hanging.
#  - When the device then answers, the session it created for nobody is
#    destroyed (the device's session count is back where it was), and every
#    later setkey works: 20 mappings in a row, one with a data round trip.
#  - A setkey waiting on a stalled device ends at once when its process is
#    killed, and its late session is destroyed the same way.
#  - Unloading the module leaves the device with no session at all.
. "$(dirname "$0")/vcrypto_lib.sh"

DMSETUP=/usr/sbin/dmsetup LOSETUP=/usr/sbin/losetup
ktap_header 9
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "the device has no fault channel on $FAULT_TTY"; exit $KSFT_SKIP; }
for t in $DMSETUP $LOSETUP; do
	[ -x $t ] || { ktap_diag "$t missing"; exit $KSFT_SKIP; }
done
module_loaded && module_unload
grep -q "^$C_MOD " /proc/modules && c_driver_unload
quick_selftests
fault_cmd clear >/dev/null
dmesg -c >/dev/null

W=/tmp/control; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
truncate -s 2M $W/disk
loop=$($LOSETUP -f --show $W/disk)
on_exit "$LOSETUP -d $loop"
module_load && wait_selftests || { ktap_diag "module does not load"; exit $KSFT_FAIL; }
sessions() { fault_cmd sessions | sed -n 's/^ok sessions=//p'; }
# map <name>: a dm-crypt mapping through cbc(aes) (ours), with a fresh key.
map() {
	$DMSETUP create "$1" --table "0 4096 crypt aes-cbc-plain64 $(hex 32) 0 $loop 0" 2>/dev/null
}
unmap() { $DMSETUP remove "$1" 2>/dev/null; }
on_exit "unmap vctl; unmap vctl2; fault_cmd clear"
# Waits up to 10 s for the device's session count to come back to $1.
sessions_back_to() {
	t=10
	while [ "$(sessions)" != "$1" ] && [ $t -gt 0 ]; do sleep 1; t=$((t - 1)); done
	ktap_diag "device sessions: $(sessions), before: $1"
	[ -n "$1" ] && [ "$(sessions)" = "$1" ]
}
s0=$(sessions)
ktap_diag "device sessions with the module loaded: $s0"
[ -n "$s0" ] || { ktap_diag "the device does not count its sessions (fault command 'sessions')"; exit $KSFT_FAIL; }

fault_cmd stall all >/dev/null
t0=$(date +%s)
map vctl; rc=$?
took=$(($(date +%s) - t0))
ktap_diag "table load against a stalled device: exit $rc after $took s"
# The bound is 5 s; dmsetup's own work around it took up to 9 s on a loaded
# debug guest. Nothing else ends the wait before "unstall": 20 s still tells a
# bounded setkey from a hung one, without depending on the host's load.
ktap_check "a setkey the device does not answer fails within the bound (5 s; 20 s allowed)" \
	[ $rc -ne 0 -a $took -le 20 ]
fault_cmd unstall all >/dev/null
ktap_check "the late answer's session is destroyed (device sessions back to $s0)" sessions_back_to "$s0"

ok=0
for i in $(seq 20); do map vctl && unmap vctl && ok=$((ok + 1)); done
ktap_diag "$ok of 20 mappings created and removed"
ktap_check "every later setkey works (20 mappings in a row)" [ $ok -eq 20 ]
round_trip() {
	map vctl2 || return 1
	head -c 1048576 /dev/urandom > $W/pattern
	dd if=$W/pattern of=/dev/mapper/vctl2 bs=64k conv=fsync 2>/dev/null &&
		sync && echo 3 > /proc/sys/vm/drop_caches &&
		dd if=/dev/mapper/vctl2 of=$W/back bs=64k count=16 2>/dev/null
	rc=$?
	unmap vctl2
	[ $rc = 0 ] && cmp -s $W/pattern $W/back
}
ktap_check "1 MiB written and read back through a new mapping" round_trip

fault_cmd stall all >/dev/null
# dmsetup itself in the background (not a function's subshell): the kill must reach it.
$DMSETUP create vctl --table "0 4096 crypt aes-cbc-plain64 $(hex 32) 0 $loop 0" 2>/dev/null &
pid=$!
sleep 1
t0=$(date +%s)
kill -KILL $pid
wait $pid 2>/dev/null
took=$(($(date +%s) - t0))
ktap_diag "killed table load ended after $took s"
ktap_check "a setkey waiting on a stalled device ends at once when killed" [ $took -le 2 ]
unmap vctl
fault_cmd unstall all >/dev/null
ktap_check "the killed setkey's late session is destroyed (device sessions back to $s0)" sessions_back_to "$s0"
ktap_check "setkey works after the kill" sh -c "$DMSETUP create vctl --table '0 4096 crypt aes-cbc-plain64 $(hex 32) 0 $loop 0' && $DMSETUP remove vctl"

module_unload
ktap_check "the module unloaded and left the device no session" sessions_back_to 0
p=$(dmesg_problems); [ -z "$p" ] || ktap_diag "$p"
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
