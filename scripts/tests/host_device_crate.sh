#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The vhost-user virtio-crypto device (tools/vhost-user-crypto): its cargo tests
# (known-answer vectors through the request parser, hostile requests, proptest),
# one KTAP result per test; the request-parser fuzz for VCRYPTO_FUZZ_SECS seconds
# (default 60) as a result of its own; then clippy and rustfmt.
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top/tools/vhost-user-crypto" || exit 1
export PATH=$HOME/.cargo/bin:$PATH
echo "KTAP version 1"
log=$(mktemp)
# The time-bounded fuzz runs on its own below.
cargo test --release -- --test-threads=2 --skip fuzz_request_parser > "$log" 2>&1
rc=$?
n=0; failed=0
while read -r _ name _ result; do
	n=$((n + 1))
	case $result in
	ok) echo "ok $n device: $name" ;;
	ignored) echo "ok $n device: $name # SKIP ignored" ;;
	*) echo "not ok $n device: $name"; failed=1 ;;
	esac
done < <(grep -E '^test .* \.\.\. (ok|FAILED|ignored)$' "$log")
if [ $rc -ne 0 ] && [ $failed -eq 0 ]; then
	# The build or a harness failed before any result: show why.
	tail -30 "$log" | sed 's/^/# /'
	n=$((n + 1)); echo "not ok $n device: cargo test ran"; failed=1
fi
secs=${VCRYPTO_FUZZ_SECS:-60}
VCRYPTO_FUZZ_SECS=$secs cargo test --release --test proptest_parser fuzz_request_parser \
	-- --exact --nocapture > "$log" 2>&1
c=$?
summary=$(grep -o 'fuzz_request_parser: .*' "$log" | tail -1)
n=$((n + 1))
if [ $c -eq 0 ] && [ -n "$summary" ]; then
	echo "# $summary"
	echo "ok $n device: request parser fuzz, ${secs} s"
else
	# The panic message has the seed and the shrunk case.
	if grep -q 'fuzz case' "$log"; then sed -n '/fuzz case/,$p' "$log"; else tail -30 "$log"; fi |
		head -80 | sed 's/^/# /'
	echo "not ok $n device: request parser fuzz, ${secs} s"; failed=1
fi
out=$(cargo clippy --release --all-targets --quiet -- -D warnings 2>&1); c=$?
n=$((n + 1))
if [ $c -eq 0 ]; then echo "ok $n device: clippy clean"; else echo "$out" | head -20 | sed 's/^/# /'; echo "not ok $n device: clippy clean"; failed=1; fi
out=$(cargo fmt --check 2>&1); c=$?
n=$((n + 1))
if [ $c -eq 0 ]; then echo "ok $n device: rustfmt clean"; else echo "$out" | head -20 | sed 's/^/# /'; echo "not ok $n device: rustfmt clean"; failed=1; fi
echo "1..$n"
rm -f "$log"
exit $failed
