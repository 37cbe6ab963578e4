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
const AEAD: u32 = bindings::VIRTIO_CRYPTO_SERVICE_AEAD;
pub(crate) const CIPHER_ENCRYPT: u32 = opcode(CIPHER, 0x00);
pub(crate) const CIPHER_DECRYPT: u32 = opcode(CIPHER, 0x01);
pub(crate) const AEAD_ENCRYPT: u32 = opcode(AEAD, 0x00);
pub(crate) const AEAD_DECRYPT: u32 = opcode(AEAD, 0x01);
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

/// Where every revision-0 data request header (`virtio_crypto_op_header`, first in
/// `virtio_crypto_op_data_req`) has its session id.
const DATA_SESSION_AT: usize = offset_of!(DataReq, header.session_id);

/// Writes `session_id` into the data request header `hdr`.
pub(crate) fn set_data_session(hdr: &mut [u8; HDR_LEN], session_id: u64) {
    hdr[DATA_SESSION_AT..DATA_SESSION_AT + 8].copy_from_slice(&session_id.to_le_bytes());
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
    /// An AEAD session: direction and tag length are fixed per session.
    Aead { dir: Direction, tag_len: u32 },
    /// A chained cipher and MAC session (CIPHER service, ALGORITHM_CHAINING): cipher then
    /// MAC on encryption, MAC then cipher on decryption. The cipher key (`cipher_keylen`
    /// bytes) and the MAC key follow the header, in this order; `mac_algo` is a
    /// `VIRTIO_CRYPTO_MAC_*`, `result_len` the MAC's length.
    Chain {
        dir: Direction,
        cipher_keylen: u32,
        mac_algo: u32,
        result_len: u32,
    },
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
            Self::Cipher(_) | Self::Chain { .. } => CIPHER,
            Self::Hash => HASH,
            Self::Mac => MAC,
            Self::Aead { .. } => AEAD,
        }
    }
}

// Field offsets, from the bindgen structures. bindgen represents the C unions as
// `__BindgenUnionField`s, so a path through a union adds the union's offset and starts the
// member at 0 (where C puts every member of a union).
use bindings::{
    virtio_crypto_aead_create_session_req as AeadSessReq,
    virtio_crypto_aead_data_req as AeadDataReq, virtio_crypto_aead_para as AeadPara,
    virtio_crypto_aead_session_para as AeadSessPara,
    virtio_crypto_alg_chain_data_para as ChainPara,
    virtio_crypto_alg_chain_data_req as ChainDataReq,
    virtio_crypto_alg_chain_session_para as ChainSessPara,
    virtio_crypto_alg_chain_session_req as ChainSessReq, virtio_crypto_cipher_para as CipherPara,
    virtio_crypto_cipher_session_para as CipherSessPara,
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
const AEAD_SESS: usize = CTRL_U + offset_of!(AeadSessReq, para);
const CHAIN_SESS: usize = CTRL_U + offset_of!(SymSessReq, u) + offset_of!(ChainSessReq, para);
const CHAIN_SESS_CIPHER: usize = CHAIN_SESS + offset_of!(ChainSessPara, cipher_param);
const CHAIN_SESS_MAC: usize = CHAIN_SESS + offset_of!(ChainSessPara, u);
const MAC_SESS: usize = CTRL_U + offset_of!(MacSessReq, para);
const DESTROY_ID: usize = CTRL_U + offset_of!(DestroyReq, session_id);
const DATA_U: usize = offset_of!(DataReq, u);
const CIPHER_DATA: usize =
    DATA_U + offset_of!(SymDataReq, u) + offset_of!(bindings::virtio_crypto_cipher_data_req, para);
const CIPHER_DATA_OP_TYPE: usize = DATA_U + offset_of!(SymDataReq, op_type);
const HASH_DATA: usize = DATA_U + offset_of!(HashDataReq, para);
const MAC_DATA: usize = DATA_U + offset_of!(MacDataReq, para) + offset_of!(MacPara, hash);
const AEAD_DATA: usize = DATA_U + offset_of!(AeadDataReq, para);
const CHAIN_DATA: usize = DATA_U + offset_of!(SymDataReq, u) + offset_of!(ChainDataReq, para);

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
        SessionKind::Aead { dir, tag_len } => hdr
            .put32(AEAD_SESS + offset_of!(AeadSessPara, algo), algo)
            .put32(AEAD_SESS + offset_of!(AeadSessPara, key_len), keylen)
            .put32(
                AEAD_SESS + offset_of!(AeadSessPara, hash_result_len),
                tag_len,
            )
            .put32(AEAD_SESS + offset_of!(AeadSessPara, op), dir.op()),
        SessionKind::Chain {
            dir,
            cipher_keylen,
            mac_algo,
            result_len,
        } => hdr
            .put32(
                CHAIN_SESS + offset_of!(ChainSessPara, alg_chain_order),
                match dir {
                    Direction::Encrypt => {
                        bindings::VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER_CIPHER_THEN_HASH
                    }
                    Direction::Decrypt => {
                        bindings::VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER_HASH_THEN_CIPHER
                    }
                },
            )
            .put32(
                CHAIN_SESS + offset_of!(ChainSessPara, hash_mode),
                bindings::VIRTIO_CRYPTO_SYM_HASH_MODE_AUTH,
            )
            .put32(CHAIN_SESS_CIPHER + offset_of!(CipherSessPara, algo), algo)
            .put32(
                CHAIN_SESS_CIPHER + offset_of!(CipherSessPara, keylen),
                cipher_keylen,
            )
            .put32(CHAIN_SESS_CIPHER + offset_of!(CipherSessPara, op), dir.op())
            .put32(CHAIN_SESS_MAC + offset_of!(MacSessPara, algo), mac_algo)
            .put32(
                CHAIN_SESS_MAC + offset_of!(MacSessPara, hash_result_len),
                result_len,
            )
            .put32(
                CHAIN_SESS_MAC + offset_of!(MacSessPara, auth_key_len),
                keylen.saturating_sub(cipher_keylen),
            )
            .put32(
                CIPHER_SESS_OP_TYPE,
                bindings::VIRTIO_CRYPTO_SYM_OP_ALGORITHM_CHAINING,
            ),
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

/// `virtio_crypto_op_data_req` for an AEAD operation (`AEAD_ENCRYPT`/`AEAD_DECRYPT`):
/// `aead_req.para {iv_len, aad_len, src_data_len, dst_data_len}`.
pub(crate) fn aead_data_req(
    opcode: u32,
    algo: u32,
    session_id: u64,
    iv_len: u32,
    aad_len: u32,
    src_len: u32,
    dst_len: u32,
) -> [u8; HDR_LEN] {
    Hdr::new()
        .put32(offset_of!(DataReq, header.opcode), opcode)
        .put32(offset_of!(DataReq, header.algo), algo)
        .put64(offset_of!(DataReq, header.session_id), session_id)
        .put32(AEAD_DATA + offset_of!(AeadPara, iv_len), iv_len)
        .put32(AEAD_DATA + offset_of!(AeadPara, aad_len), aad_len)
        .put32(AEAD_DATA + offset_of!(AeadPara, src_data_len), src_len)
        .put32(AEAD_DATA + offset_of!(AeadPara, dst_data_len), dst_len)
        .0
}

/// `virtio_crypto_op_data_req` for a chained cipher and MAC over the whole source of `len`
/// bytes (`CIPHER_ENCRYPT`/`CIPHER_DECRYPT` with `op_type` ALGORITHM_CHAINING): the device
/// ciphers and MACs `src` entirely, the MAC also covering the `aad_len` bytes of AAD first,
/// and writes `result_len` bytes of MAC after the destination.
pub(crate) fn chain_data_req(
    opcode: u32,
    algo: u32,
    session_id: u64,
    iv_len: u32,
    len: u32,
    aad_len: u32,
    result_len: u32,
) -> [u8; HDR_LEN] {
    Hdr::new()
        .put32(offset_of!(DataReq, header.opcode), opcode)
        .put32(offset_of!(DataReq, header.algo), algo)
        .put64(offset_of!(DataReq, header.session_id), session_id)
        .put32(CHAIN_DATA + offset_of!(ChainPara, iv_len), iv_len)
        .put32(CHAIN_DATA + offset_of!(ChainPara, src_data_len), len)
        .put32(CHAIN_DATA + offset_of!(ChainPara, dst_data_len), len)
        .put32(
            CHAIN_DATA + offset_of!(ChainPara, cipher_start_src_offset),
            0,
        )
        .put32(CHAIN_DATA + offset_of!(ChainPara, len_to_cipher), len)
        .put32(CHAIN_DATA + offset_of!(ChainPara, hash_start_src_offset), 0)
        .put32(CHAIN_DATA + offset_of!(ChainPara, len_to_hash), len)
        .put32(CHAIN_DATA + offset_of!(ChainPara, aad_len), aad_len)
        .put32(
            CHAIN_DATA + offset_of!(ChainPara, hash_result_len),
            result_len,
        )
        .put32(
            CIPHER_DATA_OP_TYPE,
            bindings::VIRTIO_CRYPTO_SYM_OP_ALGORITHM_CHAINING,
        )
        .0
}

/// The offsets of revision 0, as the specification lists them: the bindgen view and the
/// specification must agree.
const _: () = {
    assert!(CIPHER_SESS == 16 && CIPHER_SESS_OP_TYPE == 64 && MAC_SESS == 16);
    assert!(DESTROY_ID == 16 && CIPHER_DATA == 24 && CIPHER_DATA_OP_TYPE == 64);
    assert!(HASH_DATA == 24 && MAC_DATA == 24);
    assert!(AEAD_SESS == 16 && CHAIN_SESS == 16 && CHAIN_SESS_CIPHER == 24);
    assert!(CHAIN_SESS_MAC == 40 && AEAD_DATA == 24 && CHAIN_DATA == 24);
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
