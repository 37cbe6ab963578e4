// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! CIPHER service requests: plain cipher and algorithm chaining.
//!
//! Chaining runs both steps over one working copy of the source: the hash
//! (over `aad || region`) sees the ciphertext when the order is
//! CIPHER_THEN_HASH and the input when HASH_THEN_CIPHER, which gives Linux
//! `authenc` encryption (cipher then hash) and decryption (hash then
//! cipher, the driver compares the tag). `dst` receives the whole working
//! copy (`src_data_len` bytes), the hash result is written after `dst_data_len`.

use std::sync::Arc;

use super::Req;
use crate::crypto::Direction;
use crate::session::{check_auth_key_len, check_cipher_key_len, status_of, Auth, ChainSession, CipherSession, Session};
use crate::wire::{self, Status};

pub(super) fn run(req: &mut Req) -> Result<(), Status> {
    let op_type = req.field(if req.stateless_layout { 72 } else { 40 });
    match op_type {
        wire::SYM_OP_CIPHER => cipher(req),
        wire::SYM_OP_ALGORITHM_CHAINING => chain(req),
        _ => Err(Status::NotSupp),
    }
}

fn direction(req: &Req) -> Direction {
    if req.opcode == wire::CIPHER_ENCRYPT {
        Direction::Encrypt
    } else {
        Direction::Decrypt
    }
}

fn cipher(req: &mut Req) -> Result<(), Status> {
    let p = if req.stateless_layout { 12 } else { 0 };
    let (iv_len, src_len, dst_len) = (req.field(p), req.field(p + 4), req.field(p + 8));
    let dir = direction(req);
    let session = if req.session_mode { Some(req.session()?) } else { None };
    let key_len = if req.session_mode { 0 } else { req.field(4) };
    req.budget(&[key_len, iv_len, src_len], &[dst_len])?;
    if dst_len < src_len {
        return Err(Status::Err);
    }
    let session = match session {
        Some(s) => s,
        None => {
            check_cipher_key_len(req.dev, key_len)?;
            let key = req.read(key_len)?;
            let s = CipherSession::new(req.dev, req.field(0), req.field(8), &key)?;
            Arc::new(Session::Cipher(s))
        }
    };
    let Session::Cipher(cs) = &*session else {
        return Err(Status::InvSess);
    };
    if cs.dir != dir {
        return Err(Status::InvSess);
    }
    let iv = req.read(iv_len)?;
    let src = req.take(src_len)?;
    if let Some(done) = req.in_place(&src, |out| cs.key.apply(dir, &iv, out).map_err(status_of)) {
        return done;
    }
    let mut data = src.to_vec();
    cs.key.apply(dir, &iv, &mut data).map_err(status_of)?;
    req.write_outputs(&[(0, &data)])
}

/// Lengths of a chain request (`virtio_crypto_alg_chain_data_flf`).
struct ChainLens {
    iv: u32,
    src: u32,
    dst: u32,
    cipher_off: u32,
    cipher_len: u32,
    hash_off: u32,
    hash_len: u32,
    aad: u32,
    result: u32,
}

impl ChainLens {
    fn parse(req: &Req, p: usize) -> Self {
        ChainLens {
            iv: req.field(p),
            src: req.field(p + 4),
            dst: req.field(p + 8),
            cipher_off: req.field(p + 12),
            cipher_len: req.field(p + 16),
            hash_off: req.field(p + 20),
            hash_len: req.field(p + 24),
            aad: req.field(p + 28),
            result: req.field(p + 32),
        }
    }

    /// Regions inside the source, output big enough.
    fn check(&self) -> Result<(), Status> {
        let inside = |off: u32, len: u32| u64::from(off) + u64::from(len) <= u64::from(self.src);
        if !inside(self.cipher_off, self.cipher_len) || !inside(self.hash_off, self.hash_len) || self.dst < self.src {
            return Err(Status::Err);
        }
        Ok(())
    }
}

fn chain(req: &mut Req) -> Result<(), Status> {
    let l = ChainLens::parse(req, if req.stateless_layout { 32 } else { 0 });
    let dir = direction(req);
    let session = if req.session_mode { Some(req.session()?) } else { None };
    let (ck_len, ak_len) = if req.session_mode {
        (0, 0)
    } else if req.field(28) == wire::HASH_MODE_AUTH {
        (req.field(12), req.field(24))
    } else {
        (req.field(12), 0)
    };
    req.budget(&[ck_len, ak_len, l.iv, l.src, l.aad], &[l.dst, l.result])?;
    l.check()?;
    let session = match session {
        Some(s) => s,
        None => Arc::new(Session::Chain(Box::new(stateless_chain(req, ck_len, ak_len)?))),
    };
    let Session::Chain(cs) = &*session else {
        return Err(Status::InvSess);
    };
    if cs.cipher.dir != dir {
        return Err(Status::InvSess);
    }
    if l.result as usize > cs.auth.output_len() {
        return Err(Status::Err);
    }
    // The layout, not the mode, orders the vlf: iv, src, aad in the session
    // structs; (keys,) iv, aad, src in the stateless one, which session-mode
    // requests use too once the stateless feature is negotiated.
    let iv = req.read(l.iv)?;
    let (src, aad) = if req.stateless_layout {
        let aad = req.read(l.aad)?;
        (req.read(l.src)?, aad)
    } else {
        let src = req.read(l.src)?;
        (src, req.read(l.aad)?)
    };
    let (work, digest) = run_chain(cs, dir, &l, &iv, src, &aad)?;
    req.write_outputs(&[(0, &work), (l.dst as usize, &digest[..l.result as usize])])
}

fn stateless_chain(req: &mut Req, ck_len: u32, ak_len: u32) -> Result<ChainSession, Status> {
    check_cipher_key_len(req.dev, ck_len)?;
    check_auth_key_len(req.dev, ak_len)?;
    let ck = req.read(ck_len)?;
    let ak = req.read(ak_len)?;
    let cipher = CipherSession::new(req.dev, req.field(8), req.field(16), &ck)?;
    let auth = Auth::new(req.dev, req.field(28), req.field(20), &ak)?;
    ChainSession::new(cipher, auth, req.field(0))
}

fn run_chain(
    cs: &ChainSession,
    dir: Direction,
    l: &ChainLens,
    iv: &[u8],
    mut work: Vec<u8>,
    aad: &[u8],
) -> Result<(Vec<u8>, Vec<u8>), Status> {
    let c = l.cipher_off as usize..(l.cipher_off + l.cipher_len) as usize;
    let h = l.hash_off as usize..(l.hash_off + l.hash_len) as usize;
    let digest = if cs.hash_first {
        let d = cs.auth.compute(&[aad, &work[h]]);
        cs.cipher.key.apply(dir, iv, &mut work[c]).map_err(status_of)?;
        d
    } else {
        cs.cipher.key.apply(dir, iv, &mut work[c]).map_err(status_of)?;
        cs.auth.compute(&[aad, &work[h]])
    };
    Ok((work, digest))
}
