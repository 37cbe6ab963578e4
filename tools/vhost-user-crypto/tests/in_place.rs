// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Serving in guest memory against copying.
//!
//! The device computes in guest memory where a request's source and
//! destination each lie in one piece of it, and copies where they do not
//! (`guest_io`). Each request here is served three ways: source in one
//! descriptor (in place), source cut into pieces (copied), and source and
//! destination naming the same guest bytes (dm-crypt's in-place requests).
//! All three must give the same bytes, which the known-answer tests check
//! against the standards' vectors for the first way.

mod common;

use common::build::{aead_data, aead_session, cipher_data, cipher_session, digest_data, hash_session};
use common::{Harness, Seg, LEGACY, OK};
use vhost_user_crypto::wire;
use vm_memory::{Bytes, GuestAddress};

/// Where the third way puts the source (the harness lays out from 1 MiB).
const SHARED: u64 = 0x40_0000;

/// `req` ends with its `src_len`-byte source; the output's first `src_len`
/// bytes are computed from it, `extra` more follow (a tag), and `digest`
/// outputs (hash) are written apart from any source. Returns each way's
/// output.
fn three_ways(h: &Harness, req: &[u8], src_len: usize, out_len: u32) -> [Vec<u8>; 3] {
    let (st, whole) = h.data(req.to_vec(), out_len);
    assert_eq!(st, OK, "whole");

    let (head, src) = req.split_at(req.len() - src_len);
    let mut segs = vec![Seg::R(head.to_vec())];
    segs.extend(src.chunks(src_len.div_ceil(3).max(1)).map(|c| Seg::R(c.to_vec())));
    segs.extend([Seg::W(out_len), Seg::W(1)]);
    let r = h.submit(false, &segs);
    assert_eq!(r.data_status(), OK, "split");
    let split = r.written[..out_len as usize].to_vec();

    // The destination is the source's own bytes when the output is as long
    // as the source or longer (cipher, AEAD seal), else (hash) apart.
    h.mem.write_slice(src, GuestAddress(SHARED)).unwrap();
    let mut segs = vec![Seg::R(head.to_vec()), Seg::RawR(SHARED, src_len as u32)];
    let own = (out_len as usize).min(src_len);
    let shared_out = out_len as usize >= src_len;
    if shared_out {
        segs.push(Seg::RawW(SHARED, own as u32));
        if out_len as usize > own {
            segs.push(Seg::W(out_len - own as u32));
        }
    } else {
        segs.push(Seg::W(out_len));
    }
    segs.push(Seg::W(1));
    let r = h.submit(false, &segs);
    assert_eq!(r.data_status(), OK, "same memory");
    let same = if shared_out {
        let mut out = vec![0u8; own];
        h.mem.read_slice(&mut out, GuestAddress(SHARED)).unwrap();
        out.extend_from_slice(&r.written[..out_len as usize - own]);
        out
    } else {
        r.written[..out_len as usize].to_vec()
    };
    [whole, split, same]
}

fn assert_agree(what: &str, [whole, split, same]: [Vec<u8>; 3]) {
    assert_eq!(split, whole, "{what}: copied differs from in place");
    assert_eq!(same, whole, "{what}: same memory differs from in place");
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + 3) as u8).collect()
}

#[test]
fn ciphers_agree() {
    let h = Harness::new(LEGACY);
    for (algo, key) in [
        (wire::CIPHER_AES_CBC, &[1u8; 16][..]),
        (wire::CIPHER_AES_XTS, &[2u8; 64][..]),
    ] {
        for op in [wire::OP_ENCRYPT, wire::OP_DECRYPT] {
            let id = h.create(cipher_session(algo, op, key));
            let opcode = if op == wire::OP_ENCRYPT {
                wire::CIPHER_ENCRYPT
            } else {
                wire::CIPHER_DECRYPT
            };
            for len in [16, 48, 4096] {
                let src = data(len);
                let req = cipher_data(opcode, id, &[9; 16], &src);
                let out = three_ways(&h, &req, len, len as u32);
                assert_ne!(out[0], src, "the cipher changed nothing");
                assert_agree(&format!("cipher {algo} op {op} {len}"), out);
            }
        }
    }
}

#[test]
fn hash_agrees() {
    let h = Harness::new(LEGACY);
    let id = h.create(hash_session(wire::HASH_SHA_256, 32, 56));
    for len in [1, 64, 4096] {
        let req = digest_data(wire::HASH, id, &data(len), 32, 48);
        assert_agree(&format!("sha256 {len}"), three_ways(&h, &req, len, 32));
    }
}

#[test]
fn aead_seal_agrees() {
    let h = Harness::new(LEGACY);
    let id = h.create(aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, 16, &[3; 16], 56));
    for len in [1, 60, 4096] {
        let req = aead_data(wire::AEAD_ENCRYPT, id, &[4; 12], &[], &data(len), len as u32 + 16);
        assert_agree(&format!("gcm seal {len}"), three_ways(&h, &req, len, len as u32 + 16));
    }
}

#[test]
fn corrupt_fault_reaches_output_served_in_place() {
    let h = Harness::new(LEGACY);
    let id = h.create(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[1; 16]));
    let req = cipher_data(wire::CIPHER_ENCRYPT, id, &[9; 16], &data(64));
    let (_, good) = h.data(req.clone(), 64);
    h.fault("corrupt on");
    let (st, bad) = h.data(req, 64);
    assert_eq!(st, OK);
    assert_eq!(bad[0], good[0] ^ 1);
    assert_eq!(bad[1..], good[1..]);
}
