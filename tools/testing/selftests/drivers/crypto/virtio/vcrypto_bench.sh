#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Not a test: the guest half of `make bench` (scripts/bench.sh). It measures
# and prints; it never fails on a number. Three implementations of each
# algorithm, in this order, each loaded once:
#   sw  the kernel's own software, picked by algorithm name while no virtio
#       crypto driver is loaded (on 7.2: cbc(aes-lib), xts(ecb(aes-lib)),
#       gcm_base(ctr(aes-lib),ghash-lib)-like instances and sha256-lib; the
#       name used is printed with every result)
#   rs  our driver (virtio_crypto_rs), by driver name (virtio-rs-*)
#   c   the kernel's C virtio_crypto driver, by driver name; it serves
#       cbc(aes) only
# VCRYPTO_BENCH lists the parts (comma-separated, default "loadgen"):
#   loadgen  crypto_loadgen.ko (tools/crypto-loadgen) for every algorithm of
#            VCRYPTO_BENCH_ALGS (default "cbc"; of cbc, xts, gcm, sha256) with
#            1 thread and with one thread per vCPU (nproc), each keeping
#            VCRYPTO_LOADGEN_INFLIGHT requests in flight (default 8), sizes
#            16 B to 64 KiB, VCRYPTO_BENCH_SECS seconds per size (default 1);
#            VCRYPTO_BENCH_IMPLS (default "sw,rs,c") picks implementations;
#            VCRYPTO_BENCH_ROUNDS=R (default 1) runs the implementations R
#            times in turn (sw, rs, c, sw, rs, c, ...), each loaded again, so
#            that the report can keep each one's best round: on a shared host
#            the slow rounds measure the other work
#   dmcrypt  write then read VCRYPTO_BENCH_DM_MIB MiB (default 256) with
#            O_DIRECT through dm-crypt on a loop device over a tmpfs file,
#            aes-xts-plain64 (512-bit key) and aes-cbc-essiv:sha256 (256-bit
#            key), 4096-byte sectors: software, then ours
#   ipsec    VCRYPTO_BENCH_ESP_MIB MiB (default 32) over TCP (busybox httpd
#            and wget) between two network namespaces joined by a veth pair,
#            ESP transport mode with rfc4106(gcm(aes)): software, then ours
#   stateless  our driver loaded with stateless=0 (device sessions), then with
#            stateless=2 (every request carries its key), cbc(aes), 1 thread:
#            16 B and 4 KiB throughput (VCRYPTO_LOADGEN_INFLIGHT in flight),
#            and a new key plus one 16-byte request on it, one at a time
#            (crypto_loadgen rekey=1: what a TLS connection or a rekey costs);
#            VCRYPTO_BENCH_ROUNDS times, the two modes in turn
# Around every run of ours it prints our device's debugfs counters (the
# per-queue dataq<i>_* ones where the driver has them). Output lines:
#   BENCH-INFO nproc=<n> secs=<s> inflight=<m> rounds=<r> kernel=<release>
#   BENCH kind=loadgen who=<sw|rs|c> alg=<key> driver=<d> threads=<n> ... size=<s> ... bytes_per_s=<b> ...
#   BENCH kind=dmcrypt who=<sw|rs> cipher=<spec> op=<write|read> bytes=<b> cs=<centiseconds> ours_requests=<n>
#   BENCH kind=stateless mode=<session|stateless> driver=<d> ... size=<s> [rekey=1] ... ops_per_s=<n> bytes_per_s=<b> ...
#   BENCH kind=ipsec who=<sw|rs> alg=<name> bytes=<b> cs=<centiseconds> ours_requests=<n> ok=<0|1>
#   STATS <label> <counter> <value>   (time_cs, our debugfs counters, device_q<i>_*)
. "$(dirname "$0")/vcrypto_lib.sh"

SECS=${VCRYPTO_BENCH_SECS:-1}
INFLIGHT=${VCRYPTO_LOADGEN_INFLIGHT:-8}
DM_MIB=${VCRYPTO_BENCH_DM_MIB:-256}
ESP_MIB=${VCRYPTO_BENCH_ESP_MIB:-32}
IMPLS=",${VCRYPTO_BENCH_IMPLS:-sw,rs,c},"
ROUNDS=${VCRYPTO_BENCH_ROUNDS:-1}
NPROC=$(nproc 2>/dev/null || grep -c '^processor' /proc/cpuinfo)
LOADGEN=/lib/modules/extra/crypto_loadgen.ko
INSMOD=insmod
[ -x /usr/libexec/kmod/insmod ] && INSMOD=/usr/libexec/kmod/insmod

# alg_info <key>: "<algorithm> <our driver> <C driver or -> <loadgen type> <key bytes>"
alg_info() {
	case $1 in
	cbc) echo "cbc(aes) virtio-rs-cbc-aes virtio_crypto_aes_cbc skcipher 16" ;;
	xts) echo "xts(aes) virtio-rs-xts-aes - skcipher 32" ;;
	gcm) echo "gcm(aes) virtio-rs-gcm-aes - aead 16" ;;
	sha256) echo "sha256 virtio-rs-sha256 - ahash 0" ;;
	esac
}

wants() { case $IMPLS in *",$1,"*) return 0 ;; esac; return 1; }
now_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
# Requests our driver has sent to the device (0 while it is not loaded).
ours_submitted() { v=$(our_stat submitted 2>/dev/null); echo "${v:-0}"; }

# stats <label>: the time, our first device's debugfs counters and, where
# the device has a fault channel (ours), its own per-queue counters
# (device_q<i>_requests, _wakeups, _busy_us) as STATS lines.
stats() {
	echo "STATS $1 time_cs $(now_cs)"
	if fault_available; then
		fault_cmd queue-stats | tr ' ' '\n' |
			awk -v l="$1" '/^q[0-9]+$/ { q = $1 } q && /=/ { split($0, a, "="); print "STATS", l, "device_" q "_" a[1], a[2] }'
	fi
	for f in /sys/kernel/debug/virtio_crypto_rs-*/stats; do
		[ -f "$f" ] && awk -v l="$1" 'NF == 2 { print "STATS", l, $1, $2 }' "$f"
		return 0
	done
}

# loadgen <who> <key> <threads> <driver or algorithm>: one crypto_loadgen run
# over all sizes (it refuses to stay loaded, like tcrypt).
loadgen() {
	who=$1 key=$2 n=$3 alg=$4
	# shellcheck disable=SC2046
	set -- $(alg_info "$key")
	dmesg -c > /dev/null
	[ "$who" = rs ] && stats "before-$key-$n"
	$INSMOD "$LOADGEN" alg="$alg" type="$4" keylen="$5" threads="$n" secs="$SECS" inflight="$INFLIGHT" 2>/dev/null
	[ "$who" = rs ] && stats "after-$key-$n"
	dmesg | grep "crypto_loadgen:" | grep -v " result " | sed 's/^\[[^]]*\] /# /'
	dmesg | sed -n 's/.*crypto_loadgen: result //p' | while read -r line; do
		echo "BENCH kind=loadgen who=$who alg=$key $line"
	done
}

# loadgen_all <who>: every algorithm of VCRYPTO_BENCH_ALGS this implementation
# has here, with 1 thread and with one per vCPU.
loadgen_all() {
	who=$1
	[ -f "$LOADGEN" ] || { echo "# crypto_loadgen.ko not built: no load generator runs"; return 0; }
	for key in $(echo "${VCRYPTO_BENCH_ALGS:-cbc}" | tr , ' '); do
		# shellcheck disable=SC2046
		set -- $(alg_info "$key")
		[ $# -eq 5 ] || { echo "# unknown algorithm $key"; continue; }
		case $who in
		sw) alg=$1 ;;
		rs) alg=$2 ;;
		c) alg=$3 ;;
		esac
		[ "$alg" != - ] || continue
		if [ "$who" != sw ] && ! grep -q "^driver *: $alg\$" /proc/crypto; then
			echo "# $alg is not registered here: no $who run for $key"
			continue
		fi
		loadgen "$who" "$key" 1 "$alg"
		[ "$NPROC" -gt 1 ] && loadgen "$who" "$key" "$NPROC" "$alg"
	done
}

# dmcrypt <who>: write then read DM_MIB MiB through both ciphers.
dmcrypt() {
	who=$1
	if [ ! -x "$CRYPTSETUP" ] || [ ! -x "$LOSETUP" ]; then
		echo "# cryptsetup or losetup missing: no dm-crypt run"
		return 0
	fi
	W=/tmp/bench-dm
	mkdir -p "$W"
	head -c 64 /dev/urandom > "$W/key"
	for spec in aes-xts-plain64:512 aes-cbc-essiv:sha256:256; do
		cipher=${spec%:*} bits=${spec##*:}
		rm -f "$W/disk"
		truncate -s $((DM_MIB * 1048576)) "$W/disk"
		loop=$($LOSETUP -f --show "$W/disk") || { echo "# losetup failed"; return 0; }
		if ! $CRYPTSETUP open --type plain --cipher "$cipher" --key-size "$bits" --key-file "$W/key" \
			--sector-size 4096 --disable-locks "$loop" benchdm; then
			echo "# cryptsetup open $cipher failed"
			$LOSETUP -d "$loop"
			continue
		fi
		for op in write read; do
			r0=$(ours_submitted) t0=$(now_cs)
			if [ "$op" = write ]; then
				dd if=/dev/zero of=/dev/mapper/benchdm bs=1M count="$DM_MIB" oflag=direct 2>/dev/null
			else
				dd if=/dev/mapper/benchdm of=/dev/null bs=1M count="$DM_MIB" iflag=direct 2>/dev/null
			fi
			t1=$(now_cs) r1=$(ours_submitted)
			echo "BENCH kind=dmcrypt who=$who cipher=$cipher op=$op bytes=$((DM_MIB * 1048576)) cs=$((t1 - t0)) ours_requests=$((r1 - r0))"
		done
		$CRYPTSETUP close benchdm
		$LOSETUP -d "$loop"
	done
	rm -rf "$W"
}

# ipsec <who>: ESP_MIB MiB over TCP through ESP between two namespaces.
ipsec() {
	who=$1 alg="rfc4106(gcm(aes))"
	[ -x "$IP" ] || { echo "# iproute2 missing: no IPsec run"; return 0; }
	W=/tmp/bench-esp
	mkdir -p "$W/www"
	head -c $((ESP_MIB * 1048576)) /dev/zero > "$W/www/data"
	if ! esp_pair xb 10.81.0 aead "$alg" "0x$(hex 20)" 128; then
		echo "# esp_pair failed: no IPsec run"
		esp_unpair xb
		rm -rf "$W"
		return 0
	fi
	$IP netns exec xbb httpd -f -p 8080 -h "$W/www" &
	server=$!
	sleep 1
	r0=$(ours_submitted) t0=$(now_cs)
	$IP netns exec xba wget -q -O "$W/recv" "http://10.81.0.2:8080/data"
	t1=$(now_cs) r1=$(ours_submitted)
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
	ok=0
	cmp -s "$W/www/data" "$W/recv" && ok=1
	echo "BENCH kind=ipsec who=$who alg=$alg bytes=$((ESP_MIB * 1048576)) cs=$((t1 - t0)) ours_requests=$((r1 - r0)) ok=$ok"
	esp_unpair xb
	rm -rf "$W"
}

# parts <who> <round>: the parts of VCRYPTO_BENCH for one implementation;
# dm-crypt and IPsec in the first round only.
# stateless: session mode against stateless mode, our cbc(aes), same run.
stateless_part() {
	[ -f "$LOADGEN" ] || { echo "# crypto_loadgen.ko not built: no stateless run"; return 0; }
	for mode in $(seq "$ROUNDS" | sed 's/.*/0 2/'); do
		label=session
		[ "$mode" = 2 ] && label=stateless
		if ! module_load stateless="$mode" || ! wait_selftests; then
			echo "# our module did not load with stateless=$mode"
			module_loaded && module_unload
			continue
		fi
		dmesg -c > /dev/null
		stats "before-stateless-$label"
		$INSMOD "$LOADGEN" alg=virtio-rs-cbc-aes type=skcipher keylen=16 threads=1 secs="$SECS" \
			inflight="$INFLIGHT" sizes=16,4096 2>/dev/null
		$INSMOD "$LOADGEN" alg=virtio-rs-cbc-aes type=skcipher keylen=16 threads=1 secs="$SECS" \
			inflight=1 rekey=1 sizes=16 2>/dev/null
		stats "after-stateless-$label"
		dmesg | grep "crypto_loadgen:" | grep -v " result " | sed 's/^\[[^]]*\] /# /'
		dmesg | sed -n 's/.*crypto_loadgen: result //p' | while read -r line; do
			echo "BENCH kind=stateless mode=$label $line"
		done
		module_unload
	done
}

parts() {
	for what in $(echo "${VCRYPTO_BENCH:-loadgen}" | tr , ' '); do
		case $what in
		loadgen) loadgen_all "$1" ;;
		dmcrypt) [ "$1" = c ] || [ "$2" -gt 1 ] || dmcrypt "$1" ;;
		ipsec) [ "$1" = c ] || [ "$2" -gt 1 ] || ipsec "$1" ;;
		stateless) ;; # after the rounds: stateless_part
		*) echo "# unknown part $what" ;;
		esac
	done
}

echo "BENCH-INFO nproc=$NPROC secs=$SECS inflight=$INFLIGHT rounds=$ROUNDS kernel=$(uname -r)"
module_loaded && module_unload
grep -q "^$C_MOD " /proc/modules && c_driver_unload
# Fewer random self-test cases at each load: the benchmark measures, the
# tests test.
quick_selftests
round=1
while [ "$round" -le "$ROUNDS" ]; do
	[ "$ROUNDS" -gt 1 ] && echo "# round $round of $ROUNDS"
	if wants sw; then
		parts sw "$round"
	fi
	if wants rs; then
		if module_load && wait_selftests; then
			parts rs "$round"
		else
			echo "# our module did not load or finish its self-tests"
		fi
		module_loaded && module_unload
	fi
	if wants c; then
		if c_driver_load && wait_selftests 300 "$C_MOD"; then
			parts c "$round"
		else
			echo "# the C driver did not load or finish its self-tests"
		fi
		grep -q "^$C_MOD " /proc/modules && c_driver_unload
	fi
	round=$((round + 1))
done
case ",${VCRYPTO_BENCH:-loadgen}," in *,stateless,*) stateless_part ;; esac
exit 0
