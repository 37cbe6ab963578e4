#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: tcrypt speed runs, ours beside another implementation in the
# same guest, as tables with the ratio (see vcrypto_bench.sh in the selftests):
#   1. QEMU's builtin cryptodev backend: cbc(aes), ours and the C virtio_crypto
#      driver (the only algorithm both serve), under tcrypt and under the
#      parallel load generator (tools/crypto-loadgen, one thread per CPU);
#   2. our vhost-user-crypto device (QEMU's builtin backend serves no hash and
#      no aead): sha256, hmac(sha256), gcm(aes) and rfc4106(gcm(aes)), ours
#      and the kernel's generic code;
#   3. the vhost-user-crypto device's own throughput per queue (AES-CBC,
#      AES-XTS, AES-GCM, SHA-256 at 4 and 64 KiB) next to the raw crypto
#      library on the host.
# A benchmark, not a test: it prints numbers and never fails on them.
# VCRYPTO_BENCH_SECS=N: seconds per measurement (default 1).
. "$(dirname "$0")/lib.sh"

kdir=${KDIR:-$("$TOP/scripts/kernel.sh")}
make -s -C "$TOP" KDIR="$kdir" >/dev/null
# shellcheck disable=SC2046
make -s -C "$kdir" M="$TOP/tools/crypto-loadgen" $(cat "$kdir/.vcrypto-make-args" 2>/dev/null) modules >/dev/null
out=$CACHE/bench
accel=$(cat "$CACHE/accel.$(basename "$kdir")" 2>/dev/null || echo tcg)
export VCRYPTO_GUEST_ENV="VCRYPTO_BENCH_SECS=${VCRYPTO_BENCH_SECS:-1}"

# bench_guest <dir> <what> [device options for the vhost-user device]
bench_guest() {
	local dir=$out/$1 what=$2 args="" qemu=${QEMU:-}
	shift 2
	mkdir -p "$dir"
	VCRYPTO_GUEST_ENV="$VCRYPTO_GUEST_ENV;VCRYPTO_BENCH=$what" \
		"$TOP/scripts/initramfs.sh" "$kdir" "$dir/initramfs.cpio.gz"
	if [ $# -gt 0 ]; then
		qemu=$("$TOP/scripts/qemu-vhost-user.sh" qemu)
		args=$("$TOP/scripts/vhost-user-device.sh" start "$dir" "$@") || die "the vhost-user device did not start"
	fi
	QEMU=$qemu VCRYPTO_DEVICE_ARGS=$args \
		"$TOP/scripts/qemu.sh" "$kdir" "$dir/initramfs.cpio.gz" bench "$dir" 1800 || true
	[ $# -eq 0 ] || "$TOP/scripts/vhost-user-device.sh" stop "$dir" || true
	grep -q VCRS-RESULTS-DONE "$dir/results.ktap" 2>/dev/null ||
		die "the benchmark guest $1 did not finish (see $dir/console.log)"
}

# table <results.ktap>: one row per algorithm, direction and case; ours in MB/s
# beside the other implementation, and the ratio.
table() {
	python3 - "$1" <<'PY'
import sys
rows, drivers = {}, {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 8 and f[0] == "BENCH":
        _, who, mode, algo, drv, d, case, bps = f
        key = (mode, algo, d)
        rows.setdefault(key, {}).setdefault(case, {})[who] = int(bps)
        drivers.setdefault(key, {})[who] = drv
for line in open(sys.argv[1]):
    if line.startswith("# ") and "no " in line and "benchmark" in line:
        print(line[2:].rstrip())
for key in sorted(rows):
    mode, algo, d = key
    names = drivers[key]
    other = next((w for w in ("c", "sw") if w in names), None)
    tool = "crypto_loadgen" if mode == "loadgen" else f"tcrypt mode={mode}"
    print(f"\n{tool} {algo} {'' if d == '-' else d}: ours = {names.get('rs', 'n/a')}, "
          f"other = {names.get(other, 'n/a') if other else 'n/a'}")
    print(f"  {'case':<14} {'ours MB/s':>10} {'other MB/s':>11} {'ours/other':>10}")
    def num(case):
        return [int(x) for x in case.replace("k", "").replace("B", "").split("/")]
    cases = sorted(rows[key], key=num)
    # ahash cases are "<message>B/<bytes per update>B". With more than one
    # update per message ours runs on its software fallback too (the device
    # hashes whole messages only): software against software, left out.
    digest = [c for c in cases if "/" in c and not c.startswith("k") and len(set(num(c))) == 1]
    if digest:
        cases = digest
        print("  (one digest per message; the init/update/final cases, software in both, are in the results file)")
    for case in cases:
        r = rows[key][case]
        rs, o = r.get("rs"), r.get(other) if other else None
        fmt = lambda v, w: f"{v / 1e6:{w}.2f}" if v is not None else f"{'n/a':>{w}}"
        ratio = f"{rs / o:10.2f}" if rs and o else f"{'n/a':>10}"
        print(f"  {case:<14} {fmt(rs, 10)} {fmt(o, 11)} {ratio}")
PY
}

say "guest 1: QEMU cryptodev-backend-builtin, cbc(aes): ours and the C driver ($accel)"
bench_guest builtin cipher,parallel
say "guest 2: vhost-user-crypto device, 1 data queue: hashes and aead, ours and the generic code ($accel)"
bench_guest vhost-user hash,aead --max-dataqueues 1

say "cbc(aes), QEMU cryptodev-backend-builtin: ours vs the C virtio_crypto driver"
table "$out/builtin/results.ktap"
say "vhost-user-crypto device: ours vs the kernel's generic code (a TCG guest: the generic code runs emulated)"
table "$out/vhost-user/results.ktap"

say "vhost-user-crypto device: one data-queue worker's request path vs the raw crypto library (host, MiB/s)"
(cd "$TOP/tools/vhost-user-crypto" && PATH=$HOME/.cargo/bin:$PATH cargo run --release --quiet --example throughput)
