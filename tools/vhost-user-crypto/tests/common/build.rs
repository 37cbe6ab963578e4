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
    /// Several `u32` fields in a row.
    pub fn u32s(self, vs: &[u32]) -> Self {
        vs.iter().fold(self, |f, &v| f.u32(v))
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

/// Control request: header + flf (padded to `flf_len`) + vlf.
pub fn ctrl(opcode: u32, algo: u32, flf: Fields, flf_len: usize, vlf: &[&[u8]]) -> Vec<u8> {
    let mut v = ctrl_header(opcode, algo).bytes(&flf.pad_to(flf_len).0);
    for part in vlf {
        v = v.bytes(part);
    }
    v.done()
}

/// `virtio_crypto_sym_create_session_flf` for a plain cipher (56 bytes in
/// every revision).
pub fn cipher_session(algo: u32, op: u32, key: &[u8]) -> Vec<u8> {
    let flf = Fields::default()
        .u32s(&[algo, key.len() as u32, op, 0])
        .pad_to(48)
        .u32s(&[wire::SYM_OP_CIPHER, 0]);
    ctrl(wire::CIPHER_CREATE_SESSION, algo, flf, 56, &[key])
}

/// The parameters of an algorithm chaining session.
#[derive(Clone, Copy, Debug)]
pub struct Chain<'a> {
    pub order: u32,
    pub hash_mode: u32,
    pub cipher_algo: u32,
    pub cipher_key: &'a [u8],
    /// A HASH algorithm with `HASH_MODE_PLAIN`, a MAC one with `HASH_MODE_AUTH`.
    pub auth_algo: u32,
    pub auth_key: &'a [u8],
    pub result_len: u32,
}

impl<'a> Chain<'a> {
    /// Linux `authenc(hmac(sha256),cbc(aes))` encryption: AES-CBC, then
    /// HMAC-SHA-256 over the ciphertext, the whole 32-byte digest.
    pub fn authenc(cipher_key: &'a [u8], auth_key: &'a [u8]) -> Self {
        Chain {
            order: wire::CHAIN_ORDER_CIPHER_THEN_HASH,
            hash_mode: wire::HASH_MODE_AUTH,
            cipher_algo: wire::CIPHER_AES_CBC,
            cipher_key,
            auth_algo: wire::MAC_HMAC_SHA_256,
            auth_key,
            result_len: 32,
        }
    }
}

/// `virtio_crypto_alg_chain_session_flf` in the sym create flf.
pub fn chain_session(c: &Chain, op: u32) -> Vec<u8> {
    let flf = Fields::default()
        .u32s(&[c.order, c.hash_mode])
        .u32s(&[c.cipher_algo, c.cipher_key.len() as u32, op, 0])
        .u32s(&[c.auth_algo, c.result_len, c.auth_key.len() as u32, 0])
        .u32s(&[0, 0]) // aad_len, padding
        .u32s(&[wire::SYM_OP_ALGORITHM_CHAINING, 0]);
    ctrl(
        wire::CIPHER_CREATE_SESSION,
        c.cipher_algo,
        flf,
        56,
        &[c.cipher_key, c.auth_key],
    )
}

pub fn hash_session(algo: u32, result_len: u32, flf_len: usize) -> Vec<u8> {
    ctrl(
        wire::HASH_CREATE_SESSION,
        algo,
        Fields::default().u32s(&[algo, result_len]),
        flf_len,
        &[],
    )
}

pub fn mac_session(algo: u32, result_len: u32, key: &[u8], flf_len: usize) -> Vec<u8> {
    let flf = Fields::default().u32s(&[algo, result_len, key.len() as u32, 0]);
    ctrl(wire::MAC_CREATE_SESSION, algo, flf, flf_len, &[key])
}

pub fn aead_session(algo: u32, op: u32, tag_len: u32, key: &[u8], flf_len: usize) -> Vec<u8> {
    let flf = Fields::default().u32s(&[algo, key.len() as u32, tag_len, 0, op, 0]);
    ctrl(wire::AEAD_CREATE_SESSION, algo, flf, flf_len, &[key])
}

pub fn destroy(opcode: u32, id: u64, flf_len: usize) -> Vec<u8> {
    ctrl(opcode, 0, Fields::default().u64(id), flf_len, &[])
}

pub fn data_header(opcode: u32, session_id: u64, flag: u32) -> Fields {
    Fields::default().u32(opcode).u32(0).u64(session_id).u32(flag).u32(0)
}

/// Session-mode cipher request with any length fields (revision 0 layout)
/// and `vlf` as the variable part.
pub fn cipher_lens(opcode: u32, id: u64, lens: [u32; 3], vlf: &[u8]) -> Vec<u8> {
    let flf = Fields::default().u32s(&lens).pad_to(40).u32s(&[wire::SYM_OP_CIPHER, 0]);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(vlf)
        .done()
}

/// Session-mode cipher data request (revision 0 layout).
pub fn cipher_data(opcode: u32, id: u64, iv: &[u8], src: &[u8]) -> Vec<u8> {
    let n = src.len() as u32;
    cipher_lens(opcode, id, [iv.len() as u32, n, n], &[iv, src].concat())
}

/// Session-mode hash or MAC request with a `flf_len` fixed part.
pub fn digest_data(opcode: u32, id: u64, src: &[u8], result_len: u32, flf_len: usize) -> Vec<u8> {
    let flf = Fields::default().u32s(&[src.len() as u32, result_len]).pad_to(flf_len);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(src)
        .done()
}

/// Session-mode AEAD request (revision 0 layout: 48-byte flf, tag_len 0).
pub fn aead_data(opcode: u32, id: u64, iv: &[u8], aad: &[u8], src: &[u8], dst_len: u32) -> Vec<u8> {
    let flf = Fields::default()
        .u32s(&[iv.len() as u32, aad.len() as u32, src.len() as u32, dst_len])
        .pad_to(48);
    data_header(opcode, id, wire::FLAG_SESSION_MODE)
        .bytes(&flf.0)
        .bytes(iv)
        .bytes(src)
        .bytes(aad)
        .done()
}
