#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make run`: boot a guest with the module and QEMU's virtio crypto device;
# show the config the driver read and the algorithms it registered; leave a
# shell when run from a terminal, exit with that summary otherwise.
. "$(dirname "$0")/lib.sh"

kdir=${KDIR:-$("$TOP/scripts/kernel.sh")}
out=$CACHE/run
mkdir -p "$out"
"$TOP/scripts/initramfs.sh" "$kdir" "$out/initramfs.cpio.gz"
"$TOP/scripts/qemu.sh" "$kdir" "$out/initramfs.cpio.gz" run "$out" 600 || true
[ -t 0 ] || cat "$out/console.log"
