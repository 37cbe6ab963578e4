#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Build virtio_crypto_rs.ko for Debian's stock cloud kernel
# (linux-image-7.2.*-cloud-amd64 from trixie-backports) and test it there:
#
#   1. fetch the image, modules and headers packages of the newest 7.2 cloud
#      kernel (apt-get download; nothing is installed on the host; the
#      linux-kbuild package is not needed: the tree of step 3 has its own
#      host programs, and Debian's need glibc >= 2.38);
#   2. build, once, a Debian root (debootstrap) with the exact toolchain the
#      kernel's .config names: CONFIG_CC_VERSION_TEXT (gcc-14),
#      CONFIG_RUSTC_VERSION_TEXT (Debian's rustc) and CONFIG_BINDGEN_VERSION_TEXT;
#   3. prepare a kernel tree from linux-source-7.2 of the same version with
#      the package's .config and Module.symvers, and build its Rust crates
#      (the headers package ships no rust/*.rmeta): the Rust symbols they
#      define must be the ones the stock vmlinux exports (crate hashes);
#   4. build our module against that tree, from a copy of its sources;
#      modpost checks every undefined symbol against the stock Module.symvers;
#   5. boot Debian's own vmlinuz under QEMU (TCG) with its modules (loop,
#      dm-crypt, veth, xfrm_user, esp4, ...) and run the guest tests
#      vcrypto_probe.sh, vcrypto_load_cycles.sh, vcrypto_dmcrypt.sh,
#      vcrypto_ipsec.sh and vcrypto_teardown.sh (VCRYPTO_STOCK_TESTS=a.sh,b.sh
#      picks others).
#
#   scripts/stock-kernel.sh [build|test]   build: steps 1-4; test (default): all
#
# KTAP on stdout (one result per check, the guest's results nested), progress
# on stderr; exit status 1 on any failure. Everything heavy is cached in
# $CACHE/stock, keyed by the kernel's package version and the toolchain
# (about 12 minutes and 2.2 GB the first time, plus linux-source-7.2 in
# $CACHE/src if scripts/kernel.sh has not extracted it; about 3.5 minutes
# after, nearly all of it the guest under TCG).
# Needs root (debootstrap, chroot) once for the toolchain root and for each
# build step (chroot). VCRYPTO_STOCK_FLAVOUR=cloud-amd64 selects the flavour.
. "$(dirname "$0")/lib.sh"

what=${1:-test}
case $what in build|test) ;; *) sed -n '22s/^# \{0,1\}//p' "$0" >&2; exit 2 ;; esac
flavour=${VCRYPTO_STOCK_FLAVOUR:-cloud-amd64}
PATH=$PATH:/usr/sbin:/sbin
# The toolchain runs in a chroot: as root, through sudo if need be (as the QEMU
# root is built), with the caller's environment (VCRYPTO_CACHE, HOME).
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "the stock-kernel build runs its toolchain in a chroot: run as root"
	exec sudo -E "$0" "$@"
fi

n=0 failed=0
ok()    { n=$((n + 1)); echo "ok $n $*"; }
notok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
diag()  { echo "# $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
# Stop here: the later steps need what failed.
bail()  { notok "$*"; echo "1..$n"; echo "# stock kernel: $n checks, failed at: $*"; exit 1; }

# --- 1. the packages -------------------------------------------------------
# The newest linux-headers-7.2.*-<flavour> the archive has (trixie-backports).
say "looking up Debian's newest 7.2 $flavour kernel"
hdr=$(apt-cache pkgnames "linux-headers-7.2." 2>/dev/null | grep -E "^linux-headers-7\.2\.[0-9]+\+deb[0-9]+-$flavour\$" | sort -V | tail -1)
[ -n "$hdr" ] || die "apt knows no linux-headers-7.2.*-$flavour: run scripts/host-deps.sh (adds trixie-backports)"
abi=${hdr#linux-headers-}; abi=${abi%-"$flavour"}          # e.g. 7.2.12+deb13
release=$abi-$flavour                                        # uname -r
pkgver=$(apt-cache show "$hdr" | awk '/^Version:/{print $2}' | sort -V | tail -1)
tag=$(echo "$pkgver" | tr "~+:" "---")
work=$CACHE/stock/$release-$tag
pkg=$work/pkg
mkdir -p "$work"
echo "KTAP version 1"
diag "stock kernel $release, packages $pkgver"
if [ ! -f "$pkg/.unpacked" ]; then
	say "apt-get download the $release packages"
	rm -rf "$work/debs" "$pkg"; mkdir -p "$work/debs" "$pkg"
	(cd "$work/debs" && apt-get download -q -o APT::Sandbox::User=root \
		"linux-binary-$release=$pkgver" "linux-modules-$release=$pkgver" \
		"linux-headers-$release=$pkgver" "linux-headers-$abi-common=$pkgver" >/dev/null) || die "apt-get download of the $release packages failed"
	for d in "$work"/debs/*.deb; do dpkg-deb -x "$d" "$pkg"; done
	touch "$pkg/.unpacked"
fi
hdrdir=$pkg/usr/src/linux-headers-$release
moddir=$pkg/usr/lib/modules/$release
config=$hdrdir/.config
[ -f "$config" ] && [ -f "$hdrdir/Module.symvers" ] && [ -f "$moddir/vmlinuz" ] ||
	die "unexpected package layout under $pkg (no .config, Module.symvers or vmlinuz)"
cfg() { sed -n "s/^$1=//p" "$config" | sed 's/^"\(.*\)"$/\1/'; }

# The kernel's configuration facts that decide whether an out-of-tree Rust
# module can load at all.
for c in CONFIG_RUST CONFIG_RUSTC_VERSION_TEXT CONFIG_BINDGEN_VERSION_TEXT CONFIG_CC_VERSION_TEXT \
	 CONFIG_MODVERSIONS CONFIG_MODULE_SIG CONFIG_MODULE_SIG_FORCE CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT \
	 CONFIG_VIRTIO_PCI CONFIG_CRYPTO_SELFTESTS CONFIG_CRYPTO_SELFTESTS_FULL CONFIG_DM_CRYPT \
	 CONFIG_INET_ESP CONFIG_TLS CONFIG_CRYPTO_DEV_VIRTIO CONFIG_KUNIT; do
	diag "$c=$(cfg "$c" | grep . || echo n)"
done
check "config: CONFIG_RUST=y" [ "$(cfg CONFIG_RUST)" = y ]
check "config: CONFIG_MODULE_SIG_FORCE off (an unsigned module loads, tainting the kernel)" \
	[ -z "$(cfg CONFIG_MODULE_SIG_FORCE)" ]
check "config: CONFIG_MODVERSIONS off (symbols match by name only)" [ -z "$(cfg CONFIG_MODVERSIONS)" ]
check "config: CONFIG_VIRTIO_PCI=y, CONFIG_CRYPTO_SELFTESTS=y" \
	[ "$(cfg CONFIG_VIRTIO_PCI)$(cfg CONFIG_CRYPTO_SELFTESTS)" = yy ]

# --- 2. the toolchain the kernel was built with -----------------------------
# Debian builds 7.2.x+debNN in the release NN's own suite: its gcc, rustc and
# bindgen are the ones the .config names. Rust crate hashes (and so every
# mangled Rust symbol the kernel exports) depend on the exact rustc version
# string; the layout of core's types on the rustc version itself.
case $abi in *+deb12) suite=bookworm ;; *+deb13) suite=trixie ;; *+deb14) suite=forky ;;
	*) die "cannot tell the Debian suite of kernel $abi" ;; esac
cc_text=$(cfg CONFIG_CC_VERSION_TEXT) rustc_text=$(cfg CONFIG_RUSTC_VERSION_TEXT) bindgen_text=$(cfg CONFIG_BINDGEN_VERSION_TEXT)
cc=${cc_text%% *}                                    # x86_64-linux-gnu-gcc-14
gcc_pkg=gcc-${cc##*-}                                # gcc-14
gcc_ver=$(echo "$cc_text" | sed -n 's/.*(Debian \([^)]*\)).*/\1/p')
rustc_up=$(echo "$rustc_text" | awk '{print $2}')   # 1.85.1
bindgen_up=$(echo "$bindgen_text" | awk '{print $2}')
[ -n "$gcc_ver" ] && [ -n "$rustc_up" ] && [ -n "$bindgen_up" ] ||
	die "cannot read the compilers from $config: '$cc_text' '$rustc_text' '$bindgen_text'"
root=$CACHE/stock/root-$suite-gcc$gcc_ver-rustc$rustc_up-bindgen$bindgen_up
root=${root//[:~+]/_}

# run_root <command...>: run in the root, in a mount namespace of its own in
# which the cache and the checkout are bind-mounted at their own paths (the
# mounts go away with the command, whatever happens).
run_root() {
	unshare --mount --propagation private -- env R="$root" C="$CACHE" T="$TOP" bash -c '
		set -e
		for d in "$C" "$T"; do mkdir -p "$R$d"; mount --bind "$d" "$R$d"; done
		mount -t proc proc "$R/proc"; mount --bind /dev "$R/dev"
		exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root \
			DEBIAN_FRONTEND=noninteractive "$@"' _ "$@"
}

if [ ! -f "$root/.ready" ]; then
	command -v debootstrap >/dev/null || die "debootstrap missing: run scripts/host-deps.sh"
	uri=$(debian_uri) log=$root.log
	exec 9>"$root.lock"; flock 9
	if [ ! -f "$root/.ready" ]; then
		rm -rf --one-file-system "$root"
		say "debootstrap --variant=minbase $suite (about 1.5 min; log: $log)"
		script=(); [ -e "/usr/share/debootstrap/scripts/$suite" ] || script=(/usr/share/debootstrap/scripts/sid)
		debootstrap --variant=minbase "$suite" "$root" "$uri" "${script[@]}" >"$log" 2>&1 ||
			{ tail -5 "$log" >&2; die "debootstrap failed (log: $log)"; }
		printf 'deb %s %s main\ndeb %s %s-backports main\n' "$uri" "$suite" "$uri" "$suite" > "$root/etc/apt/sources.list"
		run_root apt-get update -q >>"$log" 2>&1 || die "apt-get update in $root failed (log: $log)"
		# The Debian package versions of those upstream versions.
		pv() { run_root apt-cache madison "$1" | awk -F' *[|] *' -v v="$2" 'index($2, v) == 1 {print $2; exit}'; }
		rv=$(pv rustc "$rustc_up+") bv=$(pv bindgen "$bindgen_up-")
		[ -n "$rv" ] && [ -n "$bv" ] || die "$suite has no rustc $rustc_up or bindgen $bindgen_up package"
		say "installing $gcc_pkg=$gcc_ver rustc=$rv rust-src=$rv bindgen=$bv in the root (about 2 min)"
		run_root apt-get install -y -q --no-install-recommends "$gcc_pkg=$gcc_ver" "rustc=$rv" "rust-src=$rv" \
			"bindgen=$bv" libclang-common-19-dev make libc6-dev flex bison bc libelf-dev libssl-dev \
			dwarves kmod cpio xz-utils python3 openssl >>"$log" 2>&1 || { tail -5 "$log" >&2; die "installing the toolchain failed (log: $log)"; }
		run_root apt-get clean >>"$log" 2>&1
		touch "$root/.ready"
	fi
	exec 9>&-
fi
got_cc=$(run_root "$cc" --version | head -1) got_rustc=$(run_root rustc --version) got_bindgen=$(run_root bindgen --version)
diag "toolchain root: $root"
check "toolchain: $got_cc (the kernel's: $cc_text)" [ "$got_cc" = "$cc_text" ]
check "toolchain: $got_rustc (the kernel's: $rustc_text)" [ "$got_rustc" = "$rustc_text" ]
check "toolchain: $got_bindgen (the kernel's: $bindgen_text)" [ "$got_bindgen" = "$bindgen_text" ]

# What names a crate in the kernel's mangled Rust symbols: a hash of the crate
# name and the rustc version string only (the kernel passes no -Cmetadata).
# crate_hash <run-prefix...>: the hash that rustc gives a crate named kernel.
crate_hash() {
	local d=$work/crate-hash
	mkdir -p "$d"; printf '#![no_std]\n#[inline(never)]\npub fn f() {}\n' > "$d/k.rs"
	"$@" rustc --edition=2021 --crate-type=rlib --crate-name=kernel -Csymbol-mangling-version=v0 \
		--emit=obj -o "$d/k.o" "$d/k.rs" >/dev/null 2>&1 &&
		nm "$d/k.o" | grep -oE 'Cs[0-9A-Za-z]+_6kernel' | head -1 | sed 's/_6kernel$//'
}
stock_hash=$(grep -oE 'Cs[0-9A-Za-z]+_6kernel' "$hdrdir/Module.symvers" | sort -u | head -1 | sed 's/_6kernel$//')
root_hash=$(crate_hash run_root)
check "toolchain: its rustc names crate kernel $root_hash, as the stock kernel's exports do ($stock_hash)" \
	[ "${root_hash:-none}" = "$stock_hash" ]
host_rustc=$(PATH=$HOME/.cargo/bin:$PATH command -v rustc || true)
if [ -n "$host_rustc" ]; then
	diag "for comparison, the host's $("$host_rustc" --version) would name it $(crate_hash env PATH="$(dirname "$host_rustc")":/usr/bin:/bin || echo '?'):" \
	     "a module built by it imports no Rust symbol the stock kernel exports"
fi

# --- 3. a kernel tree with the stock .config and its Rust crates ------------
src=$CACHE/src/linux-source-7.2_$tag
mkdir -p "$CACHE/src"
exec 8>"$src.lock"; flock 8
if [ ! -f "$src/.extracted" ]; then
	say "fetching linux-source-7.2 $pkgver"
	tmp=$(mktemp -d "$CACHE/dl.XXXXXX")
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "linux-source-7.2=$pkgver" 2>/dev/null) ||
		die "apt-get download linux-source-7.2=$pkgver failed"
	rm -rf "$src" && mkdir -p "$src"
	dpkg-deb --fsys-tarfile "$tmp"/linux-source-7.2_*.deb |
		tar -xO ./usr/src/linux-source-7.2.tar.xz | tar -xJ -C "$src" --strip-components=1
	rm -rf "$tmp"; touch "$src/.extracted"
fi
exec 8>&-
kdir=$work/kdir
margs=(ARCH=x86 CROSS_COMPILE="${cc%gcc-*}" CC="$cc" KERNELRELEASE="$release")
if [ ! -f "$kdir/.prepared" ] || [ "$(cat "$kdir/.prepared")" != "$root" ]; then
	rm -rf "$kdir"; mkdir -p "$kdir"
	cp "$config" "$kdir/.config"
	say "preparing $kdir: stock .config, modules_prepare, the Rust crates (about 6 min; log: $kdir/build.log)"
	if ! run_root make -C "$src" O="$kdir" "${margs[@]}" olddefconfig >"$kdir/build.log" 2>&1 ||
	   ! run_root make -C "$src" O="$kdir" "${margs[@]}" -j2 modules_prepare >>"$kdir/build.log" 2>&1 ||
	   ! run_root make -C "$src" O="$kdir" "${margs[@]}" -j2 rust/ >>"$kdir/build.log" 2>&1; then
		tail -20 "$kdir/build.log" >&2
		bail "kernel tree prepared (log: $kdir/build.log)"
	fi
	# modpost checks the module against what the stock kernel exports.
	cp "$hdrdir/Module.symvers" "$kdir/Module.symvers"
	echo "$root" > "$kdir/.prepared"
fi
cfgdiff=$(diff <(grep '^CONFIG_' "$config" | sort) <(grep '^CONFIG_' "$kdir/.config" | sort) | grep '^[<>]' || true)
[ -z "$cfgdiff" ] || echo "$cfgdiff" | head -20 | sed 's/^/# config differs: /'
check "tree: linux-source-7.2 $pkgver with the stock .config reproduces it exactly" [ -z "$cfgdiff" ]

# The Rust symbols the stock vmlinux exports (Module.symvers) against those
# the rebuilt crates export (rust/exports_*_generated.h): same names means
# same crate hashes, i.e. the same rustc version string.
stock_syms=$work/stock-exports stock_rust=$work/stock-rust-exports ours_syms=$work/rebuilt-rust-exports
awk '$3 == "vmlinux" {print $2}' "$hdrdir/Module.symvers" | sort -u > "$stock_syms"
grep -E '^(_R|rust_helper_)' "$stock_syms" > "$stock_rust" || true
sed -n 's/^EXPORT_SYMBOL_RUST_GPL(\(.*\));$/\1/p' "$kdir"/rust/exports_*_generated.h | sort -u > "$ours_syms"
crates() { grep -oE 'Cs[0-9A-Za-z]+_[0-9]+[a-z_]+' "$1" | sed -E 's/_[0-9]+/ /' | sort -u | awk '{printf "%s:%s ", $2, $1}'; }
diag "stock crates:   $(crates "$stock_rust")"
diag "rebuilt crates: $(crates "$ours_syms")"
only_stock=$(comm -23 "$stock_rust" "$ours_syms" | wc -l) only_ours=$(comm -23 "$ours_syms" "$stock_syms" | wc -l)
diag "$(wc -l < "$stock_rust") Rust exports (_R*, rust_helper_*) in the stock vmlinux, $(wc -l < "$ours_syms") rebuilt;" \
	"stock ones not rebuilt: $only_stock, rebuilt ones the stock vmlinux does not export: $only_ours"
{ comm -23 "$stock_rust" "$ours_syms"; comm -23 "$ours_syms" "$stock_syms"; } | head -5 | sed 's/^/# differs: /'
check "Rust exports of the rebuilt crates equal the stock kernel's (crate hashes match)" \
	[ "$only_stock/$only_ours/$(($(wc -l < "$stock_rust") > 0))" = 0/0/1 ]

# --- 4. our module, built against that tree ---------------------------------
# From a copy of the module's sources in the cache, so that the checkout's own
# build (against the test kernel) is left alone. (MO= cannot do it: the crate
# include!s its generated bindings by a path relative to its sources.)
mo=$work/module
rm -rf "$mo"; mkdir -p "$mo"
(cd "$TOP" && tar -cf - --exclude='*.o' --exclude='*.ko' --exclude='*.mod*' --exclude='.*.cmd' \
	--exclude=include/generated Kbuild drivers rust include) | tar -xf - -C "$mo"
say "building virtio_crypto_rs.ko for $release (log: $mo/build.log)"
if run_root make -C "$kdir" M="$mo" "${margs[@]}" -j2 modules >"$mo/build.log" 2>&1; then
	ok "module: virtio_crypto_rs.ko builds against the stock kernel's tree (modpost: no undefined symbol)"
else
	grep -E 'error(\[E[0-9]+\])?:|ERROR:' "$mo/build.log" | head -20 | sed 's/^/# /'
	bail "module: virtio_crypto_rs.ko builds against the stock kernel's tree (log: $mo/build.log)"
fi
ko=$mo/virtio_crypto_rs.ko
# Every symbol the module needs, against the stock kernel's exports (modpost
# did the same; this names them).
undef=$(nm -u "$ko" | awk '{print $2}' | sort -u)
missing=$(comm -23 <(echo "$undef") <(awk '{print $2}' "$hdrdir/Module.symvers" | sort -u))
diag "the module needs $(echo "$undef" | grep -c .) symbols, $(echo "$undef" | grep -c '^_R') of them Rust ($(echo "$undef" | grep -oE 'Cs[0-9A-Za-z]+_[0-9]+[a-z_]+' | sort -u | tr '\n' ' '))"
[ -z "$missing" ] || echo "$missing" | head -10 | sed 's/^/# not exported by the stock kernel: /'
check "module: every undefined symbol is exported by the stock vmlinux or its modules" [ -z "$missing" ]
stock_magic=$(modinfo -F vermagic "$(find "$moddir/kernel/drivers/md" -name 'dm-crypt.ko*' | head -1)")
our_magic=$(modinfo -F vermagic "$ko")
diag "vermagic: '$our_magic' (stock dm-crypt: '$stock_magic')"
check "module: vermagic equals the stock modules'" [ "$our_magic" = "$stock_magic" ]
[ "$what" = build ] && { echo "1..$n"; exit "$failed"; }

# --- 5. boot Debian's vmlinuz with its own modules, ours loaded -------------
# The stock modules the guest tests need, in load order (dependencies first),
# uncompressed for busybox insmod.
pre=$work/preload
rm -rf "$pre"; mkdir -p "$pre"
order=()
add_mod() { # add_mod <name>: the module and what it depends on
	local f d
	f=$(find "$moddir/kernel" -name "$1.ko*" -o -name "${1//_/-}.ko*" | head -1)
	[ -n "$f" ] || die "the stock kernel has no module $1"
	for d in $(modinfo -F depends "$f" | tr , ' '); do add_mod "$d"; done
	case " ${order[*]} " in *" $f "*) ;; *) order+=("$f") ;; esac
}
# dm-crypt over loop; IPsec ESP between network namespaces over veth.
for m in loop dm_crypt essiv veth xfrm_user esp4 echainiv seqiv; do add_mod "$m"; done
for f in "${order[@]}"; do
	b=$(basename "$f"); b=${b%.xz}; b=${b%.zst}; b=${b%.gz}
	case $f in *.xz) xz -dc "$f" ;; *.zst) zstd -dc "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;; esac > "$pre/$b"
	echo "$b" >> "$pre/order"
done
diag "stock modules loaded first: $(tr '\n' ' ' < "$pre/order")"
VCRYPTO_PRELOAD_DIR=$pre VCRYPTO_MODULE_DIR=$mo "$TOP/scripts/initramfs.sh" "$kdir" "$work/initramfs.cpio.gz" \
	"$TOP/tools/testing/selftests/drivers/crypto/virtio/expect/qemu-builtin" >&2
boot=$work/boot
# Two vCPUs, as this guest always had (Debian's kernel has ACPI and saw both
# when the test kernel saw one).
VCRYPTO_KERNEL=$moddir/vmlinuz VCRYPTO_ACCEL=${VCRYPTO_ACCEL:-tcg} VCRYPTO_SMP=${VCRYPTO_SMP:-2} \
	VCRYPTO_TESTS=${VCRYPTO_STOCK_TESTS:-vcrypto_probe.sh,vcrypto_load_cycles.sh,vcrypto_dmcrypt.sh,vcrypto_ipsec.sh,vcrypto_teardown.sh} \
	"$TOP/scripts/qemu.sh" "$kdir" "$work/initramfs.cpio.gz" test "$boot" 900 || true
release_seen=$(cat "$boot/dmesg.log" "$boot/console.log" 2>/dev/null | grep -m1 -o 'Linux version [^ ]*' | awk '{print $3}' || true)
diag "guest kernel: ${release_seen:-unknown} ($(basename "$moddir/vmlinuz") from linux-binary-$release)"
check "boot: the guest runs Debian's $release" [ "$release_seen" = "$release" ]
# No signature is enforced: the unsigned module loads and taints the kernel.
taint=$(grep -hoE 'virtio_crypto_rs: (loading out-of-tree module|module verification failed).*' "$boot/dmesg.log" | tr -d '\r' | sort -u || true)
[ -z "$taint" ] || echo "$taint" | sed 's/^/# guest: /'
if grep -q '^# VCRS-RESULTS-DONE' "$boot/results.ktap" 2>/dev/null; then
	ok "boot: the guest ran its tests to the end"
else
	tail -20 "$boot/console.log" 2>/dev/null | sed 's/^/# console: /'
	notok "boot: the guest ran its tests to the end (console: $boot/console.log)"
fi
# The guest's own KTAP, nested as subtests of one result.
if [ -s "$boot/results.ktap" ]; then
	grep -v '^# VCRS-' "$boot/results.ktap" | sed 's/^/    /'
	guest=fail
	grep -Eq '^not ok' "$boot/results.ktap" || { grep -Eq '^ok' "$boot/results.ktap" && guest=pass; }
	check "guest: vcrypto tests on the stock kernel" [ $guest = pass ]
else
	notok "guest: vcrypto tests on the stock kernel (no results)"
fi
echo "1..$n"
exit "$failed"
