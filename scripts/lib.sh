# SPDX-License-Identifier: GPL-2.0
# Shared helpers for the scripts in this folder. Source it, do not run it.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Heavy artifacts (kernel source and build, guest root, QEMU root) live
# outside the checkout so a fresh clone reuses them.
CACHE=${VCRYPTO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/virtio-crypto-rs}
mkdir -p "$CACHE"

say()  { printf '==> %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, through sudo otherwise.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# The archive URI the machine's apt already uses for Debian, so that we
# never write a mirror host of our own into the repository.
debian_uri() {
	local uri
	uri=$(grep -rhoE '^(URIs:|deb)\s+[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
	      awk '{print $2}' | grep -E '/debian/?$' | head -1)
	[ -n "$uri" ] || die "no Debian archive URI in /etc/apt; this needs a Debian/Ubuntu host with apt"
	echo "${uri%/}"
}
