#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installing, as a user does it, against the test kernel's build tree:
#   1. `make install INSTALL_MOD_PATH=<root>`: the module in
#      <root>/lib/modules/<release>/updates/, found by depmod (modules.dep,
#      the virtio alias);
#   2. Debian's dkms: `dkms add`, `dkms build`, `dkms install` with private
#      trees (--dkmstree, --sourcetree, --installtree: no system state is read
#      or written), then depmod on that root; the guest loads the result with
#      `modprobe virtio_crypto_rs` (vcrypto_install.sh, VCRYPTO_INSTALL_ROOT);
#   3. the sample module (samples/crypto-user) built with its own Makefile.
# Usage: host_install.sh <kdir> <workdir>; KTAP on stdout; the DKMS root is
# <workdir>/root. dkms must run as root (it checks).
. "$(dirname "$0")/../lib.sh"
set +e
kdir=$1 w=$2
rel=$(cat "$kdir/include/config/kernel.release")
margs=$(cat "$kdir/.vcrypto-make-args" 2>/dev/null)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
rm -rf "$w" 2>/dev/null || as_root rm -rf "$w"
mkdir -p "$w"
echo "KTAP version 1"; echo "1..7"
n=0; failed=0
result() { # <description> <command...>
	local d=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n $d"; else echo "not ok $n $d"; failed=1; fi
}
log_tail() { tail -15 "$1" | sed 's/^/# /'; }

# 1. make install (the module is built already: `make` ran before).
mi=$w/make-install
if ! make -s -C "$TOP" KDIR="$kdir" INSTALL_MOD_PATH="$mi" install > "$w/make-install.log" 2>&1; then
	log_tail "$w/make-install.log"
fi
result "make install: updates/virtio_crypto_rs.ko under INSTALL_MOD_PATH" \
	test -f "$mi/lib/modules/$rel/updates/virtio_crypto_rs.ko"
result "make install: depmod lists it, with the virtio crypto alias" \
	sh -c 'grep -q "^updates/virtio_crypto_rs.ko:" "$1/modules.dep" &&
		grep -q "^alias virtio:d00000014v\* virtio_crypto_rs$" "$1/modules.alias"' _ "$mi/lib/modules/$rel"

# 2. DKMS, from a copy of the sources as a user's checkout has them.
src=$w/checkout
mkdir -p "$src"
(cd "$TOP" && tar -c --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' --exclude='*.mod' \
	--exclude='*.mod.c' --exclude=include/generated --exclude=Module.symvers --exclude=modules.order \
	dkms.conf Makefile Kbuild drivers rust include scripts) | tar -x -C "$src"
root=$w/root
mkdir -p "$root/lib/modules/$rel" "$w/dkms" "$w/usr-src"
d=(--dkmstree "$w/dkms" --sourcetree "$w/usr-src" --installtree "$root/lib/modules")
# Signing (sign_file, as in /etc/dkms/framework.conf): the test kernel does
# not check signatures, so no key is made.
say "dkms add/build/install virtio-crypto-rs/$ver for $rel (log: $w/dkms.log)"
if as_root env sign_file=/nonexistent PATH="$PATH" HOME="$HOME" dkms add "${d[@]}" "$src" > "$w/dkms.log" 2>&1 &&
   as_root env sign_file=/nonexistent PATH="$PATH" HOME="$HOME" dkms build "${d[@]}" -m virtio-crypto-rs -v "$ver" \
	-k "$rel" --kernelsourcedir "$kdir" >> "$w/dkms.log" 2>&1; then
	result "dkms add and build virtio-crypto-rs/$ver against the test kernel" true
else
	log_tail "$w/dkms.log"; cat "$w"/dkms/virtio-crypto-rs/"$ver"/build/make.log 2>/dev/null | tail -10 | sed 's/^/# /'
	result "dkms add and build virtio-crypto-rs/$ver against the test kernel" false
fi
# depmod on the private root (dkms' own would read /lib/modules/<release>).
as_root env sign_file=/nonexistent PATH="$PATH" HOME="$HOME" dkms install "${d[@]}" -m virtio-crypto-rs -v "$ver" \
	-k "$rel" --kernelsourcedir "$kdir" --no-depmod >> "$w/dkms.log" 2>&1 || log_tail "$w/dkms.log"
result "dkms install: updates/dkms/virtio_crypto_rs.ko in the install tree" \
	test -f "$root/lib/modules/$rel/updates/dkms/virtio_crypto_rs.ko"
as_root depmod -a -b "$root" -F "$kdir/System.map" -e "$rel" >> "$w/dkms.log" 2>&1
result "depmod on the DKMS root lists the module" \
	grep -q "^updates/dkms/virtio_crypto_rs.ko:" "$root/lib/modules/$rel/modules.dep"
status=$(as_root dkms status "${d[@]}" 2>&1)
echo "$status" | sed 's/^/# dkms status: /'
result "dkms status: virtio-crypto-rs/$ver, $rel: installed" \
	sh -c 'echo "$1" | grep -q "^virtio-crypto-rs/$2, $3, .*: installed"' _ "$status" "$ver" "$rel"

# 3. The sample module, built the way its README says.
# shellcheck disable=SC2086
if ! make -s -C "$TOP/samples/crypto-user" KDIR="$kdir" $margs > "$w/sample.log" 2>&1; then
	log_tail "$w/sample.log"
fi
result "samples/crypto-user builds against the test kernel" \
	sh -c 'modinfo -F vermagic "$1" | grep -q "^$2 "' _ "$TOP/samples/crypto-user/vcrypto_sample.ko" "$rel"
exit $failed
