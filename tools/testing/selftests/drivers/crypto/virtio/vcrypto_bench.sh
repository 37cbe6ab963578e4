#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Not a test: tcrypt speed runs, ours beside another implementation of the
# same algorithm in the same guest. VCRYPTO_BENCH lists what to measure
# (comma-separated, default "cipher"):
#   cipher  cbc(aes), mode=600 (multi-buffer, num_mb=8): ours ("rs"), then the
#           C virtio_crypto driver ("c") on the same device
#   hash    sha256 and hmac(sha256), mode=400 (one request at a time, digest
#           and init/update/final): ours, then the generic code ("sw")
#   aead    gcm(aes) and rfc4106(gcm(aes)), mode=215 (multi-buffer) and
#           mode=211 (one at a time): ours, then the generic code
#   parallel  cbc(aes) under crypto_loadgen.ko (tools/crypto-loadgen): one
#           thread per CPU, each with VCRYPTO_LOADGEN_INFLIGHT requests in
#           flight (default 8): ours, then the C driver
# Prints one line per measurement:
#   BENCH <rs|c|sw> <tcrypt mode> <algorithm> <driver> <enc|dec|-> <case> <bytes per second>
. "$(dirname "$0")/vcrypto_lib.sh"

TCRYPT=${VCRYPTO_TCRYPT_KO:-$C_KO_DIR/tcrypt.ko}
SECS=${VCRYPTO_BENCH_SECS:-1}
INSMOD=insmod
[ -x /usr/libexec/kmod/insmod ] && INSMOD=/usr/libexec/kmod/insmod

# tcrypt <who> <algorithm|-> <mode> [parameters]: run tcrypt and turn its log
# into BENCH lines. Its header names the algorithm (as asked for: with alg=, a
# driver name, so the caller names the algorithm instead) and the driver.
tcrypt() {
	who=$1 name=$2 mode=$3
	shift 3
	dmesg -c > /dev/null
	# tcrypt refuses to stay loaded (-EAGAIN) once it has run: that is expected.
	# busybox insmod then retries with init_module and tcrypt runs a second
	# time (kmod's does not): only the first measurement of each case is kept.
	$INSMOD "$TCRYPT" mode="$mode" sec="$SECS" "$@" 2>/dev/null
	dmesg | sed 's/^\[[^]]*\] //' | awk -v who="$who" -v name="$name" -v mode="$mode" '
		function out(c, bps) {
			if (!seen[algo " " dir " " c]++) print "BENCH", who, mode, algo, drv, dir, c, bps
		}
		/testing speed of/ {
			sub(/.*testing speed of (multibuffer |async |sync )?/, "")
			algo = (name == "-") ? $1 : name; drv = $2; gsub(/^\(|\)$/, "", drv)
			dir = ($3 ~ /^enc/) ? "enc" : ($3 ~ /^dec/) ? "dec" : "-"
		}
		# skcipher and aead: "test 0 (128 bit key, 16 byte blocks): N operations in S seconds (B bytes)"
		/bit key,.*operations in/ {
			match($0, /\([0-9]+ bit key, [0-9]+ byte blocks\)/)
			split(substr($0, RSTART + 1, RLENGTH - 2), p, " ")
			match($0, /operations in [0-9]+ seconds \([0-9]+ bytes\)/)
			split(substr($0, RSTART, RLENGTH), q, " ")
			b = q[5]; gsub(/\(/, "", b)
			out("k" p[1] "/" p[4] "B", int(b / q[3]))
		}
		# ahash: "test  0 (   16 byte blocks,   16 bytes per update,   1 updates): N opers/sec, B bytes/sec"
		/bytes per update.*bytes\/sec/ {
			match($0, /\( *[0-9]+ byte blocks, *[0-9]+ bytes per update/)
			split(substr($0, RSTART + 1, RLENGTH - 1), p, " ")
			match($0, /[0-9]+ bytes\/sec/)
			out(p[1] "B/" p[4] "B", substr($0, RSTART, RLENGTH - 10))
		}'
}

LOADGEN=/lib/modules/extra/crypto_loadgen.ko

# loadgen <who> <algorithm> [parameters]: run crypto_loadgen (which, like
# tcrypt, refuses to stay loaded) and turn its result lines into BENCH lines,
# mode "loadgen", case "<size>B".
loadgen() {
	who=$1 name=$2
	shift 2
	[ -f "$LOADGEN" ] || { echo "# crypto_loadgen.ko not built: no parallel benchmark"; return 0; }
	dmesg -c > /dev/null
	$INSMOD "$LOADGEN" secs="$SECS" inflight="${VCRYPTO_LOADGEN_INFLIGHT:-8}" "$@" 2>/dev/null
	dmesg | grep "crypto_loadgen:" | grep -v " result " | sed 's/^\[[^]]*\] /# /'
	dmesg | sed -n 's/.*crypto_loadgen: result //p' | awk -v who="$who" -v name="$name" '{
		for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		print "BENCH", who, "loadgen", name, v["driver"], "enc,threads=" v["threads"], v["size"] "B", v["bytes_per_s"]
	}'
}

bench_parallel() {
	module_load && wait_selftests && loadgen rs "cbc(aes)" alg=virtio-rs-cbc-aes keylen=16
	module_unload
	c_driver_load && wait_selftests 120 "$C_MOD" && loadgen c "cbc(aes)" alg=virtio_crypto_aes_cbc keylen=16
	c_driver_unload
}

ours_serves() { # ours_serves <cra_name>: a driver of ours registered it
	awk -v n="$1" '/^name/ { name = $3 } /^module/ && $3 == "virtio_crypto_rs" && name == n { f = 1 } END { exit !f }' /proc/crypto
}

bench_cipher() {
	module_load && wait_selftests && tcrypt rs "cbc(aes)" 600 alg=virtio-rs-cbc-aes klen=16 num_mb=8
	module_unload
	c_driver_load && wait_selftests 120 "$C_MOD" && tcrypt c "cbc(aes)" 600 alg=virtio_crypto_aes_cbc klen=16 num_mb=8
	c_driver_unload
}

bench_hash() {
	module_load && wait_selftests
	if ours_serves sha256; then
		tcrypt rs sha256 400 alg=virtio-rs-sha256
		tcrypt rs "hmac(sha256)" 400 alg=virtio-rs-hmac-sha256 klen=32
		tcrypt sw sha256 400 alg=sha256-lib
		tcrypt sw "hmac(sha256)" 400 alg=hmac-sha256-lib klen=32
	else
		echo "# the device serves no sha256: no hash benchmark"
	fi
	module_unload
}

# mode=215/211 pick gcm(aes) by name: the highest priority, so ours while our
# module is loaded (rfc4106 instantiates over it), the generic code after.
bench_aead() {
	module_load && wait_selftests
	if ours_serves "gcm(aes)"; then
		tcrypt rs - 215 num_mb=8
		tcrypt rs - 211
		module_unload
		tcrypt sw - 215 num_mb=8
		tcrypt sw - 211
	else
		echo "# the device serves no gcm(aes): no aead benchmark"
		module_unload
	fi
}

module_loaded && module_unload
grep -q "^$C_MOD " /proc/modules && c_driver_unload
for what in $(echo "${VCRYPTO_BENCH:-cipher}" | tr , ' '); do
	"bench_$what"
done
