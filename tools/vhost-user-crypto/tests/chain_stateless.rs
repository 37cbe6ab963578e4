// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Algorithm chaining, both orders and both directions, in every request
//! layout (stateless included), checked against compositions that do not
//! involve the device: published vectors for each half joined by hand, or
//! the RustCrypto primitives called directly. Then what is specific to
//! stateless mode.

mod common;

use common::build::Chain;
use common::driver::{each_mode, ChainData, Cipher, Dir, Driver, Mode};
use common::{hex, Harness, ERR, NOTSUPP, OK, REV1};
use hmac::{Hmac, KeyInit, Mac};
use vhost_user_crypto::wire;

fn xor(a: &[u8], b: &[u8]) -> Vec<u8> {
    a.iter().zip(b).map(|(x, y)| x ^ y).collect()
}

// SP 800-38A F.2.1 (CBC-AES128) and F.5.1 (CTR-AES128): key, IV or
// initial counter block, plaintext, ciphertext.
const K128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const CBC_IV: &str = "000102030405060708090a0b0c0d0e0f";
const CTR_BLOCK: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const PT: &str = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51
                  30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const CBC_CT: &str = "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2
                      73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";
const CTR_CT: &str = "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff
                      5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee";

/// The CTR-AES128 keystream of F.5.1: plaintext xor ciphertext.
fn ctr_keystream() -> Vec<u8> {
    xor(&hex(PT), &hex(CTR_CT))
}

/// Runs a chain over all of `msg` with CTR-AES128 (F.5.1) in both orders
/// and both directions, in every layout. The hash or MAC of `aad || msg`
/// is `digest`: HASH_THEN_CIPHER hashes the input, so the input is `msg`;
/// CIPHER_THEN_HASH hashes the output, so the input is `msg` encrypted.
fn ctr_chain_both_orders(hash_mode: u32, auth_algo: u32, auth_key: &[u8], aad: &[u8], msg: &[u8], digest: &str) {
    let (key, iv, digest) = (hex(K128), hex(CTR_BLOCK), hex(digest));
    let ciphered = xor(msg, &ctr_keystream());
    let n = msg.len() as u32;
    for (order, src, dst) in [
        (wire::CHAIN_ORDER_HASH_THEN_CIPHER, msg, &ciphered[..]),
        (wire::CHAIN_ORDER_CIPHER_THEN_HASH, &ciphered[..], msg),
    ] {
        let chain = Chain {
            order,
            hash_mode,
            cipher_algo: wire::CIPHER_AES_CTR,
            cipher_key: &key,
            auth_algo,
            auth_key,
            result_len: digest.len() as u32,
        };
        let data = ChainData {
            iv: &iv,
            src,
            aad,
            cipher: (0, n),
            hash: (0, n),
        };
        each_mode(|d| {
            for dir in [Dir::Encrypt, Dir::Decrypt] {
                let got = d.chain(&chain, dir, &data);
                let what = format!("order {order}, {dir:?}, {:?}", d.mode);
                assert_eq!(got, (OK, dst.to_vec(), digest.clone()), "{what}");
            }
        });
    }
}

#[test]
fn plain_sha256_chain_both_orders() {
    // FIPS 180-2 B.2: SHA-256 of the two-block message.
    ctr_chain_both_orders(
        wire::HASH_MODE_PLAIN,
        wire::HASH_SHA_256,
        &[],
        &[],
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
}

#[test]
fn hmac_chain_both_orders_with_aad() {
    // RFC 4231 test case 2, its message split into AAD and payload: the MAC
    // covers aad || payload.
    ctr_chain_both_orders(
        wire::HASH_MODE_AUTH,
        wire::MAC_HMAC_SHA_256,
        b"Jefe",
        b"what do ya",
        b" want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
}

/// HMAC-SHA-256 straight from the `hmac` crate.
fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

#[test]
fn authenc_regions_against_direct_composition() {
    // Linux authenc(hmac(sha256),cbc(aes)): 8 bytes of associated data in
    // front stay clear, CBC covers the payload (F.2.1), HMAC covers all.
    let auth_key = [0x0b; 20];
    let (key, iv) = (hex(K128), hex(CBC_IV));
    let assoc = [7u8; 8];
    let plain = [&assoc[..], &hex(PT)].concat();
    let sealed = [&assoc[..], &hex(CBC_CT)].concat();
    let tag = hmac_sha256(&auth_key, &sealed);
    let chain = |order| Chain {
        order,
        ..Chain::authenc(&key, &auth_key)
    };
    let data = |src| ChainData {
        iv: &iv,
        src,
        aad: &[],
        cipher: (8, 64),
        hash: (0, 72),
    };
    each_mode(|d| {
        // Encryption: cipher, then MAC the ciphertext.
        let enc = d.chain(&chain(wire::CHAIN_ORDER_CIPHER_THEN_HASH), Dir::Encrypt, &data(&plain));
        assert_eq!(enc, (OK, sealed.clone(), tag.clone()), "encrypt {:?}", d.mode);
        // Decryption: MAC the ciphertext, then decipher.
        let dec = d.chain(&chain(wire::CHAIN_ORDER_HASH_THEN_CIPHER), Dir::Decrypt, &data(&sealed));
        assert_eq!(dec, (OK, plain.clone(), tag.clone()), "decrypt {:?}", d.mode);
    });
}

#[test]
fn truncated_chain_digest() {
    // hash_result_len 16: the leading bytes of the MAC.
    let auth_key = [0x0b; 20];
    let (key, iv) = (hex(K128), hex(CBC_IV));
    let tag = hmac_sha256(&auth_key, &hex(CBC_CT));
    let chain = Chain {
        result_len: 16,
        ..Chain::authenc(&key, &auth_key)
    };
    let pt = hex(PT);
    let data = ChainData {
        iv: &iv,
        src: &pt,
        aad: &[],
        cipher: (0, 64),
        hash: (0, 64),
    };
    each_mode(|d| {
        let got = d.chain(&chain, Dir::Encrypt, &data);
        assert_eq!(got, (OK, hex(CBC_CT), tag[..16].to_vec()), "{:?}", d.mode);
    });
}

#[test]
fn chain_regions_outside_src_are_rejected() {
    let key = hex(K128);
    let chain = Chain::authenc(&key, &[0x0b; 20]);
    each_mode(|d| {
        for (cipher, hash) in [
            ((16, 32), (0, 32)),
            ((0, 32), (0, 33)),
            ((0, 32), (u32::MAX, 2)),
            ((u32::MAX - 15, 16), (0, 32)),
        ] {
            let data = ChainData {
                iv: &[0; 16],
                src: &[0; 32],
                aad: &[],
                cipher,
                hash,
            };
            let (st, _, _) = d.chain(&chain, Dir::Encrypt, &data);
            assert_eq!(st, ERR, "cipher {cipher:?} hash {hash:?}, {:?}", d.mode);
        }
    });
}

#[test]
fn stateless_refused_without_feature() {
    // REVISION_1 without a service's stateless bit: a request of that
    // service without SESSION_MODE is answered NOTSUPP; the stateless bit
    // of one service does not enable another.
    let cipher_only = REV1 | 1 << wire::F_CIPHER_STATELESS_MODE;
    for features in [REV1, cipher_only] {
        let d = Driver {
            h: Harness::new(features),
            mode: Mode::Stateless,
        };
        let (st, _) = d.hash(wire::HASH_SHA_256, b"abc", 32);
        assert_eq!(st, NOTSUPP, "features {features:#x}");
    }
    let d = Driver {
        h: Harness::new(cipher_only),
        mode: Mode::Stateless,
    };
    let key = hex(K128);
    let c = Cipher {
        algo: wire::CIPHER_AES_ECB,
        key: &key,
    };
    let (st, out) = d.cipher(&c, Dir::Encrypt, &[], &hex(PT)[..16]);
    assert_eq!(
        (st, out),
        (OK, hex("3ad77bb40d7a3660a89ecaf32466ef97")),
        "SP 800-38A F.1.1"
    );
}
