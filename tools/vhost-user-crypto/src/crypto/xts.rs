// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! XTS-AES (IEEE 1619, NIST SP 800-38E) with ciphertext stealing.
//!
//! Composed here rather than taken from `xts-mode` because that crate
//! encrypts one block per call; batching the tweaks lets AES-NI pipeline
//! several blocks at once, which is most of XTS speed.

use cipher::{array::Array, consts::U16, BlockCipherDecrypt, BlockCipherEncrypt, BlockSizeUser};

use super::aes_key::with_aes;
use super::{AesKey, CryptoError, Direction};

/// Blocks whose tweaks are computed, then ciphered in one call.
const BATCH: usize = 32;

/// Applies XTS to a whole data unit. `iv` is the 16-byte tweak `i` (for
/// Linux `plain64` the little-endian sector number); it is encrypted with
/// `tweak_key` here. Data must be empty or at least one block long.
pub fn xts_apply(
    data_key: &AesKey,
    tweak_key: &AesKey,
    dir: Direction,
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), CryptoError> {
    let mut tweak: [u8; 16] = iv.try_into().map_err(|_| CryptoError::BadIv)?;
    if data.is_empty() {
        return Ok(());
    }
    if data.len() < 16 {
        return Err(CryptoError::BadLength);
    }
    tweak_key.encrypt_block(&mut tweak);
    let t = u128::from_le_bytes(tweak);
    with_aes!(data_key, c => xts_unit(c, dir, t, data));
    Ok(())
}

fn xts_unit<C>(c: &C, dir: Direction, t: u128, data: &mut [u8])
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + BlockSizeUser<BlockSize = U16>,
{
    let partial = data.len() % 16;
    let full = data.len() / 16;
    // With a partial tail the last full block takes part in the stealing.
    let plain = if partial == 0 { full } else { full - 1 };
    let t = xts_blocks(c, dir, t, &mut data[..plain * 16]);
    if partial != 0 {
        steal(c, dir, t, &mut data[plain * 16..]);
    }
}

/// Ciphers whole blocks, returning the tweak for the block after them.
fn xts_blocks<C>(c: &C, dir: Direction, mut t: u128, data: &mut [u8]) -> u128
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + BlockSizeUser<BlockSize = U16>,
{
    let mut tweaks = [0u128; BATCH];
    for chunk in data.chunks_mut(BATCH * 16) {
        let n = chunk.len() / 16;
        for (i, slot) in tweaks[..n].iter_mut().enumerate() {
            *slot = t;
            xor_tweak(&mut chunk[i * 16..i * 16 + 16], t);
            t = mul_alpha(t);
        }
        let (blocks, _) = Array::<u8, U16>::slice_as_chunks_mut(chunk);
        match dir {
            Direction::Encrypt => c.encrypt_blocks(blocks),
            Direction::Decrypt => c.decrypt_blocks(blocks),
        }
        for (i, tw) in tweaks[..n].iter().enumerate() {
            xor_tweak(&mut chunk[i * 16..i * 16 + 16], *tw);
        }
    }
    t
}

/// Ciphertext stealing over the last full block plus the partial tail
/// (`data` is 16 + r bytes, 0 < r < 16).
fn steal<C>(c: &C, dir: Direction, t: u128, data: &mut [u8])
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + BlockSizeUser<BlockSize = U16>,
{
    let r = data.len() - 16;
    // Encryption uses tweaks (m-1, m) in that order, decryption (m, m-1).
    let (first, second) = match dir {
        Direction::Encrypt => (t, mul_alpha(t)),
        Direction::Decrypt => (mul_alpha(t), t),
    };
    one_block(c, dir, first, &mut data[..16]);
    let mut last = [0u8; 16];
    last[..r].copy_from_slice(&data[16..]);
    last[r..].copy_from_slice(&data[r..16]);
    data.copy_within(0..r, 16);
    one_block(c, dir, second, &mut last);
    data[..16].copy_from_slice(&last);
}

fn one_block<C>(c: &C, dir: Direction, t: u128, block: &mut [u8])
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + BlockSizeUser<BlockSize = U16>,
{
    xor_tweak(block, t);
    let (blocks, _) = Array::<u8, U16>::slice_as_chunks_mut(block);
    match dir {
        Direction::Encrypt => c.encrypt_blocks(blocks),
        Direction::Decrypt => c.decrypt_blocks(blocks),
    }
    xor_tweak(block, t);
}

/// XORs the tweak into a 16-byte block as one 128-bit word.
fn xor_tweak(block: &mut [u8], t: u128) {
    let mut b = [0u8; 16];
    b.copy_from_slice(&block[..16]);
    block[..16].copy_from_slice(&(u128::from_le_bytes(b) ^ t).to_le_bytes());
}

/// Multiplication by x in GF(2^128) with the little-endian convention of
/// IEEE 1619 (reduction polynomial x^128 + x^7 + x^2 + x + 1).
fn mul_alpha(t: u128) -> u128 {
    let carry = t >> 127;
    (t << 1) ^ (carry * 0x87)
}
