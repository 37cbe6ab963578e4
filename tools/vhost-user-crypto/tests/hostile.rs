// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Malformed and hostile requests get the exact status the README promises,
//! and the device goes on serving.

mod common;

use common::build::{
    aead_data, aead_session, chain_session, cipher_data, cipher_lens, cipher_session, ctrl, ctrl_header, data_header,
    destroy, digest_data, hash_session, mac_session, Chain, Fields,
};
use common::driver::{Aead, ChainData, Cipher, Dir, Driver, Mode};
use common::{hex, settings, Harness, Seg, ERR, INVSESS, LEGACY, MEM_SIZE, NOSPC, NOTSUPP, OK, REV1, STATELESS};
use vhost_user_crypto::wire;
use virtio_bindings::bindings::virtio_ring::{VRING_DESC_F_INDIRECT, VRING_DESC_F_NEXT, VRING_DESC_F_WRITE};
use virtio_queue::desc::{split::Descriptor as SplitDescriptor, RawDescriptor};
use vm_memory::{Bytes, GuestAddress};

const KEY: [u8; 16] = [1; 16];

fn cbc_session(h: &Harness) -> u64 {
    h.create(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &KEY))
}

/// A revision 0 HASH, MAC or AEAD request: the fixed fields padded to 48
/// bytes, then 64 bytes of variable part.
fn legacy_req(opcode: u32, id: u64, fields: &[u32]) -> Vec<u8> {
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&Fields::default().u32s(fields).pad_to(48).0)
        .bytes(&[0; 64])
        .done()
}

/// A revision 0 chain request with any length fields.
fn chain_lens(opcode: u32, id: u64, lens: [u32; 9]) -> Vec<u8> {
    let flf = Fields::default()
        .u32s(&lens)
        .pad_to(40)
        .u32s(&[wire::SYM_OP_ALGORITHM_CHAINING, 0]);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
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
    // An address whose end wraps around 2^64.
    let r = h.submit(false, &[Seg::RawR(u64::MAX - 7, 64), Seg::W(1)]);
    assert_eq!(r.data_status(), ERR);
    // A chain longer than 2^32 bytes is illegal: virtio-queue ends it at
    // the offending descriptor, so there is no status byte to write.
    let r = h.submit(false, &[Seg::RawR(0x10_0000, u32::MAX), Seg::W(1)]);
    assert_eq!(r.used_len, 0);
    // Writable part past the end or wrapping: nothing can be written.
    let r = h.submit(false, &[Seg::R(vec![0; 24]), Seg::RawW(MEM_SIZE - 1, 2)]);
    assert_eq!(r.used_len, 0);
    let r = h.submit(false, &[Seg::R(vec![0; 24]), Seg::W(8), Seg::RawW(u64::MAX, 2)]);
    assert_eq!(r.used_len, 0);
    // No writable descriptor at all.
    let r = h.submit(false, &[Seg::R(vec![0; 72])]);
    assert_eq!(r.used_len, 0);
    // The same on the control queue; an unreadable request has no known
    // outcome shape, so the status goes where both shapes have it.
    let r = h.submit(true, &[Seg::RawR(MEM_SIZE - 4, 100), Seg::W(16)]);
    assert_eq!((r.written[0], r.written[8], r.used_len), (ERR, ERR, 16));
    let r = h.submit(true, &[Seg::R(vec![0; 72])]);
    assert_eq!(r.used_len, 0);
    let r = h.submit(true, &[Seg::R(vec![0; 72]), Seg::RawW(MEM_SIZE - 8, 16)]);
    assert_eq!(r.used_len, 0);
    // Still serving.
    let id = cbc_session(&h);
    assert_eq!(
        h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[0; 16]), 16).0,
        OK
    );
}

fn desc(addr: u64, len: u32, flags: u32, next: u16) -> RawDescriptor {
    RawDescriptor::from(SplitDescriptor::new(addr, len, flags as u16, next))
}

#[test]
fn broken_descriptor_chains() {
    let h = Harness::new(LEGACY);
    let buf = common::BUF_BASE;
    let (next, write, indirect) = (VRING_DESC_F_NEXT, VRING_DESC_F_WRITE, VRING_DESC_F_INDIRECT);
    // A loop: the walk stops after queue-size descriptors; the writable
    // byte was seen 8 times and the answer goes in the last of them.
    let looped = [desc(buf, 24, next, 1), desc(buf + 64, 1, next | write, 0)];
    assert_eq!(h.submit_table(false, &looped), 8);
    // `next` past the end of the table: the chain ends there, unanswerable.
    assert_eq!(h.submit_table(false, &[desc(buf, 24, next, 200)]), 0);
    // Indirect tables that are empty, not whole descriptors, or outside
    // guest memory end the chain.
    for (addr, len) in [(buf, 0), (buf, 17), (MEM_SIZE - 8, 16), (u64::MAX - 15, 16)] {
        assert_eq!(
            h.submit_table(true, &[desc(addr, len, indirect, 0)]),
            0,
            "{addr:#x}+{len}"
        );
    }
    // A real indirect table: header readable, status writable.
    let table = buf + 0x1000;
    let req = data_header(wire::HASH, 77, wire::FLAG_SESSION_MODE).pad_to(72).done();
    h.mem.write_slice(&req, GuestAddress(buf)).unwrap();
    h.mem.write_obj(desc(buf, 72, next, 1), GuestAddress(table)).unwrap();
    h.mem
        .write_obj(desc(buf + 0x100, 1, write, 0), GuestAddress(table + 16))
        .unwrap();
    assert_eq!(h.submit_table(false, &[desc(table, 32, indirect, 0)]), 1);
    let status: u8 = h.mem.read_obj(GuestAddress(buf + 0x100)).unwrap();
    assert_eq!(status, INVSESS, "session 77 does not exist");
}

#[test]
fn lengths_past_the_request_or_overflowing() {
    let h = Harness::new(LEGACY);
    let id = cbc_session(&h);
    for lens in [
        [16, 4096, 4096],
        [u32::MAX, u32::MAX, 16],
        [16, 16, u32::MAX],
        [0, 0x8000_0000, 0x8000_0000],
    ] {
        let (st, _) = h.data(cipher_lens(wire::CIPHER_ENCRYPT, id, lens, &[0; 64]), 16);
        assert_eq!(st, ERR, "cipher {lens:?}");
    }
    // dst smaller than src, and output area smaller than dst.
    let (st, _) = h.data(cipher_lens(wire::CIPHER_ENCRYPT, id, [16, 32, 16], &[0; 48]), 32);
    assert_eq!(st, ERR);
    let (st, _) = h.data(cipher_lens(wire::CIPHER_ENCRYPT, id, [16, 32, 32], &[0; 48]), 8);
    assert_eq!(st, ERR);
    // Not a whole number of blocks for CBC.
    let (st, _) = h.data(cipher_lens(wire::CIPHER_ENCRYPT, id, [16, 15, 15], &[0; 31]), 15);
    assert_eq!(st, ERR);

    let hash = h.create(hash_session(wire::HASH_SHA_256, 32, 56));
    let mac = h.create(mac_session(wire::MAC_HMAC_SHA_256, 32, b"Jefe", 56));
    for (opcode, id) in [(wire::HASH, hash), (wire::MAC, mac)] {
        for lens in [[u32::MAX, 32], [65, 32], [0x8000_0000, u32::MAX], [16, u32::MAX]] {
            let (st, _) = h.data(legacy_req(opcode, id, &lens), 32);
            assert_eq!(st, ERR, "opcode {opcode:#x} {lens:?}");
        }
    }

    let aead = h.create(aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, 16, &KEY, 56));
    // iv_len, aad_len, src_len, dst_len.
    for lens in [
        [u32::MAX; 4],
        [12, 0x8000_0000, 0x8000_0000, 16],
        [12, 0, 16, u32::MAX],
        [u32::MAX - 11, 0, 16, 32],
        [12, 40, 16, 32],
    ] {
        let (st, _) = h.data(legacy_req(wire::AEAD_ENCRYPT, aead, &lens), 32);
        assert_eq!(st, ERR, "aead {lens:?}");
    }

    let chain = h.create(chain_session(&Chain::authenc(&KEY, b"Jefe"), wire::OP_ENCRYPT));
    // iv, src, dst, cipher offset and length, hash offset and length, aad, result.
    for lens in [
        [16, 16, 16, 0, 16, 0, 16, u32::MAX, 32],
        [16, 16, u32::MAX, 0, 16, 0, 16, 0, 32],
        [16, 16, 16, 0, 16, 0, 16, 0, u32::MAX],
        [u32::MAX, 16, 16, 0, 16, 0, 16, 0, 32],
        [16, 16, 16, 0, 16, 0, 16, 0, 33],
    ] {
        let (st, _) = h.data(chain_lens(wire::CIPHER_ENCRYPT, chain, lens), 48);
        assert_eq!(st, ERR, "chain {lens:?}");
    }
    // Still serving.
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[0; 16]), 16);
    assert_eq!(st, OK);
}

#[test]
fn stateless_key_lengths_overflowing() {
    let h = Harness::new(STATELESS);
    let stateless = |opcode, fields: &[u32]| data_header(opcode, 0, 0).bytes(&Fields::default().u32s(fields).0);
    // Cipher: algo, key_len, op, iv_len, src, dst, padding, op_type.
    let cipher = stateless(
        wire::CIPHER_ENCRYPT,
        &[wire::CIPHER_AES_CBC, u32::MAX, wire::OP_ENCRYPT, 16, 16, 16],
    )
    .pad_to(24 + 72)
    .u32(wire::SYM_OP_CIPHER);
    // MAC: algo, key_len, src, result.
    let mac = stateless(wire::MAC, &[wire::MAC_HMAC_SHA_256, u32::MAX - 3, 4, 32]);
    // AEAD: algo, key_len, op, iv, tag, aad, src, dst.
    let aead = stateless(
        wire::AEAD_ENCRYPT,
        &[wire::AEAD_GCM, 0xffff_fff0, wire::OP_ENCRYPT, 12, 16, 0, 16, 32],
    );
    // Chain: order, aad, cipher algo/key_len/op, auth algo/key_len/mode,
    // iv, src, dst, cipher region, hash region, aad, result, reserved.
    let chain = stateless(
        wire::CIPHER_ENCRYPT,
        &[
            wire::CHAIN_ORDER_CIPHER_THEN_HASH,
            0,
            wire::CIPHER_AES_CBC,
            16,
            wire::OP_ENCRYPT,
            wire::MAC_HMAC_SHA_256,
            u32::MAX,
            wire::HASH_MODE_AUTH,
            16,
            16,
            16,
            0,
            16,
            0,
            16,
            0,
            32,
            0,
            wire::SYM_OP_ALGORITHM_CHAINING,
        ],
    );
    for (what, req) in [("cipher", cipher), ("mac", mac), ("aead", aead), ("chain", chain)] {
        let (st, _) = h.data(req.bytes(&[0; 64]).done(), 48);
        assert_eq!(st, ERR, "{what}");
    }
}

#[test]
fn unknown_opcodes_and_types() {
    let h = Harness::new(LEGACY);
    let r = h.submit(false, &[Seg::R(vec![0; 10]), Seg::W(1)]);
    assert_eq!(r.data_status(), ERR, "truncated header");
    for opcode in [0x999, 0x002, 0x102, 0x201, 0x302, 0x500, u32::MAX] {
        let (st, _) = h.data(data_header(opcode, 0, 0).pad_to(72).done(), 0);
        assert_eq!(st, NOTSUPP, "data opcode {opcode:#x}");
    }
    // AKCIPHER is not implemented.
    let (st, _) = h.data(data_header(wire::AKCIPHER_ENCRYPT, 1, 1).pad_to(72).done(), 0);
    assert_eq!(st, NOTSUPP);
    // Unknown control opcodes. Of no known shape: the status goes where
    // both outcome shapes have it (byte 0, and the le32 at 8).
    for opcode in [0x777, wire::CIPHER_ENCRYPT, wire::HASH, 0x1ff] {
        let r = h.control(ctrl_header(opcode, 0).pad_to(72).done(), 16);
        assert_eq!((r.written[0], r.written[8]), (NOTSUPP, NOTSUPP), "control {opcode:#x}");
    }
    // Create-shaped (op 2 or 4) and destroy-shaped (op 3 or 5) opcodes of
    // services without sessions, and AKCIPHER, which is not implemented.
    for opcode in [0x502, 0x604, wire::AKCIPHER_CREATE_SESSION] {
        let r = h.control(ctrl(opcode, 1, Fields::default(), 56, &[]), 16);
        assert_eq!(
            (r.session_id(), r.create_status()),
            (0, NOTSUPP as u32),
            "create {opcode:#x}"
        );
    }
    for opcode in [0x503, 0x605] {
        let r = h.control(destroy(opcode, 1, 56), 1);
        assert_eq!(r.written[0], NOTSUPP, "destroy {opcode:#x}");
    }
    // Symmetric op_type none or unknown, in a data request and a session.
    let id = cbc_session(&h);
    for op_type in [wire::SYM_OP_NONE, 7] {
        let flf = Fields::default().u32s(&[16, 16, 16]).pad_to(40).u32s(&[op_type, 0]);
        let req = data_header(wire::CIPHER_ENCRYPT, id, 1).bytes(&flf.0).bytes(&[0; 32]);
        assert_eq!(h.data(req.done(), 16).0, NOTSUPP, "data op_type {op_type}");
        let flf = Fields::default()
            .u32s(&[wire::CIPHER_AES_CBC, 16, 1])
            .pad_to(48)
            .u32(op_type);
        let r = h.control(ctrl(wire::CIPHER_CREATE_SESSION, 3, flf, 56, &[&KEY]), 16);
        assert_eq!(r.create_status(), NOTSUPP as u32, "session op_type {op_type}");
    }
    // Chains: NESTED hash mode is not supported, an unknown order is an error.
    let nested = Chain {
        hash_mode: wire::HASH_MODE_NESTED,
        ..Chain::authenc(&KEY, b"Jefe")
    };
    let r = h.control(chain_session(&nested, wire::OP_ENCRYPT), 16);
    assert_eq!(r.create_status(), NOTSUPP as u32, "NESTED");
    for order in [0, 3] {
        let bad = Chain {
            order,
            ..Chain::authenc(&KEY, b"Jefe")
        };
        let r = h.control(chain_session(&bad, wire::OP_ENCRYPT), 16);
        assert_eq!(r.create_status(), ERR as u32, "order {order}");
    }
    // Algorithms the device does not have: sessions and stateless requests.
    let st = |req| h.control(req, 16).create_status();
    assert_eq!(st(cipher_session(1, wire::OP_ENCRYPT, &KEY)), NOTSUPP as u32, "ARC4");
    assert_eq!(st(cipher_session(99, wire::OP_ENCRYPT, &KEY)), NOTSUPP as u32);
    for algo in [0, 11, 63, 64, u32::MAX] {
        assert_eq!(st(hash_session(algo, 0, 56)), NOTSUPP as u32, "hash {algo}");
    }
    assert_eq!(st(mac_session(41, 16, &KEY, 56)), NOTSUPP as u32, "MAC 41");
    assert_eq!(st(aead_session(4, wire::OP_ENCRYPT, 16, &KEY, 56)), NOTSUPP as u32);
    let d = Driver::new(Mode::Stateless);
    assert_eq!(d.hash(0, b"abc", 16).0, NOTSUPP);
    assert_eq!(d.mac(7, &KEY, b"abc", 16).0, NOTSUPP);
    let c = Cipher { algo: 9, key: &KEY };
    assert_eq!(d.cipher(&c, Dir::Encrypt, &[], &[0; 16]).0, NOTSUPP);
    let a = Aead {
        algo: 0,
        key: &KEY,
        tag_len: 16,
    };
    assert_eq!(d.aead(&a, Dir::Encrypt, &[0; 12], &[], &[0; 16]).0, NOTSUPP);
}

#[test]
fn bad_session_ids() {
    let h = Harness::new(LEGACY);
    for id in [0, 12345, u64::MAX] {
        let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[0; 16]), 16);
        assert_eq!(st, INVSESS, "session {id}");
    }
    // One session of each kind, all encrypting, with the one data opcode
    // each may be used with (none for the chain: these are plain cipher
    // requests).
    let sessions = [
        (
            wire::CIPHER_DESTROY_SESSION,
            cbc_session(&h),
            Some(wire::CIPHER_ENCRYPT),
        ),
        (
            wire::CIPHER_DESTROY_SESSION,
            h.create(chain_session(&Chain::authenc(&KEY, b"Jefe"), wire::OP_ENCRYPT)),
            None,
        ),
        (
            wire::HASH_DESTROY_SESSION,
            h.create(hash_session(wire::HASH_SHA1, 20, 56)),
            Some(wire::HASH),
        ),
        (
            wire::MAC_DESTROY_SESSION,
            h.create(mac_session(wire::MAC_HMAC_SHA1, 20, &KEY, 56)),
            Some(wire::MAC),
        ),
        (
            wire::AEAD_DESTROY_SESSION,
            h.create(aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, 16, &KEY, 56)),
            Some(wire::AEAD_ENCRYPT),
        ),
    ];
    let request = |opcode, id| match opcode {
        wire::HASH | wire::MAC => digest_data(opcode, id, b"x", 16, 48),
        wire::AEAD_ENCRYPT | wire::AEAD_DECRYPT => aead_data(opcode, id, &[0; 12], &[], &[0; 16], 32),
        _ => cipher_data(opcode, id, &[0; 16], &[0; 16]),
    };
    let opcodes = [
        wire::CIPHER_ENCRYPT,
        wire::CIPHER_DECRYPT,
        wire::HASH,
        wire::MAC,
        wire::AEAD_ENCRYPT,
        wire::AEAD_DECRYPT,
    ];
    // A session of another service or kind, or of the other direction:
    // INVSESS. With its own opcode: served.
    for (_, id, own) in sessions {
        for opcode in opcodes {
            let (st, _) = h.data(request(opcode, id), 32);
            if Some(opcode) == own {
                assert_eq!(st, OK, "session {id} with its opcode {opcode:#x}");
            } else {
                assert_eq!(st, INVSESS, "session {id} with opcode {opcode:#x}");
            }
        }
    }
    // Destroyed sessions of every service are gone for every opcode.
    for (destroy_opcode, id, _) in sessions {
        assert_eq!(h.control(destroy(destroy_opcode, id, 56), 1).written[0], OK);
        for opcode in opcodes {
            assert_eq!(h.data(request(opcode, id), 32).0, INVSESS, "destroyed {id}");
        }
    }
}

#[test]
fn session_lifecycle_limits_and_ids() {
    let small = settings(|s| s.max_sessions = 2);
    let h = Harness::with_settings(small.clone(), REV1);
    let a = h.create(hash_session(wire::HASH_SHA1, 0, 8));
    let b = h.create(hash_session(wire::HASH_SHA1, 0, 8));
    let full = h.control(hash_session(wire::HASH_SHA1, 0, 8), 16);
    assert_eq!(full.create_status(), NOSPC as u32);
    // Destroy with the wrong service's opcode: ERR, session stays.
    let r = h.control(destroy(wire::CIPHER_DESTROY_SESSION, a, 8), 1);
    assert_eq!(r.written[0], ERR);
    let r = h.control(destroy(wire::HASH_DESTROY_SESSION, a, 8), 1);
    assert_eq!(r.written[0], OK);
    let r = h.control(destroy(wire::HASH_DESTROY_SESSION, a, 8), 1);
    assert_eq!(r.written[0], ERR, "double destroy");
    for id in [0, 999, u64::MAX] {
        assert_eq!(h.control(destroy(wire::HASH_DESTROY_SESSION, id, 8), 1).written[0], ERR);
    }
    let c = h.create(hash_session(wire::HASH_SHA1, 0, 8));
    assert!(c != a && c != b, "destroyed id reused at once");
    let (st, _) = h.data(digest_data(wire::HASH, a, b"x", 20, 8), 20);
    assert_eq!(st, INVSESS);
    // Without REVISION_1 a full table answers ERR (NOSPC does not exist).
    let h = Harness::with_settings(small, LEGACY);
    h.create(hash_session(wire::HASH_SHA1, 0, 56));
    h.create(hash_session(wire::HASH_SHA1, 0, 56));
    assert_eq!(
        h.control(hash_session(wire::HASH_SHA1, 0, 56), 16).create_status(),
        ERR as u32
    );
}

#[test]
fn session_creation_checks() {
    let h = Harness::with_settings(settings(|s| s.max_cipher_key_len = 32), LEGACY);
    let st = |req| h.control(req, 16).create_status();
    assert_eq!(
        st(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[1; 15])),
        ERR as u32,
        "bad key size"
    );
    assert_eq!(
        st(cipher_session(wire::CIPHER_3DES_CBC, wire::OP_ENCRYPT, &[1; 16])),
        ERR as u32,
        "two-key 3DES"
    );
    assert_eq!(st(cipher_session(wire::CIPHER_AES_CBC, 7, &KEY)), ERR as u32, "bad op");
    assert_eq!(st(cipher_session(wire::CIPHER_AES_CBC, 0, &KEY)), ERR as u32, "op 0");
    for tag in [0, 5, 17] {
        let req = aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, tag, &KEY, 56);
        assert_eq!(st(req), ERR as u32, "GCM tag {tag}");
    }
    for tag in [2, 5, 18] {
        let req = aead_session(wire::AEAD_CCM, wire::OP_ENCRYPT, tag, &KEY, 56);
        assert_eq!(st(req), ERR as u32, "CCM tag {tag}");
    }
    let req = aead_session(wire::AEAD_CHACHA20_POLY1305, wire::OP_ENCRYPT, 12, &[1; 32], 56);
    assert_eq!(st(req), ERR as u32, "ChaCha20-Poly1305 tag 12");
    assert_eq!(
        st(hash_session(wire::HASH_SHA1, 21, 56)),
        ERR as u32,
        "result longer than digest"
    );
    assert_eq!(
        st(mac_session(wire::MAC_CMAC_AES, 16, &[1; 20], 56)),
        ERR as u32,
        "CMAC key"
    );
    // Key length field larger than the request: ERR, not a crash.
    let mut req = cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &KEY);
    req.truncate(80);
    assert_eq!(st(req), ERR as u32);
    assert!(h.dev.sessions.is_empty());
}

#[test]
fn keys_over_the_configured_limits() {
    // Exactly at the limit is fine, one byte more is ERR, for sessions and
    // stateless requests of every service that takes a key.
    let limits = settings(|s| {
        s.max_cipher_key_len = 32;
        s.max_auth_key_len = 64;
    });
    let h = Harness::with_settings(limits.clone(), LEGACY);
    let st = |req| h.control(req, 16).create_status();
    let long_xts = [1; 64];
    assert_eq!(
        st(cipher_session(wire::CIPHER_AES_XTS, wire::OP_ENCRYPT, &long_xts)),
        ERR as u32
    );
    assert_eq!(st(cipher_session(wire::CIPHER_AES_XTS, 1, &long_xts[..32])), OK as u32);
    assert_eq!(st(aead_session(wire::AEAD_GCM, 1, 16, &[1; 33], 56)), ERR as u32);
    assert_eq!(st(mac_session(wire::MAC_HMAC_SHA_256, 32, &[1; 65], 56)), ERR as u32);
    assert_eq!(st(mac_session(wire::MAC_HMAC_SHA_256, 32, &[1; 64], 56)), OK as u32);
    let auth_key = [1; 65];
    let chain = Chain {
        auth_key: &auth_key,
        ..Chain::authenc(&KEY, b"Jefe")
    };
    assert_eq!(st(chain_session(&chain, 1)), ERR as u32, "chain auth key");
    let chain = Chain {
        cipher_key: &long_xts[..33],
        ..Chain::authenc(&KEY, b"Jefe")
    };
    assert_eq!(st(chain_session(&chain, 1)), ERR as u32, "chain cipher key");

    let d = Driver::with_settings(Mode::Stateless, limits);
    let c = |key| Cipher {
        algo: wire::CIPHER_AES_XTS,
        key,
    };
    assert_eq!(d.cipher(&c(&long_xts), Dir::Encrypt, &[0; 16], &[0; 16]).0, ERR);
    assert_eq!(d.cipher(&c(&long_xts[..32]), Dir::Encrypt, &[0; 16], &[0; 16]).0, OK);
    assert_eq!(d.mac(wire::MAC_HMAC_SHA_256, &[1; 65], b"abc", 32).0, ERR);
    assert_eq!(d.mac(wire::MAC_HMAC_SHA_256, &[1; 64], b"abc", 32).0, OK);
    let a = Aead {
        algo: wire::AEAD_CHACHA20_POLY1305,
        key: &[1; 33],
        tag_len: 16,
    };
    assert_eq!(d.aead(&a, Dir::Encrypt, &[0; 12], &[], &[0; 16]).0, ERR);
    let data = ChainData {
        iv: &[0; 16],
        src: &[0; 16],
        aad: &[],
        cipher: (0, 16),
        hash: (0, 16),
    };
    let chain = Chain {
        auth_key: &auth_key,
        ..Chain::authenc(&KEY, b"Jefe")
    };
    assert_eq!(d.chain(&chain, Dir::Encrypt, &data).0, ERR);
}

#[test]
fn too_short_writable_area() {
    let h = Harness::new(LEGACY);
    // Only the status byte for a 32-byte digest.
    let hash = h.create(hash_session(wire::HASH_SHA_256, 32, 56));
    let r = h.submit(
        false,
        &[Seg::R(digest_data(wire::HASH, hash, b"abc", 32, 48)), Seg::W(1)],
    );
    assert_eq!((r.data_status(), r.used_len), (ERR, 1));
    // One byte short of digest + status.
    let (st, _) = h.data(digest_data(wire::HASH, hash, b"abc", 32, 48), 31);
    assert_eq!(st, ERR);
    // AEAD: dst without room for the tag; area smaller than dst; a
    // ciphertext shorter than the tag.
    let enc = h.create(aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, 16, &KEY, 56));
    let dec = h.create(aead_session(wire::AEAD_GCM, wire::OP_DECRYPT, 16, &KEY, 56));
    let (st, _) = h.data(aead_data(wire::AEAD_ENCRYPT, enc, &[0; 12], &[], &[0; 16], 16), 16);
    assert_eq!(st, ERR, "dst without the tag");
    let (st, _) = h.data(aead_data(wire::AEAD_ENCRYPT, enc, &[0; 12], &[], &[0; 16], 32), 31);
    assert_eq!(st, ERR, "area smaller than dst");
    let (st, _) = h.data(aead_data(wire::AEAD_DECRYPT, dec, &[0; 12], &[], &[0; 15], 0), 0);
    assert_eq!(st, ERR, "ciphertext shorter than the tag");
    // Chain: dst fits but the digest does not.
    let chain = h.create(chain_session(&Chain::authenc(&KEY, b"Jefe"), wire::OP_ENCRYPT));
    let (st, _) = h.data(
        chain_lens(wire::CIPHER_ENCRYPT, chain, [16, 16, 16, 0, 16, 0, 16, 0, 32]),
        47,
    );
    assert_eq!(st, ERR);
    // Control: a create outcome needs 16 bytes. With fewer the status goes
    // in byte 0, and no session is created that the driver cannot name.
    let before = h.dev.sessions.len();
    for len in [1, 8, 15] {
        let r = h.control(hash_session(wire::HASH_SHA1, 20, 56), len);
        assert_eq!((r.written[0], r.used_len), (ERR, len), "outcome area {len}");
    }
    assert_eq!(h.dev.sessions.len(), before, "sessions created without an outcome");
}

#[test]
fn zero_length_data() {
    // Nothing to cipher: OK and nothing written, for every cipher and
    // layout. Empty messages for HASH, MAC and AEAD are in the KATs.
    for mode in Mode::ALL {
        let d = Driver::new(mode);
        for (algo, key, iv) in [
            (wire::CIPHER_AES_ECB, &KEY[..], &[][..]),
            (wire::CIPHER_AES_CBC, &KEY, &[0; 16]),
            (wire::CIPHER_AES_CTR, &KEY, &[0; 16]),
            (wire::CIPHER_AES_XTS, &[1; 32], &[0; 16]),
            (wire::CIPHER_3DES_ECB, &[1; 24], &[]),
            (wire::CIPHER_3DES_CBC, &[1; 24], &[0; 8]),
        ] {
            let c = Cipher { algo, key };
            assert_eq!(
                d.cipher(&c, Dir::Encrypt, iv, &[]),
                (OK, vec![]),
                "algo {algo} {mode:?}"
            );
        }
        // An XTS unit of 1..15 bytes cannot be ciphered.
        let xts = Cipher {
            algo: wire::CIPHER_AES_XTS,
            key: &[1; 32],
        };
        assert_eq!(d.cipher(&xts, Dir::Encrypt, &[0; 16], &[0; 15]).0, ERR);
        // A chain over an empty source hashes just the AAD.
        let data = ChainData {
            iv: &[0; 16],
            src: &[],
            aad: b"what do ya want for nothing?",
            cipher: (0, 0),
            hash: (0, 0),
        };
        let want = hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
        let got = d.chain(&Chain::authenc(&KEY, b"Jefe"), Dir::Encrypt, &data);
        assert_eq!(got, (OK, vec![], want), "RFC 4231 test 2 as AAD, {mode:?}");
    }
}

#[test]
fn max_size_counts_every_variable_field() {
    // max_size bounds the sum of all variable fields (keys included when
    // stateless): at the limit OK, one byte more ERR, for every service.
    const MAX: u64 = 160;
    for mode in Mode::ALL {
        let d = Driver::with_settings(mode, settings(|s| s.max_size = MAX));
        let keys = |k: usize| if mode == Mode::Stateless { k as u64 } else { 0 };
        let fits = |overhead: u64, per_byte: u64| ((MAX - overhead) / per_byte) as usize;
        let status = |ok: bool| if ok { OK } else { ERR };
        // CIPHER (CTR): key + iv + src + dst.
        let n = fits(keys(16) + 16, 2);
        let ctr = Cipher {
            algo: wire::CIPHER_AES_CTR,
            key: &KEY,
        };
        for (len, ok) in [(n, true), (n + 1, false)] {
            let st = d.cipher(&ctr, Dir::Encrypt, &[0; 16], &vec![0; len]).0;
            assert_eq!(st, status(ok), "cipher {len}, {mode:?}");
        }
        // HASH: src + result.
        let n = fits(32, 1);
        for (len, ok) in [(n, true), (n + 1, false)] {
            let st = d.hash(wire::HASH_SHA_256, &vec![0; len], 32).0;
            assert_eq!(st, status(ok), "hash {len}, {mode:?}");
        }
        // MAC: key + src + result.
        let n = fits(keys(4) + 32, 1);
        for (len, ok) in [(n, true), (n + 1, false)] {
            let st = d.mac(wire::MAC_HMAC_SHA_256, b"Jefe", &vec![0; len], 32).0;
            assert_eq!(st, status(ok), "mac {len}, {mode:?}");
        }
        // AEAD (GCM, tag 16): key + iv + src + aad + dst (src + tag).
        let n = fits(keys(16) + 12 + 16, 2);
        let gcm = Aead {
            algo: wire::AEAD_GCM,
            key: &KEY,
            tag_len: 16,
        };
        for (len, ok) in [(n, true), (n + 1, false)] {
            let st = d.aead(&gcm, Dir::Encrypt, &[0; 12], &[], &vec![0; len]).0;
            assert_eq!(st, status(ok), "aead {len}, {mode:?}");
        }
        // Chain (CTR + HMAC): keys + iv + aad + src + dst + result.
        let chain = Chain {
            cipher_algo: wire::CIPHER_AES_CTR,
            ..Chain::authenc(&KEY, b"Jefe")
        };
        let n = fits(keys(16 + 4) + 16 + 3 + 32, 2);
        for (len, ok) in [(n, true), (n + 1, false)] {
            let src = vec![0; len];
            let data = ChainData {
                iv: &[0; 16],
                src: &src,
                aad: b"aad",
                cipher: (0, len as u32),
                hash: (0, len as u32),
            };
            let st = d.chain(&chain, Dir::Encrypt, &data).0;
            assert_eq!(st, status(ok), "chain {len}, {mode:?}");
        }
    }
}

#[test]
fn split_descriptors_and_indirect_boundaries() {
    // The same request split at odd places gives the same answer.
    let h = Harness::new(LEGACY);
    let id = cbc_session(&h);
    let req = cipher_data(wire::CIPHER_ENCRYPT, id, &[0; 16], &[7; 48]);
    let (st, whole) = h.data(req.clone(), 48);
    assert_eq!(st, OK);
    let parts: Vec<Seg> = req
        .chunks(13)
        .map(|c| Seg::R(c.to_vec()))
        .chain([Seg::W(5), Seg::W(40), Seg::W(4)])
        .collect();
    let r = h.submit(false, &parts);
    assert_eq!(r.data_status(), OK);
    assert_eq!(&r.written[..48], &whole[..]);
}
