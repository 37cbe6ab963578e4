#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Install everything the build and the guest need on a Debian 12 host:
# compilers and kernel build tools, libclang 19 + bindgen for Rust-for-Linux,
# QEMU (bookworm-backports), guest userland (busybox, cryptsetup, iproute2),
# matplotlib for `make bench`'s plot.
# Re-runnable: it only does what is missing.
. "$(dirname "$0")/lib.sh"

stamp=$CACHE/host-deps.v5
if [ -f "$stamp" ] && command -v bindgen >/dev/null && command -v qemu-system-x86_64 >/dev/null; then
	say "host dependencies already installed ($stamp)"
	exit 0
fi

command -v apt-get >/dev/null || die "apt-get not found: install by hand gcc make flex bison bc libelf-dev libssl-dev cpio xz, libclang>=17, QEMU>=7.2 with virtio-crypto, busybox (static), cryptsetup, iproute2, rustup with rust-src and bindgen-cli 0.73"
command -v rustup >/dev/null || die "rustup not found: install it from https://rustup.rs (the kernel needs rustc >= 1.85 and rust-src)"

uri=$(debian_uri)
list=/etc/apt/sources.list.d/virtio-crypto-rs.list
want="deb $uri bookworm-backports main
deb $uri trixie-backports main"
if [ "$(cat "$list" 2>/dev/null)" != "$want" ]; then
	say "adding bookworm-backports and trixie-backports from $uri"
	echo "$want" | as_root tee "$list" >/dev/null
	# Never let trixie packages replace the host's own.
	printf 'Package: *\nPin: release n=trixie-backports\nPin-Priority: 1\n' |
		as_root tee /etc/apt/preferences.d/virtio-crypto-rs >/dev/null
fi
say "apt-get update"
as_root apt-get update -qq

pkgs=(build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils kmod
      libclang-19-dev clang-19 llvm-19 busybox-static cryptsetup-bin iproute2
      debootstrap e2fsprogs dkms python3-matplotlib)
say "installing: ${pkgs[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
say "installing QEMU from bookworm-backports"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	-t bookworm-backports qemu-system-x86 >/dev/null

say "rustup: rust-src"
rustup component add rust-src clippy rustfmt >/dev/null
if ! bindgen --version 2>/dev/null | grep -q '0\.73'; then
	say "cargo install bindgen-cli 0.73.2 (about 2 minutes)"
	cargo install --locked --quiet bindgen-cli --version 0.73.2
fi
touch "$stamp"
say "host dependencies ready"
