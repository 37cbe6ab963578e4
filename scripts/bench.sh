#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: tcrypt mode=600 (multi-buffer async, num_mb=8, 1 s per size)
# for cbc(aes) through our driver and through the C virtio_crypto driver, in
# the same guest on the same QEMU device, as a table with the ratio ours/C.
# Then the vhost-user-crypto device's own throughput per queue (AES-CBC, AES-XTS,
# AES-GCM, SHA-256 at 4 and 64 KiB) next to the raw crypto library on the host.
# A benchmark, not a test: it prints numbers and never fails on them.
. "$(dirname "$0")/lib.sh"

kdir=${KDIR:-$("$TOP/scripts/kernel.sh")}
make -s -C "$TOP" KDIR="$kdir" >/dev/null
out=$CACHE/bench
mkdir -p "$out"
"$TOP/scripts/initramfs.sh" "$kdir" "$out/initramfs.cpio.gz"
"$TOP/scripts/qemu.sh" "$kdir" "$out/initramfs.cpio.gz" bench "$out" 900 || true
grep -q VCRS-RESULTS-DONE "$out/results.ktap" 2>/dev/null || die "the benchmark guest did not finish (see $out/console.log)"
say "cbc(aes), 128-bit key, tcrypt mode=600 num_mb=8, QEMU cryptodev-backend-builtin, $(cat "$CACHE/accel.$(basename "$kdir")" 2>/dev/null || echo tcg)"
python3 - "$out/results.ktap" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 6 and f[0] == "BENCH":
        _, who, d, bs, ops, nbytes = f
        rows.setdefault((d, int(bs)), {})[who] = int(nbytes)
print(f"{'dir':<4} {'block':>6} {'ours MB/s':>10} {'C MB/s':>10} {'ours/C':>7}")
for (d, bs) in sorted(rows, key=lambda k: (k[0] != 'enc', k[1])):
    r = rows[(d, bs)]
    rs, c = r.get('rs'), r.get('c')
    ratio = f"{rs / c:7.2f}" if rs and c else "    n/a"
    fmt = lambda v: f"{v / 1e6:10.2f}" if v is not None else f"{'n/a':>10}"
    print(f"{d:<4} {bs:>6} {fmt(rs)} {fmt(c)} {ratio}")
PY

say "vhost-user-crypto device: one data-queue worker's request path vs the raw crypto library (host, MiB/s)"
(cd "$TOP/tools/vhost-user-crypto" && PATH=$HOME/.cargo/bin:$PATH cargo run --release --quiet --example throughput)
