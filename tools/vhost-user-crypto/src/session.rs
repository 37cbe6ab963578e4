// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Session parameters: what a session (or a stateless request) fixes.
//!
//! The same constructors serve control-queue session creation and stateless
//! data requests, so both paths accept and refuse exactly the same things.
//! Keys are expanded once here; requests only read them.

use crate::crypto::{AeadKey, CipherKey, CryptoError, Direction, HashAlg, MacKey};
use crate::device::Device;
use crate::wire::{self, Status};

/// A session of any service.
pub enum Session {
    Cipher(CipherSession),
    /// Boxed: it holds two keys and would bloat every other variant.
    Chain(Box<ChainSession>),
    Hash(HashSession),
    Mac(MacSession),
    Aead(AeadSession),
}

impl Session {
    /// The service whose opcodes may use (and destroy) this session.
    pub fn service(&self) -> u32 {
        match self {
            Session::Cipher(_) | Session::Chain(_) => wire::SERVICE_CIPHER,
            Session::Hash(_) => wire::SERVICE_HASH,
            Session::Mac(_) => wire::SERVICE_MAC,
            Session::Aead(_) => wire::SERVICE_AEAD,
        }
    }
}

/// Maps a crypto failure to the status the spec wants for it.
pub fn status_of(e: CryptoError) -> Status {
    match e {
        CryptoError::NotSupported => Status::NotSupp,
        CryptoError::AuthFailed => Status::BadMsg,
        _ => Status::Err,
    }
}

/// The device refuses algorithms it does not advertise, and those a fault
/// rule tells it to refuse although advertised.
pub fn admit(dev: &Device, service: u32, algo: u32) -> Result<(), Status> {
    if !dev.settings.advertises(service, algo) || dev.faults.refuses(service, algo) {
        return Err(Status::NotSupp);
    }
    Ok(())
}

/// `VIRTIO_CRYPTO_OP_ENCRYPT/DECRYPT` to a direction.
pub fn direction_of(op: u32) -> Result<Direction, Status> {
    match op {
        wire::OP_ENCRYPT => Ok(Direction::Encrypt),
        wire::OP_DECRYPT => Ok(Direction::Decrypt),
        _ => Err(Status::Err),
    }
}

/// Cipher key length limit from the configuration space.
pub fn check_cipher_key_len(dev: &Device, len: u32) -> Result<(), Status> {
    if len > dev.settings.max_cipher_key_len {
        return Err(Status::Err);
    }
    Ok(())
}

/// Authentication key length limit from the configuration space.
pub fn check_auth_key_len(dev: &Device, len: u32) -> Result<(), Status> {
    if len > dev.settings.max_auth_key_len {
        return Err(Status::Err);
    }
    Ok(())
}

/// Plain cipher.
pub struct CipherSession {
    pub key: CipherKey,
    pub dir: Direction,
}

impl CipherSession {
    pub fn new(dev: &Device, algo: u32, op: u32, key: &[u8]) -> Result<Self, Status> {
        admit(dev, wire::SERVICE_CIPHER, algo)?;
        let dir = direction_of(op)?;
        let key = CipherKey::new(algo, key).map_err(status_of)?;
        Ok(CipherSession { key, dir })
    }
}

/// Hash, truncated to `result_len` (0 at creation means the full digest).
pub struct HashSession {
    pub alg: HashAlg,
    pub result_len: usize,
}

impl HashSession {
    pub fn new(dev: &Device, algo: u32, result_len: u32) -> Result<Self, Status> {
        admit(dev, wire::SERVICE_HASH, algo)?;
        let alg = HashAlg::from_wire(algo).ok_or(Status::NotSupp)?;
        let result_len = checked_result_len(result_len, alg.digest_len())?;
        Ok(HashSession { alg, result_len })
    }
}

/// MAC with its key absorbed.
pub struct MacSession {
    pub key: MacKey,
    pub result_len: usize,
}

impl MacSession {
    pub fn new(dev: &Device, algo: u32, result_len: u32, key: &[u8]) -> Result<Self, Status> {
        admit(dev, wire::SERVICE_MAC, algo)?;
        let key = MacKey::new(algo, key).map_err(status_of)?;
        let result_len = checked_result_len(result_len, key.mac_len())?;
        Ok(MacSession { key, result_len })
    }
}

/// AEAD; the tag length is fixed per session (Linux `setauthsize`).
pub struct AeadSession {
    pub key: AeadKey,
    pub dir: Direction,
    pub tag_len: usize,
}

impl AeadSession {
    pub fn new(dev: &Device, algo: u32, op: u32, tag_len: u32, key: &[u8]) -> Result<Self, Status> {
        admit(dev, wire::SERVICE_AEAD, algo)?;
        let dir = direction_of(op)?;
        let key = AeadKey::new(algo, key).map_err(status_of)?;
        let tag_len = tag_len as usize;
        if !key.tag_len_ok(tag_len) {
            return Err(Status::Err);
        }
        Ok(AeadSession { key, dir, tag_len })
    }
}

/// The authentication half of a chain.
pub enum Auth {
    Hash(HashAlg),
    Mac(Box<MacKey>),
}

impl Auth {
    /// Builds the hash (PLAIN) or MAC (AUTH) half; NESTED is not supported.
    pub fn new(dev: &Device, hash_mode: u32, algo: u32, key: &[u8]) -> Result<Self, Status> {
        match hash_mode {
            wire::HASH_MODE_PLAIN => {
                admit(dev, wire::SERVICE_HASH, algo)?;
                HashAlg::from_wire(algo).map(Auth::Hash).ok_or(Status::NotSupp)
            }
            wire::HASH_MODE_AUTH => {
                admit(dev, wire::SERVICE_MAC, algo)?;
                MacKey::new(algo, key)
                    .map(|k| Auth::Mac(Box::new(k)))
                    .map_err(status_of)
            }
            _ => Err(Status::NotSupp),
        }
    }

    /// Full output size in bytes.
    pub fn output_len(&self) -> usize {
        match self {
            Auth::Hash(h) => h.digest_len(),
            Auth::Mac(m) => m.mac_len(),
        }
    }

    pub fn compute(&self, parts: &[&[u8]]) -> Vec<u8> {
        match self {
            Auth::Hash(h) => h.digest(parts),
            Auth::Mac(m) => m.compute(parts),
        }
    }
}

/// Cipher + hash/MAC in a given order.
pub struct ChainSession {
    pub cipher: CipherSession,
    pub auth: Auth,
    pub hash_first: bool,
}

impl ChainSession {
    pub fn new(cipher: CipherSession, auth: Auth, order: u32) -> Result<Self, Status> {
        let hash_first = match order {
            wire::CHAIN_ORDER_HASH_THEN_CIPHER => true,
            wire::CHAIN_ORDER_CIPHER_THEN_HASH => false,
            _ => return Err(Status::Err),
        };
        Ok(ChainSession {
            cipher,
            auth,
            hash_first,
        })
    }
}

/// A requested result length: 0 means full, more than full is an error.
fn checked_result_len(len: u32, full: usize) -> Result<usize, Status> {
    match len as usize {
        0 => Ok(full),
        n if n <= full => Ok(n),
        _ => Err(Status::Err),
    }
}
