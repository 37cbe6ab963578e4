// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AES-CCM (NIST SP 800-38C, RFC 3610) composed from AES and CTR.
//!
//! Composed here because the `ccm` crate fixes tag and nonce length as type
//! parameters (49 instantiations per key size); here they are run-time values.
//!
//! Nonce input: 7..=13 bytes are the nonce itself. A 16-byte IV is taken in
//! the Linux `ccm(aes)` / RFC 3610 counter-block form: `iv[0]` = L - 1 and the
//! nonce in `iv[1..15 - L + 1]`, so a driver can pass `req->iv` unchanged.

use subtle::ConstantTimeEq;

use super::aes_key::with_aes;
use super::cipher::ctr128_apply;
use super::{AesKey, CryptoError};

/// Tag lengths SP 800-38C allows.
pub fn tag_len_ok(len: usize) -> bool {
    (4..=16).contains(&len) && len % 2 == 0
}

/// Encrypts `data` in place and returns the `tag_len`-byte tag.
pub fn seal(key: &AesKey, iv: &[u8], aad: &[u8], data: &mut [u8], tag_len: usize) -> Result<Vec<u8>, CryptoError> {
    let nonce = nonce_of(iv)?;
    check(nonce, data.len(), tag_len)?;
    let mac = cbc_mac(key, nonce, aad, data, tag_len);
    let tag = mask_tag(key, nonce, &mac, tag_len);
    ctr(key, nonce, data);
    Ok(tag)
}

/// Decrypts `data` in place and verifies `tag`; on a mismatch `data` is
/// restored to the ciphertext so no unauthenticated plaintext leaves.
pub fn open(key: &AesKey, iv: &[u8], aad: &[u8], data: &mut [u8], tag: &[u8]) -> Result<(), CryptoError> {
    let nonce = nonce_of(iv)?;
    check(nonce, data.len(), tag.len())?;
    ctr(key, nonce, data);
    let mac = cbc_mac(key, nonce, aad, data, tag.len());
    let expected = mask_tag(key, nonce, &mac, tag.len());
    if bool::from(expected.ct_eq(tag)) {
        Ok(())
    } else {
        ctr(key, nonce, data);
        Err(CryptoError::AuthFailed)
    }
}

fn nonce_of(iv: &[u8]) -> Result<&[u8], CryptoError> {
    match iv.len() {
        7..=13 => Ok(iv),
        16 => {
            let l_minus_1 = usize::from(iv[0]);
            if !(1..=7).contains(&l_minus_1) {
                return Err(CryptoError::BadIv);
            }
            Ok(&iv[1..15 - l_minus_1])
        }
        _ => Err(CryptoError::BadIv),
    }
}

fn check(nonce: &[u8], len: usize, tag_len: usize) -> Result<(), CryptoError> {
    if !tag_len_ok(tag_len) {
        return Err(CryptoError::BadTagLength);
    }
    // The message length must fit in the L = 15 - nonce bytes of B0.
    let l_bits = 8 * (15 - nonce.len()) as u32;
    if l_bits < 64 && (len as u64) >> l_bits != 0 {
        return Err(CryptoError::BadLength);
    }
    Ok(())
}

/// Counter block A_i = flags(L-1) || nonce || i.
fn counter_block(nonce: &[u8], i: u8) -> [u8; 16] {
    let mut a = [0u8; 16];
    a[0] = (14 - nonce.len()) as u8;
    a[1..1 + nonce.len()].copy_from_slice(nonce);
    a[15] = i;
    a
}

/// Payload CTR starting at A_1; the counter never leaves the L low bytes
/// because `check` bounded the length, so a 128-bit counter is equivalent.
fn ctr(key: &AesKey, nonce: &[u8], data: &mut [u8]) {
    let a1 = counter_block(nonce, 1);
    let a1: &cipher::array::Array<u8, cipher::consts::U16> = (&a1).into();
    with_aes!(key, c => ctr128_apply(c, a1, data));
}

fn mask_tag(key: &AesKey, nonce: &[u8], mac: &[u8; 16], tag_len: usize) -> Vec<u8> {
    let mut s0 = counter_block(nonce, 0);
    key.encrypt_block(&mut s0);
    mac.iter().zip(s0).take(tag_len).map(|(m, s)| m ^ s).collect()
}

/// CBC-MAC over B0, the encoded AAD and the payload, each zero padded.
fn cbc_mac(key: &AesKey, nonce: &[u8], aad: &[u8], payload: &[u8], tag_len: usize) -> [u8; 16] {
    let mut mac = CbcMac::new(key);
    let mut b0 = [0u8; 16];
    let l = 15 - nonce.len();
    b0[0] = (u8::from(!aad.is_empty()) << 6) | (((tag_len as u8 - 2) / 2) << 3) | (l as u8 - 1);
    b0[1..1 + nonce.len()].copy_from_slice(nonce);
    let len = (payload.len() as u64).to_be_bytes();
    b0[16 - l..].copy_from_slice(&len[8 - l.min(8)..]);
    mac.update(&b0);
    if !aad.is_empty() {
        mac.update(&aad_length_prefix(aad.len() as u64));
        mac.update(aad);
        mac.pad();
    }
    mac.update(payload);
    mac.pad();
    mac.x
}

/// RFC 3610 encoding of the AAD length.
fn aad_length_prefix(a: u64) -> Vec<u8> {
    if a < 0xff00 {
        (a as u16).to_be_bytes().to_vec()
    } else if a <= u64::from(u32::MAX) {
        let mut v = vec![0xff, 0xfe];
        v.extend_from_slice(&(a as u32).to_be_bytes());
        v
    } else {
        let mut v = vec![0xff, 0xff];
        v.extend_from_slice(&a.to_be_bytes());
        v
    }
}

/// Streaming CBC-MAC with zero padding at chosen points.
struct CbcMac<'a> {
    key: &'a AesKey,
    x: [u8; 16],
    fill: usize,
}

impl<'a> CbcMac<'a> {
    fn new(key: &'a AesKey) -> Self {
        CbcMac {
            key,
            x: [0; 16],
            fill: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let take = (16 - self.fill).min(data.len());
            for (x, d) in self.x[self.fill..self.fill + take].iter_mut().zip(&data[..take]) {
                *x ^= d;
            }
            self.fill += take;
            data = &data[take..];
            if self.fill == 16 {
                self.key.encrypt_block(&mut self.x);
                self.fill = 0;
            }
        }
    }

    /// Zero-pads to a block boundary (padding with zeros is a no-op XOR).
    fn pad(&mut self) {
        if self.fill != 0 {
            self.key.encrypt_block(&mut self.x);
            self.fill = 0;
        }
    }
}
