#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Reset and recover without losing a request. dm-crypt (aes-xts-plain64 over our
# xts(aes)) writes a pattern and reads it back while the device, through its fault
# channel:
#   needs-reset  clears HW_READY and answers ERR to everything until it is reset,
#                three times: the driver holds the requests, resets the device,
#                creates the sessions again and resubmits;
#   stall all    stops taking requests (control queue too) until "unstall": with a
#                short stall_timeout_ms the driver sees the stall, resets the device
#                and retries until it answers again.
# Each part: zero I/O errors, every byte right, one log line per recovery, the
# debugfs counter counts the recoveries, and the device's session count is back
# to what it was once the transforms are freed (no session leaked by re-creation).
# Skipped on devices without a fault channel (QEMU's builtin backend).
. "$(dirname "$0")/vcrypto_lib.sh"

MIB=${VCRYPTO_RECOVER_MIB:-64}
RESETS=3
STALL_MS=2000
ktap_header 16
dev=$(crypto_devices | head -1)
[ -n "$dev" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "the device has no fault channel on $FAULT_TTY"; exit $KSFT_SKIP; }
dm_tools_or_skip
module_loaded && module_unload
quick_selftests
grep -q "^$C_MOD " /proc/modules && c_driver_unload
fault_cmd clear >/dev/null

W=/tmp/recover; rm -rf $W; mkdir -p $W; on_exit "rm -rf $W"
numbered_pattern $W/pattern $MIB recovery
dm_loop $W $MIB

open_crypt() { dm_open vrecover aes-xts-plain64 512 $W; }
close_crypt() { dm_close vrecover; }
io_job() { dm_io_job vrecover $MIB $W; }
sessions() { fault_cmd sessions | sed -n 's/.*sessions=\([0-9]*\).*/\1/p'; }
stat_at_least() { [ "$(our_stat recoveries)" -ge "$1" ] 2>/dev/null; }
io_done() { [ -s $W/io.rc ]; }
# The part's results: I/O, data, counters, log lines, sessions (six).
check_part() {
	label=$1 recoveries=$2 lines=$3 want_lines=$4
	dm_io_results "$label" $MIB $W
	ktap_diag "$label: recoveries counted: $recoveries; log lines: $lines"
	ktap_check "$label: the debugfs counter counts $want_lines recover(y/ies)" [ "$recoveries" = "$want_lines" ]
	ktap_check "$label: one log line per recovery, none giving the device up" \
		sh -c '[ "$1" = "$2" ] && ! dmesg | grep -q "giving it up"' _ "$lines" "$want_lines"
}

# --- needs-reset, three times, during I/O -----------------------------------
module_load && wait_selftests
our_algs | grep -q "^virtio-rs-xts-aes passed$" || {
	ktap_diag "our xts(aes) is not registered: the device does not serve it"
	exit $KSFT_SKIP
}
base=$(sessions)
open_crypt || exit $KSFT_FAIL
dmesg -c >/dev/null
rec0=$(our_stat recoveries)
rm -f $W/io.rc
io_job &
i=1
while [ $i -le $RESETS ]; do
	sleep 1
	fault_cmd needs-reset >/dev/null
	# Recovery takes the HW_READY wait (1 s) and a reset; under TCG, more.
	wait_for 60 stat_at_least $((rec0 + i)) || ktap_diag "needs-reset $i: no recovery counted"
	i=$((i + 1))
done
wait_for 600 io_done
wait
rec=$(( $(our_stat recoveries) - rec0 ))
lines=$(dmesg | grep -c "resetting it, requests are kept")
check_part "needs-reset x$RESETS" "$rec" "$lines" $RESETS
close_crypt
ktap_diag "device sessions: $base with no transform, $(sessions) after dm-crypt is closed"
ktap_check "needs-reset: the device's sessions are back to $base once the transforms are freed" \
	[ "$(sessions)" = "$base" ]
module_unload

# --- stall all, with a short stall_timeout_ms ---------------------------------
fault_cmd clear >/dev/null
module_load stall_timeout_ms=$STALL_MS && wait_selftests
base=$(sessions)
open_crypt || exit $KSFT_FAIL
dmesg -c >/dev/null
rec0=$(our_stat recoveries)
rm -f $W/io.rc
io_job &
sleep 2
fault_cmd stall all >/dev/null
# The watchdog's line, then the device is reset (and retried while it still stalls).
wait_for 60 sh -c 'dmesg | grep -q "no answer for"' || ktap_diag "stall: no stall seen"
sleep 2
fault_cmd unstall all >/dev/null
wait_for 600 io_done
wait
rec=$(( $(our_stat recoveries) - rec0 ))
lines=$(dmesg | grep -c "no answer for .* ms: resetting the device")
check_part "stall" "$rec" "$lines" 1
close_crypt
ktap_diag "device sessions: $base with no transform, $(sessions) after dm-crypt is closed"
ktap_check "stall: the device's sessions are back to $base once the transforms are freed" \
	[ "$(sessions)" = "$base" ]

# --- unbind while a recovery is under way -------------------------------------
# The device stalls everything, the watchdog starts a recovery that cannot finish
# (the session re-creation gets no answer and is retried): unbinding must not wait
# for it (the work gives the device lock up to unbind), fails the held I/O, and
# the device binds again and serves.
open_crypt || exit $KSFT_FAIL
dmesg -c >/dev/null
rm -f $W/io.rc
io_job &
sleep 2
fault_cmd stall all >/dev/null
wait_for 60 sh -c 'dmesg | grep -q "no answer for"' || ktap_diag "unbind: no stall seen"
sleep 1
name=$(basename "$dev")
t0=$(date +%s)
echo "$name" > /sys/bus/virtio/drivers/$MOD/unbind
t1=$(date +%s)
wait_for 60 io_done
ktap_diag "unbind: returned in $((t1 - t0)) s; dd write/read exit codes: $(cat $W/io.rc 2>/dev/null)"
ktap_check "unbind during a recovery returns and the held I/O ends with an error" \
	sh -c '[ -s "$1" ] && [ "$(cat "$1")" != "0 0" ]' _ $W/io.rc
wait
close_crypt
fault_cmd clear >/dev/null
echo "$name" > /sys/bus/virtio/drivers/$MOD/bind
wait_selftests
rm -f $W/io.rc
ktap_check "after the unbind, the device binds again and dm-crypt opens over it" open_crypt
io_job
ktap_check "after the unbind, $MIB MiB written and read back right" dm_io_ok $W
close_crypt
module_unload

p=$(dmesg_problems); [ -z "$p" ] || echo "$p" | sed 's/^/# /'
ktap_check "no warning in dmesg" [ -z "$p" ]
ktap_exit
