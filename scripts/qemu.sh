#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Boot the test kernel with an initramfs under QEMU and a virtio crypto device.
#   scripts/qemu.sh <kdir> <initramfs> <mode> <outdir> [timeout-seconds]
# mode: test | run | probe (see scripts/guest/init). Outputs in <outdir>:
# console.log (unless interactive), results.ktap (ttyS1), dmesg.log (ttyS2).
# VCRYPTO_ACCEL=kvm|tcg forces the accelerator; otherwise KVM is used only if
# a short probe boot succeeds (cached per kernel build).
# VCRYPTO_DEVICE_ARGS replaces the default device (QEMU's builtin backend).
# VCRYPTO_SMP=N: the guest's vCPUs (default 1). Under TCG each vCPU is a host
# thread: on a 2-core host with several guests at once, more vCPUs than the
# test needs only compete for the cores.
# VCRYPTO_BUILTIN_QUEUES=N: QEMU's builtin device (the default one, and the
# hot-pluggable one) gets N data queues and N + 2 MSI-X vectors, one per data
# queue plus the control queue's and the configuration's, so that Linux gives
# every queue a vector of its own (default: QEMU's 2 vectors, one shared by
# all queues). QEMU 11.1's builtin backend serves one data queue only (it
# exits on queues=N for N > 1): N=1 is what it runs today.
# VCRYPTO_TESTS=a.sh,b.sh runs only those guest tests.
# VCRYPTO_CMDLINE adds to the kernel command line (e.g. cryptomgr.fuzz_iterations=).
# VCRYPTO_KERNEL boots that kernel image instead of <kdir>/vmlinux (a
# distribution's vmlinuz, see scripts/stock-kernel.sh).
# VCRYPTO_HOTPLUG=1: QEMU's builtin device (id vcrypto0, backend c0) sits in a
# PCIe root port (id vcrs-rp0) with native hotplug, and QEMU's QMP monitor is
# wired to the guest's ttyS3 (vcrs.monitor=ttyS3 on the kernel command line)
# so that a guest test can device_del and device_add it (vcrypto_unplug.sh).
# ICH9's ACPI hotplug must be off: with it on, the root port hides its native
# hotplug capability and QEMU's ACPI tables keep hotplug for the firmware.
# no_timer_check: a TCG guest starved of CPU (several guests and a build on two
# cores) can otherwise panic at boot with "IO-APIC + timer doesn't work".
. "$(dirname "$0")/lib.sh"

kdir=$1 initrd=$2 mode=$3 outdir=$4 tmo=${5:-900}
mkdir -p "$outdir"
rm -f "$outdir"/{console.log,results.ktap,dmesg.log}
qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found: run scripts/host-deps.sh"

smp=${VCRYPTO_SMP:-1}
builtin_q=${VCRYPTO_BUILTIN_QUEUES:-}
builtin_backend="-object cryptodev-backend-builtin,id=c0${builtin_q:+,queues=$builtin_q}"
builtin_vectors=${builtin_q:+,vectors=$((builtin_q + 2))}
device_args=${VCRYPTO_DEVICE_ARGS:-$builtin_backend -device virtio-crypto-pci,cryptodev=c0$builtin_vectors}
hotplug_args="" hotplug_cmdline=""
if [ "${VCRYPTO_HOTPLUG:-0}" = 1 ]; then
	# The monitor listens on a socket that QEMU's own ttyS3 backend connects
	# to (created in this order, the connection waits in the socket's backlog
	# until QEMU's main loop accepts it). A short path: sockets have ~100 bytes.
	mondir=$(mktemp -d /tmp/vcrs-mon.XXXXXX)
	trap 'rm -rf "$mondir"' EXIT
	hotplug_args="-global ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off
		-device pcie-root-port,id=vcrs-rp0,bus=pcie.0,chassis=1,slot=1
		-chardev socket,id=qmp,path=$mondir/qmp.sock,server=on,wait=off -mon chardev=qmp,mode=control
		-chardev socket,id=qmp-guest,path=$mondir/qmp.sock -serial chardev:qmp-guest"
	[ -n "${VCRYPTO_DEVICE_ARGS:-}" ] ||
		device_args="$builtin_backend -device virtio-crypto-pci,id=vcrypto0,cryptodev=c0,bus=vcrs-rp0$builtin_vectors"
	hotplug_cmdline=" vcrs.monitor=ttyS3"
fi

boot() { # boot <accel> <mode> <outdir> <timeout> [interactive]
	local accel=$1 m=$2 o=$3 t=$4 inter=${5:-0} console clock=""
	if [ "$inter" = 1 ]; then console="-serial mon:stdio"; else console="-serial file:$o/console.log"; fi
	# Under TCG the guest's time follows its own progress (the jiffies clock,
	# as before the kernels had ACPI): with ACPI the kernel calibrates the TSC
	# and keeps wall-clock time, and on a host shared by several guests its
	# timeouts (the crypto API waits 60 s for an algorithm's self-test) then
	# expire while the guest barely ran.
	[ "$accel" = tcg ] && clock=" clocksource=refined-jiffies"
	# shellcheck disable=SC2086,SC2046
	timeout --foreground -k 10 "$t" "$qemu" -accel "$accel" -M q35 -cpu max -smp "$smp" -m 1G \
		-nographic -no-reboot -display none $([ "$inter" = 1 ] || echo -monitor none) \
		-kernel "${VCRYPTO_KERNEL:-$kdir/vmlinux}" -initrd "$initrd" \
		-append "console=ttyS0 no_timer_check loglevel=${VCRYPTO_LOGLEVEL:-5} panic=-1 oops=panic rdinit=/init vcrs.mode=$m vcrs.shell=$inter$clock$hotplug_cmdline${VCRYPTO_TESTS:+ vcrs.tests=$VCRYPTO_TESTS}${VCRYPTO_CMDLINE:+ $VCRYPTO_CMDLINE}" \
		$console -serial "file:$o/results.ktap" -serial "file:$o/dmesg.log" \
		$hotplug_args $device_args
}

accel=${VCRYPTO_ACCEL:-}
if [ -z "$accel" ]; then
	stamp=$CACHE/accel.$(basename "$kdir")
	if [ -f "$stamp" ]; then
		accel=$(cat "$stamp")
	else
		accel=tcg
		if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
			say "probing KVM with a short boot (30 s at most)"
			p=$(mktemp -d)
			# Without the device: a vhost-user device serves one connection only.
			device_args="" boot kvm probe "$p" 30 >/dev/null 2>&1 || true
			grep -q VCRS-BOOT-OK "$p/results.ktap" 2>/dev/null && accel=kvm
			rm -rf "$p"
		fi
		echo "$accel" > "$stamp"
	fi
fi
inter=0
[ "$mode" = run ] && [ -t 0 ] && inter=1
say "booting $(basename "$kdir") under QEMU ($accel, $smp vCPU, mode $mode, timeout ${tmo}s)"
rc=0
if [ "$inter" = 1 ]; then
	boot "$accel" "$mode" "$outdir" "$tmo" "$inter" || rc=$?
else
	# QEMU's own messages (e.g. its backend refusing sessions in tests) go to a log.
	boot "$accel" "$mode" "$outdir" "$tmo" "$inter" 2>"$outdir/qemu.log" || rc=$?
fi
[ "$rc" -eq 124 ] && say "guest timed out after ${tmo}s (kernel log: $outdir/dmesg.log, console: $outdir/console.log)"
exit "$rc"
