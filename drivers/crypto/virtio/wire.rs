// SPDX-License-Identifier: GPL-2.0

//! The device's wire formats (virtio crypto revision 0, `include/uapi/linux/virtio_crypto.h`):
//! request headers built as little-endian bytes at the specification's offsets, and the
//! status codes the device returns.

use crate::abstractions::bindings;
use core::mem::size_of;
use kernel::prelude::*;

/// `VIRTIO_CRYPTO_OPCODE(service, op)`: a function-like macro bindgen does not expand.
const fn opcode(service: u32, op: u32) -> u32 {
    service << 8 | op
}
const CIPHER: u32 = bindings::VIRTIO_CRYPTO_SERVICE_CIPHER;
pub(crate) const CIPHER_ENCRYPT: u32 = opcode(CIPHER, 0x00);
pub(crate) const CIPHER_DECRYPT: u32 = opcode(CIPHER, 0x01);
const CIPHER_CREATE_SESSION: u32 = opcode(CIPHER, 0x02);
const CIPHER_DESTROY_SESSION: u32 = opcode(CIPHER, 0x03);

/// Size of `struct virtio_crypto_op_ctrl_req` and `struct virtio_crypto_op_data_req`.
pub(crate) const HDR_LEN: usize = 72;
const _: () = assert!(size_of::<bindings::virtio_crypto_op_ctrl_req>() == HDR_LEN);
const _: () = assert!(size_of::<bindings::virtio_crypto_op_data_req>() == HDR_LEN);
/// Size of `struct virtio_crypto_session_input`.
pub(crate) const SESSION_INPUT_LEN: usize = 16;
const _: () = assert!(size_of::<bindings::virtio_crypto_session_input>() == SESSION_INPUT_LEN);

fn put32(buf: &mut [u8; HDR_LEN], offset: usize, v: u32) {
    buf[offset..offset + 4].copy_from_slice(&v.to_le_bytes());
}

fn put64(buf: &mut [u8; HDR_LEN], offset: usize, v: u64) {
    buf[offset..offset + 8].copy_from_slice(&v.to_le_bytes());
}

/// The direction of a cipher session (`VIRTIO_CRYPTO_OP_ENCRYPT`/`DECRYPT`).
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

/// `virtio_crypto_op_ctrl_req` creating a cipher session: header, then
/// `sym_create_session.u.cipher.para {algo, keylen, op}` and `op_type` at offset 64.
pub(crate) fn create_cipher_session(algo: u32, keylen: u32, dir: Direction) -> [u8; HDR_LEN] {
    let mut b = [0u8; HDR_LEN];
    put32(&mut b, 0, CIPHER_CREATE_SESSION);
    put32(&mut b, 4, algo);
    put32(&mut b, 16, algo);
    put32(&mut b, 20, keylen);
    put32(&mut b, 24, dir.op());
    put32(&mut b, 64, bindings::VIRTIO_CRYPTO_SYM_OP_CIPHER);
    b
}

/// `virtio_crypto_op_ctrl_req` destroying a cipher session.
pub(crate) fn destroy_cipher_session(algo: u32, session_id: u64) -> [u8; HDR_LEN] {
    let mut b = [0u8; HDR_LEN];
    put32(&mut b, 0, CIPHER_DESTROY_SESSION);
    put32(&mut b, 4, algo);
    put64(&mut b, 16, session_id);
    b
}

/// `virtio_crypto_op_data_req` for a cipher operation: header `{opcode, algo, session_id}`,
/// then `sym_req.u.cipher.para {iv_len, src_data_len, dst_data_len}` and `op_type`.
pub(crate) fn cipher_data_req(
    opcode: u32,
    algo: u32,
    session_id: u64,
    iv_len: u32,
    len: u32,
) -> [u8; HDR_LEN] {
    let mut b = [0u8; HDR_LEN];
    put32(&mut b, 0, opcode);
    put32(&mut b, 4, algo);
    put64(&mut b, 8, session_id);
    put32(&mut b, 24, iv_len);
    put32(&mut b, 28, len);
    put32(&mut b, 32, len);
    put32(&mut b, 64, bindings::VIRTIO_CRYPTO_SYM_OP_CIPHER);
    b
}

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
