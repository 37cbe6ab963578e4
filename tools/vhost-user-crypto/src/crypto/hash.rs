// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! HASH service: MD5, SHA-1, SHA-2 and SHA-3 digests.

use digest::Digest;

use crate::wire;

/// A hash algorithm (stateless: every request hashes one whole message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HashAlg {
    Md5,
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
}

impl HashAlg {
    /// Maps a wire HASH algorithm id.
    pub fn from_wire(algo: u32) -> Option<Self> {
        Some(match algo {
            wire::HASH_MD5 => HashAlg::Md5,
            wire::HASH_SHA1 => HashAlg::Sha1,
            wire::HASH_SHA_224 => HashAlg::Sha224,
            wire::HASH_SHA_256 => HashAlg::Sha256,
            wire::HASH_SHA_384 => HashAlg::Sha384,
            wire::HASH_SHA_512 => HashAlg::Sha512,
            wire::HASH_SHA3_224 => HashAlg::Sha3_224,
            wire::HASH_SHA3_256 => HashAlg::Sha3_256,
            wire::HASH_SHA3_384 => HashAlg::Sha3_384,
            wire::HASH_SHA3_512 => HashAlg::Sha3_512,
            _ => return None,
        })
    }

    /// Full digest size in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            HashAlg::Md5 => 16,
            HashAlg::Sha1 => 20,
            HashAlg::Sha224 | HashAlg::Sha3_224 => 28,
            HashAlg::Sha256 | HashAlg::Sha3_256 => 32,
            HashAlg::Sha384 | HashAlg::Sha3_384 => 48,
            HashAlg::Sha512 | HashAlg::Sha3_512 => 64,
        }
    }

    /// Digest of the concatenation of `parts`.
    pub fn digest(self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            HashAlg::Md5 => digest_parts::<md5::Md5>(parts),
            HashAlg::Sha1 => digest_parts::<sha1::Sha1>(parts),
            HashAlg::Sha224 => digest_parts::<sha2::Sha224>(parts),
            HashAlg::Sha256 => digest_parts::<sha2::Sha256>(parts),
            HashAlg::Sha384 => digest_parts::<sha2::Sha384>(parts),
            HashAlg::Sha512 => digest_parts::<sha2::Sha512>(parts),
            HashAlg::Sha3_224 => digest_parts::<sha3::Sha3_224>(parts),
            HashAlg::Sha3_256 => digest_parts::<sha3::Sha3_256>(parts),
            HashAlg::Sha3_384 => digest_parts::<sha3::Sha3_384>(parts),
            HashAlg::Sha3_512 => digest_parts::<sha3::Sha3_512>(parts),
        }
    }
}

fn digest_parts<D: Digest>(parts: &[&[u8]]) -> Vec<u8> {
    let mut d = D::new();
    for p in parts {
        d.update(p);
    }
    d.finalize().to_vec()
}
