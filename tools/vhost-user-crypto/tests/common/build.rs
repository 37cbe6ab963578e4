// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Request builders following the uapi header (revision 0) and the spec.

use vhost_user_crypto::wire;

/// Builds little-endian fields into a buffer.
#[derive(Default, Clone)]
pub struct Fields(pub Vec<u8>);

impl Fields {
    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    pub fn pad_to(mut self, len: usize) -> Self {
        assert!(self.0.len() <= len);
        self.0.resize(len, 0);
        self
    }
    pub fn bytes(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    pub fn done(self) -> Vec<u8> {
        self.0
    }
}

pub fn ctrl_header(opcode: u32, algo: u32) -> Fields {
    Fields::default().u32(opcode).u32(algo).u32(0).u32(0)
}

/// Control request: header + flf (padded to 56 for revision 0) + vlf.
pub fn ctrl(opcode: u32, algo: u32, flf: Fields, flf_len: usize, vlf: &[&[u8]]) -> Vec<u8> {
    let mut v = ctrl_header(opcode, algo).bytes(&flf.pad_to(flf_len).0);
    for part in vlf {
        v = v.bytes(part);
    }
    v.done()
}

pub fn cipher_session(algo: u32, op: u32, key: &[u8]) -> Vec<u8> {
    let flf = Fields::default()
        .u32(algo)
        .u32(key.len() as u32)
        .u32(op)
        .u32(0)
        .pad_to(48)
        .u32(wire::SYM_OP_CIPHER)
        .u32(0);
    ctrl(wire::CIPHER_CREATE_SESSION, algo, flf, 56, &[key])
}

#[allow(clippy::too_many_arguments)]
pub fn chain_session(
    order: u32,
    hash_mode: u32,
    cipher_algo: u32,
    op: u32,
    key: &[u8],
    auth_algo: u32,
    result_len: u32,
    auth_key: &[u8],
) -> Vec<u8> {
    let flf = Fields::default()
        .u32(order)
        .u32(hash_mode)
        .u32(cipher_algo)
        .u32(key.len() as u32)
        .u32(op)
        .u32(0)
        .u32(auth_algo)
        .u32(result_len)
        .u32(auth_key.len() as u32)
        .u32(0)
        .u32(0) // aad_len
        .u32(0)
        .u32(wire::SYM_OP_ALGORITHM_CHAINING)
        .u32(0);
    ctrl(wire::CIPHER_CREATE_SESSION, cipher_algo, flf, 56, &[key, auth_key])
}

pub fn hash_session(algo: u32, result_len: u32, flf_len: usize) -> Vec<u8> {
    ctrl(
        wire::HASH_CREATE_SESSION,
        algo,
        Fields::default().u32(algo).u32(result_len),
        flf_len,
        &[],
    )
}

pub fn mac_session(algo: u32, result_len: u32, key: &[u8], flf_len: usize) -> Vec<u8> {
    let flf = Fields::default().u32(algo).u32(result_len).u32(key.len() as u32).u32(0);
    ctrl(wire::MAC_CREATE_SESSION, algo, flf, flf_len, &[key])
}

pub fn aead_session(algo: u32, op: u32, tag_len: u32, key: &[u8], flf_len: usize) -> Vec<u8> {
    let flf = Fields::default()
        .u32(algo)
        .u32(key.len() as u32)
        .u32(tag_len)
        .u32(0)
        .u32(op)
        .u32(0);
    ctrl(wire::AEAD_CREATE_SESSION, algo, flf, flf_len, &[key])
}

pub fn destroy(opcode: u32, id: u64, flf_len: usize) -> Vec<u8> {
    ctrl(opcode, 0, Fields::default().u64(id), flf_len, &[])
}

pub fn data_header(opcode: u32, session_id: u64, flag: u32) -> Fields {
    Fields::default().u32(opcode).u32(0).u64(session_id).u32(flag).u32(0)
}

/// Session-mode cipher data request (revision 0 layout).
pub fn cipher_data(opcode: u32, id: u64, iv: &[u8], src: &[u8]) -> Vec<u8> {
    let flf = Fields::default()
        .u32(iv.len() as u32)
        .u32(src.len() as u32)
        .u32(src.len() as u32)
        .pad_to(40)
        .u32(wire::SYM_OP_CIPHER)
        .u32(0);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(iv)
        .bytes(src)
        .done()
}

/// Session-mode hash or MAC request with a `flf_len` fixed part.
pub fn digest_data(opcode: u32, id: u64, src: &[u8], result_len: u32, flf_len: usize) -> Vec<u8> {
    let flf = Fields::default().u32(src.len() as u32).u32(result_len).pad_to(flf_len);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(src)
        .done()
}

/// Session-mode AEAD request (revision 0 layout: 48-byte flf, tag_len 0).
pub fn aead_data(opcode: u32, id: u64, iv: &[u8], aad: &[u8], src: &[u8], dst_len: u32) -> Vec<u8> {
    let flf = Fields::default()
        .u32(iv.len() as u32)
        .u32(aad.len() as u32)
        .u32(src.len() as u32)
        .u32(dst_len)
        .pad_to(48);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(iv)
        .bytes(src)
        .bytes(aad)
        .done()
}
