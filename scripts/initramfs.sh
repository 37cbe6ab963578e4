#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's initramfs: busybox, cryptsetup and iproute2 with their
# libraries, the module, the kernel's own test modules and the selftests
# (their C programs built here).
#   scripts/initramfs.sh <kdir> <output.cpio.gz> [expect-file]
# VCRYPTO_GUEST_ENV="NAME=value;..." is exported to the guest's tests.
. "$(dirname "$0")/lib.sh"

kdir=$1 out=$2 expect=${3:-}
root=$(mktemp -d "$CACHE/initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

say "building initramfs $out"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc/vcrypto,proc,sys,dev,tmp,run,lib/modules/extra}
cp /bin/busybox "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done

# Dynamically linked tools with their libraries (paths as on the host).
copy_with_libs() {
	local bin=$1 lib
	mkdir -p "$root$(dirname "$bin")"
	cp -L "$bin" "$root$bin"
	for lib in $(ldd "$bin" | grep -oE '/[^ ]+'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}
# kmod: its insmod does not run a module's init twice (busybox insmod retries
# with init_module when finit_module fails, and tcrypt always "fails").
# dash: Debian's /bin/sh, for the samples (busybox's sh runs its own applets,
# e.g. a losetup without --show, before the real tools on PATH).
for tool in /usr/sbin/cryptsetup /usr/sbin/dmsetup /usr/sbin/ip /usr/sbin/losetup /usr/bin/kmod /usr/bin/dash; do
	[ -x "$tool" ] && copy_with_libs "$tool"
done
# busybox applets must not shadow the real tools.
rm -f "$root/bin/ip" "$root/bin/losetup"
# kmod picks its command by the name it is called by; busybox keeps /bin/insmod.
# modprobe, modinfo and depmod are kmod's, as on a distribution (they read
# the installed tree below).
if [ -x "$root/usr/bin/kmod" ]; then
	mkdir -p "$root/usr/libexec/kmod" && ln -s /usr/bin/kmod "$root/usr/libexec/kmod/insmod"
	for t in modprobe modinfo depmod; do ln -s /usr/bin/kmod "$root/usr/sbin/$t"; done
fi

# VCRYPTO_MODULE_DIR: where the modules were built (default: the checkout).
moddir=${VCRYPTO_MODULE_DIR:-$TOP}
cp "$moddir/virtio_crypto_rs.ko" "$root/lib/modules/extra/"
# The KUnit module exists only for a kernel with KUnit (see ./Kbuild).
[ ! -f "$moddir/virtio_crypto_rs_kunit.ko" ] || cp "$moddir/virtio_crypto_rs_kunit.ko" "$root/lib/modules/extra/"
# VCRYPTO_PRELOAD_DIR: modules the guest's init loads first, in the order its
# file "order" names them (a distribution kernel's dm-crypt, loop, ...).
if [ -n "${VCRYPTO_PRELOAD_DIR:-}" ]; then
	mkdir -p "$root/lib/modules/preload"
	while read -r m; do cp "$VCRYPTO_PRELOAD_DIR/$m" "$root/lib/modules/preload/"; done < "$VCRYPTO_PRELOAD_DIR/order"
	cp "$VCRYPTO_PRELOAD_DIR/order" "$root/lib/modules/preload/order"
fi
# The parallel load generator of `make bench`, if it was built.
[ ! -f "$moddir/tools/crypto-loadgen/crypto_loadgen.ko" ] ||
	cp "$moddir/tools/crypto-loadgen/crypto_loadgen.ko" "$root/lib/modules/extra/"
for m in drivers/crypto/virtio/virtio_crypto.ko crypto/crypto_engine.ko crypto/tcrypt.ko; do
	[ -f "$kdir/$m" ] && cp "$kdir/$m" "$root/lib/modules/extra/"
done
# VCRYPTO_INSTALL_ROOT: a root that `make install` or DKMS installed into
# (scripts/tests/host_install.sh); its lib/modules/<release>/ tree, modules.dep
# included, lets the guest `modprobe virtio_crypto_rs`.
if [ -n "${VCRYPTO_INSTALL_ROOT:-}" ] && [ -d "$VCRYPTO_INSTALL_ROOT/lib/modules" ]; then
	cp -r "$VCRYPTO_INSTALL_ROOT/lib/modules/." "$root/lib/modules/"
fi
# The samples as a user copies them (/samples), with the sample module if it
# was built (samples/crypto-user, scripts/tests/host_install.sh).
mkdir -p "$root/samples"
(cd "$TOP/samples" && find . -name '*.sh' -o -name '*.ko' -o -name README) |
	(cd "$TOP/samples" && cpio -pdm --quiet "$root/samples")
cp -r "$TOP/tools/testing/selftests/drivers/crypto/virtio" "$root/selftests"
# The selftests' C programs, static (the guest has no C library of its own).
for c in "$root"/selftests/*.c; do
	${CC:-gcc} -O2 -Wall -static -pthread -o "${c%.c}" "$c" || die "cannot build $(basename "$c")"
	rm "$c"
done
[ -n "$expect" ] && cp "$expect" "$root/etc/vcrypto/expect"
# VCRYPTO_GUEST_ENV: "NAME=value;NAME=value" the guest's tests get in their environment.
echo "${VCRYPTO_GUEST_ENV:-}" | tr ';' '\n' | sed -n "s/^\([A-Z_][A-Z0-9_]*\)=\(.*\)$/export \1='\2'/p" > "$root/etc/vcrypto/env"
cp "$TOP/scripts/guest/init" "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet) | gzip -1 > "$out"
say "initramfs: $(du -h "$out" | cut -f1)"
