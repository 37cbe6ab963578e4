// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! CIPHER known answers through the request parser, in every request layout
//! (revision 0, REVISION_1, stateless layout in session mode, stateless):
//! NIST SP 800-38A (AES ECB/CBC/CTR), IEEE Std 1619-2007 annex B as
//! referenced by SP 800-38E (XTS-AES), SP 800-67 and the NIST CAVP TDES
//! multi-block message test (3DES ECB/CBC). Every value is copied from the
//! cited text; none is computed by the code under test.

mod common;

use common::build::{cipher_data, cipher_session};
use common::driver::{each_mode, Cipher, Dir};
use common::{hex, Harness, LEGACY, OK};
use vhost_user_crypto::wire;

struct Vector<'a> {
    /// Where the values come from.
    source: &'a str,
    algo: u32,
    key: &'a str,
    iv: &'a str,
    pt: &'a str,
    ct: &'a str,
}

/// Encrypts `pt` and decrypts `ct` as guest requests in every layout.
fn check(vectors: &[Vector]) {
    for v in vectors {
        let (key, iv, pt, ct) = (hex(v.key), hex(v.iv), hex(v.pt), hex(v.ct));
        let c = Cipher {
            algo: v.algo,
            key: &key,
        };
        each_mode(|d| {
            let what = format!("{}, {:?}", v.source, d.mode);
            assert_eq!(d.cipher(&c, Dir::Encrypt, &iv, &pt), (OK, ct.clone()), "encrypt {what}");
            assert_eq!(d.cipher(&c, Dir::Decrypt, &iv, &ct), (OK, pt.clone()), "decrypt {what}");
        });
    }
}

// SP 800-38A appendix F: the four-block plaintext and the keys of F.1-F.5.
const PT: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                  30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
const K128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const K192: &str = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b";
const K256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
const CBC_IV: &str = "000102030405060708090a0b0c0d0e0f";
const CTR_BLOCK: &str = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

#[test]
fn sp800_38a_ecb() {
    check(&[
        Vector {
            source: "SP 800-38A F.1.1/F.1.2 ECB-AES128",
            algo: wire::CIPHER_AES_ECB,
            key: K128,
            iv: "",
            pt: PT,
            ct: "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf
                 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4",
        },
        Vector {
            source: "SP 800-38A F.1.3/F.1.4 ECB-AES192",
            algo: wire::CIPHER_AES_ECB,
            key: K192,
            iv: "",
            pt: PT,
            ct: "bd334f1d6e45f25ff712a214571fa5cc 974104846d0ad3ad7734ecb3ecee4eef
                 ef7afd2270e2e60adce0ba2face6444e 9a4b41ba738d6c72fb16691603c18e0e",
        },
        Vector {
            source: "SP 800-38A F.1.5/F.1.6 ECB-AES256",
            algo: wire::CIPHER_AES_ECB,
            key: K256,
            iv: "",
            pt: PT,
            ct: "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870
                 b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7",
        },
    ]);
}

#[test]
fn sp800_38a_cbc() {
    check(&[
        Vector {
            source: "SP 800-38A F.2.1/F.2.2 CBC-AES128",
            algo: wire::CIPHER_AES_CBC,
            key: K128,
            iv: CBC_IV,
            pt: PT,
            ct: "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2
                 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
        },
        Vector {
            source: "SP 800-38A F.2.3/F.2.4 CBC-AES192",
            algo: wire::CIPHER_AES_CBC,
            key: K192,
            iv: CBC_IV,
            pt: PT,
            ct: "4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a
                 571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd",
        },
        Vector {
            source: "SP 800-38A F.2.5/F.2.6 CBC-AES256",
            algo: wire::CIPHER_AES_CBC,
            key: K256,
            iv: CBC_IV,
            pt: PT,
            ct: "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d
                 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
        },
    ]);
}

#[test]
fn sp800_38a_ctr() {
    check(&[
        Vector {
            source: "SP 800-38A F.5.1/F.5.2 CTR-AES128",
            algo: wire::CIPHER_AES_CTR,
            key: K128,
            iv: CTR_BLOCK,
            pt: PT,
            ct: "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff
                 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee",
        },
        Vector {
            source: "SP 800-38A F.5.3/F.5.4 CTR-AES192",
            algo: wire::CIPHER_AES_CTR,
            key: K192,
            iv: CTR_BLOCK,
            pt: PT,
            ct: "1abc932417521ca24f2b0459fe7e6e0b 090339ec0aa6faefd5ccc2c6f4ce8e94
                 1e36b26bd1ebc670d1bd1d665620abf7 4f78a7f6d29809585a97daec58c6b050",
        },
        Vector {
            source: "SP 800-38A F.5.5/F.5.6 CTR-AES256",
            algo: wire::CIPHER_AES_CTR,
            key: K256,
            iv: CTR_BLOCK,
            pt: PT,
            ct: "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5
                 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6",
        },
        Vector {
            // A request may end mid-block: the first 20 bytes of F.5.1.
            source: "SP 800-38A F.5.1 CTR-AES128, partial block",
            algo: wire::CIPHER_AES_CTR,
            key: K128,
            iv: CTR_BLOCK,
            pt: "6bc1bee22e409f96e93d7e117393172a ae2d8a57",
            ct: "874d6191b620e3261bef6864990db6ce 9806f66b",
        },
    ]);
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

// IEEE Std 1619-2007 annex B: the tweak is the data unit sequence number
// as a 16-byte little-endian value, which is what the device takes as IV.
const XTS_STEAL_KEY: &str = "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0";
const XTS_STEAL_TWEAK: &str = "9a785634120000000000000000000000";

#[test]
fn ieee1619_xts_aes128() {
    check(&[
        Vector {
            source: "IEEE 1619 B.1 XTS-AES-128 vector 1",
            algo: wire::CIPHER_AES_XTS,
            key: "00000000000000000000000000000000 00000000000000000000000000000000",
            iv: "00000000000000000000000000000000",
            pt: "00000000000000000000000000000000 00000000000000000000000000000000",
            ct: "917cf69ebd68b2ec9b9fe9a3eadda692 cd43d2f59598ed858c02c2652fbf922e",
        },
        Vector {
            source: "IEEE 1619 B.1 XTS-AES-128 vector 2",
            algo: wire::CIPHER_AES_XTS,
            key: "11111111111111111111111111111111 22222222222222222222222222222222",
            iv: "33333333330000000000000000000000",
            pt: "44444444444444444444444444444444 44444444444444444444444444444444",
            ct: "c454185e6a16936e39334038acef838b fb186fff7480adc4289382ecd6d394f0",
        },
        Vector {
            source: "IEEE 1619 B.1 XTS-AES-128 vector 3",
            algo: wire::CIPHER_AES_XTS,
            key: "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 22222222222222222222222222222222",
            iv: "33333333330000000000000000000000",
            pt: "44444444444444444444444444444444 44444444444444444444444444444444",
            ct: "af85336b597afc1a900b2eb21ec949d2 92df4c047e0b21532186a5971a227a89",
        },
    ]);
}

#[test]
fn ieee1619_xts_aes256() {
    // Vector 10: 512-byte data unit 0x00..0xff twice, sequence number 0xff.
    let pt = (0..=255u8)
        .chain(0..=255u8)
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    check(&[Vector {
        source: "IEEE 1619 B.1 XTS-AES-256 vector 10",
        algo: wire::CIPHER_AES_XTS,
        key: "2718281828459045235360287471352662497757247093699959574966967627
              3141592653589793238462643383279502884197169399375105820974944592",
        iv: "ff000000000000000000000000000000",
        pt: &pt,
        ct: "1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b
             5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd
             5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0
             c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca
             2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0
             b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f
             93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec
             583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a
             84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1
             505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae
             9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29
             a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac
             6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f
             645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385
             1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa
             773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151",
    }]);
}

#[test]
fn ieee1619_xts_ciphertext_stealing() {
    check(&[
        Vector {
            source: "IEEE 1619 B.2 XTS-AES-128 vector 15 (17 bytes)",
            algo: wire::CIPHER_AES_XTS,
            key: XTS_STEAL_KEY,
            iv: XTS_STEAL_TWEAK,
            pt: "000102030405060708090a0b0c0d0e0f 10",
            ct: "6c1625db4671522d3d7599601de7ca09 ed",
        },
        Vector {
            source: "IEEE 1619 B.2 XTS-AES-128 vector 18 (20 bytes)",
            algo: wire::CIPHER_AES_XTS,
            key: XTS_STEAL_KEY,
            iv: XTS_STEAL_TWEAK,
            pt: "000102030405060708090a0b0c0d0e0f 10111213",
            ct: "9d84c813f719aa2c7be3f66171c7c5c2 edbf9dac",
        },
    ]);
}

#[test]
fn sp800_67_tdea_ecb() {
    // SP 800-67 Rev. 1 appendix B: three keys, "The qufck brown fox jump".
    check(&[Vector {
        source: "SP 800-67 appendix B TDEA ECB",
        algo: wire::CIPHER_3DES_ECB,
        key: "0123456789abcdef 23456789abcdef01 456789abcdef0123",
        iv: "",
        pt: "5468652071756663 6b2062726f776e20 666f78206a756d70",
        ct: "a826fd8ce53b855f cce21c8112256fe6 68d5c05dd9b6b900",
    }]);
}

#[test]
fn cavp_tdes_cbc() {
    // NIST CAVP TDES Multi-block Message Test, TCBCMMT3.rsp (CAVS 11.1,
    // keying option 1: KEY1 || KEY2 || KEY3).
    check(&[
        Vector {
            source: "CAVP TCBCMMT3 [ENCRYPT] COUNT = 2",
            algo: wire::CIPHER_3DES_CBC,
            key: "1a5d4c0825072a15 a8ad9dfdaeda8c04 8adffb85bc4fced0",
            iv: "7fcfa736f7548b6f",
            pt: "983c3edacd939406010e1bc6ff9e12320ac5008117fa8f84",
            ct: "d84fa24f38cf451ca2c9adc960120bd8ff9871584fe31cee",
        },
        Vector {
            source: "CAVP TCBCMMT3 [DECRYPT] COUNT = 1",
            algo: wire::CIPHER_3DES_CBC,
            key: "5b1cce7c0dc1ec49 130dfb4af45785ab 9179e567f2c7d549",
            iv: "3982bc02c3727d45",
            pt: "edae09288e9e3bc05746d872b48e3b29",
            ct: "6006f10adef52991fcc777a1238bbb65",
        },
    ]);
}
