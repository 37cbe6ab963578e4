// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AES-XCBC-MAC (RFC 3566), composed from AES (no maintained crate has it).
//!
//! Like Linux `xcbc(aes)` the user key may be 16, 24 or 32 bytes; the MAC
//! itself always runs AES-128 under the derived key K1 (RFC 3566 for a
//! 16-byte key).

use super::{AesKey, CryptoError};

/// Derived XCBC keys.
#[derive(Clone)]
pub struct Xcbc {
    k1: AesKey,
    k2: [u8; 16],
    k3: [u8; 16],
}

impl Xcbc {
    /// Derives K1, K2, K3 by encrypting the constants 0x01.., 0x02.., 0x03...
    pub fn new(key: &[u8]) -> Result<Self, CryptoError> {
        let base = AesKey::new(key)?;
        let derive = |c: u8| {
            let mut b = [c; 16];
            base.encrypt_block(&mut b);
            b
        };
        Ok(Xcbc {
            k1: AesKey::new(&derive(1))?,
            k2: derive(2),
            k3: derive(3),
        })
    }

    /// The 16-byte MAC of the concatenation of `parts`.
    pub fn mac(&self, parts: &[&[u8]]) -> [u8; 16] {
        let msg: Vec<u8> = parts.concat();
        let mut e = [0u8; 16];
        // All blocks but the last are plain CBC-MAC blocks.
        let last_start = if msg.is_empty() { 0 } else { (msg.len() - 1) / 16 * 16 };
        for block in msg[..last_start].chunks(16) {
            xor_into(&mut e, block);
            self.k1.encrypt_block(&mut e);
        }
        let last = &msg[last_start..];
        if last.len() == 16 {
            xor_into(&mut e, last);
            xor_into(&mut e, &self.k2);
        } else {
            let mut padded = [0u8; 16];
            padded[..last.len()].copy_from_slice(last);
            padded[last.len()] = 0x80;
            xor_into(&mut e, &padded);
            xor_into(&mut e, &self.k3);
        }
        self.k1.encrypt_block(&mut e);
        e
    }
}

fn xor_into(acc: &mut [u8; 16], data: &[u8]) {
    for (a, d) in acc.iter_mut().zip(data) {
        *a ^= d;
    }
}
