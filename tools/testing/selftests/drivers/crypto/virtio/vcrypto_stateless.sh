#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Stateless mode (revision 1 of the specification): requests that carry their
# key instead of naming a device session. Against our vhost-user device with a
# session table of 8 (--max-sessions 8) that offers revision 1 and stateless
# mode for every service:
# - the driver agrees on both (the probe line);
# - stateless=2 (always): the self-tests run stateless, and dm-crypt reads back
#   what it wrote;
# - the device then refuses stateless cipher requests (NOTSUPP, fault
#   "status stateless-cipher notsupp"): the transform gets a device session,
#   dm-crypt still reads back every byte, one log line;
# - stateless=1 (the default): 300 transforms with keys of their own on a
#   table of 8 all work, the ones beyond the table stateless after NOSPC
#   (KUnit's test_session_exhaustion compares each with the generic code).
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 9
[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
fault_available || { ktap_diag "no fault channel (not our vhost-user device)"; exit $KSFT_SKIP; }
dm_tools_or_skip
module_loaded && module_unload
quick_selftests
dmesg -c >/dev/null
dir=/tmp/vcrs_stateless
mkdir -p $dir && on_exit "rm -rf $dir"
MIB=8

module_load stateless=2 || { echo "not ok 1 module loads (stateless=2)"; exit $KSFT_FAIL; }
on_exit "fault_cmd clear"
wait_selftests
line=$(dmesg | grep -o "virtio_crypto_rs: max_dataqueues=.*" | tail -1)
ktap_diag "probe line: $line"
ktap_check "revision 1 and stateless mode of cipher, hash, MAC and AEAD agreed (rev1=1 stateless=0xf)" \
	sh -c 'echo "$1" | grep -q " rev1=1 stateless=0xf$"' _ "$line"
n=$(our_stat stateless_requests)
ktap_diag "stateless=2: $n stateless requests, $(our_stat stateless_sessions) stateless sessions, $(our_stat sessions) device sessions (the probe's checks)"
ktap_check "stateless=2: the self-tests ran on stateless requests and every one passed" \
	sh -c '[ "${1:-0}" -gt 0 ] && [ -n "$2" ] && ! echo "$2" | grep -qv " passed$"' _ "$n" "$(our_algs)"

# dm-crypt on stateless requests.
dm_loop $dir $MIB
numbered_pattern $dir/pattern $MIB stateless
on_exit "dm_close vcrs_sl"
before=$(our_stat stateless_requests)
if dm_open vcrs_sl aes-xts-plain64 512 $dir; then
	dm_io_job vcrs_sl $MIB $dir
fi
ktap_check "dm-crypt (xts) on stateless requests: $MIB MiB read back equal the pattern" dm_io_ok $dir
ktap_check "... and its requests went stateless" [ "$(our_stat stateless_requests)" -gt "$before" ]
dm_close vcrs_sl

# The device offers stateless mode and refuses it: a new mapping's transform
# starts stateless (stateless=2), its first request is refused and it gets a
# device session; later cipher transforms get device sessions from the start.
fault_cmd status stateless-cipher notsupp >/dev/null
refused=$(our_stat stateless_refused)
rm -f $dir/readback $dir/io.rc
if dm_open vcrs_sl aes-cbc-essiv:sha256 256 $dir; then
	dm_io_job vcrs_sl $MIB $dir
fi
ktap_check "stateless cipher requests refused (NOTSUPP): dm-crypt (cbc-essiv) still reads back every byte" dm_io_ok $dir
lines=$(dmesg | grep -c "device refuses stateless requests of service 0")
ktap_diag "stateless_refused $refused -> $(our_stat stateless_refused), $lines log line(s)"
ktap_check "... its transform became a device session (stateless_refused moved), one log line" \
	sh -c '[ "$1" -gt "$2" ] && [ "$3" = 1 ]' _ "$(our_stat stateless_refused)" "$refused" "$lines"
dm_close vcrs_sl
fault_cmd clear >/dev/null
module_unload

# The default policy on a table of 8: 300 transforms, each with its own key.
module_load stateless=1 || { ktap_fail "module loads (stateless=1)"; ktap_exit; }
wait_selftests
if [ -f "$KUNIT_KO" ] && [ -w /sys/module/kunit/parameters/filter_glob ]; then
	# KUnit's filter: this one case (printf: a newline would be part of the glob);
	# "*.*" afterwards is what an unset filter means.
	glob=/sys/module/kunit/parameters/filter_glob
	printf %s virtio_crypto_rs_skcipher.test_session_exhaustion > $glob
	on_exit "printf %s '*.*' > $glob"
	dmesg -c >/dev/null
	insmod "$KUNIT_KO" iterations=0 && rmmod virtio_crypto_rs_kunit
	printf %s '*.*' > $glob
	res=$(dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E "test_session_exhaustion|transforms:|Expected|(ok|not ok) [0-9]+ virtio_crypto_rs_skcipher")
	echo "$res" | head -8 | sed 's/^ */# /'
	ktap_check "stateless=1, a table of 8 sessions: 300 transforms with their own keys all encrypt as the generic code does" \
		sh -c 'echo "$1" | grep -qE "^ *ok [0-9]+ test_session_exhaustion"' _ "$res"
	ktap_check "... those beyond the table stateless after NOSPC (stateless_nospc $(our_stat stateless_nospc))" \
		[ "$(our_stat stateless_nospc)" -gt 0 ]
else
	ktap_skip "300 transforms on a table of 8 (no KUnit module or filter_glob)"
	ktap_skip "... those beyond the table stateless after NOSPC"
fi
p=$(dmesg_problems)
[ -z "$p" ] && ktap_ok "no warning in dmesg" || { ktap_diag "$p"; ktap_fail "no warning in dmesg"; }
module_unload
ktap_exit
