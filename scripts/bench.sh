#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: one run, two guests one after the other, then the host, then
# one report. Results in $CACHE/bench/<UTC timestamp>/ ($CACHE/bench/latest
# points at the newest): results.md (tables of ratios, throughputs, the
# issue's targets met or missed), plot.png (throughput against request size,
# one line per implementation), and each guest's own logs.
#   1. QEMU's builtin cryptodev backend (one data queue): cbc(aes), ours and
#      the C virtio_crypto driver (the only algorithm both serve there), one
#      load-generator thread and one per vCPU;
#   2. our vhost-user-crypto device with VCRYPTO_BENCH_QUEUES data queues
#      (default 4): cbc(aes), xts(aes), gcm(aes), sha256, ours against the
#      kernel's generic code (and the C driver for cbc(aes)), 1 thread and one
#      per vCPU; dm-crypt (aes-xts-plain64, aes-cbc-essiv:sha256) and IPsec
#      (rfc4106(gcm(aes))) throughput, ours against the generic code; our
#      per-queue counters around the load;
#   3. the device's own request path per queue against the raw crypto library
#      on the host, and 2 queues against 1.
# The guest side is tools/testing/selftests/drivers/crypto/virtio/vcrypto_bench.sh,
# the load generator tools/crypto-loadgen, the report scripts/bench_report.py.
# A benchmark, not a test: it prints numbers and never fails on them; it fails
# only when a guest does not finish. Not part of `make check`.
# Knobs:
#   VCRYPTO_SMP=N            vCPUs per guest (default 4); the report gives the
#                            count each guest really had (nproc)
#   VCRYPTO_BENCH_QUEUES=N   data queues of the vhost-user device (default 4)
#   VCRYPTO_BENCH_SECS=N     seconds per measurement (default 1)
#   VCRYPTO_LOADGEN_INFLIGHT=N  requests in flight per thread (default 8)
#   VCRYPTO_BENCH_ROUNDS=R   load-generator rounds, implementations in turn;
#                            the report keeps each one's best (default 2)
#   VCRYPTO_BENCH_DM_MIB=N   MiB written and read through dm-crypt (default 256)
#   VCRYPTO_BENCH_ESP_MIB=N  MiB sent through ESP (default 32)
#   VCRYPTO_BENCH_TIMEOUT=S  seconds a guest may take (default 3600)
#   VCRYPTO_BENCH_GUESTS=    the guests to run (default builtin,vhost-user; the
#                            report marks a guest left out as not run)
#   VCRYPTO_BENCH_PARTS=     the vhost-user guest's parts (default
#                            loadgen,dmcrypt,ipsec,stateless; see vcrypto_bench.sh)
. "$(dirname "$0")/lib.sh"

t_start=$SECONDS
# matplotlib for the plot, among the rest (stamped: nothing to do when done).
"$TOP/scripts/host-deps.sh"
kdir=${KDIR:-$("$TOP/scripts/kernel.sh")}
make -s -C "$TOP" KDIR="$kdir" >/dev/null
# shellcheck disable=SC2046
make -s -C "$kdir" M="$TOP/tools/crypto-loadgen" $(cat "$kdir/.vcrypto-make-args" 2>/dev/null) modules >/dev/null

stamp=$(date -u +%Y%m%d-%H%M%S)
out=$CACHE/bench/$stamp
mkdir -p "$out"
ln -sfn "$stamp" "$CACHE/bench/latest"
accel=$(cat "$CACHE/accel.$(basename "$kdir")" 2>/dev/null || echo tcg)
export VCRYPTO_SMP=${VCRYPTO_SMP:-4}
queues=${VCRYPTO_BENCH_QUEUES:-4}
secs=${VCRYPTO_BENCH_SECS:-1}
dm_mib=${VCRYPTO_BENCH_DM_MIB:-256}
esp_mib=${VCRYPTO_BENCH_ESP_MIB:-32}
guest_env="VCRYPTO_BENCH_SECS=$secs;VCRYPTO_LOADGEN_INFLIGHT=${VCRYPTO_LOADGEN_INFLIGHT:-8}"
guest_env="$guest_env;VCRYPTO_BENCH_ROUNDS=${VCRYPTO_BENCH_ROUNDS:-2}"
guest_env="$guest_env;VCRYPTO_BENCH_DM_MIB=$dm_mib;VCRYPTO_BENCH_ESP_MIB=$esp_mib"
{
	echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit=$(git -C "$TOP" describe --always --dirty 2>/dev/null || echo unknown)"
	echo "accel=$accel"
	echo "smp=$VCRYPTO_SMP"
	echo "queues=$queues"
	echo "secs=$secs"
	echo "dm_mib=$dm_mib"
	echo "esp_mib=$esp_mib"
	echo "host_cpus=$(nproc)"
	echo "host_load=$(cut -d' ' -f1 /proc/loadavg)"
} > "$out/info.txt"

# A vhost-user device still running when this script leaves (an error
# between its start and its guest's end) is stopped.
device_dir=""
trap '[ -z "$device_dir" ] || "$TOP/scripts/vhost-user-device.sh" stop "$device_dir" >/dev/null 2>&1 || true' EXIT

# bench_guest <name> <guest settings> [device options for the vhost-user device]
# (none: QEMU's builtin device). One guest at a time.
bench_guest() {
	local name=$1 dir=$out/$1 env=$2 args="" qemu=${QEMU:-} t0=$SECONDS vq
	shift 2
	mkdir -p "$dir"
	VCRYPTO_GUEST_ENV="$guest_env;$env" "$TOP/scripts/initramfs.sh" "$kdir" "$dir/initramfs.cpio.gz"
	if [ $# -gt 0 ]; then
		qemu=$("$TOP/scripts/qemu-vhost-user.sh" qemu)
		device_dir=$dir
		args=$("$TOP/scripts/vhost-user-device.sh" start "$dir" "$@") || die "the vhost-user device did not start"
		# The ring size QEMU gives the device's queues (its default: 64).
		vq=$(echo "$args" | grep -o 'vq_size=[0-9]*' | cut -d= -f2) || true
		echo "vq_size=${vq:-64}" >> "$out/info.txt"
	fi
	QEMU=$qemu VCRYPTO_DEVICE_ARGS=$args \
		"$TOP/scripts/qemu.sh" "$kdir" "$dir/initramfs.cpio.gz" bench "$dir" "${VCRYPTO_BENCH_TIMEOUT:-3600}" || true
	[ $# -eq 0 ] || "$TOP/scripts/vhost-user-device.sh" stop "$dir" || true
	device_dir=""
	rm -f "$dir/initramfs.cpio.gz"
	echo "seconds_$name=$((SECONDS - t0))" >> "$out/info.txt"
	grep -q VCRS-RESULTS-DONE "$dir/results.ktap" 2>/dev/null ||
		die "the benchmark guest $name did not finish (see $dir/console.log and $dir/dmesg.log)"
}

guests=",${VCRYPTO_BENCH_GUESTS:-builtin,vhost-user},"
if [[ $guests == *,builtin,* ]]; then
	say "guest 1 of 2: QEMU's builtin device, cbc(aes), ours and the C driver ($accel, -smp $VCRYPTO_SMP)"
	bench_guest builtin "VCRYPTO_BENCH=loadgen;VCRYPTO_BENCH_ALGS=cbc;VCRYPTO_BENCH_IMPLS=rs,c"
fi
if [[ $guests == *,vhost-user,* ]]; then
	say "guest 2 of 2: vhost-user-crypto device, $queues data queues: ciphers, aead, hash, dm-crypt, IPsec ($accel, -smp $VCRYPTO_SMP)"
	bench_guest vhost-user "VCRYPTO_BENCH=${VCRYPTO_BENCH_PARTS:-loadgen,dmcrypt,ipsec,stateless};VCRYPTO_BENCH_ALGS=cbc,xts,gcm,sha256;VCRYPTO_BENCH_IMPLS=sw,rs,c" \
		--max-dataqueues "$queues"
fi

say "the host: the vhost-user-crypto device's request path against the raw crypto library, 2 queues against 1"
mkdir -p "$out/host"
(cd "$TOP/tools/vhost-user-crypto" && PATH=$HOME/.cargo/bin:$PATH cargo run --release --quiet --example throughput) \
	> "$out/host/throughput.txt" || say "the device's throughput example failed: no host results"
echo "seconds=$((SECONDS - t_start))" >> "$out/info.txt"
echo "host_load_end=$(cut -d' ' -f1 /proc/loadavg)" >> "$out/info.txt"

# The plot needs matplotlib: Debian's (scripts/host-deps.sh) belongs to the
# system's python3, which may not be the first python3 on PATH.
py=python3
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import matplotlib' 2>/dev/null; then py=$p; break; fi
done
"$py" "$TOP/scripts/bench_report.py" "$out"
cat "$out/results.md"
say "results: $out/results.md and $out/plot.png (also $CACHE/bench/latest/)"
