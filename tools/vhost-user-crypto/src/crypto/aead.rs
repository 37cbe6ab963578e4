// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AEAD service: AES-GCM, AES-CCM and ChaCha20-Poly1305 (RFC 8439).

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Nonce, Tag};

use super::{ccm, gcm, AesKey, CryptoError};
use crate::wire;

/// An AEAD algorithm with its expanded key.
#[derive(Clone)]
pub enum AeadKey {
    Gcm(AesKey),
    Ccm(AesKey),
    ChaChaPoly(ChaCha20Poly1305),
}

impl AeadKey {
    /// Expands `key` for the wire algorithm `algo`.
    pub fn new(algo: u32, key: &[u8]) -> Result<Self, CryptoError> {
        Ok(match algo {
            wire::AEAD_GCM => AeadKey::Gcm(AesKey::new(key)?),
            wire::AEAD_CCM => AeadKey::Ccm(AesKey::new(key)?),
            wire::AEAD_CHACHA20_POLY1305 => {
                AeadKey::ChaChaPoly(ChaCha20Poly1305::new_from_slice(key).map_err(|_| CryptoError::BadKey)?)
            }
            _ => return Err(CryptoError::NotSupported),
        })
    }

    /// Whether this algorithm can produce a tag of `len` bytes.
    pub fn tag_len_ok(&self, len: usize) -> bool {
        match self {
            AeadKey::Gcm(_) => gcm::tag_len_ok(len),
            AeadKey::Ccm(_) => ccm::tag_len_ok(len),
            AeadKey::ChaChaPoly(_) => len == 16,
        }
    }

    /// Encrypts `data` in place; returns the tag.
    pub fn seal(&self, iv: &[u8], aad: &[u8], data: &mut [u8], tag_len: usize) -> Result<Vec<u8>, CryptoError> {
        match self {
            AeadKey::Gcm(k) => gcm::seal(k, iv, aad, data, tag_len),
            AeadKey::Ccm(k) => ccm::seal(k, iv, aad, data, tag_len),
            AeadKey::ChaChaPoly(k) => {
                if tag_len != 16 {
                    return Err(CryptoError::BadTagLength);
                }
                let nonce = Nonce::try_from(iv).map_err(|_| CryptoError::BadIv)?;
                let tag = k
                    .encrypt_inout_detached(&nonce, aad, data.into())
                    .map_err(|_| CryptoError::BadLength)?;
                Ok(tag.to_vec())
            }
        }
    }

    /// Verifies `tag` and decrypts `data` in place.
    pub fn open(&self, iv: &[u8], aad: &[u8], data: &mut [u8], tag: &[u8]) -> Result<(), CryptoError> {
        match self {
            AeadKey::Gcm(k) => gcm::open(k, iv, aad, data, tag),
            AeadKey::Ccm(k) => ccm::open(k, iv, aad, data, tag),
            AeadKey::ChaChaPoly(k) => {
                let nonce = Nonce::try_from(iv).map_err(|_| CryptoError::BadIv)?;
                let tag = Tag::try_from(tag).map_err(|_| CryptoError::BadTagLength)?;
                k.decrypt_inout_detached(&nonce, aad, data.into(), &tag)
                    .map_err(|_| CryptoError::AuthFailed)
            }
        }
    }
}
