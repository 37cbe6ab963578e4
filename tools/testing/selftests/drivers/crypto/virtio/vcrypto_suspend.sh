#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Suspend and resume during dm-crypt I/O: with /sys/power/pm_test = devices, a
# suspend to idle ("freeze") suspends every device (our driver's freeze: requests
# held, what the device had is taken back, queues deleted), waits, and resumes them
# (restore: queues, sessions, the held requests resubmitted). dm-crypt
# (aes-xts-plain64, or aes-cbc-essiv where the device has no XTS) writes a pattern
# and reads it back around the suspend: no I/O error, every byte right, and I/O
# goes on afterwards.
. "$(dirname "$0")/vcrypto_lib.sh"

CRYPTSETUP=/usr/sbin/cryptsetup LOSETUP=/usr/sbin/losetup
MIB=${VCRYPTO_SUSPEND_MIB:-32}
ktap_header 8
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
for t in $CRYPTSETUP $LOSETUP; do
	[ -x $t ] || { ktap_diag "$t missing"; exit $KSFT_SKIP; }
done
grep -qw freeze /sys/power/state 2>/dev/null && [ -w /sys/power/pm_test ] ||
	{ ktap_diag "no suspend to idle with pm_test (CONFIG_SUSPEND, CONFIG_PM_DEBUG)"; exit $KSFT_SKIP; }
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload

W=/tmp/suspend; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
head -c 64 /dev/urandom > $W/key
awk -v n=$((MIB * 16384)) 'BEGIN { for (i = 0; i < n; i++) printf "virtio-crypto-rs line %015d of the suspend pattern......\n", i }' > $W/pattern
truncate -s $((MIB * 1048576)) $W/pattern
truncate -s $(((MIB + 2) * 1048576)) $W/disk
loop=$($LOSETUP -f --show $W/disk)
on_exit "$LOSETUP -d $loop"
on_exit "echo none > /sys/power/pm_test"

module_load && wait_selftests
if our_algs | grep -q "^virtio-rs-xts-aes passed$"; then
	SPEC=aes-xts-plain64 BITS=512 OURS=virtio-rs-xts-aes
else
	SPEC=aes-cbc-essiv:sha256 BITS=256 OURS=virtio-rs-cbc-aes
fi
open_crypt() {
	err=$($CRYPTSETUP open --type plain --cipher $SPEC --key-size $BITS \
		--key-file $W/key --sector-size 4096 --disable-locks "$loop" vsuspend 2>&1) ||
		{ ktap_diag "cryptsetup: $err"; return 1; }
	[ -b /dev/mapper/vsuspend ]
}
close_crypt() { [ -b /dev/mapper/vsuspend ] && $CRYPTSETUP close vsuspend; }
io_job() {
	dd if=$W/pattern of=/dev/mapper/vsuspend bs=1M count=$MIB conv=fsync 2>$W/write.err
	w=$?
	sync; echo 3 > /proc/sys/vm/drop_caches
	dd if=/dev/mapper/vsuspend of=$W/readback bs=1M count=$MIB 2>$W/read.err
	echo "$w $?" > "$1"
}
io_done() { [ -s $W/io.rc ]; }
wait_for() {
	t=$1; shift
	while ! "$@"; do
		[ "$t" -le 0 ] && return 1
		sleep 1; t=$((t - 1))
	done
}

ref0=$(alg_refcnt $OURS)
open_crypt
ktap_check "dm-crypt opens $SPEC over our $OURS (refcnt $ref0 -> $(alg_refcnt $OURS))" \
	[ "$(alg_refcnt $OURS)" -gt "${ref0:-0}" ]
dmesg -c >/dev/null
res0=$(our_stat resumes)
io_job $W/io.rc &
sleep 2
echo devices > /sys/power/pm_test
ktap_check "the suspend (freeze, pm_test=devices) succeeds during I/O" sh -c 'echo freeze > /sys/power/state'
echo none > /sys/power/pm_test
res1=$(our_stat resumes)
ktap_check "our driver was suspended and resumed (debugfs resumes $res0 -> $res1)" \
	[ "${res1:-0}" -eq $((${res0:-0} + 1)) ]
ktap_diag "$(dmesg | grep -iE "PM: |suspend|resume|virtio_crypto" | tail -8 | tr '\n' '|')"
wait_for 600 io_done
wait
rc=$(cat $W/io.rc 2>/dev/null)
ktap_diag "dd write/read exit codes: ${rc:-none}; $(cat $W/write.err $W/read.err | tr '\n' ' ')"
ktap_check "the writer and the reader saw no error across the suspend" [ "$rc" = "0 0" ]
ktap_check "$MIB MiB read back equal the pattern written" cmp -s $W/pattern $W/readback
ioerr=$(dmesg | grep -ciE "i/o error|buffer i/o|critical (medium|target)")
ktap_check "no I/O error in the kernel log" [ "$ioerr" = 0 ]
# After the resume: I/O goes on (a second write and read back).
rm -f $W/io.rc $W/readback
io_job $W/io.rc
ktap_check "after the resume, dm-crypt writes and reads back again" \
	sh -c '[ "$(cat $1)" = "0 0" ] && cmp -s $2 $3' _ $W/io.rc $W/pattern $W/readback
close_crypt
module_unload
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
