#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/bench_report.py computes what it reports: a run folder made up
# here, with figures whose ratios are known, gives those ratios, the best of
# two rounds, the CPU figures of that best round, the kicks per request from
# the counters, the device/raw rows, and each target met or missed as the
# figures say. A guest left out is reported as not run.
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
run=$tmp/run
mkdir -p "$run/builtin" "$run/vhost-user" "$run/host"
echo "KTAP version 1"; echo "1..10"

cat > "$run/info.txt" <<'I'
date=2026-11-28 12:00 UTC
commit=test
accel=tcg
smp=4
queues=4
host_cpus=2
host_load=0.1
I
lg() { # <who> <threads> <size> <bytes/s> [busy cpu_ns]
	echo "BENCH kind=loadgen who=$1 alg=cbc driver=d-$1 type=skcipher threads=$2 inflight=8 size=$3 ops=1 ns=1 ops_per_s=1 bytes_per_s=$4 errors=0${5:+ busy_pct=$5 cpu_ns_per_op=$6}"
}
{
	echo "BENCH-INFO nproc=4 secs=1 inflight=8 rounds=2 kernel=7.2.0"
	for s in 16 64 256 1024 4096 16384 65536; do
		[ "$s" = 65536 ] || lg rs 1 "$s" 3100
		lg c 1 "$s" 1000
		lg rs 4 "$s" 4000; lg c 4 "$s" 1000
	done
	# A better second round at 64 KiB than the first: the best counts, with
	# its own CPU figures.
	lg rs 1 65536 2000 50 9000
	lg rs 1 65536 3100 40 7000
} > "$run/builtin/results.ktap"
{
	echo "BENCH-INFO nproc=4 secs=1 inflight=8 rounds=1 kernel=7.2.0"
	for s in 16 4096; do
		lg rs 4 "$s" 4100 100 25000; lg c 4 "$s" 1000 100 98000
	done
	echo "STATS before-cbc-4 dataq0_submitted 100"
	echo "STATS before-cbc-4 dataq0_kicks 10"
	echo "STATS after-cbc-4 dataq0_submitted 300"
	echo "STATS after-cbc-4 dataq0_kicks 90"
	echo "STATS before-cbc-4 dataq1_submitted 0"
	echo "STATS before-cbc-4 dataq1_kicks 0"
	echo "STATS after-cbc-4 dataq1_submitted 100"
	echo "STATS after-cbc-4 dataq1_kicks 60"
	echo "STATS before-cbc-4 time_cs 1000"
	echo "STATS after-cbc-4 time_cs 1200"
	echo "STATS before-cbc-4 device_q1_requests 7"
	echo "STATS before-cbc-4 device_q1_wakeups 7"
	echo "STATS before-cbc-4 device_q1_busy_us 0"
	echo "STATS after-cbc-4 device_q1_requests 107"
	echo "STATS after-cbc-4 device_q1_wakeups 62"
	echo "STATS after-cbc-4 device_q1_busy_us 500000"
} > "$run/vhost-user/results.ktap"
cat > "$run/host/throughput.txt" <<'T'
algorithm      size    raw MiB/s device MiB/s device/raw
aes-cbc-256    4096          600          570       0.95
sha256        65536         1000          900       0.90

algorithm      size      1 queue     2 queues      2q/1q
aes-cbc-256    4096          500         1000       2.00
T

out=$(python3 "$top/scripts/bench_report.py" "$run" 2>&1); rc=$?
md=$run/results.md
n=0 failed=0
check() { # <description> <fixed string that results.md must hold>
	n=$((n + 1))
	if [ $rc = 0 ] && grep -qF -- "$2" "$md" 2>/dev/null; then
		echo "ok $n bench_report: $1"
	else
		echo "# exit $rc; output: $out" | head -5
		echo "# results.md lacks: $2"
		echo "not ok $n bench_report: $1"; failed=1
	fi
}
check "the 1-thread ratio, and the best of two rounds at 64 KiB" \
	"| cbc(aes) ours/C driver | QEMU builtin (1 queue) | 1 | 3.10 | 3.10 | 3.10 | 3.10 | 3.10 | 3.10 | 3.10 |"
check "the CPU figures of the best round" "| ours | QEMU builtin (1 queue) | 1 | n/a | n/a | 40 %, 7.0 |"
n=$((n + 1))
if grep -qF "50 %, 9.0" "$md"; then
	echo "not ok $n bench_report: the worse round's CPU figures are left out"; failed=1
else
	echo "ok $n bench_report: the worse round's CPU figures are left out"
fi
check "a 1-thread target met at every size" \
	"- **met**: cbc(aes) ours/C >= 3.0 at every size, 1 thread (QEMU builtin device): smallest 3.10"
check "a 4-thread target met, with the CPU figures beside it" \
	"- **met**: cbc(aes) ours/C >= 4.0 at 16 B, 4 threads on 4 queues (vhost-user device): 4.10 with 4 threads; measured at 16 B: ours 4 thr 0.00 MB/s (100 % busy, 25.0 µs/request), C driver 4 thr 0.00 MB/s (100 % busy, 98.0 µs/request)"
check "kicks per request from the counters, and the device's own" "| 1 | 100 | 60 | n/a | 0.60 | 0.55 | 25.0 % |"
check "a kicks target missed by the worst queue" \
	"- **missed**: kicks per request <= 0.5 under the load of 4 thread(s) (vhost-user device, cbc(aes)): worst 0.60 (queue 1; the device woke 0.55 times per request there and was busy 25.0 % of the run)"
check "the device/raw rows" "| aes-cbc-256 | 4 KiB | 600 | 570 | 0.95 | 500 | 1000 | 2.00 |"
check "device/raw targets: met at 4 KiB, missed at 64 KiB" \
	"- **missed**: device/raw >= 0.95 at 64 KiB (AES-CBC, AES-XTS, AES-GCM, SHA-256): smallest 0.90 (sha256)"

rm -rf "$run/builtin"
out=$(python3 "$top/scripts/bench_report.py" "$run" 2>&1); rc=$?
check "a guest left out is reported as not run" "- QEMU builtin device: no results (the guest did not run)"
exit $failed
