#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Our vhost-user virtio crypto device (tools/vhost-user-crypto) for a guest run.
#
#   scripts/vhost-user-device.sh start <dir> [device options...]
#       build the device, start it in the background (log: <dir>/device.log),
#       wait for its sockets and print the QEMU arguments that attach it
#   scripts/vhost-user-device.sh stop <dir>
#       stop it if it still runs; fail if it panicked or exited with an error
#
# The device runs with --once, so it exits when QEMU disconnects. Its fault
# socket is wired to the guest's fourth serial port (ttyS3): a guest test
# writes a fault command line there and reads the device's reply line.
# --max-dataqueues N (the device's default: 1) also sets QEMU's num_vqs to N + 1.
# Every queue has VCRYPTO_VQ_SIZE entries (default 1024, the most a split ring
# has in QEMU): QEMU's vq_size and the device's --queue-size, unless the
# options name a --queue-size of their own (then QEMU's vq_size is that).
. "$(dirname "$0")/lib.sh"

crate=$TOP/tools/vhost-user-crypto
bin=$crate/target/release/vhost-user-crypto
cmd=${1:-} dir=${2:-}
[ -n "$dir" ] || die "usage: $0 start|stop <dir> [device options...]"
shift 2

start() {
	local queues=1 vq_size="" i args=("$@")
	for ((i = 0; i < ${#args[@]}; i++)); do
		[ "${args[i]}" = --max-dataqueues ] && queues=${args[i + 1]}
		[ "${args[i]}" = --queue-size ] && vq_size=${args[i + 1]}
	done
	if [ -z "$vq_size" ]; then
		vq_size=${VCRYPTO_VQ_SIZE:-1024}
		set -- "$@" --queue-size "$vq_size"
	fi
	say "building the vhost-user-crypto device" >&2
	(cd "$crate" && PATH=$HOME/.cargo/bin:$PATH cargo build --release --quiet) >&2 ||
		die "the device does not build"
	mkdir -p "$dir"
	rm -f "$dir"/{device.sock,fault.sock,device.log,device.pid,device.rc}
	# shellcheck disable=SC2086
	( RUST_LOG=${VCRYPTO_DEVICE_LOG:-info} "$bin" --once --socket-path "$dir/device.sock" \
		--fault-socket "$dir/fault.sock" "$@" \
		>"$dir/device.log" 2>&1; echo $? >"$dir/device.rc" ) >/dev/null 2>&1 &
	echo $! >"$dir/device.pid"
	for i in $(seq 100); do
		[ -S "$dir/device.sock" ] && [ -S "$dir/fault.sock" ] && break
		[ -e "$dir/device.rc" ] && { cat "$dir/device.log" >&2; die "the device exited at start"; }
		sleep 0.1
	done
	[ -S "$dir/device.sock" ] || die "the device did not create $dir/device.sock"
	say "device up: $queues data queues of $vq_size entries, log $dir/device.log" >&2
	echo "-object memory-backend-memfd,id=mem,size=1G,share=on -machine memory-backend=mem" \
		"-chardev socket,id=vuc,path=$dir/device.sock" \
		"-device vhost-user-test-device-pci,chardev=vuc,virtio-id=20,num_vqs=$((queues + 1)),vq_size=$vq_size,config_size=56" \
		"-chardev socket,id=fault,path=$dir/fault.sock -serial chardev:fault"
}

stop() {
	local pid i
	pid=$(cat "$dir/device.pid" 2>/dev/null) || return 0
	# --once: the device leaves by itself once QEMU has gone; give it a moment.
	for i in $(seq 50); do [ -e "$dir/device.rc" ] && break; sleep 0.1; done
	if [ ! -e "$dir/device.rc" ]; then
		say "the device is still running after QEMU left: stopping it"
		pkill -P "$pid" 2>/dev/null; kill "$pid" 2>/dev/null
	fi
	rm -f "$dir/device.pid"
	if grep -q "panicked" "$dir/device.log"; then
		grep -A5 "panicked" "$dir/device.log" >&2
		return 1
	fi
	[ "$(cat "$dir/device.rc" 2>/dev/null)" = 0 ]
}

case $cmd in
start) start "$@" ;;
stop) stop ;;
*) die "usage: $0 start|stop <dir> [device options...]" ;;
esac
