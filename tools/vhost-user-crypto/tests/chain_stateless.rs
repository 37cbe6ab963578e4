// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Algorithm chaining (both orders, as Linux authenc needs) and stateless
//! requests of every service, checked against the KAT-verified
//! single-service session paths of the same device.

mod common;

use common::build::{
    chain_session, cipher_data, cipher_session, data_header, digest_data, hash_session, mac_session, Fields,
};
use common::{Harness, LEGACY, REV1, STATELESS};
use vhost_user_crypto::wire::{self, Status};

const KEY: [u8; 16] = [0x42; 16];
const AUTH_KEY: [u8; 20] = [0x0b; 20];
const IV: [u8; 16] = [0x24; 16];

fn cbc(h: &Harness, op: u32, data: &[u8]) -> Vec<u8> {
    let id = h.create(cipher_session(wire::CIPHER_AES_CBC, op, &KEY));
    let opcode = if op == wire::OP_ENCRYPT {
        wire::CIPHER_ENCRYPT
    } else {
        wire::CIPHER_DECRYPT
    };
    let (st, out) = h.data(cipher_data(opcode, id, &IV, data), data.len() as u32);
    assert_eq!(st, 0);
    out
}

fn hmac(h: &Harness, data: &[u8]) -> Vec<u8> {
    let id = h.create(mac_session(wire::MAC_HMAC_SHA_256, 32, &AUTH_KEY, 56));
    let (st, out) = h.data(digest_data(wire::MAC, id, data, 32, 48), 32);
    assert_eq!(st, 0);
    out
}

/// Session-mode chain request: region offsets into src, optional AAD.
#[allow(clippy::too_many_arguments)]
fn chain_req(opcode: u32, id: u64, src: &[u8], c: (u32, u32), hsh: (u32, u32), aad: &[u8], result: u32) -> Vec<u8> {
    let n = src.len() as u32;
    let flf = Fields::default()
        .u32(16)
        .u32(n)
        .u32(n)
        .u32(c.0)
        .u32(c.1)
        .u32(hsh.0)
        .u32(hsh.1)
        .u32(aad.len() as u32)
        .u32(result)
        .u32(0)
        .u32(wire::SYM_OP_ALGORITHM_CHAINING)
        .u32(0);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(&IV)
        .bytes(src)
        .bytes(aad)
        .done()
}

#[test]
fn authenc_encrypt_then_decrypt() {
    let h = Harness::new(LEGACY);
    let assoc = [7u8; 8];
    let pt: Vec<u8> = (0..64).collect();
    let src = [&assoc[..], &pt].concat();
    // Encrypt: cipher [8, 72) then HMAC over the whole (assoc || ct).
    let enc = h.create(chain_session(
        wire::CHAIN_ORDER_CIPHER_THEN_HASH,
        wire::HASH_MODE_AUTH,
        wire::CIPHER_AES_CBC,
        wire::OP_ENCRYPT,
        &KEY,
        wire::MAC_HMAC_SHA_256,
        32,
        &AUTH_KEY,
    ));
    let r = h.submit(
        false,
        &[
            common::Seg::R(chain_req(wire::CIPHER_ENCRYPT, enc, &src, (8, 64), (0, 72), &[], 32)),
            common::Seg::W(72 + 32 + 1),
        ],
    );
    assert_eq!(r.data_status(), Status::Ok as u8);
    let ct = cbc(&h, wire::OP_ENCRYPT, &pt);
    let expect_dst = [&assoc[..], &ct].concat();
    assert_eq!(&r.written[..72], &expect_dst[..]);
    let tag = hmac(&h, &expect_dst);
    assert_eq!(&r.written[72..104], &tag[..]);
    // Decrypt: HMAC over (assoc || ct) first, then decrypt the payload.
    let dec = h.create(chain_session(
        wire::CHAIN_ORDER_HASH_THEN_CIPHER,
        wire::HASH_MODE_AUTH,
        wire::CIPHER_AES_CBC,
        wire::OP_DECRYPT,
        &KEY,
        wire::MAC_HMAC_SHA_256,
        32,
        &AUTH_KEY,
    ));
    let r = h.submit(
        false,
        &[
            common::Seg::R(chain_req(
                wire::CIPHER_DECRYPT,
                dec,
                &expect_dst,
                (8, 64),
                (0, 72),
                &[],
                32,
            )),
            common::Seg::W(72 + 32 + 1),
        ],
    );
    assert_eq!(r.data_status(), Status::Ok as u8);
    assert_eq!(&r.written[..72], &src[..]);
    assert_eq!(&r.written[72..104], &tag[..]);
}

#[test]
fn chain_with_aad_and_plain_hash() {
    let h = Harness::new(LEGACY);
    let pt = [3u8; 32];
    let aad = [9u8; 5];
    let id = h.create(chain_session(
        wire::CHAIN_ORDER_HASH_THEN_CIPHER,
        wire::HASH_MODE_PLAIN,
        wire::CIPHER_AES_CBC,
        wire::OP_ENCRYPT,
        &KEY,
        wire::HASH_SHA_256,
        32,
        &[],
    ));
    let r = h.submit(
        false,
        &[
            common::Seg::R(chain_req(wire::CIPHER_ENCRYPT, id, &pt, (0, 32), (0, 32), &aad, 32)),
            common::Seg::W(32 + 32 + 1),
        ],
    );
    assert_eq!(r.data_status(), 0);
    assert_eq!(&r.written[..32], &cbc(&h, wire::OP_ENCRYPT, &pt)[..]);
    let hs = h.create(hash_session(wire::HASH_SHA_256, 32, 56));
    let (_, d) = h.data(digest_data(wire::HASH, hs, &[&aad[..], &pt].concat(), 32, 48), 32);
    assert_eq!(&r.written[32..64], &d[..]);
}

#[test]
fn chain_regions_outside_src_are_rejected() {
    let h = Harness::new(LEGACY);
    let id = h.create(chain_session(
        wire::CHAIN_ORDER_CIPHER_THEN_HASH,
        wire::HASH_MODE_AUTH,
        wire::CIPHER_AES_CBC,
        wire::OP_ENCRYPT,
        &KEY,
        wire::MAC_HMAC_SHA_256,
        32,
        &AUTH_KEY,
    ));
    let r = h.submit(
        false,
        &[
            common::Seg::R(chain_req(
                wire::CIPHER_ENCRYPT,
                id,
                &[0; 32],
                (16, 32),
                (0, 32),
                &[],
                32,
            )),
            common::Seg::W(65),
        ],
    );
    assert_eq!(r.data_status(), Status::Err as u8);
    let r = h.submit(
        false,
        &[
            common::Seg::R(chain_req(
                wire::CIPHER_ENCRYPT,
                id,
                &[0; 32],
                (0, 32),
                (u32::MAX, 2),
                &[],
                32,
            )),
            common::Seg::W(65),
        ],
    );
    assert_eq!(r.data_status(), Status::Err as u8);
}

// ---- stateless ----

fn stateless_header(opcode: u32) -> Fields {
    data_header(opcode, 0, 0)
}

#[test]
fn stateless_cipher_matches_session() {
    let h = Harness::new(STATELESS);
    let pt = [5u8; 48];
    let flf = Fields::default()
        .u32(wire::CIPHER_AES_CBC)
        .u32(16)
        .u32(wire::OP_ENCRYPT)
        .u32(16)
        .u32(48)
        .u32(48)
        .pad_to(72)
        .u32(wire::SYM_OP_CIPHER);
    let req = stateless_header(wire::CIPHER_ENCRYPT)
        .bytes(&flf.0)
        .bytes(&KEY)
        .bytes(&IV)
        .bytes(&pt)
        .done();
    let (st, out) = h.data(req, 48);
    assert_eq!(st, 0);
    // Session mode under the stateless layout: sess_para ignored, no key.
    let id = h.create(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &KEY));
    let flf = Fields::default()
        .u32(0)
        .u32(0)
        .u32(0)
        .u32(16)
        .u32(48)
        .u32(48)
        .pad_to(72)
        .u32(wire::SYM_OP_CIPHER);
    let req = data_header(wire::CIPHER_ENCRYPT, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(&IV)
        .bytes(&pt)
        .done();
    let (st, out2) = h.data(req, 48);
    assert_eq!(st, 0);
    assert_eq!(out, out2);
}

#[test]
fn stateless_hash_mac_aead() {
    let h = Harness::new(STATELESS);
    // HASH: algo, src_len, result_len, reserved.
    let req = stateless_header(wire::HASH)
        .bytes(&Fields::default().u32(wire::HASH_SHA_256).u32(3).u32(32).u32(0).0)
        .bytes(b"abc")
        .done();
    let (st, out) = h.data(req, 32);
    assert_eq!(st, 0);
    assert_eq!(
        out,
        common::hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    // MAC: algo, key_len, src_len, result_len; vlf key, src.
    let req = stateless_header(wire::MAC)
        .bytes(&Fields::default().u32(wire::MAC_HMAC_SHA_256).u32(4).u32(28).u32(32).0)
        .bytes(b"Jefe")
        .bytes(b"what do ya want for nothing?")
        .done();
    let (st, out) = h.data(req, 32);
    assert_eq!(st, 0);
    assert_eq!(
        out,
        common::hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    // AEAD: algo, key_len, op, iv_len, tag_len, aad_len, src_len, dst_len; vlf key, iv, src, aad.
    let req = stateless_header(wire::AEAD_ENCRYPT)
        .bytes(
            &Fields::default()
                .u32(wire::AEAD_GCM)
                .u32(16)
                .u32(wire::OP_ENCRYPT)
                .u32(12)
                .u32(16)
                .u32(0)
                .u32(16)
                .u32(32)
                .0,
        )
        .bytes(&[0; 16])
        .bytes(&[0; 12])
        .bytes(&[0; 16])
        .done();
    let (st, out) = h.data(req, 32);
    assert_eq!(st, 0);
    assert_eq!(
        out,
        common::hex("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf")
    );
}

#[test]
fn stateless_chain() {
    let h = Harness::new(STATELESS);
    let pt = [1u8; 32];
    let flf = Fields::default()
        .u32(wire::CHAIN_ORDER_CIPHER_THEN_HASH)
        .u32(0)
        .u32(wire::CIPHER_AES_CBC)
        .u32(16)
        .u32(wire::OP_ENCRYPT)
        .u32(wire::MAC_HMAC_SHA_256)
        .u32(20)
        .u32(wire::HASH_MODE_AUTH)
        .u32(16)
        .u32(32)
        .u32(32)
        .u32(0)
        .u32(32)
        .u32(0)
        .u32(32)
        .u32(0)
        .u32(32)
        .u32(0)
        .u32(wire::SYM_OP_ALGORITHM_CHAINING);
    let req = stateless_header(wire::CIPHER_ENCRYPT)
        .bytes(&flf.0)
        .bytes(&KEY)
        .bytes(&AUTH_KEY)
        .bytes(&IV)
        .bytes(&pt)
        .done();
    let r = h.submit(false, &[common::Seg::R(req), common::Seg::W(65)]);
    assert_eq!(r.data_status(), 0);
    // Reference values from the revision 0 session path.
    let reference = Harness::new(LEGACY);
    let ct = cbc(&reference, wire::OP_ENCRYPT, &pt);
    assert_eq!(&r.written[..32], &ct[..]);
    assert_eq!(&r.written[32..64], &hmac(&reference, &ct)[..]);
}

#[test]
fn stateless_refused_without_feature() {
    // REVISION_1 without the stateless bit: a request without SESSION_MODE
    // is rejected with NOTSUPP.
    let h = Harness::new(REV1);
    let req = stateless_header(wire::HASH)
        .bytes(&Fields::default().u32(3).u32(32).0)
        .bytes(b"abc")
        .done();
    let (st, _) = h.data(req, 32);
    assert_eq!(st, Status::NotSupp as u8);
}
