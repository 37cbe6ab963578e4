// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! What the device advertises: feature bits and `struct virtio_crypto_config`.

use crate::wire::{self, CONFIG_LEN};

/// `VIRTIO_F_VERSION_1`.
pub const VIRTIO_F_VERSION_1: u32 = 32;

const fn bit64(n: u32) -> u64 {
    1 << n
}

/// Cipher algorithms this device implements (bits of `cipher_algo_l/h`).
pub const IMPLEMENTED_CIPHERS: u64 = bit64(wire::CIPHER_AES_ECB)
    | bit64(wire::CIPHER_AES_CBC)
    | bit64(wire::CIPHER_AES_CTR)
    | bit64(wire::CIPHER_3DES_ECB)
    | bit64(wire::CIPHER_3DES_CBC)
    | bit64(wire::CIPHER_AES_XTS);
/// Hash algorithms implemented: MD5 (1) through SHA3-512 (10).
pub const IMPLEMENTED_HASHES: u32 = 0x7fe;
/// MAC algorithms implemented: HMAC-MD5..HMAC-SHA512, CMAC-AES, XCBC-AES.
pub const IMPLEMENTED_MACS: u64 = 0x7e | bit64(wire::MAC_CMAC_AES) | bit64(wire::MAC_XCBC_AES);
/// AEAD algorithms implemented: GCM, CCM, ChaCha20-Poly1305.
pub const IMPLEMENTED_AEADS: u32 = 0b1110;
/// Services implemented: CIPHER, HASH, MAC, AEAD.
pub const IMPLEMENTED_SERVICES: u32 = 0b1111;

/// Static device settings, fixed at start-up from the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceSettings {
    pub max_dataqueues: u32,
    pub queue_size: u16,
    pub services: u32,
    pub cipher_algos: u64,
    pub hash_algos: u32,
    pub mac_algos: u64,
    pub aead_algos: u32,
    pub akcipher_algos: u32,
    pub max_cipher_key_len: u32,
    pub max_auth_key_len: u32,
    pub max_size: u64,
    pub max_sessions: usize,
    /// Device feature bits offered (crypto bits 0..5 and VERSION_1).
    pub features: u64,
}

impl Default for DeviceSettings {
    fn default() -> Self {
        DeviceSettings {
            max_dataqueues: 1,
            queue_size: 1024,
            services: IMPLEMENTED_SERVICES,
            cipher_algos: IMPLEMENTED_CIPHERS,
            hash_algos: IMPLEMENTED_HASHES,
            mac_algos: IMPLEMENTED_MACS,
            aead_algos: IMPLEMENTED_AEADS,
            akcipher_algos: 0,
            max_cipher_key_len: 64,
            max_auth_key_len: 512,
            max_size: 16 << 20,
            max_sessions: 1024,
            features: bit64(VIRTIO_F_VERSION_1) | 0x1f,
        }
    }
}

impl DeviceSettings {
    /// The configuration space; `ready` drives `VIRTIO_CRYPTO_S_HW_READY`.
    pub fn config_bytes(&self, ready: bool) -> [u8; CONFIG_LEN] {
        let words = [
            if ready { wire::S_HW_READY } else { 0 },
            self.max_dataqueues,
            self.services,
            self.cipher_algos as u32,
            (self.cipher_algos >> 32) as u32,
            self.hash_algos,
            self.mac_algos as u32,
            (self.mac_algos >> 32) as u32,
            self.aead_algos,
            self.max_cipher_key_len,
            self.max_auth_key_len,
            self.akcipher_algos,
        ];
        let mut out = [0u8; CONFIG_LEN];
        for (i, w) in words.iter().enumerate() {
            out[i * 4..i * 4 + 4].copy_from_slice(&w.to_le_bytes());
        }
        out[48..56].copy_from_slice(&self.max_size.to_le_bytes());
        out
    }

    /// Whether `algo` of `service` is advertised.
    pub fn advertises(&self, service: u32, algo: u32) -> bool {
        if service >= 32 || self.services & (1 << service) == 0 || algo >= 64 {
            return false;
        }
        let mask = match service {
            wire::SERVICE_CIPHER => self.cipher_algos,
            wire::SERVICE_HASH => u64::from(self.hash_algos),
            wire::SERVICE_MAC => self.mac_algos,
            wire::SERVICE_AEAD => u64::from(self.aead_algos),
            wire::SERVICE_AKCIPHER => u64::from(self.akcipher_algos),
            _ => 0,
        };
        mask & bit64(algo) != 0
    }
}

/// Feature bits the driver accepted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Features(pub u64);

impl Features {
    /// `VIRTIO_CRYPTO_F_REVISION_1`.
    pub fn rev1(self) -> bool {
        self.0 & bit64(wire::F_REVISION_1) != 0
    }

    /// `VIRTIO_CRYPTO_F_<service>_STATELESS_MODE` (bit service + 1); the spec
    /// makes every stateless bit depend on REVISION_1.
    pub fn stateless(self, service: u32) -> bool {
        service <= wire::SERVICE_AKCIPHER && self.rev1() && self.0 & bit64(service + 1) != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{le32, le64};

    #[test]
    fn config_layout_matches_uapi() {
        let s = DeviceSettings {
            max_dataqueues: 3,
            ..Default::default()
        };
        let c = s.config_bytes(true);
        assert_eq!(le32(&c, 0), 1);
        assert_eq!(le32(&c, 4), 3);
        assert_eq!(le32(&c, 8), 0b1111);
        assert_eq!(le32(&c, 12), IMPLEMENTED_CIPHERS as u32);
        assert_eq!(le32(&c, 24), 0x7e | 1 << 26);
        assert_eq!(le32(&c, 28), 1 << (53 - 32));
        assert_eq!(le32(&c, 36), 64);
        assert_eq!(le64(&c, 48), 16 << 20);
        assert_eq!(le32(&s.config_bytes(false), 0), 0);
    }

    #[test]
    fn stateless_needs_revision_1() {
        assert!(!Features(0b10).stateless(wire::SERVICE_CIPHER));
        assert!(Features(0b11).stateless(wire::SERVICE_CIPHER));
        assert!(!Features(0b11).stateless(wire::SERVICE_HASH));
        assert!(Features(0b10001).stateless(wire::SERVICE_AEAD));
    }
}
