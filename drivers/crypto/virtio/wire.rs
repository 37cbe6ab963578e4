// SPDX-License-Identifier: GPL-2.0

//! The device's wire formats (virtio crypto revision 0, `include/uapi/linux/virtio_crypto.h`):
//! request headers as little-endian bytes, each field at the offset the bindgen structure
//! of the header gives it (`virtio_crypto_op_ctrl_req`, `virtio_crypto_op_data_req`), and
//! the status codes the device returns.

use crate::abstractions::bindings::{
    self, virtio_crypto_op_ctrl_req as CtrlReq, virtio_crypto_op_data_req as DataReq,
};
use core::mem::{offset_of, size_of};
use kernel::prelude::*;

/// `VIRTIO_CRYPTO_OPCODE(service, op)`: a function-like macro bindgen does not expand.
const fn opcode(service: u32, op: u32) -> u32 {
    service << 8 | op
}
const CIPHER: u32 = bindings::VIRTIO_CRYPTO_SERVICE_CIPHER;
const HASH: u32 = bindings::VIRTIO_CRYPTO_SERVICE_HASH;
const MAC: u32 = bindings::VIRTIO_CRYPTO_SERVICE_MAC;
pub(crate) const CIPHER_ENCRYPT: u32 = opcode(CIPHER, 0x00);
pub(crate) const CIPHER_DECRYPT: u32 = opcode(CIPHER, 0x01);
const HASH_OP: u32 = opcode(HASH, 0x00);
const MAC_OP: u32 = opcode(MAC, 0x00);

/// Size of `struct virtio_crypto_op_ctrl_req` and `struct virtio_crypto_op_data_req`.
pub(crate) const HDR_LEN: usize = 72;
const _: () = assert!(size_of::<CtrlReq>() == HDR_LEN);
const _: () = assert!(size_of::<DataReq>() == HDR_LEN);
/// Size of `struct virtio_crypto_session_input`.
pub(crate) const SESSION_INPUT_LEN: usize = 16;
const _: () = assert!(size_of::<bindings::virtio_crypto_session_input>() == SESSION_INPUT_LEN);
/// Offsets in `struct virtio_crypto_session_input`.
pub(crate) const SESSION_ID_AT: usize =
    offset_of!(bindings::virtio_crypto_session_input, session_id);
pub(crate) const SESSION_STATUS_AT: usize =
    offset_of!(bindings::virtio_crypto_session_input, status);

/// A header under construction.
struct Hdr([u8; HDR_LEN]);

impl Hdr {
    fn new() -> Self {
        Self([0; HDR_LEN])
    }
    fn put32(mut self, offset: usize, v: u32) -> Self {
        self.0[offset..offset + 4].copy_from_slice(&v.to_le_bytes());
        self
    }
    fn put64(mut self, offset: usize, v: u64) -> Self {
        self.0[offset..offset + 8].copy_from_slice(&v.to_le_bytes());
        self
    }
}

/// The kind of session: which service, and for ciphers which direction.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionKind {
    /// A cipher session (`VIRTIO_CRYPTO_OP_ENCRYPT`/`DECRYPT`).
    Cipher(Direction),
    /// A hash session, full digest.
    Hash,
    /// A MAC session, full MAC; the key follows the header.
    Mac,
}

/// The direction of a cipher session.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Encrypt,
    Decrypt,
}

impl Direction {
    fn op(self) -> u32 {
        match self {
            Self::Encrypt => bindings::VIRTIO_CRYPTO_OP_ENCRYPT,
            Self::Decrypt => bindings::VIRTIO_CRYPTO_OP_DECRYPT,
        }
    }
}

impl SessionKind {
    fn service(self) -> u32 {
        match self {
            Self::Cipher(_) => CIPHER,
            Self::Hash => HASH,
            Self::Mac => MAC,
        }
    }
}

// Field offsets, from the bindgen structures. bindgen represents the C unions as
// `__BindgenUnionField`s, so a path through a union adds the union's offset and starts the
// member at 0 (where C puts every member of a union).
use bindings::{
    virtio_crypto_cipher_para as CipherPara, virtio_crypto_cipher_session_para as CipherSessPara,
    virtio_crypto_cipher_session_req as CipherSessReq,
    virtio_crypto_destroy_session_req as DestroyReq,
    virtio_crypto_hash_create_session_req as HashSessReq,
    virtio_crypto_hash_data_req as HashDataReq, virtio_crypto_hash_para as HashPara,
    virtio_crypto_hash_session_para as HashSessPara,
    virtio_crypto_mac_create_session_req as MacSessReq, virtio_crypto_mac_data_req as MacDataReq,
    virtio_crypto_mac_para as MacPara, virtio_crypto_mac_session_para as MacSessPara,
    virtio_crypto_sym_create_session_req as SymSessReq, virtio_crypto_sym_data_req as SymDataReq,
};
const CTRL_U: usize = offset_of!(CtrlReq, u);
const CIPHER_SESS: usize = CTRL_U + offset_of!(SymSessReq, u) + offset_of!(CipherSessReq, para);
const CIPHER_SESS_OP_TYPE: usize = CTRL_U + offset_of!(SymSessReq, op_type);
const HASH_SESS: usize = CTRL_U + offset_of!(HashSessReq, para);
const MAC_SESS: usize = CTRL_U + offset_of!(MacSessReq, para);
const DESTROY_ID: usize = CTRL_U + offset_of!(DestroyReq, session_id);
const DATA_U: usize = offset_of!(DataReq, u);
const CIPHER_DATA: usize =
    DATA_U + offset_of!(SymDataReq, u) + offset_of!(bindings::virtio_crypto_cipher_data_req, para);
const CIPHER_DATA_OP_TYPE: usize = DATA_U + offset_of!(SymDataReq, op_type);
const HASH_DATA: usize = DATA_U + offset_of!(HashDataReq, para);
const MAC_DATA: usize = DATA_U + offset_of!(MacDataReq, para) + offset_of!(MacPara, hash);

/// `virtio_crypto_op_ctrl_req` creating a session of `kind` for `algo` with a key of
/// `keylen` bytes (cipher and MAC).
pub(crate) fn create_session(kind: SessionKind, algo: u32, keylen: u32) -> [u8; HDR_LEN] {
    let hdr = Hdr::new()
        .put32(
            offset_of!(CtrlReq, header.opcode),
            opcode(kind.service(), 0x02),
        )
        .put32(offset_of!(CtrlReq, header.algo), algo);
    match kind {
        SessionKind::Cipher(dir) => hdr
            .put32(CIPHER_SESS + offset_of!(CipherSessPara, algo), algo)
            .put32(CIPHER_SESS + offset_of!(CipherSessPara, keylen), keylen)
            .put32(CIPHER_SESS + offset_of!(CipherSessPara, op), dir.op())
            .put32(CIPHER_SESS_OP_TYPE, bindings::VIRTIO_CRYPTO_SYM_OP_CIPHER),
        // A result length of 0 asks for the whole digest.
        SessionKind::Hash => hdr.put32(HASH_SESS + offset_of!(HashSessPara, algo), algo),
        SessionKind::Mac => hdr
            .put32(MAC_SESS + offset_of!(MacSessPara, algo), algo)
            .put32(MAC_SESS + offset_of!(MacSessPara, auth_key_len), keylen),
    }
    .0
}

/// `virtio_crypto_op_ctrl_req` destroying a session.
pub(crate) fn destroy_session(kind: SessionKind, algo: u32, session_id: u64) -> [u8; HDR_LEN] {
    Hdr::new()
        .put32(
            offset_of!(CtrlReq, header.opcode),
            opcode(kind.service(), 0x03),
        )
        .put32(offset_of!(CtrlReq, header.algo), algo)
        .put64(DESTROY_ID, session_id)
        .0
}

/// `virtio_crypto_op_data_req` for a cipher operation: `{opcode, algo, session_id}`, then
/// `sym_req.u.cipher.para {iv_len, src_data_len, dst_data_len}` and `op_type`.
pub(crate) fn cipher_data_req(
    opcode: u32,
    algo: u32,
    session_id: u64,
    iv_len: u32,
    len: u32,
) -> [u8; HDR_LEN] {
    Hdr::new()
        .put32(offset_of!(DataReq, header.opcode), opcode)
        .put32(offset_of!(DataReq, header.algo), algo)
        .put64(offset_of!(DataReq, header.session_id), session_id)
        .put32(CIPHER_DATA + offset_of!(CipherPara, iv_len), iv_len)
        .put32(CIPHER_DATA + offset_of!(CipherPara, src_data_len), len)
        .put32(CIPHER_DATA + offset_of!(CipherPara, dst_data_len), len)
        .put32(CIPHER_DATA_OP_TYPE, bindings::VIRTIO_CRYPTO_SYM_OP_CIPHER)
        .0
}

/// `virtio_crypto_op_data_req` for a hash (`mac` false) or MAC operation over `len` bytes,
/// with a result of `result_len` bytes.
pub(crate) fn digest_data_req(
    mac: bool,
    algo: u32,
    session_id: u64,
    len: u32,
    result_len: u32,
) -> [u8; HDR_LEN] {
    let para = if mac { MAC_DATA } else { HASH_DATA };
    Hdr::new()
        .put32(
            offset_of!(DataReq, header.opcode),
            if mac { MAC_OP } else { HASH_OP },
        )
        .put32(offset_of!(DataReq, header.algo), algo)
        .put64(offset_of!(DataReq, header.session_id), session_id)
        .put32(para + offset_of!(HashPara, src_data_len), len)
        .put32(para + offset_of!(HashPara, hash_result_len), result_len)
        .0
}

/// The offsets of revision 0, as the specification lists them: the bindgen view and the
/// specification must agree.
const _: () = {
    assert!(CIPHER_SESS == 16 && CIPHER_SESS_OP_TYPE == 64 && MAC_SESS == 16);
    assert!(DESTROY_ID == 16 && CIPHER_DATA == 24 && CIPHER_DATA_OP_TYPE == 64);
    assert!(HASH_DATA == 24 && MAC_DATA == 24);
};

/// Maps a device status to the result the crypto API expects. Unknown values are the
/// device's fault: `EIO`.
pub(crate) fn status_to_result(status: u32) -> Result {
    match status {
        bindings::VIRTIO_CRYPTO_OK => Ok(()),
        bindings::VIRTIO_CRYPTO_BADMSG => Err(errno(bindings::EBADMSG)),
        bindings::VIRTIO_CRYPTO_NOTSUPP => Err(errno(bindings::EOPNOTSUPP)),
        bindings::VIRTIO_CRYPTO_NOSPC => Err(ENOSPC),
        _ => Err(EIO),
    }
}

/// An errno the kernel crate has no constant for.
pub(crate) fn errno(e: u32) -> Error {
    Error::from_errno(-(e as i32))
}
