// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Malformed and hostile requests get the right status; the device goes on.

mod common;

use common::build::{
    aead_session, cipher_data, cipher_session, data_header, destroy, digest_data, hash_session, Fields,
};
use common::{Harness, Seg, LEGACY, MEM_SIZE, REV1};
use vhost_user_crypto::config::DeviceSettings;
use vhost_user_crypto::wire::{self, Status};

const ERR: u8 = Status::Err as u8;

fn cipher_id(h: &Harness) -> u64 {
    h.create(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[1; 16]))
}

/// Cipher request with arbitrary length fields.
fn cipher_lens(id: u64, iv: u32, src: u32, dst: u32) -> Vec<u8> {
    let flf = Fields::default()
        .u32(iv)
        .u32(src)
        .u32(dst)
        .pad_to(40)
        .u32(wire::SYM_OP_CIPHER)
        .u32(0);
    data_header(wire::CIPHER_ENCRYPT, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(&[0; 64])
        .done()
}

#[test]
fn descriptors_outside_guest_memory() {
    let h = Harness::new(LEGACY);
    // Readable part past the end: ERR in the status byte.
    let r = h.submit(false, &[Seg::RawR(MEM_SIZE - 4, 100), Seg::W(17)]);
    assert_eq!((r.data_status(), r.used_len), (ERR, 17));
    // A 2 GiB readable descriptor in 8 MiB of RAM.
    let r = h.submit(false, &[Seg::RawR(0x10_0000, 0x7fff_ffff), Seg::W(1)]);
    assert_eq!(r.data_status(), ERR);
    // A chain longer than 2^32 bytes is illegal: virtio-queue ends it at
    // the offending descriptor, so there is no status byte to write.
    let r = h.submit(false, &[Seg::RawR(0x10_0000, u32::MAX), Seg::W(1)]);
    assert_eq!(r.used_len, 0);
    // Writable part past the end: nothing can be written, used length 0.
    let r = h.submit(false, &[Seg::R(vec![0; 24]), Seg::RawW(MEM_SIZE - 1, 2)]);
    assert_eq!(r.used_len, 0);
    // No writable descriptor at all.
    let r = h.submit(false, &[Seg::R(vec![0; 72])]);
    assert_eq!(r.used_len, 0);
    let r = h.submit(true, &[Seg::R(vec![0; 72])]);
    assert_eq!(r.used_len, 0);
}

#[test]
fn lengths_past_the_request_or_overflowing() {
    let h = Harness::new(LEGACY);
    let id = cipher_id(&h);
    for (iv, src, dst) in [
        (16, 4096, 4096),
        (u32::MAX, u32::MAX, 16),
        (16, 16, u32::MAX),
        (0, 0x8000_0000, 0x8000_0000),
    ] {
        let (st, _) = h.data(cipher_lens(id, iv, src, dst), 16);
        assert_eq!(st, ERR, "iv {iv} src {src} dst {dst}");
    }
    // dst smaller than src, and output area smaller than dst.
    let (st, _) = h.data(cipher_lens(id, 16, 32, 16), 32);
    assert_eq!(st, ERR);
    let (st, _) = h.data(cipher_lens(id, 16, 32, 32), 8);
    assert_eq!(st, ERR);
    // Not a whole number of blocks for CBC.
    let (st, _) = h.data(cipher_lens(id, 16, 15, 15), 15);
    assert_eq!(st, ERR);
    // Still serving afterwards.
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[0; 16]), 16);
    assert_eq!(st, 0);
}

#[test]
fn truncated_and_unknown_requests() {
    let h = Harness::new(LEGACY);
    let r = h.submit(false, &[Seg::R(vec![0; 10]), Seg::W(1)]);
    assert_eq!(r.data_status(), ERR);
    let (st, _) = h.data(data_header(0x999, 0, 0).pad_to(72).done(), 0);
    assert_eq!(st, Status::NotSupp as u8);
    // A control opcode on a data queue.
    let (st, _) = h.data(data_header(wire::CIPHER_CREATE_SESSION, 0, 0).pad_to(72).done(), 0);
    assert_eq!(st, Status::NotSupp as u8);
    // AKCIPHER is not implemented.
    let (st, _) = h.data(data_header(wire::AKCIPHER_ENCRYPT, 1, 1).pad_to(72).done(), 0);
    assert_eq!(st, Status::NotSupp as u8);
    // Unknown control opcode: status where both outcome shapes look.
    let r = h.control(common::build::ctrl_header(0x777, 0).pad_to(72).done(), 16);
    assert_eq!((r.written[0], r.create_status() as u8), (3, 3));
}

#[test]
fn bad_session_ids() {
    let h = Harness::new(LEGACY);
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, 12345, &[0; 16], &[0; 16]), 16);
    assert_eq!(st, Status::InvSess as u8);
    // A hash session used for a cipher request, an encrypt session to decrypt.
    let hid = h.create(hash_session(wire::HASH_SHA1, 20, 56));
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, hid, &[0; 16], &[0; 16]), 16);
    assert_eq!(st, Status::InvSess as u8);
    let cid = cipher_id(&h);
    let (st, _) = h.data(cipher_data(wire::CIPHER_DECRYPT, cid, &[0; 16], &[0; 16]), 16);
    assert_eq!(st, Status::InvSess as u8);
    let (st, _) = h.data(digest_data(wire::HASH, cid, b"x", 20, 48), 20);
    assert_eq!(st, Status::InvSess as u8);
}

#[test]
fn session_lifecycle_limits_and_ids() {
    let settings = DeviceSettings {
        max_sessions: 2,
        ..Default::default()
    };
    let h = Harness::with_settings(settings.clone(), REV1);
    let a = h.create(hash_session(wire::HASH_SHA1, 0, 8));
    let b = h.create(hash_session(wire::HASH_SHA1, 0, 8));
    let full = h.control(hash_session(wire::HASH_SHA1, 0, 8), 16);
    assert_eq!(full.create_status(), Status::NoSpc as u32);
    // Destroy with the wrong service's opcode: ERR, session stays.
    let r = h.control(destroy(wire::CIPHER_DESTROY_SESSION, a, 8), 1);
    assert_eq!(r.written[0], ERR);
    let r = h.control(destroy(wire::HASH_DESTROY_SESSION, a, 8), 1);
    assert_eq!(r.written[0], 0);
    let r = h.control(destroy(wire::HASH_DESTROY_SESSION, a, 8), 1);
    assert_eq!(r.written[0], ERR, "double destroy");
    let c = h.create(hash_session(wire::HASH_SHA1, 0, 8));
    assert!(c != a && c != b, "destroyed id reused at once");
    let (st, _) = h.data(digest_data(wire::HASH, a, b"x", 20, 8), 20);
    assert_eq!(st, Status::InvSess as u8);
    // Without REVISION_1 a full table answers ERR (NOSPC does not exist).
    let h = Harness::with_settings(settings, LEGACY);
    h.create(hash_session(wire::HASH_SHA1, 0, 56));
    h.create(hash_session(wire::HASH_SHA1, 0, 56));
    assert_eq!(
        h.control(hash_session(wire::HASH_SHA1, 0, 56), 16).create_status(),
        ERR as u32
    );
}

#[test]
fn session_creation_checks() {
    let settings = DeviceSettings {
        max_cipher_key_len: 32,
        ..Default::default()
    };
    let h = Harness::with_settings(settings, LEGACY);
    let st = |req| h.control(req, 16).create_status();
    assert_eq!(
        st(cipher_session(wire::CIPHER_AES_XTS, wire::OP_ENCRYPT, &[1; 64])),
        ERR as u32,
        "key over max"
    );
    assert_eq!(
        st(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[1; 15])),
        ERR as u32,
        "bad key size"
    );
    assert_eq!(
        st(cipher_session(wire::CIPHER_AES_CBC, 7, &[1; 16])),
        ERR as u32,
        "bad op"
    );
    assert_eq!(
        st(cipher_session(1, wire::OP_ENCRYPT, &[1; 16])),
        3,
        "ARC4 not advertised"
    );
    assert_eq!(
        st(aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, 5, &[1; 16], 56)),
        ERR as u32,
        "GCM tag 5"
    );
    assert_eq!(
        st(aead_session(
            wire::AEAD_CHACHA20_POLY1305,
            wire::OP_ENCRYPT,
            12,
            &[1; 32],
            56
        )),
        ERR as u32
    );
    assert_eq!(
        st(hash_session(wire::HASH_SHA1, 21, 56)),
        ERR as u32,
        "result longer than digest"
    );
    // Key length field larger than the request: ERR, not a crash.
    let mut req = cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[1; 16]);
    req.truncate(80);
    assert_eq!(st(req), ERR as u32);
    // Outcome area too small for the create outcome: status in byte 0.
    let r = h.control(hash_session(wire::HASH_SHA1, 99, 56), 1);
    assert_eq!(r.written[0], ERR);
}

#[test]
fn max_size_is_enforced() {
    let settings = DeviceSettings {
        max_size: 64,
        ..Default::default()
    };
    let h = Harness::with_settings(settings, LEGACY);
    let id = cipher_id(&h);
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[0; 16]), 16);
    assert_eq!(st, 0);
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[0; 32]), 32);
    assert_eq!(st, ERR, "16 + 32 + 32 > 64");
}

#[test]
fn split_descriptors_and_indirect_boundaries() {
    // The same request split at odd places gives the same answer.
    let h = Harness::new(LEGACY);
    let id = cipher_id(&h);
    let req = cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[7; 48]);
    let (st, whole) = h.data(req.clone(), 48);
    assert_eq!(st, 0);
    let parts: Vec<Seg> = req
        .chunks(13)
        .map(|c| Seg::R(c.to_vec()))
        .chain([Seg::W(5), Seg::W(40), Seg::W(4)])
        .collect();
    let r = h.submit(false, &parts);
    assert_eq!(r.data_status(), 0);
    assert_eq!(&r.written[..48], &whole[..]);
}
