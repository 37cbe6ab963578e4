// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AEAD known answers through the request parser: GCM (SP 800-38D, the
//! McGrew-Viega test cases), CCM (SP 800-38C appendix C), ChaCha20-Poly1305
//! (RFC 8439 2.8.2); tag failures answer BADMSG and write nothing.

mod common;

use common::build::{aead_data, aead_session};
use common::{hex, Harness, LEGACY};
use vhost_user_crypto::wire::{self, Status};

struct Vector<'a> {
    algo: u32,
    key: &'a str,
    iv: &'a str,
    aad: &'a str,
    pt: &'a str,
    ct: &'a str,
    tag: &'a str,
}

fn check(v: &Vector) {
    let h = Harness::new(LEGACY);
    let (key, iv, aad, pt) = (hex(v.key), hex(v.iv), hex(v.aad), hex(v.pt));
    let mut ct = hex(v.ct);
    let tag = hex(v.tag);
    let tl = tag.len() as u32;
    let enc = h.create(aead_session(v.algo, wire::OP_ENCRYPT, tl, &key, 56));
    let dec = h.create(aead_session(v.algo, wire::OP_DECRYPT, tl, &key, 56));
    let out_len = (pt.len() + tag.len()) as u32;
    let (st, out) = h.data(aead_data(wire::AEAD_ENCRYPT, enc, &iv, &aad, &pt, out_len), out_len);
    assert_eq!(st, Status::Ok as u8);
    ct.extend_from_slice(&tag);
    assert_eq!(out, ct, "seal algo {}", v.algo);
    let (st, out) = h.data(
        aead_data(wire::AEAD_DECRYPT, dec, &iv, &aad, &ct, pt.len() as u32),
        pt.len() as u32,
    );
    assert_eq!((st, out), (Status::Ok as u8, pt.clone()), "open algo {}", v.algo);
    // Flip one tag bit: BADMSG, and the output area stays untouched.
    *ct.last_mut().unwrap() ^= 0x80;
    let (st, out) = h.data(
        aead_data(wire::AEAD_DECRYPT, dec, &iv, &aad, &ct, pt.len() as u32),
        pt.len() as u32,
    );
    assert_eq!(st, Status::BadMsg as u8);
    assert!(out.iter().all(|&b| b == 0xa5), "plaintext leaked on BADMSG");
}

#[test]
fn gcm_test_cases() {
    // Test case 1: empty message.
    check(&Vector {
        algo: wire::AEAD_GCM,
        key: &"00".repeat(16),
        iv: &"00".repeat(12),
        aad: "",
        pt: "",
        ct: "",
        tag: "58e2fccefa7e3061367f1d57a4e7455a",
    });
    // Test case 2.
    check(&Vector {
        algo: wire::AEAD_GCM,
        key: &"00".repeat(16),
        iv: &"00".repeat(12),
        aad: "",
        pt: &"00".repeat(16),
        ct: "0388dace60b6a392f328c2b971b2fe78",
        tag: "ab6e47d42cec13bdf53a67b21257bddf",
    });
    // Test case 4: AAD and a partial last block.
    check(&Vector { algo: wire::AEAD_GCM, key: "feffe9928665731c6d6a8f9467308308", iv: "cafebabefacedbaddecaf888",
        aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        tag: "5bc94fbc3221a5db94fae95ae7121a47" });
    // Same, with the tag truncated to 8 bytes (SP 800-38D allows 4 and 8).
    check(&Vector { algo: wire::AEAD_GCM, key: "feffe9928665731c6d6a8f9467308308", iv: "cafebabefacedbaddecaf888",
        aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        pt: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
        ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        tag: "5bc94fbc3221a5db" });
}

#[test]
fn gcm_16_byte_iv_is_j0() {
    // With iv_len 16 the IV is J0 itself: IV || 00000001 must give test case 2.
    let mut v = Vector {
        algo: wire::AEAD_GCM,
        key: &"00".repeat(16),
        iv: "",
        aad: "",
        pt: &"00".repeat(16),
        ct: "0388dace60b6a392f328c2b971b2fe78",
        tag: "ab6e47d42cec13bdf53a67b21257bddf",
    };
    let j0 = format!("{}00000001", "00".repeat(12));
    v.iv = &j0;
    check(&v);
}

#[test]
fn sp800_38c_ccm() {
    let key = "404142434445464748494a4b4c4d4e4f";
    check(&Vector {
        algo: wire::AEAD_CCM,
        key,
        iv: "10111213141516",
        aad: "0001020304050607",
        pt: "20212223",
        ct: "7162015b",
        tag: "4dac255d",
    });
    check(&Vector {
        algo: wire::AEAD_CCM,
        key,
        iv: "1011121314151617",
        aad: "000102030405060708090a0b0c0d0e0f",
        pt: "202122232425262728292a2b2c2d2e2f",
        ct: "d2a1f0e051ea5f62081a7792073d593d",
        tag: "1fc64fbfaccd",
    });
    check(&Vector {
        algo: wire::AEAD_CCM,
        key,
        iv: "101112131415161718191a1b",
        aad: "000102030405060708090a0b0c0d0e0f10111213",
        pt: "202122232425262728292a2b2c2d2e2f3031323334353637",
        ct: "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5",
        tag: "484392fbc1b09951",
    });
}

#[test]
fn ccm_linux_counter_block_iv() {
    // 16-byte IV in Linux ccm(aes) form: iv[0] = L-1 = 7 gives a 7-byte nonce.
    let iv = format!("07{}{}", "10111213141516", "00".repeat(8));
    check(&Vector {
        algo: wire::AEAD_CCM,
        key: "404142434445464748494a4b4c4d4e4f",
        iv: &iv,
        aad: "0001020304050607",
        pt: "20212223",
        ct: "7162015b",
        tag: "4dac255d",
    });
}

#[test]
fn rfc8439_chacha20_poly1305() {
    let pt = hex::encode_str("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    check(&Vector { algo: wire::AEAD_CHACHA20_POLY1305,
        key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        iv: "070000004041424344454647", aad: "50515253c0c1c2c3c4c5c6c7", pt: &pt,
        ct: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
        tag: "1ae10b594f09e26a7e902ecbd0600691" });
}

mod hex {
    pub fn encode_str(s: &str) -> String {
        s.bytes().map(|b| format!("{b:02x}")).collect()
    }
}
