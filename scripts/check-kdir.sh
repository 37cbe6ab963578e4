#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Check that $1 is a kernel build tree the module can be built against, and
# that the tools the build needs are here; one line naming the fix otherwise.
. "$(dirname "$0")/lib.sh"

kdir=${1:-}
[ -n "$kdir" ] || die "KDIR is empty: pass KDIR=<kernel build dir>, or run 'make' without KDIR to use the cached test kernel"
[ -d "$kdir" ] || die "KDIR=$kdir does not exist: pass KDIR=<kernel build dir>, or run 'make' without KDIR to use the cached test kernel"
[ -f "$kdir/Makefile" ] && [ -f "$kdir/.config" ] ||
	die "KDIR=$kdir is not a configured kernel build tree (no Makefile/.config): build the kernel there first, or omit KDIR"
grep -q '^CONFIG_RUST=y' "$kdir/.config" ||
	die "KDIR=$kdir has CONFIG_RUST disabled: enable CONFIG_RUST and rebuild it, or omit KDIR to use the cached test kernel"
[ -f "$kdir/rust/libkernel.rmeta" ] ||
	die "KDIR=$kdir has no built Rust kernel crate (rust/libkernel.rmeta): run 'make' in that kernel tree first"
command -v bindgen >/dev/null ||
	die "bindgen not found: run scripts/host-deps.sh (or: cargo install --locked bindgen-cli --version 0.73.2)"
[ -e "$LIBCLANG_PATH/libclang.so" ] || ls "$LIBCLANG_PATH"/libclang*.so* >/dev/null 2>&1 ||
	die "libclang not found in LIBCLANG_PATH=$LIBCLANG_PATH: run scripts/host-deps.sh (installs libclang-19-dev) or set LIBCLANG_PATH"
exit 0
