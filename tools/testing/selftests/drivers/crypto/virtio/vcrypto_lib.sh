#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# KTAP helpers shared by the virtio-crypto-rs selftests (busybox sh compatible).
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0; KSFT_FAIL=1; KSFT_SKIP=4
ktap_n=0; ktap_failed=0
MOD=${VCRYPTO_MODULE:-virtio_crypto_rs}

ktap_header() { echo "KTAP version 1"; echo "1..$1"; }
ktap_ok()     { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $*"; }
ktap_fail()   { ktap_n=$((ktap_n + 1)); ktap_failed=1; echo "not ok $ktap_n $*"; }
ktap_skip()   { ktap_n=$((ktap_n + 1)); echo "ok $ktap_n $* # SKIP"; }
ktap_diag()   { echo "# $*"; }
# ktap_check <description> <command...>: one result from a command's status.
ktap_check()  { ktap_desc=$1; shift; if "$@"; then ktap_ok "$ktap_desc"; else ktap_fail "$ktap_desc"; fi; }
ktap_exit()   { exit $ktap_failed; }

# The module file: VCRYPTO_KO, or the installed module. VCRYPTO_MODULE_ARGS (the
# guest's settings, e.g. stateless=2) apply unless the program sets the same
# parameter itself (a parameter given twice fails the load).
module_load() {
	vcrs_args=""
	for vcrs_a in ${VCRYPTO_MODULE_ARGS:-}; do
		case " $* " in *" ${vcrs_a%%=*}="*) ;; *) vcrs_args="$vcrs_args $vcrs_a" ;; esac
	done
	# shellcheck disable=SC2086
	if [ -n "${VCRYPTO_KO:-}" ]; then insmod "$VCRYPTO_KO" $vcrs_args "$@"; else modprobe "$MOD" $vcrs_args "$@"; fi
}
module_loaded() { grep -q "^$MOD " /proc/modules; }
# A self-test in progress holds the module: let it finish first.
module_unload() { wait_selftests 120; rmmod "$MOD"; }

# The virtio devices of type 20 (crypto), one sysfs path per line.
crypto_devices() {
	for d in /sys/bus/virtio/devices/*; do
		[ -e "$d/device" ] || continue
		[ "$(cat "$d/device")" = "0x0014" ] && echo "$d"
	done
}

# How many virtio crypto devices are bound to driver $1 (default: ours).
bound_count() {
	n=0
	for d in $(crypto_devices); do
		[ "$(basename "$(readlink "$d/driver")")" = "${1:-$MOD}" ] && n=$((n + 1))
	done
	echo $n
}

# Kernel log lines that mean something went wrong in the kernel (reports of
# known bugs of the kernel itself, see known_kernel_reports.awk, left out).
KNOWN_REPORTS=$(dirname "$0")/known_kernel_reports.awk
dmesg_problems() {
	dmesg | awk -f "$KNOWN_REPORTS" | grep -E 'WARNING:|BUG:|Oops|Call Trace:|kernel BUG|general protection|UBSAN:|KASAN:|refcount_t:|alg: .*failed|invalid device configuration'
}

# The algorithms of module $1 (default: ours) in /proc/crypto: "driver selftest" per line.
our_algs() {
	awk -v m="${1:-$MOD}" '/^driver/{d=$3} /^module/{mod=$3} /^selftest/{if (mod==m) print d, $3}' /proc/crypto
}

# Self-tests run asynchronously after registration: wait (at most $1 s, default 120)
# until none of the algorithms of module $2 (default: ours) is still untested.
wait_selftests() {
	# Returns as soon as they are done; the bound is for a machine busy with
	# other guests (the full self-tests of 32 algorithms, under TCG).
	t=${1:-300}
	while [ "$t" -gt 0 ]; do
		our_algs "${2:-$MOD}" | grep -q " unknown$" || return 0
		sleep 1; t=$((t - 1))
	done
	return 1
}

# Every load of the module runs the crypto self-tests of everything it
# registers; with CRYPTO_SELFTESTS_FULL that includes fuzz_iterations random
# comparisons per algorithm against the generic code (vcrypto_probe.sh checks
# that they all pass, and KUnit compares in bulk). A program that loads the
# module to test something else calls quick_selftests: until it exits, only
# the known-answer vectors run (cryptomgr's noslowtests). Random cases there
# tested nothing new and cost most of each bind (on the debug kernel,
# vcrypto_faults_reset.sh took 485 s with 10 per algorithm, 198 s without).
SLOWTESTS=/sys/module/cryptomgr/parameters/noslowtests
quick_selftests() {
	[ -w $SLOWTESTS ] || return 0
	on_exit "echo $(cat $SLOWTESTS) > $SLOWTESTS"
	echo 1 > $SLOWTESTS
	ktap_diag "self-tests: the known-answer vectors only in this program"
}

# The kernel's C virtio crypto driver, for side-by-side checks.
C_MOD=virtio_crypto
C_KO_DIR=${VCRYPTO_C_KO_DIR:-/lib/modules/extra}
c_driver_load() {
	grep -q "^crypto_engine " /proc/modules || insmod "$C_KO_DIR/crypto_engine.ko" 2>/dev/null
	insmod "$C_KO_DIR/virtio_crypto.ko"
}
c_driver_unload() { wait_selftests 120 "$C_MOD"; rmmod "$C_MOD"; }

# The driver names of our algorithms of crypto API type $1 (skcipher, ahash, aead).
our_of_type() {
	awk -v t="$1" '/^driver/{d=$3} /^type/{if (d ~ /^virtio-rs-/ && $3 == t) print d}' /proc/crypto
}
# all_async <driver names...>: succeeds if there is at least one and /proc/crypto
# shows every one as asynchronous; names the others.
all_async() {
	[ $# -gt 0 ] || return 1
	r=0
	for d; do
		a=$(awk -v d="$d" '/^driver/{x=($3==d)} x && /^async/{print $3}' /proc/crypto | head -1)
		[ "$a" = yes ] || { ktap_diag "$d: async $a"; r=1; }
	done
	return $r
}

# The refcnt /proc/crypto shows for the implementation called $1.
alg_refcnt() {
	awk -v d="$1" '/^driver/{dr=$3} /^refcnt/{if (dr==d) print $3}' /proc/crypto | head -1
}

# A counter of our first device's debugfs stats file.
our_stat() {
	f=$(ls /sys/kernel/debug/virtio_crypto_rs-*/stats 2>/dev/null | head -1)
	[ -n "$f" ] && awk -v k="$1" '$1==k{print $2}' "$f"
}

# wait_for <seconds> <command...>: until the command succeeds; fails after that
# many seconds.
wait_for() {
	vcrs_wt=$1; shift
	while ! "$@"; do
		[ "$vcrs_wt" -gt 0 ] || return 1
		sleep 1; vcrs_wt=$((vcrs_wt - 1))
	done
}

# kmemleak_check [label]: after two scans (kmemleak reports an object only once
# it was unreferenced for a whole scan), no unreferenced object has virtio code
# in its backtrace. A skip where the kernel has no kmemleak.
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_check() {
	vcrs_what=${1:-"kmemleak finds no leak of ours"}
	[ -w $KMEMLEAK ] || { ktap_skip "$vcrs_what (no kmemleak)"; return; }
	echo scan > $KMEMLEAK; sleep 1; echo scan > $KMEMLEAK
	vcrs_leaks=$(grep -c "^unreferenced object" $KMEMLEAK)
	vcrs_ours=$(grep -A20 "^unreferenced object" $KMEMLEAK | grep -c "virtio_crypto_rs\|vcrs_\|virtio_\|vring")
	ktap_diag "kmemleak: $vcrs_leaks unreferenced object(s), $vcrs_ours backtrace line(s) in virtio code"
	[ "$vcrs_ours" -eq 0 ] || head -60 $KMEMLEAK | sed 's/^/# /'
	ktap_check "$vcrs_what" [ "$vcrs_ours" -eq 0 ]
}

# --- dm-crypt over a loop device ---
# Full paths: busybox's shell may prefer its own applets to the real tools.
CRYPTSETUP=/usr/sbin/cryptsetup LOSETUP=/usr/sbin/losetup
dm_tools_or_skip() {
	for t in $CRYPTSETUP $LOSETUP; do
		[ -x $t ] || { ktap_diag "$t missing"; exit $KSFT_SKIP; }
	done
}
# numbered_pattern <file> <MiB> <label>: a pattern no two sectors share, every
# 64-byte line carrying its number (a misplaced or stale sector shows).
numbered_pattern() {
	awk -v n=$(($2 * 16384)) -v l="$3" 'BEGIN {
		for (i = 0; i < n; i++) printf "virtio-crypto-rs %-10.10s line %015d ..............\n", l, i }' > "$1"
}
# dm_loop <dir> <MiB>: a key and a disk file of MiB + 2 in <dir>, on a loop
# device ($loop) that goes when the program exits.
dm_loop() {
	head -c 64 /dev/urandom > "$1/key"
	truncate -s $((($2 + 2) * 1048576)) "$1/disk"
	loop=$($LOSETUP -f --show "$1/disk")
	on_exit "$LOSETUP -d $loop"
}
# dm_open <name> <cipher spec> <key bits> <dir>: a plain mapping over $loop with
# <dir>/key, 4 KiB sectors; cryptsetup's complaint as a diagnostic.
dm_open() {
	vcrs_err=$($CRYPTSETUP open --type plain --cipher "$2" --key-size "$3" \
		--key-file "$4/key" --sector-size 4096 --disable-locks "$loop" "$1" 2>&1) ||
		{ ktap_diag "cryptsetup: $vcrs_err"; return 1; }
	[ -b "/dev/mapper/$1" ]
}
dm_close() { [ -b "/dev/mapper/$1" ] && $CRYPTSETUP close "$1"; }
# dm_io_job <name> <MiB> <dir>: writes <dir>/pattern, drops the caches, reads it
# back into <dir>/readback; "<dd write exit> <dd read exit>" in <dir>/io.rc.
dm_io_job() {
	dd if="$3/pattern" of="/dev/mapper/$1" bs=1M count="$2" conv=fsync 2>"$3/write.err"
	vcrs_w=$?
	sync; echo 3 > /proc/sys/vm/drop_caches
	dd if="/dev/mapper/$1" of="$3/readback" bs=1M count="$2" 2>"$3/read.err"
	echo "$vcrs_w $?" > "$3/io.rc"
}
# dm_io_ok <dir>: the last dm_io_job saw no error and read the pattern back.
dm_io_ok() { [ "$(cat "$1/io.rc" 2>/dev/null)" = "0 0" ] && cmp -s "$1/pattern" "$1/readback"; }
# dm_io_results <label> <MiB> <dir>: three results of a dm_io_job that ran
# across a disruption: no error for dd, every byte right, no I/O error logged.
dm_io_results() {
	vcrs_rc=$(cat "$3/io.rc" 2>/dev/null)
	ktap_diag "$1: dd write/read exit codes: ${vcrs_rc:-none}; $(cat "$3/write.err" "$3/read.err" | tr '\n' ' ')"
	ktap_check "$1: the writer and the reader saw no error" [ "$vcrs_rc" = "0 0" ]
	ktap_check "$1: $2 MiB read back equal the pattern written" cmp -s "$3/pattern" "$3/readback"
	vcrs_ioerr=$(dmesg | grep -ciE "i/o error|buffer i/o|critical (medium|target)")
	ktap_check "$1: no I/O error in the kernel log" [ "$vcrs_ioerr" = 0 ]
}

# --- IPsec ESP between two network namespaces ---
IP=/usr/sbin/ip
# hex <bytes>: that many random bytes as 0x-less hex (keys for ip xfrm).
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
# esp_pair <name> <net> <ip xfrm algorithm arguments...>: network namespaces
# <name>a (<net>.1) and <name>b (<net>.2) joined by a veth pair, with ESP
# transport-mode security associations and policies both ways, each SA made
# with the given algorithms, e.g.
#   esp_pair xa 10.80.0 aead 'rfc4106(gcm(aes))' 0x<20 bytes> 128
# esp_unpair <name> removes both namespaces (and so the SAs and the veth).
esp_unpair() { $IP netns del "${1}a" 2>/dev/null; $IP netns del "${1}b" 2>/dev/null; return 0; }
esp_pair() {
	n=$1 a=$2.1 b=$2.2
	shift 2
	esp_unpair "$n"
	$IP netns add "${n}a" && $IP netns add "${n}b" &&
	$IP link add "veth-${n}a" type veth peer name "veth-${n}b" &&
	$IP link set "veth-${n}a" netns "${n}a" && $IP link set "veth-${n}b" netns "${n}b" &&
	$IP -n "${n}a" addr add "$a/24" dev "veth-${n}a" && $IP -n "${n}b" addr add "$b/24" dev "veth-${n}b" &&
	$IP -n "${n}a" link set "veth-${n}a" up && $IP -n "${n}b" link set "veth-${n}b" up &&
	$IP -n "${n}a" link set lo up && $IP -n "${n}b" link set lo up || return 1
	for ns in "${n}a" "${n}b"; do
		$IP -n "$ns" xfrm state add src "$a" dst "$b" proto esp spi 0x1001 mode transport "$@" &&
		$IP -n "$ns" xfrm state add src "$b" dst "$a" proto esp spi 0x1002 mode transport "$@" || return 1
	done
	$IP -n "${n}a" xfrm policy add src "$a" dst "$b" dir out tmpl src "$a" dst "$b" proto esp mode transport &&
	$IP -n "${n}a" xfrm policy add src "$b" dst "$a" dir in tmpl src "$b" dst "$a" proto esp mode transport &&
	$IP -n "${n}b" xfrm policy add src "$b" dst "$a" dir out tmpl src "$b" dst "$a" proto esp mode transport &&
	$IP -n "${n}b" xfrm policy add src "$a" dst "$b" dir in tmpl src "$a" dst "$b" proto esp mode transport
}
# esp_http <name> <net> <KiB>: that much random data from <name>b's HTTP server
# to <name>a over TCP through ESP; succeeds if it arrives intact.
esp_http() {
	esp_dir=/tmp/esp-$1
	mkdir -p "$esp_dir/www" && head -c $(($3 * 1024)) /dev/urandom > "$esp_dir/www/data" || return 1
	$IP netns exec "${1}b" httpd -f -p 8080 -h "$esp_dir/www" &
	server=$!
	sleep 1
	$IP netns exec "${1}a" wget -q -O "$esp_dir/recv" "http://$2.2:8080/data"
	kill $server 2>/dev/null; wait $server 2>/dev/null
	ktap_diag "received $(stat -c %s "$esp_dir/recv" 2>/dev/null || echo no) of $(($3 * 1024)) bytes"
	cmp -s "$esp_dir/www/data" "$esp_dir/recv"; rc=$?
	rm -rf "$esp_dir"
	return $rc
}
# esp_pings <name> <net>: 20 pings of 56 and 20 of 1400 bytes from <name>a to
# <name>b through ESP; succeeds if every one is answered.
esp_pings() {
	$IP netns exec "${1}a" ping -c 20 -W 5 -q "$2.2" >/dev/null &&
		$IP netns exec "${1}a" ping -c 20 -s 1400 -W 5 -q "$2.2" >/dev/null
}
# The driver names of the instances of template $1 in /proc/crypto.
instances() { awk -v t="$1(" '/^driver/ && index($3, t) == 1 {print $3}' /proc/crypto | sort -u | tr '\n' ' '; }

# The start of every ESP program: iproute2 and a device, no C driver, our
# module loaded (quick self-tests) and done with its self-tests.
esp_prologue() {
	[ -x $IP ] || { ktap_diag "iproute2 missing"; exit $KSFT_SKIP; }
	[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
	grep -q "^$C_MOD " /proc/modules && c_driver_unload
	quick_selftests
	module_loaded || module_load
	wait_selftests
}

# The device's fault-injection channel: scripts/vhost-user-device.sh wires the
# vhost-user-crypto device's fault socket to the guest's ttyS3. One command
# line out, one reply line back ("ok ...", "err ...").
FAULT_TTY=${VCRYPTO_FAULT_TTY:-/dev/ttyS3}
# fault_cmd <command...>: prints the reply; succeeds on "ok".
fault_cmd() {
	[ -c "$FAULT_TTY" ] || return 1
	# Raw and without echo: an echoed reply would go back to the device as a command.
	stty -F "$FAULT_TTY" raw -echo 2>/dev/null || return 1
	exec 3<>"$FAULT_TTY"
	echo "$*" >&3
	reply=""
	IFS= read -r -t 5 reply <&3
	exec 3<&-
	echo "$reply"
	case $reply in ok*) return 0 ;; esac
	return 1
}
# Whether this guest's device takes fault commands (asked once per boot: a port
# without a device behind it costs the read's timeout).
# The first ask also notes what "show" says of a device without faults.
fault_available() {
	if [ ! -f /tmp/vcrs_faults ]; then
		if fault_cmd clear >/dev/null 2>&1; then
			fault_cmd show > /tmp/vcrs_faults_clear; echo yes
		else
			echo no
		fi > /tmp/vcrs_faults
	fi
	[ "$(cat /tmp/vcrs_faults)" = yes ]
}

# --- QEMU's QMP monitor (scripts/qemu.sh, VCRYPTO_HOTPLUG=1) ---
# The guest's init exports VCRYPTO_MONITOR_TTY when the kernel command line
# names the port (vcrs.monitor=ttyS3) and sets it raw, without echo.
MONITOR_TTY=${VCRYPTO_MONITOR_TTY:-}
monitor_available() { [ -n "$MONITOR_TTY" ] && [ -c "$MONITOR_TTY" ]; }
# qmp_line <seconds> <JSON line> <id>: writes the line to the monitor (fd 4)
# and prints the reply that carries that id; lines without it (the greeting,
# events, replies to an earlier caller who gave up) are skipped, events noted
# in /tmp/vcrs_qmp_events.
qmp_line() {
	echo "$2" >&4
	qend=$(($(date +%s) + $1)) reply=""
	while [ "$(date +%s)" -lt $qend ]; do
		line=""
		IFS= read -r -t 2 line <&4 || continue
		case $line in
		*\"event\"*) echo "$line" >> /tmp/vcrs_qmp_events ;;
		*\"$3\"*) reply=$line; break ;;
		esac
	done
	echo "$reply" | tr -d '\r'
	[ -n "$reply" ]
}
# qmp <command> [<arguments, a JSON object>]: runs a QMP command; prints its
# reply line, succeeds on a "return" reply. The monitor's session is the whole
# boot and what it has read may be garbage (the greeting echoed before the
# port went raw: an unclosed '{' and the parser waits forever). Every call
# first provokes a lexical error with a control character, which resets
# QEMU's JSON parser (the QMP specification's way back to a known state),
# then sends qmp_capabilities until a reply with its id comes back (only the
# first one negotiates, later ones get an error), so the command itself
# reaches a monitor in step. 30 s at most.
qmp() {
	monitor_available || return 1
	# A counter in a file: callers in $(...) subshells get ids of their own too.
	qmp_seq=$(($(cat /tmp/vcrs_qmp_seq 2>/dev/null || echo 0) + 1))
	echo $qmp_seq > /tmp/vcrs_qmp_seq
	qid="vcrs-$qmp_seq"
	exec 4<>"$MONITOR_TTY"
	printf '\001\n' >&4
	for qtry in 1 2 3; do
		qmp_line 3 "{\"execute\": \"qmp_capabilities\", \"id\": \"$qid-c$qtry\"}" "$qid-c$qtry" >/dev/null && break
	done
	reply=$(qmp_line 20 "{\"execute\": \"$1\"${2:+, \"arguments\": $2}, \"id\": \"$qid\"}" "$qid")
	exec 4<&-
	echo "$reply"
	case $reply in *\"return\"*) return 0 ;; esac
	return 1
}

# --- KUnit fault suites (vcrypto_hash_faults.sh, vcrypto_aead_faults.sh) ---
KUNIT_KO=${VCRYPTO_KUNIT_KO:-$(dirname "${VCRYPTO_KO:-/lib/modules/extra/x}")/virtio_crypto_rs_kunit.ko}
# faults_prologue <driver name>: skips unless the device has a fault channel,
# the KUnit module is there and our module (loaded here) registered that
# algorithm.
faults_prologue() {
	[ -n "$(crypto_devices)" ] || { ktap_diag "no virtio crypto device"; exit $KSFT_SKIP; }
	fault_available || { ktap_diag "no fault channel (not our vhost-user device)"; exit $KSFT_SKIP; }
	[ -f "$KUNIT_KO" ] || { ktap_diag "$KUNIT_KO not found"; exit $KSFT_SKIP; }
	module_loaded && module_unload
	quick_selftests
	module_load || { echo "not ok 1 module loads"; exit $KSFT_FAIL; }
	wait_selftests
	our_algs | grep -q "^$1 passed" || { ktap_diag "our $1 is not registered"; exit $KSFT_SKIP; }
}
# kunit_faults <suite> <case> <label> <device op> <device status> <every> <errno> <our alg>
# The device answers <status> to every <every>th <op> request; KUnit suite
# <suite> (its case <case>) checks that exactly those callers of <our alg> get
# <errno> and the others the right answer. One result.
kunit_faults() {
	suite=$1 kcase=$2
	shift 2
	fault_cmd clear >/dev/null
	fault_cmd status "$2" "$3" every="$4" >/dev/null || { ktap_fail "$1: fault rule accepted"; return; }
	dmesg -c >/dev/null
	# iterations=0: the cipher suite's random cases are not what this is about.
	insmod "$KUNIT_KO" fault_every="$4" fault_errno="$5" fault_alg="$6" iterations=0 &&
		rmmod virtio_crypto_rs_kunit
	fault_cmd clear >/dev/null
	res=$(dmesg | sed -n 's/^\[[^]]*\] //p' | grep -E "$kcase|(ok|not ok) [0-9]+ $suite")
	echo "$res" | grep -E "# $kcase|Expected|request" | head -5 | sed 's/^ */# /'
	ktap_check "$1" sh -c 'echo "$1" | grep -qE "^ *ok [0-9]+ $2\$"' _ "$res" "$suite"
}

# --- the state every program starts from and leaves behind ---
# No module of ours, the C driver's or tcrypt loaded; no device-mapper mapping,
# loop device or network namespace; the device's fault channel clear.
# Programs must restore it on every exit path (the trap below); the runner
# checks it after each program and clears what is left.
guest_modules="virtio_crypto_rs_kunit tcrypt $MOD $C_MOD crypto_engine"
guest_leftovers() {
	for m in $guest_modules; do
		grep -q "^$m " /proc/modules && echo "module $m"
	done
	for m in /dev/mapper/*; do
		[ -b "$m" ] && echo "device-mapper mapping ${m#/dev/mapper/}"
	done
	/usr/sbin/losetup -a 2>/dev/null | sed 's/^/loop device /'
	ip netns list 2>/dev/null | sed 's/^/network namespace /'
	if fault_available; then
		f=$(fault_cmd show)
		[ "$f" = "$(cat /tmp/vcrs_faults_clear)" ] || echo "device faults: $f"
	fi
	return 0
}
# Undo everything guest_leftovers can find. Faults first: a request stuck in a
# stalled device then completes, and what waits on it can go.
guest_reset() {
	fault_available && fault_cmd clear >/dev/null
	for m in /dev/mapper/*; do
		[ -b "$m" ] || continue
		t=10; while ! /usr/sbin/cryptsetup close "${m#/dev/mapper/}" 2>/dev/null && [ $t -gt 0 ]; do
			sleep 1; t=$((t - 1))
		done
	done
	/usr/sbin/losetup -D 2>/dev/null
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do ip netns delete "$ns"; done
	for m in $guest_modules; do
		grep -q "^$m " /proc/modules || continue
		wait_selftests 120 "$m"
		rmmod "$m" 2>/dev/null
	done
	return 0
}

# Every program's exit path, a timeout's SIGTERM included: first the program's
# own undo steps (on_exit, newest first), then the common state.
vcrs_undo=""
on_exit() { vcrs_undo="$*
$vcrs_undo"; }
vcrs_exit() {
	rc=$?
	trap - EXIT TERM INT HUP
	kill $(jobs -p) 2>/dev/null
	eval "$vcrs_undo" >/dev/null 2>&1
	guest_reset >/dev/null 2>&1
	exit $rc
}
trap vcrs_exit EXIT
trap 'exit 143' TERM INT HUP
