// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AES-GCM (NIST SP 800-38D) composed from AES, CTR32 and GHASH.
//!
//! The spec lets the IV be 12 bytes (the usual nonce) or 16 bytes, in which
//! case it *is* the pre-counter block J0; and Linux `gcm(aes)` accepts tags of
//! 4, 8 and 12..16 bytes. `aes-gcm` supports neither, so the mode is built
//! from the same primitives that crate uses.

use cipher::{InnerIvInit, StreamCipher};
use ghash::universal_hash::UniversalHash;
use ghash::GHash;
use subtle::ConstantTimeEq;

use super::aes_key::with_aes;
use super::{AesKey, CryptoError};

/// Tag lengths SP 800-38D allows.
pub fn tag_len_ok(len: usize) -> bool {
    matches!(len, 4 | 8 | 12..=16)
}

/// Encrypts `data` in place and returns the `tag_len`-byte tag.
pub fn seal(key: &AesKey, iv: &[u8], aad: &[u8], data: &mut [u8], tag_len: usize) -> Result<Vec<u8>, CryptoError> {
    if !tag_len_ok(tag_len) {
        return Err(CryptoError::BadTagLength);
    }
    let j0 = pre_counter(iv)?;
    keystream(key, &j0, data);
    Ok(full_tag(key, &j0, aad, data)[..tag_len].to_vec())
}

/// Verifies `tag` over the ciphertext, then decrypts `data` in place.
/// On a mismatch `data` is left as ciphertext.
pub fn open(key: &AesKey, iv: &[u8], aad: &[u8], data: &mut [u8], tag: &[u8]) -> Result<(), CryptoError> {
    if !tag_len_ok(tag.len()) {
        return Err(CryptoError::BadTagLength);
    }
    let j0 = pre_counter(iv)?;
    let expected = full_tag(key, &j0, aad, data);
    if !bool::from(expected[..tag.len()].ct_eq(tag)) {
        return Err(CryptoError::AuthFailed);
    }
    keystream(key, &j0, data);
    Ok(())
}

/// J0 from a 96-bit IV, or the IV itself when 16 bytes are given.
fn pre_counter(iv: &[u8]) -> Result<[u8; 16], CryptoError> {
    let mut j0 = [0u8; 16];
    match iv.len() {
        12 => {
            j0[..12].copy_from_slice(iv);
            j0[15] = 1;
        }
        16 => j0.copy_from_slice(iv),
        _ => return Err(CryptoError::BadIv),
    }
    Ok(j0)
}

/// CTR with a 32-bit counter starting at inc32(J0).
fn keystream(key: &AesKey, j0: &[u8; 16], data: &mut [u8]) {
    let mut cb = *j0;
    let low = u32::from_be_bytes([cb[12], cb[13], cb[14], cb[15]]).wrapping_add(1);
    cb[12..].copy_from_slice(&low.to_be_bytes());
    let cb: &cipher::array::Array<u8, cipher::consts::U16> = (&cb).into();
    with_aes!(key, c => {
        let core = ctr::CtrCore::<_, ctr::flavors::Ctr32BE>::inner_iv_init(c.clone(), cb);
        ctr::Ctr32BE::from_core(core).apply_keystream(data)
    });
}

/// E(K, J0) xor GHASH(A || C || len(A) || len(C)).
fn full_tag(key: &AesKey, j0: &[u8; 16], aad: &[u8], ct: &[u8]) -> [u8; 16] {
    let mut h = [0u8; 16];
    key.encrypt_block(&mut h);
    let mut gh = GHash::new(&h.into());
    gh.update_padded(aad);
    gh.update_padded(ct);
    let mut lens = [0u8; 16];
    lens[..8].copy_from_slice(&((aad.len() as u64) * 8).to_be_bytes());
    lens[8..].copy_from_slice(&((ct.len() as u64) * 8).to_be_bytes());
    gh.update(&[lens.into()]);
    let s = gh.finalize();
    let mut tag = *j0;
    key.encrypt_block(&mut tag);
    for (t, x) in tag.iter_mut().zip(s.iter()) {
        *t ^= x;
    }
    tag
}
