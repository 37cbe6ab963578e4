#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# House rules checked on the source: no `unsafe` outside rust/, a SAFETY
# comment on every unsafe block in rust/, rustfmt clean, clippy clean.
# Usage: host_code_rules.sh <kdir>
top=$(cd "$(dirname "$0")/../.." && pwd)
kdir=$1
echo "KTAP version 1"; echo "1..4"
n=0; failed=0
result() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n $2"; else echo "not ok $n $2"; failed=1; fi; }

hits=$(grep -rnw --include='*.rs' unsafe "$top/drivers" || true)
[ -z "$hits" ] || echo "$hits" | sed 's/^/# /'
result "$([ -z "$hits" ]; echo $?)" "no unsafe code under drivers/"

# Every `unsafe {` and `unsafe impl` in rust/ has a SAFETY comment in the block of
# comment lines directly above it (or on its own line).
missing=$(find "$top/rust" -name '*.rs' -print0 | xargs -0 awk '
	FNR == 1 { for (i in l) delete l }
	{ l[FNR] = $0 }
	/unsafe \{|unsafe impl/ && !/^[ \t]*\/\// {
		ok = ($0 ~ /SAFETY/)
		for (i = FNR - 1; i > 0 && l[i] ~ /^[ \t]*\/\//; i--) if (l[i] ~ /SAFETY/) ok = 1
		if (!ok) print FILENAME ":" FNR ": " $0
	}')
[ -z "$missing" ] || echo "$missing" | sed 's/^/# /'
result "$([ -z "$missing" ]; echo $?)" "every unsafe block in rust/ has a SAFETY comment"

out=$(make -s -C "$top" rustfmtcheck 2>&1); rc=$?
[ $rc = 0 ] || echo "$out" | head -20 | sed 's/^/# /'
result $rc "rustfmt clean"

# Force a recompile of the crate under clippy; any warning fails.
touch "$top/drivers/crypto/virtio/virtio_crypto_rs_main.rs"
out=$(make -C "$top" KDIR="$kdir" CLIPPY=1 2>&1); rc=$?
warn=$(echo "$out" | grep -E '^(warning|error)' || true)
[ $rc = 0 ] && [ -z "$warn" ]; rc=$?
[ $rc = 0 ] || echo "$out" | grep -E -A6 '^(warning|error)' | head -40 | sed 's/^/# /'
result $rc "make CLIPPY=1 builds with no warning"
exit $failed
