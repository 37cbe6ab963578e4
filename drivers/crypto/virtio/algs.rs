// SPDX-License-Identifier: GPL-2.0

//! The cipher algorithms of the specification that map to Linux skcipher algorithms.

use crate::abstractions::bindings;

/// How a mode produces the output IV the crypto API expects after a request, so that a
/// following request continues the stream. The device does not return it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IvOut {
    /// No IV (ECB).
    None,
    /// The last ciphertext block (CBC).
    LastCipherBlock,
    /// The counter advanced by the number of blocks processed (CTR).
    Counter,
    /// Left as it was (XTS: the tweak is not chained).
    Unchanged,
}

/// One cipher algorithm: the device's identifier and the Linux algorithm it provides.
pub(crate) struct CipherAlg {
    /// `VIRTIO_CRYPTO_CIPHER_*`.
    pub(crate) algo: u32,
    pub(crate) name: &'static CStr,
    pub(crate) driver_name: &'static CStr,
    pub(crate) blocksize: u32,
    /// The cipher's block size, for IV arithmetic (CTR has `blocksize` 1).
    pub(crate) cipher_block: usize,
    pub(crate) key_sizes: &'static [u32],
    pub(crate) ivsize: u32,
    pub(crate) iv_out: IvOut,
}

/// Priority of our implementations: above the generic C code (100) and the library-backed
/// ones (`aes-lib`, 150 at most), below architecture-optimised code such as AES-NI (300 and
/// up), which is faster than a round trip to the host for small requests.
pub(crate) const PRIORITY: i32 = 200;

/// Priority of our hashes and MACs: above the kernel's own (7.2 registers its
/// library-backed shashes, `sha256-lib`, `hmac-sha256-lib`, `cmac-aes-lib`, ..., at 300;
/// they include the architecture-optimised code). A user that asks for `hmac(sha256)`
/// (IPsec through authenc, dm-verity) gets the device: offloading is what this driver is
/// for. A user that wants the CPU asks for the driver name or a synchronous hash (shash
/// users, and ahash users masking `CRYPTO_ALG_ASYNC`, never get ours).
pub(crate) const HASH_PRIORITY: i32 = 400;

const AES_KEYS: &[u32] = &[16, 24, 32];
// Two AES keys back to back: AES-128, -192 and -256 XTS, as the xts template accepts.
const AES_XTS_KEYS: &[u32] = &[32, 48, 64];
const DES3_KEYS: &[u32] = &[24];

use crate::requests::MAX_KEY;
use kernel::prelude::*;

/// Every skcipher this driver can register, if the device offers it.
pub(crate) static CIPHERS: [CipherAlg; 6] = [
    CipherAlg {
        algo: bindings::VIRTIO_CRYPTO_CIPHER_AES_CBC,
        name: c"cbc(aes)",
        driver_name: c"virtio-rs-cbc-aes",
        blocksize: 16,
        cipher_block: 16,
        key_sizes: AES_KEYS,
        ivsize: 16,
        iv_out: IvOut::LastCipherBlock,
    },
    CipherAlg {
        algo: bindings::VIRTIO_CRYPTO_CIPHER_AES_ECB,
        name: c"ecb(aes)",
        driver_name: c"virtio-rs-ecb-aes",
        blocksize: 16,
        cipher_block: 16,
        key_sizes: AES_KEYS,
        ivsize: 0,
        iv_out: IvOut::None,
    },
    CipherAlg {
        algo: bindings::VIRTIO_CRYPTO_CIPHER_AES_CTR,
        name: c"ctr(aes)",
        driver_name: c"virtio-rs-ctr-aes",
        blocksize: 1,
        cipher_block: 16,
        key_sizes: AES_KEYS,
        ivsize: 16,
        iv_out: IvOut::Counter,
    },
    CipherAlg {
        algo: bindings::VIRTIO_CRYPTO_CIPHER_AES_XTS,
        name: c"xts(aes)",
        driver_name: c"virtio-rs-xts-aes",
        blocksize: 16,
        cipher_block: 16,
        key_sizes: AES_XTS_KEYS,
        ivsize: 16,
        iv_out: IvOut::Unchanged,
    },
    CipherAlg {
        algo: bindings::VIRTIO_CRYPTO_CIPHER_3DES_CBC,
        name: c"cbc(des3_ede)",
        driver_name: c"virtio-rs-cbc-des3_ede",
        blocksize: 8,
        cipher_block: 8,
        key_sizes: DES3_KEYS,
        ivsize: 8,
        iv_out: IvOut::LastCipherBlock,
    },
    CipherAlg {
        algo: bindings::VIRTIO_CRYPTO_CIPHER_3DES_ECB,
        name: c"ecb(des3_ede)",
        driver_name: c"virtio-rs-ecb-des3_ede",
        blocksize: 8,
        cipher_block: 8,
        key_sizes: DES3_KEYS,
        ivsize: 0,
        iv_out: IvOut::None,
    },
];

impl CipherAlg {
    /// Whether a device whose cipher mask is `mask` serves this algorithm.
    pub(crate) fn offered_by(&self, mask: u64) -> bool {
        self.algo < 64 && mask & (1u64 << self.algo) != 0
    }

    /// Whether `len` is a key length of this algorithm.
    pub(crate) fn key_ok(&self, len: usize) -> bool {
        self.key_sizes.iter().any(|&k| k as usize == len)
    }

    /// Whether `len` bytes can be processed by this mode.
    pub(crate) fn len_ok(&self, len: usize) -> bool {
        match self.iv_out {
            // XTS: any length of at least one block; a partial last block is handled by
            // ciphertext stealing (IEEE 1619), as the kernel's xts template does.
            IvOut::Unchanged => len >= 16,
            _ => len % self.blocksize as usize == 0,
        }
    }
}

/// Adds `blocks` to the big-endian counter `ctr` (the whole IV is the counter, as for the
/// generic `ctr(aes)`).
pub(crate) fn ctr_add(ctr: &mut [u8], blocks: u64) {
    let mut carry = u128::from(blocks);
    for byte in ctr.iter_mut().rev() {
        if carry == 0 {
            break;
        }
        let sum = u128::from(*byte) + (carry & 0xff);
        *byte = sum as u8;
        carry = (carry >> 8) + (sum >> 8);
    }
}

/// How a hash or MAC is keyed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keying {
    /// A plain hash.
    None,
    /// HMAC over the named hash: any key length (RFC 2104).
    Hmac(&'static CStr),
    /// A block cipher MAC over AES with these key sizes: CMAC takes any AES key; XCBC only
    /// AES-128 keys (RFC 3566), as the kernel's `xcbc-aes-lib`, the self-tests' reference.
    Aes(&'static [usize]),
}

/// One hash (HASH service) or MAC (MAC service) algorithm.
pub(crate) struct HashAlg {
    /// `VIRTIO_CRYPTO_HASH_*` or `VIRTIO_CRYPTO_MAC_*`.
    pub(crate) algo: u32,
    pub(crate) name: &'static CStr,
    pub(crate) driver_name: &'static CStr,
    pub(crate) digestsize: u32,
    pub(crate) blocksize: u32,
    pub(crate) keying: Keying,
}

impl HashAlg {
    /// Whether this is a MAC (MAC service, keyed).
    pub(crate) fn is_mac(&self) -> bool {
        self.keying != Keying::None
    }

    /// The key the device gets for `key`, in `buf`: HMAC keys longer than the block size are
    /// hashed first (RFC 2104, as the hmac template does), an empty one is one zero byte (HMAC
    /// pads keys with zeros to the block size, so both give the same MAC).
    pub(crate) fn device_key<'a>(
        &self,
        key: &'a [u8],
        buf: &'a mut [u8; MAX_KEY],
    ) -> Result<&'a [u8]> {
        let hash = self;
        match hash.keying {
            Keying::None => Err(EINVAL),
            Keying::Aes(sizes) if sizes.contains(&key.len()) => Ok(key),
            Keying::Aes(_) => Err(EINVAL),
            Keying::Hmac(_) if key.is_empty() => Ok(&buf[..1]),
            Keying::Hmac(inner) if key.len() > hash.blocksize as usize => {
                let n = hash.digestsize as usize;
                let out = buf.get_mut(..n).ok_or(EINVAL)?;
                crate::abstractions::crypto::ahash::digest_sync(inner, key, out)?;
                Ok(&buf[..n])
            }
            Keying::Hmac(_) => Ok(key),
        }
    }

    /// Whether a device whose hash mask is `hashes` and MAC mask `macs` serves it.
    pub(crate) fn offered_by(&self, hashes: u32, macs: u64) -> bool {
        if self.is_mac() {
            self.algo < 64 && macs & (1u64 << self.algo) != 0
        } else {
            self.algo < 32 && hashes & (1u32 << self.algo) != 0
        }
    }
}

macro_rules! hash {
    ($algo:ident, $name:literal, $driver:literal, $ds:expr, $bs:expr) => {
        HashAlg {
            algo: bindings::$algo,
            name: $name,
            driver_name: $driver,
            digestsize: $ds,
            blocksize: $bs,
            keying: Keying::None,
        }
    };
    ($algo:ident, $name:literal, $driver:literal, $ds:expr, $bs:expr, $keying:expr) => {
        HashAlg {
            algo: bindings::$algo,
            name: $name,
            driver_name: $driver,
            digestsize: $ds,
            blocksize: $bs,
            keying: $keying,
        }
    };
}

/// Every hash and MAC this driver can register, if the device offers it.
pub(crate) static HASHES: [HashAlg; 18] = [
    hash!(VIRTIO_CRYPTO_HASH_MD5, c"md5", c"virtio-rs-md5", 16, 64),
    hash!(VIRTIO_CRYPTO_HASH_SHA1, c"sha1", c"virtio-rs-sha1", 20, 64),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA_224,
        c"sha224",
        c"virtio-rs-sha224",
        28,
        64
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA_256,
        c"sha256",
        c"virtio-rs-sha256",
        32,
        64
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA_384,
        c"sha384",
        c"virtio-rs-sha384",
        48,
        128
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA_512,
        c"sha512",
        c"virtio-rs-sha512",
        64,
        128
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA3_224,
        c"sha3-224",
        c"virtio-rs-sha3-224",
        28,
        144
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA3_256,
        c"sha3-256",
        c"virtio-rs-sha3-256",
        32,
        136
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA3_384,
        c"sha3-384",
        c"virtio-rs-sha3-384",
        48,
        104
    ),
    hash!(
        VIRTIO_CRYPTO_HASH_SHA3_512,
        c"sha3-512",
        c"virtio-rs-sha3-512",
        64,
        72
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_HMAC_MD5,
        c"hmac(md5)",
        c"virtio-rs-hmac-md5",
        16,
        64,
        Keying::Hmac(c"md5")
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA1,
        c"hmac(sha1)",
        c"virtio-rs-hmac-sha1",
        20,
        64,
        Keying::Hmac(c"sha1")
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_224,
        c"hmac(sha224)",
        c"virtio-rs-hmac-sha224",
        28,
        64,
        Keying::Hmac(c"sha224")
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_256,
        c"hmac(sha256)",
        c"virtio-rs-hmac-sha256",
        32,
        64,
        Keying::Hmac(c"sha256")
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_384,
        c"hmac(sha384)",
        c"virtio-rs-hmac-sha384",
        48,
        128,
        Keying::Hmac(c"sha384")
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_512,
        c"hmac(sha512)",
        c"virtio-rs-hmac-sha512",
        64,
        128,
        Keying::Hmac(c"sha512")
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_CMAC_AES,
        c"cmac(aes)",
        c"virtio-rs-cmac-aes",
        16,
        16,
        Keying::Aes(&[16, 24, 32])
    ),
    hash!(
        VIRTIO_CRYPTO_MAC_XCBC_AES,
        c"xcbc(aes)",
        c"virtio-rs-xcbc-aes",
        16,
        16,
        Keying::Aes(&[16])
    ),
];

/// How an aead algorithm maps to the device.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AeadKind {
    /// AES-GCM (AEAD service), 12-byte IV.
    Gcm,
    /// AES-CCM (AEAD service): the API's 16-byte IV (`iv[0]` = L - 1), the device gets the
    /// nonce.
    Ccm,
    /// ChaCha20-Poly1305 (AEAD service), RFC 7539: 12-byte nonce as IV.
    ChaChaPoly,
    /// ChaCha20-Poly1305 for ESP (RFC 7634, the kernel's `rfc7539esp`): a 4-byte salt at
    /// the key's end, an 8-byte IV, and the last 8 AAD bytes (the IV's copy) are not
    /// authenticated.
    ChaChaPolyEsp,
    /// `authenc(hmac(..),cbc(aes))` through one chained session (CIPHER service,
    /// ALGORITHM_CHAINING) with the HMAC `mac` (`VIRTIO_CRYPTO_MAC_HMAC_*`, one of
    /// [`HASHES`]).
    Authenc { mac: u32 },
}

/// One aead algorithm: the device's identifier and the Linux algorithm it provides.
pub(crate) struct AeadAlg {
    /// `VIRTIO_CRYPTO_AEAD_*`, or for [`AeadKind::Authenc`] `VIRTIO_CRYPTO_CIPHER_AES_CBC`.
    pub(crate) algo: u32,
    pub(crate) kind: AeadKind,
    pub(crate) name: &'static CStr,
    pub(crate) driver_name: &'static CStr,
    pub(crate) blocksize: u32,
    pub(crate) ivsize: u32,
    pub(crate) maxauthsize: u32,
    /// The key sizes of the cipher (for authenc, of the cipher key inside the key).
    pub(crate) key_sizes: &'static [u32],
}

/// Priority of our aeads: as for hashes ([`HASH_PRIORITY`]), so that IPsec and kernel
/// TLS, which ask for `gcm(aes)`, `rfc4106(gcm(aes))` or `rfc7539esp(..)` by name, get
/// the device rather than the kernel's templates (`gcm_base(ctr(aes-lib),..)` has its
/// ctr's priority, 300 at most here).
pub(crate) const AEAD_PRIORITY: i32 = 400;

/// Priority of our chained `authenc(hmac(..),cbc(aes))`. The kernel's authenc template
/// gives an instance 10 × its cipher's priority + its hash's: 1800 for the one over
/// `cbc(aes-lib)` and `hmac-sha256-lib` that the self-tests build as the reference (and
/// that stays registered), 4400 over AES-NI or over our own cbc(aes) and hmac. Ours must
/// be above every such instance, or ESP, which asks for it by name, would get the
/// template.
pub(crate) const AUTHENC_PRIORITY: i32 = 10 * 400 + HASH_PRIORITY + 100;

const CHACHA_KEYS: &[u32] = &[32];

macro_rules! authenc {
    ($mac:ident, $name:literal, $driver:literal, $ds:expr) => {
        AeadAlg {
            algo: bindings::VIRTIO_CRYPTO_CIPHER_AES_CBC,
            kind: AeadKind::Authenc {
                mac: bindings::$mac,
            },
            name: $name,
            driver_name: $driver,
            blocksize: 16,
            ivsize: 16,
            maxauthsize: $ds,
            key_sizes: AES_KEYS,
        }
    };
}

/// Every aead this driver can register, if the device offers it; the bit of each in the
/// probe line's `aead_ok` is its index here.
pub(crate) static AEADS: [AeadAlg; 8] = [
    AeadAlg {
        algo: bindings::VIRTIO_CRYPTO_AEAD_GCM,
        kind: AeadKind::Gcm,
        name: c"gcm(aes)",
        driver_name: c"virtio-rs-gcm-aes",
        // A stream mode: blocksize 1, as the rfc4106 template requires of its inner gcm.
        blocksize: 1,
        ivsize: 12,
        maxauthsize: 16,
        key_sizes: AES_KEYS,
    },
    AeadAlg {
        algo: bindings::VIRTIO_CRYPTO_AEAD_CCM,
        kind: AeadKind::Ccm,
        name: c"ccm(aes)",
        driver_name: c"virtio-rs-ccm-aes",
        blocksize: 1,
        ivsize: 16,
        maxauthsize: 16,
        key_sizes: AES_KEYS,
    },
    AeadAlg {
        algo: bindings::VIRTIO_CRYPTO_AEAD_CHACHA20_POLY1305,
        kind: AeadKind::ChaChaPoly,
        name: c"rfc7539(chacha20,poly1305)",
        driver_name: c"virtio-rs-rfc7539-chacha20-poly1305",
        blocksize: 1,
        ivsize: 12,
        maxauthsize: 16,
        key_sizes: CHACHA_KEYS,
    },
    AeadAlg {
        algo: bindings::VIRTIO_CRYPTO_AEAD_CHACHA20_POLY1305,
        kind: AeadKind::ChaChaPolyEsp,
        name: c"rfc7539esp(chacha20,poly1305)",
        driver_name: c"virtio-rs-rfc7539esp-chacha20-poly1305",
        blocksize: 1,
        ivsize: 8,
        maxauthsize: 16,
        key_sizes: CHACHA_KEYS,
    },
    authenc!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA1,
        c"authenc(hmac(sha1),cbc(aes))",
        c"virtio-rs-authenc-hmac-sha1-cbc-aes",
        20
    ),
    authenc!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_256,
        c"authenc(hmac(sha256),cbc(aes))",
        c"virtio-rs-authenc-hmac-sha256-cbc-aes",
        32
    ),
    authenc!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_384,
        c"authenc(hmac(sha384),cbc(aes))",
        c"virtio-rs-authenc-hmac-sha384-cbc-aes",
        48
    ),
    authenc!(
        VIRTIO_CRYPTO_MAC_HMAC_SHA_512,
        c"authenc(hmac(sha512),cbc(aes))",
        c"virtio-rs-authenc-hmac-sha512-cbc-aes",
        64
    ),
];

impl AeadAlg {
    /// This algorithm's bit in [`crate::session_check::Usable::aeads`].
    pub(crate) fn bit(&self) -> u64 {
        let index = AEADS
            .iter()
            .position(|a| core::ptr::eq(a, self))
            .unwrap_or(63);
        1u64 << index
    }

    /// The HMAC of an authenc algorithm.
    pub(crate) fn hmac(&self) -> Option<&'static HashAlg> {
        match self.kind {
            AeadKind::Authenc { mac } => HASHES
                .iter()
                .find(|h| matches!(h.keying, Keying::Hmac(_)) && h.algo == mac),
            _ => None,
        }
    }

    /// Whether a device whose cipher, MAC and AEAD masks are these advertises what this
    /// algorithm needs (a session at probe decides whether it really serves it).
    pub(crate) fn advertised_by(&self, ciphers: u64, macs: u64, aeads: u32) -> bool {
        match self.hmac() {
            Some(h) => {
                self.algo < 64 && ciphers & (1u64 << self.algo) != 0 && h.offered_by(0, macs)
            }
            None => self.algo < 32 && aeads & (1u32 << self.algo) != 0,
        }
    }

    /// The tag lengths the kernel's generic implementation accepts (`setauthsize`).
    pub(crate) fn authsize_ok(&self, n: u32) -> bool {
        match self.kind {
            AeadKind::Gcm => matches!(n, 4 | 8 | 12..=16),
            AeadKind::Ccm => (4..=16).contains(&n) && n % 2 == 0,
            AeadKind::ChaChaPoly | AeadKind::ChaChaPolyEsp => n == 16,
            // crypto_aead_setauthsize() refuses 0 already; authenc.c takes any other.
            AeadKind::Authenc { .. } => (1..=self.maxauthsize).contains(&n),
        }
    }
}
