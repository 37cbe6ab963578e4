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

MIB=${VCRYPTO_SUSPEND_MIB:-32}
ktap_header 8
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
dm_tools_or_skip
grep -qw freeze /sys/power/state 2>/dev/null && [ -w /sys/power/pm_test ] ||
	{ ktap_diag "no suspend to idle with pm_test (CONFIG_SUSPEND, CONFIG_PM_DEBUG)"; exit $KSFT_SKIP; }
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload

W=/tmp/suspend; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
numbered_pattern $W/pattern $MIB suspend
dm_loop $W $MIB
on_exit "echo none > /sys/power/pm_test"

module_load && wait_selftests
if our_algs | grep -q "^virtio-rs-xts-aes passed$"; then
	SPEC=aes-xts-plain64 BITS=512 OURS=virtio-rs-xts-aes
else
	SPEC=aes-cbc-essiv:sha256 BITS=256 OURS=virtio-rs-cbc-aes
fi
open_crypt() { dm_open vsuspend $SPEC $BITS $W; }
close_crypt() { dm_close vsuspend; }
io_job() { dm_io_job vsuspend $MIB $W; }
io_done() { [ -s $W/io.rc ]; }

ref0=$(alg_refcnt $OURS)
open_crypt
ktap_check "dm-crypt opens $SPEC over our $OURS (refcnt $ref0 -> $(alg_refcnt $OURS))" \
	[ "$(alg_refcnt $OURS)" -gt "${ref0:-0}" ]
dmesg -c >/dev/null
res0=$(our_stat resumes)
io_job &
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
dm_io_results "across the suspend" $MIB $W
# After the resume: I/O goes on (a second write and read back).
rm -f $W/io.rc $W/readback
io_job
ktap_check "after the resume, dm-crypt writes and reads back again" dm_io_ok $W
close_crypt
module_unload
p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
