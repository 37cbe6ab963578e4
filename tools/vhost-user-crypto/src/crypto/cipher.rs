// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! CIPHER service: AES ECB/CBC/CTR/XTS and 3DES ECB/CBC.
//!
//! IV semantics follow the spec: CBC takes the IV (one block), CTR the whole
//! initial counter block (incremented as a 128-bit big-endian number, like
//! Linux `ctr(aes)`), XTS the 16-byte tweak `i` of IEEE 1619 (encrypted with
//! the second key half by the device), ECB ignores the IV.

use cipher::{
    array::Array, BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, BlockSizeUser,
    InnerIvInit, KeyInit, StreamCipher,
};
use des::TdesEde3;

use super::aes_key::with_aes;
use super::xts::xts_apply;
use super::{AesKey, CryptoError, Direction};
use crate::wire;

/// A cipher algorithm with its expanded key.
#[derive(Clone)]
pub enum CipherKey {
    AesEcb(AesKey),
    AesCbc(AesKey),
    AesCtr(AesKey),
    /// Boxed: two key schedules would double the size of every variant.
    AesXts {
        data: Box<AesKey>,
        tweak: Box<AesKey>,
    },
    TdesEcb(TdesEde3),
    TdesCbc(TdesEde3),
}

impl CipherKey {
    /// Expands `key` for the wire algorithm `algo`.
    pub fn new(algo: u32, key: &[u8]) -> Result<Self, CryptoError> {
        Ok(match algo {
            wire::CIPHER_AES_ECB => CipherKey::AesEcb(AesKey::new(key)?),
            wire::CIPHER_AES_CBC => CipherKey::AesCbc(AesKey::new(key)?),
            wire::CIPHER_AES_CTR => CipherKey::AesCtr(AesKey::new(key)?),
            wire::CIPHER_AES_XTS => Self::new_xts(key)?,
            wire::CIPHER_3DES_ECB => CipherKey::TdesEcb(new_tdes(key)?),
            wire::CIPHER_3DES_CBC => CipherKey::TdesCbc(new_tdes(key)?),
            _ => return Err(CryptoError::NotSupported),
        })
    }

    /// XTS keys are two equal AES keys back to back (32, 48 or 64 bytes).
    fn new_xts(key: &[u8]) -> Result<Self, CryptoError> {
        if key.len() % 2 != 0 {
            return Err(CryptoError::BadKey);
        }
        let (k1, k2) = key.split_at(key.len() / 2);
        Ok(CipherKey::AesXts {
            data: Box::new(AesKey::new(k1)?),
            tweak: Box::new(AesKey::new(k2)?),
        })
    }

    /// Encrypts or decrypts `data` in place.
    pub fn apply(&self, dir: Direction, iv: &[u8], data: &mut [u8]) -> Result<(), CryptoError> {
        match self {
            CipherKey::AesEcb(k) => with_aes!(k, c => ecb(c, dir, data)),
            CipherKey::AesCbc(k) => with_aes!(k, c => cbc(c, dir, iv, data)),
            CipherKey::AesCtr(k) => with_aes!(k, c => ctr128(c, iv, data)),
            CipherKey::AesXts { data: k1, tweak } => xts_apply(k1, tweak, dir, iv, data),
            CipherKey::TdesEcb(c) => ecb(c, dir, data),
            CipherKey::TdesCbc(c) => cbc(c, dir, iv, data),
        }
    }
}

fn new_tdes(key: &[u8]) -> Result<TdesEde3, CryptoError> {
    TdesEde3::new_from_slice(key).map_err(|_| CryptoError::BadKey)
}

/// Splits `data` into whole cipher blocks; a partial tail is an error.
fn whole_blocks<C: BlockSizeUser>(data: &mut [u8]) -> Result<&mut [Array<u8, C::BlockSize>], CryptoError> {
    let (blocks, tail) = Array::<u8, C::BlockSize>::slice_as_chunks_mut(data);
    if tail.is_empty() {
        Ok(blocks)
    } else {
        Err(CryptoError::BadLength)
    }
}

fn ecb<C>(c: &C, dir: Direction, data: &mut [u8]) -> Result<(), CryptoError>
where
    C: BlockCipherEncrypt + BlockCipherDecrypt,
{
    let blocks = whole_blocks::<C>(data)?;
    match dir {
        Direction::Encrypt => c.encrypt_blocks(blocks),
        Direction::Decrypt => c.decrypt_blocks(blocks),
    }
    Ok(())
}

fn cbc<C>(c: &C, dir: Direction, iv: &[u8], data: &mut [u8]) -> Result<(), CryptoError>
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + Clone,
{
    let iv = Array::<u8, C::BlockSize>::try_from(iv).map_err(|_| CryptoError::BadIv)?;
    let blocks = whole_blocks::<C>(data)?;
    match dir {
        Direction::Encrypt => cbc::Encryptor::<C>::inner_iv_init(c.clone(), &iv).encrypt_blocks(blocks),
        Direction::Decrypt => cbc::Decryptor::<C>::inner_iv_init(c.clone(), &iv).decrypt_blocks(blocks),
    }
    Ok(())
}

/// CTR is its own inverse, so direction does not matter.
fn ctr128<C>(c: &C, iv: &[u8], data: &mut [u8]) -> Result<(), CryptoError>
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = cipher::consts::U16> + Clone,
{
    let iv = Array::<u8, cipher::consts::U16>::try_from(iv).map_err(|_| CryptoError::BadIv)?;
    ctr128_apply(c, &iv, data);
    Ok(())
}

/// CTR with a 128-bit big-endian counter starting at `counter`.
pub(super) fn ctr128_apply<C>(c: &C, counter: &Array<u8, cipher::consts::U16>, data: &mut [u8])
where
    C: BlockCipherEncrypt + BlockSizeUser<BlockSize = cipher::consts::U16> + Clone,
{
    let core = ctr::CtrCore::<C, ctr::flavors::Ctr128BE>::inner_iv_init(c.clone(), counter);
    ctr::Ctr128BE::from_core(core).apply_keystream(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(algo: u32, key: &[u8], dir: Direction, iv: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut buf = data.to_vec();
        CipherKey::new(algo, key)?.apply(dir, iv, &mut buf)?;
        Ok(buf)
    }

    #[test]
    fn rejects_bad_keys_ivs_and_lengths() {
        assert_eq!(
            CipherKey::new(wire::CIPHER_AES_CBC, &[0; 17]).err(),
            Some(CryptoError::BadKey)
        );
        assert_eq!(
            CipherKey::new(wire::CIPHER_AES_XTS, &[0; 33]).err(),
            Some(CryptoError::BadKey)
        );
        assert_eq!(CipherKey::new(99, &[0; 16]).err(), Some(CryptoError::NotSupported));
        let iv = [0u8; 16];
        assert_eq!(
            run(wire::CIPHER_AES_CBC, &[0; 16], Direction::Encrypt, &iv, &[0; 15]),
            Err(CryptoError::BadLength)
        );
        assert_eq!(
            run(wire::CIPHER_AES_CBC, &[0; 16], Direction::Encrypt, &iv[..8], &[0; 16]),
            Err(CryptoError::BadIv)
        );
        assert_eq!(
            run(wire::CIPHER_3DES_ECB, &[1; 24], Direction::Encrypt, &[], &[0; 12]),
            Err(CryptoError::BadLength)
        );
    }

    #[test]
    fn ctr_handles_partial_blocks_and_round_trips() {
        let key = [7u8; 32];
        let iv = [0xffu8; 16];
        let ct = run(wire::CIPHER_AES_CTR, &key, Direction::Encrypt, &iv, &[1; 37]).unwrap();
        let pt = run(wire::CIPHER_AES_CTR, &key, Direction::Decrypt, &iv, &ct).unwrap();
        assert_eq!(pt, vec![1; 37]);
    }
}
