#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The module loads, binds every virtio crypto device, reports the config the
# device presents, and unloads cleanly.
#
# Expected config values can be given as VCRYPTO_EXPECT="key=value ..."
# (keys as in the driver's probe line, alternatives as value1|value2);
# without them that check is skipped.
. "$(dirname "$0")/vcrypto_lib.sh"

ktap_header 9
devs=$(crypto_devices)
if [ -z "$devs" ]; then
	ktap_diag "no virtio crypto device (virtio ID 20) in this guest"
	exit $KSFT_SKIP
fi
module_loaded && module_unload
dmesg -c >/dev/null

ktap_check "module loads" module_load
bound=$(bound_count); total=$(echo "$devs" | grep -c .)
ktap_diag "$bound of $total virtio crypto device(s) bound to $MOD"
ktap_check "every virtio crypto device is bound to $MOD" [ "$bound" -eq "$total" ]

lines=$(dmesg | grep -o "virtio_crypto_rs: max_dataqueues=.*")
echo "$lines" | sed 's/^/# probe line: /'
ktap_check "probe logs the configuration of each device" [ "$(echo "$lines" | grep -c .)" -eq "$total" ]

# With several devices, one of them is the one the expectation describes.
mismatch() { # <probe line>: prints what differs from VCRYPTO_EXPECT
	bad=""
	for kv in $VCRYPTO_EXPECT; do
		k=${kv%%=*}
		got=$(echo " $1" | grep -o " $k=[^ ]*" | head -1 | cut -d= -f2)
		case "|${kv#*=}|" in *"|$got|"*) ;; *) bad="$bad $k=$got(want ${kv#*=})" ;; esac
	done
	echo "$bad"
}
if [ -n "${VCRYPTO_EXPECT:-}" ]; then
	found=0
	while IFS= read -r line; do
		bad=$(mismatch "$line")
		if [ -z "$bad" ]; then found=1; else ktap_diag "mismatch:$bad"; fi
	done <<LINES
$lines
LINES
	ktap_check "a device's config matches the advertised values" [ $found = 1 ]
else
	ktap_skip "config matches the device's advertised values (no VCRYPTO_EXPECT)"
fi

# The features the driver accepted are what the device negotiated: VERSION_1 (bit 32).
f=$(cat "$(echo "$devs" | head -1)/features")
ktap_check "VIRTIO_F_VERSION_1 negotiated" [ "$(echo "$f" | cut -c33)" = "1" ]

# The full self-tests (CRYPTO_SELFTESTS_FULL: random comparisons for each of
# ~32 algorithms) under TCG, with other guests on the same cores: up to 500 s
# of the program's 600.
ktap_check "self-tests finished" wait_selftests 500
algs=$(our_algs)
echo "$algs" | sed 's/^/# registered: /'
ktap_check "algorithms registered and every self-test passed" \
	sh -c '[ -n "$1" ] && ! echo "$1" | grep -qv " passed$"' _ "$algs"
ktap_check "module unloads" module_unload
for d in $devs; do [ -e "$d/driver" ] && unbound_left=1; done
ktap_check "no device left bound after unload" [ -z "${unbound_left:-}" ]
p=$(dmesg_problems); [ -z "$p" ] || ktap_diag "$p"
ktap_exit
