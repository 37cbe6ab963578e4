#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fetch Debian's current linux-source-7.2 (trixie-backports), configure it
# from tinyconfig + kernel-config/virtio-crypto-rs.config (+ the profile's own
# fragment), build it, and cache the build outside the checkout, keyed by
# source version, fragments and compiler.
#
#   scripts/kernel.sh [profile]     profile: virtio-crypto-rs (default), or
#                                   debug (lockdep, KASAN, DEBUG_SG; built with clang)
#
# Extra make arguments a module build against this tree needs (CC=clang-19
# for the debug profile) are written to <build>/.vcrypto-make-args; the
# top-level Makefile passes them on.
# Prints the build directory (a valid KDIR) on stdout.
. "$(dirname "$0")/lib.sh"

profile=${1:-virtio-crypto-rs}
base=$TOP/kernel-config/virtio-crypto-rs.config
frag=$TOP/kernel-config/$profile.config
[ -f "$frag" ] || die "no kernel config fragment $frag"
frags=("$base"); [ "$frag" = "$base" ] || frags+=("$frag")
# KASAN with Rust needs a clang-built kernel; everything else uses gcc.
make_args=()
grep -q '^CONFIG_KASAN=y' "$frag" && make_args=(CC=clang-19)

export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export PATH=$HOME/.cargo/bin:$PATH

# --- source: whatever 7.2.x the archive has now, cached by its version ---
ver=$(apt-cache show linux-source-7.2 2>/dev/null | awk '/^Version:/{print $2}' | sort -V | tail -1)
if [ -z "$ver" ]; then
	# Offline or no apt: fall back to the newest source already cached.
	ver=$(ls "$CACHE/src" 2>/dev/null | sed -n 's/^linux-source-7\.2_//p' | sort -V | tail -1)
	[ -n "$ver" ] || die "linux-source-7.2 is unknown to apt: run scripts/host-deps.sh (adds trixie-backports)"
fi
tag=$(echo "$ver" | tr "~+:" "---")   # make-safe path component
src=$CACHE/src/linux-source-7.2_$tag
# Both profiles may start at once: one fetches and extracts, the other waits.
mkdir -p "$CACHE/src"
exec 8>"$src.lock"
flock 8
if [ ! -f "$src/.extracted" ]; then
	say "fetching linux-source-7.2 $ver"
	tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
	(cd "$tmp" && apt-get download -qq "linux-source-7.2=$ver" 2>/dev/null) ||
		die "apt-get download linux-source-7.2=$ver failed"
	say "extracting (about 30 s)"
	rm -rf "$src" && mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-7.2_*.deb |
		tar -xO ./usr/src/linux-source-7.2.tar.xz | tar -xJ -C "$src" --strip-components=1
	rm -rf "$tmp"
	touch "$src/.extracted"
fi
exec 8>&-

# --- build: keyed by version, profile and the fragment's content ---
key=$( (echo "$ver"; [ ${#make_args[@]} -eq 0 ] || echo "${make_args[*]}"; cat "${frags[@]}") | sha256sum | cut -c1-12)
out=$CACHE/build/$profile-$tag-$key
if [ -f "$out/.built" ]; then
	say "kernel $ver ($profile) cached in $out"
	echo "$out"; exit 0
fi
# One build per tree at a time: another run waits, then finds it built.
mkdir -p "$CACHE/build"
exec 9>"$out.lock"
if ! flock -n 9; then
	say "another process is building $out; waiting for it"
	flock 9
fi
if [ -f "$out/.built" ]; then
	say "kernel $ver ($profile) built meanwhile in $out"
	echo "$out"; exit 0
fi
mkdir -p "$out"
say "configuring $ver: tinyconfig + $(for f in "${frags[@]}"; do basename "$f"; done | paste -sd+) ${make_args[*]}"
make -s -C "$src" O="$out" "${make_args[@]}" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
make -s -C "$src" O="$out" "${make_args[@]}" olddefconfig >/dev/null
# Every option the fragment asks for must have stuck: a silently dropped
# option (a missing dependency) would make tests fail in confusing ways.
# A later fragment overrides an earlier one: check each option's last setting.
want=$(cat "${frags[@]}" | grep -E '^CONFIG_[A-Z0-9_]+=' |
	awk -F= '!($1 in v) { order[++n] = $1 } { v[$1] = $0 } END { for (i = 1; i <= n; i++) print v[order[i]] }')
missing=$(echo "$want" | while IFS= read -r l; do
	grep -qxF "$l" "$out/.config" || { [ "${l#*=}" = n ] && ! grep -q "^${l%%=*}=" "$out/.config"; } || echo "$l"
done)
[ -z "$missing" ] || die "config options did not stick (missing dependencies?): $(echo $missing)"
make -s -C "$src" O="$out" "${make_args[@]}" rustavailable >/dev/null ||
	die "Rust is not usable for this kernel: run scripts/host-deps.sh"

jobs=$(nproc)
say "building kernel $ver with $jobs jobs (about 6 minutes on 2 cores, once; log: $out/build.log)"
if ! make -C "$src" O="$out" "${make_args[@]}" -j"$jobs" vmlinux modules >"$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	die "kernel build failed (full log: $out/build.log)"
fi
echo "${make_args[*]}" > "$out/.vcrypto-make-args"
touch "$out/.built"
say "kernel ready: $out"
echo "$out"
