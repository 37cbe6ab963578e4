#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A QEMU that has `vhost-user-test-device-pci` (QEMU >= 10.2), the generic
# vhost-user device that lets our own backend own the whole virtio device
# (config space, control and data queues). Debian 12 only has QEMU 10.0, so
# this builds, once, a Debian trixie root (debootstrap minbase) with
# qemu-system-x86 and qemu-utils (qemu-storage-daemon, qemu-img) from
# trixie-backports, cached in $CACHE/qemu-root-<suite>-<version>.
#
#   scripts/qemu-vhost-user.sh build            build the root unless cached
#   scripts/qemu-vhost-user.sh path             print the root (builds it)
#   scripts/qemu-vhost-user.sh bindir           print a folder of host wrappers:
#                                               qemu-system-x86_64, qemu-storage-daemon,
#                                               qemu-img, qemu-io, qemu-nbd
#   scripts/qemu-vhost-user.sh qemu             print a qemu-system-x86_64 that has the
#                                               device: the one on PATH if it has it,
#                                               else the root's wrapper (use as QEMU=)
#   scripts/qemu-vhost-user.sh exec <args...>   run the root's qemu-system-x86_64
#   scripts/qemu-vhost-user.sh run <prog> <args...>  run another of its programs
#   scripts/qemu-vhost-user.sh check [vmlinux]  verify: version, device properties,
#                                               and a boot of the test kernel with
#                                               qemu-storage-daemon's vhost-user-blk
#                                               export behind the device (TCG)
# VCRYPTO_QEMU_VERSION=<Debian version> asks for that exact package version
# (default: the trixie-backports version the host's apt lists know of, else
# the newest one). Building needs root (or sudo); using the root does not.
#
# How the root's QEMU runs: directly on the host, not in a chroot. Each
# wrapper starts the binary with the root's own dynamic loader and libraries
#   <root>/lib64/ld-linux-x86-64.so.2 --library-path <root>/usr/lib/x86_64-linux-gnu
# (trixie's QEMU needs glibc >= 2.38, the host has 2.36, so plain
# LD_LIBRARY_PATH with the host's loader cannot work), and points QEMU at the
# root's data: -L <root>/usr/share/qemu and <root>/usr/share/seabios (firmware,
# option ROMs, keymaps; QEMU's built-in /usr/share/qemu would find the host's
# QEMU 10.0 files) and QEMU_MODULE_DIR (otherwise QEMU 11 dlopens the host's
# QEMU 10.0 modules and aborts on `-device help`). So every host path — the
# kernel, the initramfs, vhost-user sockets, /dev/kvm, memfd — is the same
# for QEMU as for the caller, nothing has to be bind-mounted or unmounted,
# any number of QEMUs may run at once, and no root is needed to run them.
# A chroot would need root, bind mounts of /dev, /proc, /sys and of every
# folder holding files or sockets, and cleanup of those mounts on every exit.
. "$(dirname "$0")/lib.sh"

suite=trixie
bpo=$suite-backports
pkgs=(qemu-system-x86 qemu-utils)
min_version=10.2
wrapped=(qemu-system-x86_64 qemu-storage-daemon qemu-img qemu-io qemu-nbd)
device=vhost-user-test-device-pci

usage() { sed -n '10,26s/^# \{0,1\}//p' "$0" >&2; exit 2; }

[ "$(uname -m)" = x86_64 ] || die "unsupported host: $(uname -m); the QEMU root is built for x86_64 hosts only"

# The package version asked for: the caller's, else what the host's apt lists
# say trixie-backports has (scripts/host-deps.sh adds that suite, pinned
# away), else "latest". It names the root so that a new version gets a new root.
requested=${VCRYPTO_QEMU_VERSION:-}
if [ -z "$requested" ] && command -v apt-cache >/dev/null; then
	requested=$(apt-cache madison qemu-system-x86 2>/dev/null |
		    awk -F'|' -v s=" $bpo/" 'index($3, s) {gsub(/ /, "", $2); print $2; exit}')
fi
key=$suite-${requested:-latest}
key=${key//[:~]/_}
root=$CACHE/qemu-root-$key
stamp=$root/.vcrypto-root-ready   # written last: its absence means half-built
bindir=$root/.host-bin

# Unmount anything left under the root (debootstrap bind-mounts /dev entries
# when it thinks it runs in a container, and mounts /proc and /sys), then
# remove it without crossing into other file systems.
remove_root() {
	local m
	if [ -e "$root" ]; then
		awk -v r="$root" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts |
			sort -r | while read -r m; do as_root umount -l "$m" || true; done
		as_root rm -rf --one-file-system "$root"
	fi
}

qemu_version() { # qemu_version <qemu-system binary> -> e.g. 11.1.3
	"$1" --version 2>/dev/null | sed -n '1s/^QEMU emulator version \([0-9][0-9.]*\).*/\1/p'
}

version_ge() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -1)" = "$2" ]; }

has_device() { "$1" -device "$device,help" >/dev/null 2>&1; }

write_wrappers() {
	local prog extra tmp
	tmp=$(mktemp)
	as_root mkdir -p "$bindir"
	for prog in "${wrapped[@]}"; do
		[ -x "$root/usr/bin/$prog" ] || continue
		extra=
		if [ "$prog" = qemu-system-x86_64 ]; then
			for d in usr/share/qemu usr/share/seabios usr/lib/ipxe/qemu; do
				[ -d "$root/$d" ] && extra="$extra -L \"\$R/$d\""
			done
		fi
		cat > "$tmp" <<-EOF
		#!/bin/sh
		# Generated by scripts/qemu-vhost-user.sh: run $prog from the Debian
		# $suite root with its own loader, libraries, modules and firmware.
		R='$root'
		QEMU_MODULE_DIR="\$R/usr/lib/x86_64-linux-gnu/qemu"
		export QEMU_MODULE_DIR
		exec "\$R/lib64/ld-linux-x86-64.so.2" --library-path "\$R/usr/lib/x86_64-linux-gnu" \\
			--argv0 "\$0" "\$R/usr/bin/$prog"$extra "\$@"
		EOF
		as_root install -m 755 "$tmp" "$bindir/$prog"
	done
	rm -f "$tmp"
}

build_root() {
	[ -f "$stamp" ] && return 0
	# One builder at a time; the others wait and then find the stamp.
	local lock=$CACHE/qemu-root-$key.lock
	exec 9>>"$lock" || die "cannot open $lock"
	if ! flock -n 9; then
		say "another process is building $root; waiting"
		flock 9
	fi
	if [ -f "$stamp" ]; then exec 9>&-; return 0; fi

	command -v apt-get >/dev/null ||
		die "unsupported host: no apt-get; this builds a Debian root with debootstrap (or put a QEMU >= $min_version with $device on PATH)"
	if [ "$(id -u)" -ne 0 ] && ! sudo -n true 2>/dev/null; then
		die "building the QEMU root needs root (debootstrap, chroot): run as root or with passwordless sudo"
	fi
	# debootstrap and chroot live in sbin, often not on a user's PATH.
	PATH=$PATH:/usr/sbin:/sbin
	if ! command -v debootstrap >/dev/null; then
		say "debootstrap missing: running scripts/host-deps.sh"
		"$TOP/scripts/host-deps.sh"
	fi
	local ds
	ds=$(command -v debootstrap) || die "debootstrap not found even after scripts/host-deps.sh"
	command -v chroot >/dev/null || die "unsupported host: no chroot command"

	local uri log script=() include=() t0=$SECONDS
	uri=$(debian_uri)
	log=$CACHE/qemu-root-$key.log
	: > "$log"
	# A debootstrap older than the suite has no script for it; sid's works.
	[ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
	case $uri in https:*) include=(--include=ca-certificates) ;; esac

	if [ -e "$root" ]; then
		say "removing the unfinished QEMU root $root"
		remove_root
	fi
	say "debootstrap --variant=minbase $suite from $uri (about 30 s; log: $log)"
	as_root "$ds" --variant=minbase "${include[@]}" "$suite" "$root" "$uri" "${script[@]}" >>"$log" 2>&1 ||
		{ tail -5 "$log" >&2; die "debootstrap failed (log: $log); run again to retry"; }

	# The root's apt: the same archive, plus the host apt's proxy if any.
	echo "deb $uri $bpo main" | as_root tee "$root/etc/apt/sources.list.d/$bpo.list" >/dev/null
	apt-config dump 2>/dev/null | grep -iE '^Acquire::(https?|ftp)::Proxy' |
		as_root tee "$root/etc/apt/apt.conf.d/90host-proxy" >/dev/null || true

	local spec=() p
	for p in "${pkgs[@]}"; do spec+=("$p${requested:+=$requested}"); done
	in_root() {
		as_root chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
			LC_ALL=C DEBIAN_FRONTEND=noninteractive \
			${http_proxy:+http_proxy=$http_proxy} ${https_proxy:+https_proxy=$https_proxy} "$@"
	}
	say "apt-get install -t $bpo --no-install-recommends ${spec[*]} (about 30 s)"
	in_root apt-get update -q >>"$log" 2>&1 || { tail -5 "$log" >&2; die "apt-get update in the root failed (log: $log)"; }
	if ! in_root apt-get install -y -q -t "$bpo" --no-install-recommends "${spec[@]}" >>"$log" 2>&1; then
		[ -n "$requested" ] && [ -z "${VCRYPTO_QEMU_VERSION:-}" ] ||
			{ tail -5 "$log" >&2; die "installing ${spec[*]} in the root failed (log: $log)"; }
		# The host's apt lists may be older than the archive.
		say "version $requested is gone from $bpo; installing its current version"
		in_root apt-get install -y -q -t "$bpo" --no-install-recommends "${pkgs[@]}" >>"$log" 2>&1 ||
			{ tail -5 "$log" >&2; die "installing QEMU in the root failed (log: $log)"; }
	fi
	# Nothing is ever installed into it again: drop the package caches.
	in_root apt-get clean >>"$log" 2>&1
	as_root find "$root/var/lib/apt/lists" -type f -delete

	write_wrappers
	local v
	v=$(qemu_version "$bindir/qemu-system-x86_64")
	[ -n "$v" ] || die "the root's qemu-system-x86_64 does not run on this host (see: $bindir/qemu-system-x86_64 --version)"
	version_ge "$v" "$min_version" || die "$bpo gave QEMU $v, older than $min_version"
	has_device "$bindir/qemu-system-x86_64" || die "QEMU $v in $root has no $device"
	echo "$v" | as_root tee "$stamp" >/dev/null
	exec 9>&-
	say "QEMU $v ready in $root ($(du -sh --one-file-system "$root" | cut -f1), $((SECONDS - t0)) s)"
}

# The end-to-end check: qemu-storage-daemon exports a vhost-user-blk device,
# QEMU presents it through vhost-user-test-device-pci with virtio-id 2, and a
# busybox initramfs prints what the guest's virtio bus shows.
check() {
	local kernel=${1:-} q v tmp rc=0
	qsd_pid=
	if [ -z "$kernel" ]; then
		kernel=$(ls -t "$CACHE"/build/*/vmlinux 2>/dev/null | head -1) ||
			true
		[ -n "$kernel" ] || die "no test kernel in $CACHE/build; build one (scripts/kernel.sh) or pass a vmlinux"
	fi
	[ -f "$kernel" ] || die "no kernel at $kernel"
	[ -x /bin/busybox ] || die "/bin/busybox missing: run scripts/host-deps.sh"
	command -v cpio >/dev/null || die "cpio missing: run scripts/host-deps.sh"
	q=$bindir/qemu-system-x86_64
	v=$(qemu_version "$q")
	version_ge "$v" "$min_version" || die "QEMU $v < $min_version"
	say "QEMU $v ($q)"
	"$q" -device "$device,help" | grep -E '^  (virtio-id|num_vqs|config_size|vq_size|chardev)=' >&2

	# Short paths: a unix socket path must fit in 108 bytes.
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/vcrs-vu.XXXXXX")
	# shellcheck disable=SC2064
	trap "[ -z \"\$qsd_pid\" ] || { kill \"\$qsd_pid\"; wait \"\$qsd_pid\"; } 2>/dev/null; rm -rf '$tmp'" EXIT
	mkdir -p "$tmp/ir/bin" "$tmp/ir/proc" "$tmp/ir/sys"
	cp /bin/busybox "$tmp/ir/bin/busybox"
	cat > "$tmp/ir/init" <<-'EOF'
	#!/bin/busybox sh
	/bin/busybox mount -t proc proc /proc
	/bin/busybox mount -t sysfs sysfs /sys
	for d in /sys/bus/virtio/devices/*; do
		[ -e "$d/device" ] && echo "VU-VIRTIO $d device=$(/bin/busybox cat $d/device) vendor=$(/bin/busybox cat $d/vendor)"
	done
	echo VU-DONE
	/bin/busybox reboot -f
	EOF
	chmod +x "$tmp/ir/init"
	(cd "$tmp/ir" && find . | cpio -o -H newc --quiet) > "$tmp/initrd"
	truncate -s 64M "$tmp/disk.img"

	"$bindir/qemu-storage-daemon" \
		--blockdev "driver=file,node-name=disk,filename=$tmp/disk.img" \
		--export "type=vhost-user-blk,id=exp0,node-name=disk,addr.type=unix,addr.path=$tmp/vu.sock,writable=on" \
		> "$tmp/qsd.log" 2>&1 &
	qsd_pid=$!
	for _ in $(seq 100); do [ -S "$tmp/vu.sock" ] && break; sleep 0.1; done
	[ -S "$tmp/vu.sock" ] || { cat "$tmp/qsd.log" >&2; die "qemu-storage-daemon did not create its socket"; }

	local cmd=("$q" -accel tcg -M q35 -cpu max -m 1G -nographic -no-reboot -display none -monitor none
		-serial "file:$tmp/console.log"
		-object memory-backend-memfd,id=mem,size=1G,share=on -machine memory-backend=mem
		-chardev "socket,id=vu,path=$tmp/vu.sock"
		-device "$device,chardev=vu,virtio-id=2,num_vqs=1,config_size=60"
		-kernel "$kernel" -initrd "$tmp/initrd" -append "console=ttyS0 panic=-1 rdinit=/init")
	say "booting: ${cmd[*]}"
	timeout -k 5 120 "${cmd[@]}" || rc=$?
	if ! grep -q 'VU-VIRTIO .* device=0x0002' "$tmp/console.log" 2>/dev/null; then
		tail -20 "$tmp/console.log" >&2 2>/dev/null || true
		cat "$tmp/qsd.log" >&2
		die "the guest saw no virtio device with id 2 (QEMU exit $rc)"
	fi
	grep '^VU-VIRTIO' "$tmp/console.log" | tr -d '\r' >&2
	say "end to end OK: the guest sees the vhost-user-blk backend as virtio device 2"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case $cmd in
build)  build_root ;;
path)   build_root; echo "$root" ;;
bindir) build_root; echo "$bindir" ;;
qemu)
	if command -v qemu-system-x86_64 >/dev/null &&
	   version_ge "$(qemu_version qemu-system-x86_64)" "$min_version" && has_device qemu-system-x86_64; then
		command -v qemu-system-x86_64
	else
		build_root; echo "$bindir/qemu-system-x86_64"
	fi ;;
exec)   build_root; exec "$bindir/qemu-system-x86_64" "$@" ;;
run)
	[ $# -ge 1 ] || usage
	build_root
	prog=$1; shift
	[ -x "$bindir/$prog" ] || die "no wrapper for $prog; have: ${wrapped[*]}"
	exec "$bindir/$prog" "$@" ;;
check)  build_root; check "$@" ;;
*)      usage ;;
esac
