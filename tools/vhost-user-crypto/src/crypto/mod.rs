// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! The crypto engine: pure functions over byte slices, no virtio in here.
//!
//! Algorithms come from RustCrypto crates (run-time AES-NI, CLMUL, SHA-NI and
//! AVX2 detection). Where a crate's API is narrower than the virtio spec
//! (GCM with a J0 IV or a 4/8-byte tag, CCM with any nonce/tag length, XTS
//! over whole buffers, XCBC) the mode is composed here from the crate's block
//! cipher and GHASH primitives and checked against the standards' vectors.

mod aead;
mod aes_key;
mod ccm;
mod cipher;
mod gcm;
mod hash;
mod mac;
mod xcbc;
mod xts;

pub use self::aead::AeadKey;
pub use self::aes_key::AesKey;
pub use self::cipher::CipherKey;
pub use self::hash::HashAlg;
pub use self::mac::MacKey;

/// Why an operation could not be done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CryptoError {
    /// The algorithm (or this variant of it) is not implemented.
    NotSupported,
    /// Wrong key length for the algorithm.
    BadKey,
    /// Wrong IV/nonce length.
    BadIv,
    /// Data length not acceptable for the mode (e.g. not whole blocks).
    BadLength,
    /// Tag length not acceptable for the algorithm.
    BadTagLength,
    /// AEAD tag verification failed.
    AuthFailed,
}

/// Direction of a cipher or AEAD operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    Encrypt,
    Decrypt,
}
