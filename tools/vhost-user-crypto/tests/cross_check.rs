// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Our XTS, GCM and CCM compositions against independent crates
//! (`xts-mode`, `aes-gcm`, `ccm`) on pseudo-random inputs.

use aes::Aes128;
use cipher::KeyInit;
use vhost_user_crypto::crypto::{AeadKey, CipherKey, Direction};
use vhost_user_crypto::wire;

/// Small deterministic generator (no extra dependency needed).
fn bytes(seed: &mut u64, n: usize) -> Vec<u8> {
    (0..n)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            *seed as u8
        })
        .collect()
}

#[test]
fn xts_matches_xts_mode() {
    let mut s = 0x1234_5678_9abc_def0;
    for len in [16usize, 17, 31, 32, 100, 512, 4096, 4100] {
        let key = bytes(&mut s, 32);
        let tweak = bytes(&mut s, 16);
        let data = bytes(&mut s, len);
        let mut ours = data.clone();
        CipherKey::new(wire::CIPHER_AES_XTS, &key)
            .unwrap()
            .apply(Direction::Encrypt, &tweak, &mut ours)
            .unwrap();
        let xts = xts_mode::Xts128::new(
            Aes128::new_from_slice(&key[..16]).unwrap(),
            Aes128::new_from_slice(&key[16..]).unwrap(),
        );
        let mut theirs = data.clone();
        xts.encrypt_sector(&mut theirs, tweak.as_slice().try_into().unwrap());
        assert_eq!(ours, theirs, "len {len}");
        CipherKey::new(wire::CIPHER_AES_XTS, &key)
            .unwrap()
            .apply(Direction::Decrypt, &tweak, &mut ours)
            .unwrap();
        assert_eq!(ours, data);
    }
}

#[test]
fn gcm_matches_aes_gcm() {
    use aes_gcm::aead::{AeadInOut, KeyInit as _};
    let mut s = 42;
    for len in [0usize, 1, 15, 16, 17, 255, 4096] {
        let key = bytes(&mut s, 16);
        let iv = bytes(&mut s, 12);
        let aad = bytes(&mut s, len % 37);
        let data = bytes(&mut s, len);
        let mut ours = data.clone();
        let tag = AeadKey::new(wire::AEAD_GCM, &key)
            .unwrap()
            .seal(&iv, &aad, &mut ours, 16)
            .unwrap();
        let g = aes_gcm::Aes128Gcm::new_from_slice(&key).unwrap();
        let mut theirs = data.clone();
        let t = g
            .encrypt_inout_detached(iv.as_slice().try_into().unwrap(), &aad, theirs.as_mut_slice().into())
            .unwrap();
        assert_eq!((ours, tag), (theirs, t.to_vec()), "len {len}");
    }
}

#[test]
fn ccm_matches_ccm_crate() {
    use ccm::aead::{AeadInOut, KeyInit as _};
    type Ccm = ccm::Ccm<Aes128, ccm::consts::U16, ccm::consts::U13>;
    let mut s = 7;
    for len in [0usize, 1, 16, 33, 1000] {
        let key = bytes(&mut s, 16);
        let nonce = bytes(&mut s, 13);
        let aad = bytes(&mut s, len % 29);
        let data = bytes(&mut s, len);
        let mut ours = data.clone();
        let tag = AeadKey::new(wire::AEAD_CCM, &key)
            .unwrap()
            .seal(&nonce, &aad, &mut ours, 16)
            .unwrap();
        let c = Ccm::new_from_slice(&key).unwrap();
        let mut theirs = data.clone();
        let t = c
            .encrypt_inout_detached(nonce.as_slice().try_into().unwrap(), &aad, theirs.as_mut_slice().into())
            .unwrap();
        assert_eq!((ours, tag), (theirs, t.to_vec()), "len {len}");
    }
}
