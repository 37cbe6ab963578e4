// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AEAD service requests.
//!
//! Encryption writes `ciphertext || tag` (`src_data_len + tag_len` bytes)
//! to dst. Decryption takes `ciphertext || tag` as src and writes the
//! plaintext (`src_data_len - tag_len` bytes); a tag mismatch answers
//! VIRTIO_CRYPTO_BADMSG and writes nothing to dst.

use std::sync::Arc;

use super::Req;
use crate::crypto::Direction;
use crate::session::{check_cipher_key_len, status_of, AeadSession, Session};
use crate::wire::{self, Status};

/// Lengths of an AEAD request.
struct AeadLens {
    iv: u32,
    aad: u32,
    src: u32,
    dst: u32,
    tag: u32,
    key: u32,
}

impl AeadLens {
    fn parse(req: &Req) -> Self {
        if req.stateless_layout {
            AeadLens {
                iv: req.field(12),
                tag: req.field(16),
                aad: req.field(20),
                src: req.field(24),
                dst: req.field(28),
                key: if req.session_mode { 0 } else { req.field(4) },
            }
        } else {
            AeadLens {
                iv: req.field(0),
                aad: req.field(4),
                src: req.field(8),
                dst: req.field(12),
                tag: req.field(16),
                key: 0,
            }
        }
    }
}

pub(super) fn run(req: &mut Req) -> Result<(), Status> {
    let l = AeadLens::parse(req);
    let dir = if req.opcode == wire::AEAD_ENCRYPT {
        Direction::Encrypt
    } else {
        Direction::Decrypt
    };
    let session = if req.session_mode { Some(req.session()?) } else { None };
    req.budget(&[l.key, l.iv, l.src, l.aad], &[l.dst])?;
    let session = match session {
        Some(s) => s,
        None => {
            check_cipher_key_len(req.dev, l.key)?;
            let key = req.read(l.key)?;
            let s = AeadSession::new(req.dev, req.field(0), req.field(8), l.tag, &key)?;
            Arc::new(Session::Aead(s))
        }
    };
    let Session::Aead(s) = &*session else {
        return Err(Status::InvSess);
    };
    if s.dir != dir {
        return Err(Status::InvSess);
    }
    // A request tag length (REVISION_1 layouts) must agree with the session.
    if l.tag != 0 && l.tag as usize != s.tag_len {
        return Err(Status::Err);
    }
    let tag_len = s.tag_len;
    let iv = req.read(l.iv)?;
    let src = req.take(l.src)?;
    // Copied: a few bytes in practice, and never aliasing the output.
    let aad = req.read(l.aad)?;
    let data = match dir {
        Direction::Encrypt => {
            if (l.dst as usize) < src.len() + tag_len {
                return Err(Status::Err);
            }
            let seal = |out: &mut [u8]| s.key.seal(&iv, &aad, out, tag_len).map_err(status_of);
            if let Some(tag) = req.in_place(&src, seal) {
                return req.io.write_at(src.len(), &tag?);
            }
            let mut data = src.to_vec();
            let tag = seal(&mut data)?;
            data.extend_from_slice(&tag);
            data
        }
        // Decryption copies: the tag is checked before the plaintext may
        // reach the guest, and CCM only knows it after decrypting.
        Direction::Decrypt => {
            let mut data = src.to_vec();
            let ct_len = data.len().checked_sub(tag_len).ok_or(Status::Err)?;
            if (l.dst as usize) < ct_len {
                return Err(Status::Err);
            }
            let tag = data.split_off(ct_len);
            s.key.open(&iv, &aad, &mut data, &tag).map_err(status_of)?;
            data
        }
    };
    req.write_outputs(&[(0, &data)])
}
