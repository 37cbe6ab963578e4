#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# scripts/ktap_count.py counts honestly: a program that timed out, exited
# non-zero, or reported fewer results than it planned is a failure in the
# closing line, with its name; a skipped program is not; slow programs are
# named. Each case is a small KTAP text and the closing line it must give.
top=$(cd "$(dirname "$0")/../.." && pwd)
count=$top/scripts/ktap_count.py
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
n=0; failed=0
echo "KTAP version 1"; echo "1..9"

# case <description> <expected closing line> <expected text in the output, or ""> <<KTAP
case_() {
	local desc=$1 want=$2 text=$3 f=$tmp/guest/results.ktap got out rc want_rc
	mkdir -p "$tmp/guest"; cat > "$f"
	out=$(python3 "$count" "$f"); rc=$?
	got=$(echo "$out" | tail -1)
	n=$((n + 1))
	case $want in *" 0 failed") want_rc=0 ;; *) want_rc=1 ;; esac
	if [ "$got" = "$want" ] && [ $rc = $want_rc ] && { [ -z "$text" ] || echo "$out" | grep -qF -- "$text"; }; then
		echo "ok $n ktap_count: $desc"
	else
		echo "$out" | sed 's/^/# /'
		echo "# wanted \"$want\" and \"$text\", got \"$got\" (exit $rc)"
		echo "not ok $n ktap_count: $desc"; failed=1
	fi
}

case_ "a program killed by the runner's timeout: its missing results fail, with its name" \
	"3 passed, 2 failed" "vcrypto_faults.sh # TIMEOUT 600s: 2 of 5 planned results missing" <<'K'
KTAP version 1
1..1
    KTAP version 1
    1..5
    ok 1 a
    ok 2 b
    ok 3 c
not ok 1 selftests: drivers/crypto/virtio: vcrypto_faults.sh # TIMEOUT 600s
K

case_ "a program that exits non-zero with every result ok is one failure" \
	"2 passed, 1 failed" "vcrypto_x.sh # exit=143  (guest/results.ktap): the program failed" <<'K'
KTAP version 1
1..1
    KTAP version 1
    1..2
    ok 1 a
    ok 2 b
not ok 1 selftests: drivers/crypto/virtio: vcrypto_x.sh # exit=143
K

case_ "a program that reports fewer results than its plan, exit 0, fails the missing ones" \
	"1 passed, 2 failed" "vcrypto_y.sh: 2 of 3 planned results missing (no result 2, 3)" <<'K'
KTAP version 1
1..1
    1..3
    ok 1 a
ok 1 selftests: drivers/crypto/virtio: vcrypto_y.sh
K

case_ "a guest that died: the programs it never ran are failures" \
	"1 passed, 2 failed" "2 of 3 planned results missing" <<'K'
KTAP version 1
1..3
ok 1 selftests: drivers/crypto/virtio: vcrypto_probe.sh
K

case_ "a skipped program that printed only its plan is skipped, not failed" \
	"1 passed, 0 failed" "1 skipped" <<'K'
KTAP version 1
1..2
    KTAP version 1
    1..19
    # no fault channel
ok 1 selftests: drivers/crypto/virtio: vcrypto_faults.sh # SKIP
ok 2 selftests: drivers/crypto/virtio: vcrypto_probe.sh
K

case_ "nested KUnit suites count their cases; a failed case is named once" \
	"2 passed, 1 failed" "FAILED: case_b" <<'K'
KTAP version 1
1..1
    KTAP version 1
    1..2
        KTAP version 1
        # Subtest: suite_one
        1..2
        ok 1 case_a
        not ok 2 case_b
    not ok 1 suite_one
        1..1
        ok 1 case_c
    ok 2 suite_two
not ok 1 selftests: drivers/crypto/virtio: vcrypto_kunit.sh # exit=1
K

case_ "results after the plan from another writer do not hide a missing one" \
	"2 passed, 1 failed" "1 of 2 planned results missing" <<'K'
KTAP version 1
1..2
ok 1 selftests: drivers/crypto/virtio: vcrypto_probe.sh
ok 1 guest: kernel log free of warnings
K

case_ "a program over half of its timeout is named in the budget" \
	"1 passed, 0 failed" "vcrypto_slow.sh  (guest)  <- over half of its timeout" <<'K'
KTAP version 1
1..1
# time: vcrypto_slow.sh 301 s of 600 s
ok 1 selftests: drivers/crypto/virtio: vcrypto_slow.sh
K
case_ "a file with no result at all (its step stopped early) is a failure, not a pass" \
	"0 passed, 1 failed" "no result at all" < /dev/null
exit $failed
