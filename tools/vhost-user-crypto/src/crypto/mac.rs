// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! MAC service: HMAC over MD5/SHA-1/SHA-2, CMAC-AES, XCBC-AES.

use aes::{Aes128, Aes192, Aes256};
use cmac::Cmac;
use digest::{KeyInit, Mac};
use hmac::Hmac;

use super::xcbc::Xcbc;
use super::CryptoError;
use crate::wire;

/// A MAC algorithm with its key already absorbed (inner/outer HMAC pads,
/// CMAC subkeys), so a request only clones the state and feeds the data.
#[derive(Clone)]
pub enum MacKey {
    HmacMd5(Hmac<md5::Md5>),
    HmacSha1(Hmac<sha1::Sha1>),
    HmacSha224(Hmac<sha2::Sha224>),
    HmacSha256(Hmac<sha2::Sha256>),
    HmacSha384(Hmac<sha2::Sha384>),
    HmacSha512(Hmac<sha2::Sha512>),
    CmacAes128(Cmac<Aes128>),
    CmacAes192(Cmac<Aes192>),
    CmacAes256(Cmac<Aes256>),
    Xcbc(Xcbc),
}

impl MacKey {
    /// Keys the wire MAC algorithm `algo`.
    pub fn new(algo: u32, key: &[u8]) -> Result<Self, CryptoError> {
        Ok(match algo {
            wire::MAC_HMAC_MD5 => MacKey::HmacMd5(keyed(key)?),
            wire::MAC_HMAC_SHA1 => MacKey::HmacSha1(keyed(key)?),
            wire::MAC_HMAC_SHA_224 => MacKey::HmacSha224(keyed(key)?),
            wire::MAC_HMAC_SHA_256 => MacKey::HmacSha256(keyed(key)?),
            wire::MAC_HMAC_SHA_384 => MacKey::HmacSha384(keyed(key)?),
            wire::MAC_HMAC_SHA_512 => MacKey::HmacSha512(keyed(key)?),
            wire::MAC_CMAC_AES => match key.len() {
                16 => MacKey::CmacAes128(keyed(key)?),
                24 => MacKey::CmacAes192(keyed(key)?),
                32 => MacKey::CmacAes256(keyed(key)?),
                _ => return Err(CryptoError::BadKey),
            },
            wire::MAC_XCBC_AES => MacKey::Xcbc(Xcbc::new(key)?),
            _ => return Err(CryptoError::NotSupported),
        })
    }

    /// Whether `algo` is a MAC this device implements.
    pub fn supported(algo: u32) -> bool {
        matches!(
            algo,
            wire::MAC_HMAC_MD5
                | wire::MAC_HMAC_SHA1
                | wire::MAC_HMAC_SHA_224
                | wire::MAC_HMAC_SHA_256
                | wire::MAC_HMAC_SHA_384
                | wire::MAC_HMAC_SHA_512
                | wire::MAC_CMAC_AES
                | wire::MAC_XCBC_AES
        )
    }

    /// Full MAC size in bytes.
    pub fn mac_len(&self) -> usize {
        match self {
            MacKey::HmacMd5(_) => 16,
            MacKey::HmacSha1(_) => 20,
            MacKey::HmacSha224(_) => 28,
            MacKey::HmacSha256(_) => 32,
            MacKey::HmacSha384(_) => 48,
            MacKey::HmacSha512(_) => 64,
            MacKey::CmacAes128(_) | MacKey::CmacAes192(_) | MacKey::CmacAes256(_) => 16,
            MacKey::Xcbc(_) => 16,
        }
    }

    /// MAC of the concatenation of `parts`.
    pub fn compute(&self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            MacKey::HmacMd5(m) => run(m, parts),
            MacKey::HmacSha1(m) => run(m, parts),
            MacKey::HmacSha224(m) => run(m, parts),
            MacKey::HmacSha256(m) => run(m, parts),
            MacKey::HmacSha384(m) => run(m, parts),
            MacKey::HmacSha512(m) => run(m, parts),
            MacKey::CmacAes128(m) => run(m, parts),
            MacKey::CmacAes192(m) => run(m, parts),
            MacKey::CmacAes256(m) => run(m, parts),
            MacKey::Xcbc(x) => x.mac(parts).to_vec(),
        }
    }
}

fn keyed<M: KeyInit>(key: &[u8]) -> Result<M, CryptoError> {
    M::new_from_slice(key).map_err(|_| CryptoError::BadKey)
}

fn run<M: Mac + Clone>(keyed: &M, parts: &[&[u8]]) -> Vec<u8> {
    let mut m = keyed.clone();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}
