#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: set everything up, run the host tests and the guest tests,
# print every failure, the run's timeline and slowest programs, and a closing
# line "N passed, N failed".
#
# Three lanes share the machine's two cores from the start:
#   plain  the plain kernel, host tests, then the guests on it, one at a time;
#   debug  the debug kernel (lockdep, KASAN, DEBUG_SG; built once, cached),
#          the module against it, then two guests on it side by side, then
#          whichever of the plain kernel's shorter guests the plain lane has
#          not started yet (SHARED_GUESTS);
#   stock  Debian's stock cloud kernel: our module built for it with its own
#          toolchain, and a guest on it (scripts/stock-kernel.sh).
# The debug kernel is the longest build, so it starts at once; a TCG guest
# keeps about one core busy, so it goes on building while the plain guests
# run, and on a warm cache the debug guests run beside them. The QEMU root and
# our device build meanwhile too (mostly download).
#
# VCRYPTO_ONLY=vhost-user,debug-vhost-user,stock runs only those guests and no host
# tests (for development; the summary then counts only what ran), and
# VCRYPTO_GUEST_TESTS=a.sh,b.sh runs only those programs in each of them.
. "$(dirname "$0")/lib.sh"

out=${VCRYPTO_OUT:-$CACHE/check-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"
say "results and logs: $out"
T0=$(date +%s)
: > "$out/timeline"

# stage <lane> <what> <command...>: run a step and note when it started and
# how long it took in $out/timeline.
stage() {
	local lane=$1 what=$2 s rc=0
	shift 2
	s=$(date +%s)
	"$@" || rc=$?
	printf '%6s  %6s  %-6s %s%s\n' "+$(mmss $((s - T0)))" "$(mmss $(($(date +%s) - s)))" "$lane" "$what" \
		"$([ $rc = 0 ] || echo " (failed)")" >> "$out/timeline"
	return $rc
}
mmss() { printf '%d:%02d' $(($1 / 60)) $(($1 % 60)); }

stage setup "host dependencies" "$TOP/scripts/host-deps.sh"
# The QEMU root for the vhost-user device and the device itself, while the
# kernels build (the root is mostly download; both lanes need them).
{ stage setup "QEMU 11 root, vhost-user device" bash -c \
	'"$1/scripts/qemu-vhost-user.sh" build >&2 &&
	 cd "$1/tools/vhost-user-crypto" && PATH=$HOME/.cargo/bin:$PATH cargo build --release --quiet' _ "$TOP"
  echo $? > "$out/.setup.rc"; } &
# Both lanes wait for it before their first guest.
setup_wait() { while [ ! -e "$out/.setup.rc" ]; do sleep 2; done; }

# Kernel log lines that are a report of a bug: WARN, BUG, oops, KASAN, lockdep,
# sleeping in atomic context, list/sg corruption, refcount errors.
KERNEL_REPORTS='WARNING:|BUG:|Oops|kernel BUG|general protection|UBSAN:|KASAN:|refcount_t:|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|sleeping function called|list_(add|del) corruption|kmemleak: [0-9]+ new suspected'
EXPECT=$TOP/tools/testing/selftests/drivers/crypto/virtio/expect
# Reports of known bugs of the kernel itself (not of our module) are shown,
# not counted: see the file.
KNOWN_REPORTS=$TOP/tools/testing/selftests/drivers/crypto/virtio/known_kernel_reports.awk

# guest <name> <expect-file> [device options for the vhost-user device]
# The guest writes results.ktap; the host writes host.ktap beside it: the guest
# ran to completion, its whole kernel log (streamed on ttyS2) has no checker
# report, and our device, if it served this guest, exited cleanly.
# The guests called qemu-builtin and *unplug use QEMU's builtin device instead;
# the *unplug ones have it hot-pluggable, with the monitor on the guest's
# ttyS3 (scripts/qemu.sh VCRYPTO_HOTPLUG=1).
only() { [ -z "${VCRYPTO_ONLY:-}" ] || [[ ",$VCRYPTO_ONLY," == *",$1,"* ]]; }
guest() {
	only "$1" || return 0
	local name=$1 expect=$2 dir=$out/$1 args="" qemu=${QEMU:-} rc=0 kdir=${GUEST_KDIR:-$kdir} n=2 builtin=0 hotplug=0
	shift 2
	case $name in qemu-builtin) builtin=1 ;; *unplug) builtin=1 hotplug=1 ;; esac
	mkdir -p "$dir"
	"$TOP/scripts/initramfs.sh" "$kdir" "$dir/initramfs.cpio.gz" "$expect"
	if [ $builtin = 0 ]; then
		qemu=$("$TOP/scripts/qemu-vhost-user.sh" qemu)
		args=$("$TOP/scripts/vhost-user-device.sh" start "$dir" "$@") || args=""
		[ -n "$args" ] && args="$args ${GUEST_MORE_DEVICES:-}"
		n=3
	fi
	if [ $builtin = 1 ] || [ -n "$args" ]; then
		QEMU=$qemu VCRYPTO_DEVICE_ARGS=$args VCRYPTO_HOTPLUG=$hotplug \
			VCRYPTO_TESTS=${VCRYPTO_GUEST_TESTS:-${VCRYPTO_TESTS:-}} \
			"$TOP/scripts/qemu.sh" "$kdir" "$dir/initramfs.cpio.gz" test "$dir" "${GUEST_TIMEOUT:-1500}" || true
	fi
	[ $builtin = 1 ] || "$TOP/scripts/vhost-user-device.sh" stop "$dir" || rc=1
	{ echo "KTAP version 1"; echo "1..$n"
	  if grep -q "VCRS-RESULTS-DONE" "$dir/results.ktap" 2>/dev/null; then
		echo "ok 1 guest $name ran to completion"
	  else
		tail -30 "$dir/console.log" 2>/dev/null | sed 's/^/# console: /'
		echo "not ok 1 guest $name ran to completion"
	  fi
	  awk -f "$KNOWN_REPORTS" "$dir/dmesg.log" 2>/dev/null | grep -a "^KNOWN: " | sort -u | sed 's/^/# /'
	  reports=$(awk -f "$KNOWN_REPORTS" "$dir/dmesg.log" 2>/dev/null | grep -aE "$KERNEL_REPORTS" | head -5)
	  if [ -z "$reports" ] && [ -s "$dir/dmesg.log" ]; then
		echo "ok 2 guest $name: kernel log free of warnings and checker reports"
	  else
		echo "$reports" | sed 's/^/# /'
		echo "not ok 2 guest $name: kernel log free of warnings and checker reports"
	  fi
	  if [ $n = 3 ]; then
		[ $rc = 0 ] && echo "ok 3 device: vhost-user-crypto served guest $name and exited cleanly" ||
			echo "not ok 3 device: vhost-user-crypto served guest $name and exited cleanly"
	  fi; } > "$dir/host.ktap"
	say "guest $name done:"
	sed -n '/^# VCRS-RESULTS-DONE/q;p' "$dir/results.ktap" 2>/dev/null | grep -E '^(not )?ok |^# time:'
	grep -E '^not ok' "$dir/host.ktap" || true
}

host_tests() {
	if [ -z "${VCRYPTO_ONLY:-}" ]; then
		"$TOP/scripts/tests/host_ktap_count.sh" > "$out/host_ktap.ktap" 2>&1 || true
		"$TOP/scripts/tests/host_bench_report.sh" > "$out/host_bench_report.ktap" 2>&1 || true
		"$TOP/scripts/tests/host_kdir_errors.sh" "$kdir" > "$out/host_kdir.ktap" 2>&1 || true
		# This one also builds the module (under clippy) for the guest.
		"$TOP/scripts/tests/host_code_rules.sh" "$kdir" > "$out/host_rules.ktap" 2>&1 || true
		"$TOP/scripts/tests/host_device_crate.sh" > "$out/host_device.ktap" 2>&1 || true
		"$TOP/scripts/tests/host_docs_messages.sh" > "$out/host_docs.ktap" 2>&1 || true
		cat "$out"/host_*.ktap
	fi
	make -s -C "$TOP" KDIR="$kdir" >/dev/null 2>"$out/build.log" || { cat "$out/build.log"; return 1; }
	# The parallel load generator (tools/crypto-loadgen) for the smp guest:
	# scripts/initramfs.sh ships it when it is built.
	# shellcheck disable=SC2046
	make -s -C "$kdir" M="$TOP/tools/crypto-loadgen" $(cat "$kdir/.vcrypto-make-args" 2>/dev/null) modules \
		>/dev/null 2>>"$out/build.log" || { cat "$out/build.log"; return 1; }
}

plain_lane() {
	if ! kdir=$(stage plain "plain kernel" "$TOP/scripts/kernel.sh"); then
		mkdir -p "$out/build"
		printf 'KTAP version 1\n1..1\nnot ok 1 the plain kernel builds\n' > "$out/build/results.ktap"
		return
	fi
	setup_wait
	say "host tests: scripts, kdir errors, code rules, the vhost-user-crypto crate (cargo test, clippy, rustfmt)"
	if ! stage plain "host tests and module build" host_tests; then
		mkdir -p "$out/build"
		printf 'KTAP version 1\n1..1\nnot ok 1 the module builds\n' > "$out/build/results.ktap"
		return
	fi

	# make install, DKMS and the sample module, as a user does them; the
	# vhost-user guest modprobes what DKMS installed and runs the samples.
	if only vhost-user; then
		stage plain "make install, DKMS, sample module" \
			"$TOP/scripts/tests/host_install.sh" "$kdir" "$out/install" > "$out/host_install.ktap" || true
		export VCRYPTO_INSTALL_ROOT=$out/install/root
	fi
	# The plain kernel and module are ready for anyone: the debug lane, done
	# with its own guests, takes shorter ones from the end of SHARED_GUESTS.
	echo "$kdir" > "$out/.plain-kdir"
	say "guest tests: vhost-user-crypto device, 4 data queues, every algorithm it serves"
	VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_c_driver.sh,vcrypto_kunit.sh,vcrypto_dmcrypt.sh,vcrypto_hash.sh,vcrypto_aead.sh,vcrypto_ktls.sh,vcrypto_install.sh,vcrypto_samples.sh \
		stage plain "guest vhost-user" guest vhost-user "$EXPECT/vhost-user" --max-dataqueues 4

	# The device's faults, recovery and suspend in a guest of their own (each
	# guest has QEMU's whole timeout).
	say "guest tests: vhost-user-crypto device, faults and a hostile device"
	VCRYPTO_TESTS=vcrypto_faults.sh,vcrypto_faults_reset.sh,vcrypto_faults_hostile.sh,vcrypto_faults_config.sh,vcrypto_hash_faults.sh,vcrypto_aead_faults.sh,vcrypto_control.sh \
		stage plain "guest vhost-user-faults" guest vhost-user-faults "$EXPECT/vhost-user" --max-dataqueues 4
	say "guest tests: vhost-user-crypto device, recovery, suspend, allocation failures"
	VCRYPTO_TESTS=vcrypto_recover.sh,vcrypto_suspend.sh,vcrypto_faults_alloc.sh,vcrypto_faults_setkey.sh \
		stage plain "guest vhost-user-recover" guest vhost-user-recover "$EXPECT/vhost-user" --max-dataqueues 4

	take_shared plain $SHARED_GUESTS
}

# The plain kernel's shorter guests, in the plain lane's order. Either lane
# runs each (take_shared): the plain lane from the front after its own long
# guests, the debug lane from the back once its guests are done, so that
# neither waits idle for the other (a cold cache lengthens the debug lane, a
# warm one the plain lane).
SHARED_GUESTS="stateless maxsize qemu-builtin unplug two-devices smp"

# take_shared <lane> <name>...: runs each guest no lane has claimed yet.
take_shared() {
	local lane=$1 g
	shift
	for g in "$@"; do
		mkdir "$out/.claimed-$g" 2>/dev/null || continue
		shared_guest "$lane" "$g"
	done
}

# shared_guest <lane> <name>: one of SHARED_GUESTS, on the plain kernel
# ($kdir) with the plain module.
shared_guest() {
	local lane=$1
	case $2 in
	stateless)
	# The stateless, max_size and two-device guests run the full self-tests
	# with 20 random comparisons per algorithm instead of 100 (the vhost-user
	# guest runs them all): they test other device configurations.
	say "guest tests: vhost-user-crypto device with 8 sessions, the driver's requests all stateless (stateless=2)"
	VCRYPTO_CMDLINE="cryptomgr.fuzz_iterations=20" VCRYPTO_GUEST_ENV="VCRYPTO_MODULE_ARGS=stateless=2" \
	VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_kunit.sh,vcrypto_stateless.sh \
		stage "$lane" "guest vhost-user-stateless" guest vhost-user-stateless "$EXPECT/vhost-user" \
		--max-dataqueues 4 --max-sessions 8
	;;
	maxsize)
	# Revision 1 without stateless mode here; the guests above get the device's
	# default (revision 1, stateless mode for every service, which the driver
	# uses only when the session table is full), QEMU's builtin device revision 0.
	say "guest tests: vhost-user-crypto device with max_size 64 KiB (longer messages take the fallback), revision 1 without stateless mode"
	VCRYPTO_CMDLINE="cryptomgr.fuzz_iterations=20" VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_kunit.sh \
		stage "$lane" "guest vhost-user-maxsize" guest vhost-user-maxsize "$EXPECT/vhost-user-maxsize" \
		--max-dataqueues 4 --max-size 65536 --features version-1,revision-1
	;;
	qemu-builtin)
	say "guest tests: QEMU builtin cryptodev backend"
	VCRYPTO_TESTS="" stage "$lane" "guest qemu-builtin" guest qemu-builtin "$EXPECT/qemu-builtin"
	if only qemu-builtin; then
		say "make run's first screen (QEMU's builtin backend)"
		stage "$lane" "make run" "$TOP/scripts/tests/host_run.sh" "$kdir" "$out/run" > "$out/host_run.ktap" || true
	fi
	;;
	unplug)
	say "guest tests: QEMU's builtin device hot-unplugged under load (dm-crypt, KUnit, ESP) and plugged back"
	VCRYPTO_TESTS=vcrypto_unplug.sh stage "$lane" "guest unplug" guest unplug "$EXPECT/qemu-builtin"
	;;
	two-devices)
	say "guest tests: two devices (vhost-user-crypto and QEMU's builtin backend) in one guest"
	GUEST_MORE_DEVICES="-object cryptodev-backend-builtin,id=c1 -device virtio-crypto-pci,cryptodev=c1" \
	VCRYPTO_CMDLINE="cryptomgr.fuzz_iterations=20" VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_multidev.sh \
		stage "$lane" "guest two-devices" guest two-devices "$EXPECT/vhost-user" --max-dataqueues 4
	;;
	smp)
	# QEMU 11.1 has no device with both several data queues and a vector per
	# queue (see vcrypto_queues.sh): its builtin device gets its vector per
	# queue (one data queue, the control queue, the configuration), our device
	# its four queues. crypto_loadgen runs one thread per vCPU.
	say "guest tests: 4 vCPUs, our device (4 data queues) and QEMU's builtin device (MSI-X, a vector per queue)"
	VCRYPTO_SMP=4 GUEST_MORE_DEVICES="-object cryptodev-backend-builtin,id=c1 -device virtio-crypto-pci,cryptodev=c1,vectors=3" \
	VCRYPTO_TESTS=vcrypto_queues.sh \
		stage "$lane" "guest smp" guest smp "$EXPECT/vhost-user" --max-dataqueues 4
	;;
	esac
}

# The plain kernel's shorter guests the plain lane has not taken yet, run in
# the debug lane after its own: the plain kernel and module, none of the
# debug lane's settings.
debug_lane_takes_shared() {
	local names="" g
	[ -s "$out/.plain-kdir" ] || return 0
	for g in $SHARED_GUESTS; do names="$g $names"; done
	(
		unset VCRYPTO_MODULE_DIR GUEST_KDIR VCRYPTO_CMDLINE VCRYPTO_GUEST_ENV GUEST_TIMEOUT
		kdir=$(cat "$out/.plain-kdir")
		# What the plain lane installed for vcrypto_install.sh (the builtin guest runs it too).
		[ -d "$out/install/root" ] && export VCRYPTO_INSTALL_ROOT=$out/install/root
		# shellcheck disable=SC2086
		take_shared debug $names
	)
}

# The module built against the debug kernel, from a copy of its sources (the
# checkout keeps its own build).
debug_module() {
	local dtree=$out/debug-tree
	rm -rf "$dtree" && mkdir -p "$dtree"
	(cd "$TOP" && cp -r Kbuild drivers rust include "$dtree/")
	find "$dtree" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod*' \) -delete
	rm -rf "$dtree/include/generated"
	# shellcheck disable=SC2046
	make -s -C "$kdir_debug" M="$dtree" $(cat "$kdir_debug/.vcrypto-make-args") modules \
		>"$out/build-debug.log" 2>&1 || { tail -20 "$out/build-debug.log"; return 1; }
}

debug_lane() {
	local d=$out/debug-vhost-user
	only debug-vhost-user || only debug-faults || only debug-recover || only debug-unplug || return 0
	if ! kdir_debug=$(stage debug "debug kernel" "$TOP/scripts/kernel.sh" debug); then
		mkdir -p "$d"; printf 'KTAP version 1\n1..1\nnot ok 1 debug kernel builds\n' > "$d/results.ktap"
		return
	fi
	setup_wait
	if ! stage debug "module against the debug kernel" debug_module; then
		mkdir -p "$d"; printf 'KTAP version 1\n1..1\nnot ok 1 module builds against the debug kernel\n' > "$d/results.ktap"
		return
	fi
	# Guests side by side (each keeps about one core busy). Fewer random
	# cases than on the plain kernel: the checkers are what this lane adds; the
	# random comparisons with the generic code run in full on the plain guests.
	say "debug guests: lockdep, KASAN, DEBUG_SG, kmemleak against the vhost-user device"
	export VCRYPTO_MODULE_DIR=$out/debug-tree GUEST_KDIR=$kdir_debug \
		VCRYPTO_CMDLINE="cryptomgr.fuzz_iterations=20" \
		VCRYPTO_GUEST_ENV="VCRYPTO_KUNIT_ARGS=iterations=200 hash_iterations=20;VCRYPTO_RECOVER_MIB=8;VCRYPTO_SUSPEND_MIB=4;VCRYPTO_TEST_TIMEOUT=900"
	# Two tracks side by side (a TCG guest keeps a core busy; the plain and
	# stock lanes have guests of their own meanwhile): probe/kunit/teardown
	# and the short unplug guest (QEMU's builtin device) one after the other;
	# the fault programs and then recovery/suspend beside them. The hostile device, the
	# lying-config and allocation sweeps run on the plain kernel only
	# (kmemleak is there too; here they would take most of an hour). Each
	# program gets 900 s here, each guest 2700 s.
	export GUEST_TIMEOUT=2700
	# debug-vhost-user's requests are all stateless (stateless=2): the checkers
	# see that path too; the fault and recovery guests keep the default.
	{ VCRYPTO_GUEST_ENV="$VCRYPTO_GUEST_ENV;VCRYPTO_MODULE_ARGS=stateless=2" \
	  VCRYPTO_TESTS=vcrypto_probe.sh,vcrypto_kunit.sh,vcrypto_teardown.sh \
		stage debug "guest debug-vhost-user" guest debug-vhost-user "$EXPECT/vhost-user" --max-dataqueues 4
	  VCRYPTO_TESTS=vcrypto_unplug.sh stage debug "guest debug-unplug" guest debug-unplug "$EXPECT/qemu-builtin"
	} &
	{ VCRYPTO_TESTS=vcrypto_faults.sh,vcrypto_faults_reset.sh,vcrypto_hash_faults.sh,vcrypto_aead_faults.sh,vcrypto_control.sh \
		stage debug "guest debug-faults" guest debug-faults "$EXPECT/vhost-user" --max-dataqueues 4
	  VCRYPTO_TESTS=vcrypto_recover.sh,vcrypto_suspend.sh \
		stage debug "guest debug-recover" guest debug-recover "$EXPECT/vhost-user" --max-dataqueues 4
	} &
	wait
	debug_lane_takes_shared
}

# Debian's stock cloud kernel (scripts/stock-kernel.sh): a root with its exact
# toolchain, its Rust crates rebuilt, our module built for it, and a guest on
# its own vmlinuz. A lane of its own from the start: it needs nothing the other
# lanes build, and it is mostly download (cached after the first run) and one
# guest.
stock_test() {
	local f=$out/host_stock.ktap n
	"$TOP/scripts/stock-kernel.sh" test > "$f" && return 0
	# A stop without a failed result of its own (a download, a die) fails too.
	if ! grep -q '^not ok' "$f"; then
		n=$(grep -cE '^(not )?ok ' "$f")
		echo "not ok $((n + 1)) stock kernel: scripts/stock-kernel.sh stopped with an error (see stock-lane.log)" >> "$f"
	fi
	return 1
}
stock_lane() {
	only stock || return 0
	stage stock "Debian's stock kernel: toolchain, module, guest" stock_test || true
	grep -E '^(not )?ok ' "$out/host_stock.ktap" | tail -20
}

say "three lanes: plain kernel and guests here; debug kernel and guests prefixed [debug lane] (log: $out/debug-lane.log); Debian's stock kernel prefixed [stock lane] (log: $out/stock-lane.log)"
debug_lane 2>&1 | tee "$out/debug-lane.log" | sed -u 's/^/[debug lane] /' >&2 &
stock_lane 2>&1 | tee "$out/stock-lane.log" | sed -u 's/^/[stock lane] /' >&2 &
plain_lane
say "plain lane done; waiting for the debug and stock lanes"
wait

say "timeline (start, duration, lane, step); total $(mmss $(($(date +%s) - T0)))"
sort "$out/timeline"
say "summary"
shopt -s nullglob
python3 "$TOP/scripts/ktap_count.py" "$out"/host_*.ktap "$out"/*/results.ktap "$out"/*/host.ktap
