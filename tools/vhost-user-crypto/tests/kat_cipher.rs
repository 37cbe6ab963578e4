// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! CIPHER known answers through the request parser: NIST SP 800-38A (AES
//! ECB/CBC/CTR), IEEE 1619 / SP 800-38E (XTS-AES), SP 800-67 (TDEA).

mod common;

use common::build::{cipher_data, cipher_session};
use common::{hex, Harness, LEGACY};
use vhost_user_crypto::wire::{self, Status};

const PT: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                  30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
const K128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const K192: &str = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b";
const K256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const IV: &str = "000102030405060708090a0b0c0d0e0f";
const CTR: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/// Encrypts `pt` through an encrypt session, checks `ct`, decrypts back
/// through a decrypt session.
fn check(algo: u32, key: &str, iv: &str, pt: &str, ct: &str) {
    let h = Harness::new(LEGACY);
    let (key, iv, pt, ct) = (hex(key), hex(iv), hex(pt), hex(ct));
    let enc = h.create(cipher_session(algo, wire::OP_ENCRYPT, &key));
    let dec = h.create(cipher_session(algo, wire::OP_DECRYPT, &key));
    let (st, out) = h.data(cipher_data(wire::CIPHER_ENCRYPT, enc, &iv, &pt), pt.len() as u32);
    assert_eq!(st, Status::Ok as u8);
    assert_eq!(out, ct, "encryption, algo {algo}");
    let (st, out) = h.data(cipher_data(wire::CIPHER_DECRYPT, dec, &iv, &ct), ct.len() as u32);
    assert_eq!(st, Status::Ok as u8);
    assert_eq!(out, pt, "decryption, algo {algo}");
}

#[test]
fn sp800_38a_ecb() {
    check(wire::CIPHER_AES_ECB, K128, "", PT, "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4");
    check(wire::CIPHER_AES_ECB, K192, "", PT, "bd334f1d6e45f25ff712a214571fa5cc 974104846d0ad3ad7734ecb3ecee4eef ef7afd2270e2e60adce0ba2face6444e 9a4b41ba738d6c72fb16691603c18e0e");
    check(wire::CIPHER_AES_ECB, K256, "", PT, "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870 b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7");
}

#[test]
fn sp800_38a_cbc() {
    check(wire::CIPHER_AES_CBC, K128, IV, PT, "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7");
    check(wire::CIPHER_AES_CBC, K192, IV, PT, "4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a 571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd");
    check(wire::CIPHER_AES_CBC, K256, IV, PT, "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b");
}

#[test]
fn sp800_38a_ctr() {
    check(wire::CIPHER_AES_CTR, K128, CTR, PT, "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee");
    check(wire::CIPHER_AES_CTR, K192, CTR, PT, "1abc932417521ca24f2b0459fe7e6e0b 090339ec0aa6faefd5ccc2c6f4ce8e94 1e36b26bd1ebc670d1bd1d665620abf7 4f78a7f6d29809585a97daec58c6b050");
    check(wire::CIPHER_AES_CTR, K256, CTR, PT, "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6");
}

#[test]
fn ctr_counter_carries_across_128_bits() {
    // Linux ctr(aes) increments the whole block; the second block's counter
    // after ff..ff is 00..00, so it must equal ECB of zero.
    let h = Harness::new(LEGACY);
    let key = hex(K128);
    let enc = h.create(cipher_session(wire::CIPHER_AES_CTR, wire::OP_ENCRYPT, &key));
    let ecb = h.create(cipher_session(wire::CIPHER_AES_ECB, wire::OP_ENCRYPT, &key));
    let (_, ks) = h.data(cipher_data(wire::CIPHER_ENCRYPT, enc, &[0xff; 16], &[0; 32]), 32);
    let (_, e0) = h.data(cipher_data(wire::CIPHER_ENCRYPT, ecb, &[], &[0; 16]), 16);
    assert_eq!(&ks[16..], &e0[..]);
}

#[test]
fn ieee1619_xts() {
    // Vector 1: all-zero keys, tweak 0.
    check(
        wire::CIPHER_AES_XTS,
        &"00".repeat(32),
        &"00".repeat(16),
        &"00".repeat(32),
        "917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e",
    );
    // Vector 2: key1 = 11.., key2 = 22.., data unit 0x3333333333.
    check(
        wire::CIPHER_AES_XTS,
        &format!("{}{}", "11".repeat(16), "22".repeat(16)),
        "33333333330000000000000000000000",
        &"44".repeat(32),
        "c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0",
    );
    // Vector 15: 17 bytes, ciphertext stealing.
    check(
        wire::CIPHER_AES_XTS,
        "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0",
        "9a785634120000000000000000000000",
        "000102030405060708090a0b0c0d0e0f10",
        "6c1625db4671522d3d7599601de7ca09ed",
    );
}

#[test]
fn sp800_67_tdea_ecb() {
    check(
        wire::CIPHER_3DES_ECB,
        "0123456789abcdef23456789abcdef01456789abcdef0123",
        "",
        "5468652071756663 6b2062726f776e20 666f78206a756d70",
        "a826fd8ce53b855f cce21c8112256fe6 68d5c05dd9b6b900",
    );
}

#[test]
fn tdea_cbc_chains_like_ecb() {
    // With a zero IV the first CBC block is the ECB block of SP 800-67; the
    // second is E(P2 xor C1). Checked against the ECB session.
    let h = Harness::new(LEGACY);
    let key = hex("0123456789abcdef23456789abcdef01456789abcdef0123");
    let pt = hex("5468652071756663 6b2062726f776e20");
    let cbc = h.create(cipher_session(wire::CIPHER_3DES_CBC, wire::OP_ENCRYPT, &key));
    let ecb = h.create(cipher_session(wire::CIPHER_3DES_ECB, wire::OP_ENCRYPT, &key));
    let (st, c) = h.data(cipher_data(wire::CIPHER_ENCRYPT, cbc, &[0; 8], &pt), 16);
    assert_eq!(st, 0);
    assert_eq!(&c[..8], &hex("a826fd8ce53b855f")[..]);
    let x: Vec<u8> = pt[8..].iter().zip(&c[..8]).map(|(a, b)| a ^ b).collect();
    let (_, e) = h.data(cipher_data(wire::CIPHER_ENCRYPT, ecb, &[], &x), 8);
    assert_eq!(&c[8..], &e[..]);
}
