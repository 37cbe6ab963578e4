// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! An expanded AES key of any of the three sizes.

use aes::{Aes128, Aes192, Aes256};
use cipher::{BlockCipherEncrypt, KeyInit};

use super::CryptoError;

/// AES key schedule, expanded once per session and shared by all requests.
#[derive(Clone)]
pub enum AesKey {
    A128(Aes128),
    A192(Aes192),
    A256(Aes256),
}

/// Runs `$body` with `$c` bound to the concrete AES type inside `$key`, so
/// generic mode code is monomorphised per key size without dynamic dispatch.
macro_rules! with_aes {
    ($key:expr, $c:ident => $body:expr) => {
        match $key {
            $crate::crypto::AesKey::A128($c) => $body,
            $crate::crypto::AesKey::A192($c) => $body,
            $crate::crypto::AesKey::A256($c) => $body,
        }
    };
}
pub(crate) use with_aes;

impl AesKey {
    /// Expands a 16, 24 or 32 byte key.
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let bad = |_| CryptoError::BadKey;
        Ok(match key.len() {
            16 => AesKey::A128(Aes128::new_from_slice(key).map_err(bad)?),
            24 => AesKey::A192(Aes192::new_from_slice(key).map_err(bad)?),
            32 => AesKey::A256(Aes256::new_from_slice(key).map_err(bad)?),
            _ => return Err(CryptoError::BadKey),
        })
    }

    /// Encrypts one 16-byte block in place.
    pub fn encrypt_block(&self, block: &mut [u8; 16]) {
        let b: &mut aes::Block = block.into();
        with_aes!(self, c => c.encrypt_block(b))
    }
}
