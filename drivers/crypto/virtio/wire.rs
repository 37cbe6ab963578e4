// SPDX-License-Identifier: GPL-2.0

//! The device's wire formats: request headers as little-endian bytes, each field at the
//! offset the bindgen structure of the header gives it, and the status codes the device
//! returns.
//!
//! Three formats, chosen by the negotiated features ([`Format`]):
//! - revision 0 (`include/uapi/linux/virtio_crypto.h`): every control request's fixed part
//!   padded to 56 bytes, every data request's to 48 (`virtio_crypto_op_ctrl_req`,
//!   `virtio_crypto_op_data_req`);
//! - revision 1: the same structures without the padding, and the data header's `flag`
//!   says session mode;
//! - revision 1 with a service's STATELESS_MODE: that service's data requests, in either
//!   mode, have the stateless structures (`include/virtio_crypto_rs.h`), whose `sess_para`
//!   names the algorithm and key a stateless request carries.

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
/// The operation of every `*_DESTROY_SESSION` opcode but AKCIPHER's.
const DESTROY: u32 = 0x03;
const MAC_OP: u32 = opcode(MAC, 0x00);

/// Size of `struct virtio_crypto_op_ctrl_req` and `struct virtio_crypto_op_data_req`: the
/// longest control request header, and the revision-0 data request header.
pub(crate) const HDR_LEN: usize = 72;
const _: () = assert!(size_of::<CtrlReq>() == HDR_LEN);
const _: () = assert!(size_of::<DataReq>() == HDR_LEN);
/// The longest data request header: a stateless symmetric request's.
pub(crate) const DATA_HDR_MAX: usize =
    size_of::<bindings::vcrs_op_header_rev1>() + size_of::<bindings::vcrs_sym_data_flf_stateless>();
/// Size of `struct virtio_crypto_session_input`.
pub(crate) const SESSION_INPUT_LEN: usize = 16;
const _: () = assert!(size_of::<bindings::virtio_crypto_session_input>() == SESSION_INPUT_LEN);
/// Offsets in `struct virtio_crypto_session_input`.
pub(crate) const SESSION_ID_AT: usize =
    offset_of!(bindings::virtio_crypto_session_input, session_id);
pub(crate) const SESSION_STATUS_AT: usize =
    offset_of!(bindings::virtio_crypto_session_input, status);

/// A request header of at most `N` bytes, `len` of which go to the device.
#[derive(Clone, Copy)]
pub(crate) struct Header<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

/// A control request's header and fixed-length part.
pub(crate) type CtrlHdr = Header<HDR_LEN>;
/// A data request's header and fixed-length part.
pub(crate) type DataHdr = Header<DATA_HDR_MAX>;

impl<const N: usize> Header<N> {
    /// `len` zero bytes (at most `N`).
    const fn new(len: usize) -> Self {
        Self {
            bytes: [0; N],
            len: if len < N { len } else { N },
        }
    }
    fn put32(mut self, offset: usize, v: u32) -> Self {
        self.set32(offset, v);
        self
    }
    fn put64(mut self, offset: usize, v: u64) -> Self {
        self.set64(offset, v);
        self
    }
    fn set32(&mut self, offset: usize, v: u32) {
        if let Some(b) = self.bytes.get_mut(offset..offset + 4) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }
    fn set64(&mut self, offset: usize, v: u64) {
        if let Some(b) = self.bytes.get_mut(offset..offset + 8) {
            b.copy_from_slice(&v.to_le_bytes());
        }
    }
    /// The bytes the device reads.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl<const N: usize> Default for Header<N> {
    fn default() -> Self {
        Self::new(0)
    }
}

/// The request formats of the features the driver and the device agreed on.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Format {
    /// `VIRTIO_CRYPTO_F_REVISION_1`: fixed-length parts without padding, the data header's
    /// `flag`, `NOSPC` from session creation.
    pub(crate) rev1: bool,
    /// The services (bit `VIRTIO_CRYPTO_SERVICE_*`) whose STATELESS_MODE was agreed.
    pub(crate) stateless: u32,
}

impl Format {
    /// Whether the data requests of `service` have the stateless structures (in either
    /// mode) and may carry their key.
    pub(crate) fn stateless(self, service: u32) -> bool {
        self.rev1 && service < 32 && self.stateless & (1 << service) != 0
    }

    /// The feature bit of `service`'s stateless mode.
    pub(crate) const fn stateless_feature(service: u32) -> u32 {
        service + bindings::VCRS_CRYPTO_F_CIPHER_STATELESS_MODE
    }

    /// Size of a control request's header and fixed-length part.
    fn ctrl_len(self, opcode: u32) -> usize {
        if !self.rev1 {
            return HDR_LEN;
        }
        // Revision 1's structures are revision 0's union members without the padding.
        let flf = match (opcode >> 8, opcode & 0xff) {
            (_, DESTROY) => size_of::<u64>(),
            (CIPHER, _) => size_of::<SymSessReq>(),
            // The uapi structure pads the specification's 8 bytes to 16.
            (HASH, _) => offset_of!(HashSessPara, padding),
            (MAC, _) => size_of::<MacSessPara>(),
            _ => size_of::<AeadSessPara>(),
        };
        CTRL_U + flf
    }

    /// Size of a data request's header and fixed-length part.
    fn data_len(self, service: u32) -> usize {
        let flf = if self.stateless(service) {
            match service {
                CIPHER => size_of::<bindings::vcrs_sym_data_flf_stateless>(),
                HASH => size_of::<bindings::vcrs_hash_data_flf_stateless>(),
                MAC => size_of::<bindings::vcrs_mac_data_flf_stateless>(),
                _ => size_of::<bindings::vcrs_aead_data_flf_stateless>(),
            }
        } else if self.rev1 {
            match service {
                CIPHER => size_of::<SymDataReq>(),
                HASH | MAC => size_of::<HashPara>(),
                _ => size_of::<bindings::vcrs_aead_data_flf>(),
            }
        } else {
            HDR_LEN - DATA_U
        };
        DATA_U + flf
    }
}

/// How a data request names its key at a submission.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keying {
    /// The device's session of this id.
    Session(u64),
    /// The key (of `key_len` bytes) follows the header; `sess_para` says what it is.
    Stateless,
}

/// Writes into `hdr` how the request names its key (`keying`): a session's id, or the
/// parameters of the session kind `kind` of `algo` with a key of `key_len` bytes
/// (`sess_para` of the stateless structures, written in session mode too, where the device
/// ignores it); and, in revision 1, the mode `flag` and an AEAD session's tag length.
pub(crate) fn set_keying(
    hdr: &mut DataHdr,
    format: Format,
    kind: SessionKind,
    algo: u32,
    key_len: u32,
    keying: Keying,
) {
    let (id, flag) = match keying {
        Keying::Session(id) => (id, bindings::VCRS_CRYPTO_FLAG_SESSION_MODE),
        Keying::Stateless => (0, 0),
    };
    hdr.set64(offset_of!(DataReq, header.session_id), id);
    if format.rev1 {
        hdr.set32(offset_of!(bindings::vcrs_op_header_rev1, flag), flag);
    }
    let stateless = format.stateless(kind.service());
    match kind {
        SessionKind::Cipher(dir) if stateless => {
            hdr.set32(SL_CIPHER + offset_of!(SlCipher, sess_para.algo), algo);
            hdr.set32(SL_CIPHER + offset_of!(SlCipher, sess_para.key_len), key_len);
            hdr.set32(SL_CIPHER + offset_of!(SlCipher, sess_para.op), dir.op());
        }
        SessionKind::Chain {
            dir,
            cipher_keylen,
            mac_algo,
            ..
        } if stateless => {
            hdr.set32(
                SL_CHAIN + offset_of!(SlChain, sess_para.alg_chain_order),
                dir.chain_order(),
            );
            hdr.set32(SL_CHAIN + offset_of!(SlChain, sess_para.cipher.algo), algo);
            hdr.set32(
                SL_CHAIN + offset_of!(SlChain, sess_para.cipher.key_len),
                cipher_keylen,
            );
            hdr.set32(
                SL_CHAIN + offset_of!(SlChain, sess_para.cipher.op),
                dir.op(),
            );
            hdr.set32(
                SL_CHAIN + offset_of!(SlChain, sess_para.hash.algo),
                mac_algo,
            );
            hdr.set32(
                SL_CHAIN + offset_of!(SlChain, sess_para.hash.auth_key_len),
                key_len.saturating_sub(cipher_keylen),
            );
            hdr.set32(
                SL_CHAIN + offset_of!(SlChain, sess_para.hash.hash_mode),
                bindings::VIRTIO_CRYPTO_SYM_HASH_MODE_AUTH,
            );
        }
        SessionKind::Hash if stateless => {
            hdr.set32(SL_HASH + offset_of!(SlHash, sess_para.algo), algo);
        }
        SessionKind::Mac if stateless => {
            hdr.set32(SL_MAC + offset_of!(SlMac, sess_para.algo), algo);
            hdr.set32(SL_MAC + offset_of!(SlMac, sess_para.auth_key_len), key_len);
        }
        SessionKind::Aead { dir, tag_len } if stateless => {
            hdr.set32(SL_AEAD + offset_of!(SlAead, sess_para.algo), algo);
            hdr.set32(SL_AEAD + offset_of!(SlAead, sess_para.key_len), key_len);
            hdr.set32(SL_AEAD + offset_of!(SlAead, sess_para.op), dir.op());
            hdr.set32(SL_AEAD + offset_of!(SlAead, tag_len), tag_len);
        }
        SessionKind::Aead { tag_len, .. } if format.rev1 => {
            hdr.set32(
                DATA_U + offset_of!(bindings::vcrs_aead_data_flf, tag_len),
                tag_len,
            );
        }
        _ => {}
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

    /// The order of a chained session: cipher then MAC on encryption, MAC then cipher on
    /// decryption (Linux's `authenc`).
    fn chain_order(self) -> u32 {
        match self {
            Self::Encrypt => bindings::VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER_CIPHER_THEN_HASH,
            Self::Decrypt => bindings::VIRTIO_CRYPTO_SYM_ALG_CHAIN_ORDER_HASH_THEN_CIPHER,
        }
    }
}

impl SessionKind {
    /// The service (`VIRTIO_CRYPTO_SERVICE_*`) of the session.
    pub(crate) fn service(self) -> u32 {
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

// The stateless structures' fixed-length parts, after the data header.
use bindings::{
    vcrs_aead_data_flf_stateless as SlAead, vcrs_alg_chain_data_flf_stateless as SlChain,
    vcrs_cipher_data_flf_stateless as SlCipher, vcrs_hash_data_flf_stateless as SlHash,
    vcrs_mac_data_flf_stateless as SlMac,
};
const SL_CIPHER: usize = DATA_U;
const SL_CHAIN: usize = DATA_U;
const SL_OP_TYPE: usize = DATA_U + offset_of!(bindings::vcrs_sym_data_flf_stateless, op_type);
const SL_HASH: usize = DATA_U;
const SL_MAC: usize = DATA_U;
const SL_AEAD: usize = DATA_U;

/// `virtio_crypto_op_ctrl_req` creating a session of `kind` for `algo` with a key of
/// `keylen` bytes (cipher and MAC), in `format`.
pub(crate) fn create_session(format: Format, kind: SessionKind, algo: u32, keylen: u32) -> CtrlHdr {
    let opcode = opcode(kind.service(), 0x02);
    let hdr = CtrlHdr::new(format.ctrl_len(opcode))
        .put32(offset_of!(CtrlReq, header.opcode), opcode)
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
                dir.chain_order(),
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
}

/// `virtio_crypto_op_ctrl_req` destroying a session, in `format`.
pub(crate) fn destroy_session(
    format: Format,
    kind: SessionKind,
    algo: u32,
    session_id: u64,
) -> CtrlHdr {
    let opcode = opcode(kind.service(), DESTROY);
    CtrlHdr::new(format.ctrl_len(opcode))
        .put32(offset_of!(CtrlReq, header.opcode), opcode)
        .put32(offset_of!(CtrlReq, header.algo), algo)
        .put64(DESTROY_ID, session_id)
}

/// A data request header of `service` in `format`: `{opcode, algo}`; the queue writes how
/// the request names its key at every submission ([`set_keying`]).
fn data_hdr(format: Format, opcode: u32, algo: u32) -> DataHdr {
    DataHdr::new(format.data_len(opcode >> 8))
        .put32(offset_of!(DataReq, header.opcode), opcode)
        .put32(offset_of!(DataReq, header.algo), algo)
}

/// A cipher request (`CIPHER_ENCRYPT`/`CIPHER_DECRYPT`) over `len` bytes with an IV of
/// `iv_len`: `{iv_len, src_data_len, dst_data_len}` and `op_type`.
pub(crate) fn cipher_data_req(
    format: Format,
    opcode: u32,
    algo: u32,
    iv_len: u32,
    len: u32,
) -> DataHdr {
    let hdr = data_hdr(format, opcode, algo);
    if format.stateless(CIPHER) {
        hdr.put32(SL_CIPHER + offset_of!(SlCipher, iv_len), iv_len)
            .put32(SL_CIPHER + offset_of!(SlCipher, src_data_len), len)
            .put32(SL_CIPHER + offset_of!(SlCipher, dst_data_len), len)
            .put32(SL_OP_TYPE, bindings::VIRTIO_CRYPTO_SYM_OP_CIPHER)
    } else {
        hdr.put32(CIPHER_DATA + offset_of!(CipherPara, iv_len), iv_len)
            .put32(CIPHER_DATA + offset_of!(CipherPara, src_data_len), len)
            .put32(CIPHER_DATA + offset_of!(CipherPara, dst_data_len), len)
            .put32(CIPHER_DATA_OP_TYPE, bindings::VIRTIO_CRYPTO_SYM_OP_CIPHER)
    }
}

/// A hash (`mac` false) or MAC request over `len` bytes, with a result of `result_len`
/// bytes.
pub(crate) fn digest_data_req(
    format: Format,
    mac: bool,
    algo: u32,
    len: u32,
    result_len: u32,
) -> DataHdr {
    let (opcode, service) = if mac { (MAC_OP, MAC) } else { (HASH_OP, HASH) };
    let hdr = data_hdr(format, opcode, algo);
    let (src_at, result_at) = match (format.stateless(service), mac) {
        (true, false) => (
            SL_HASH + offset_of!(SlHash, src_data_len),
            SL_HASH + offset_of!(SlHash, hash_result_len),
        ),
        (true, true) => (
            SL_MAC + offset_of!(SlMac, src_data_len),
            SL_MAC + offset_of!(SlMac, hash_result_len),
        ),
        (false, _) => {
            let para = if mac { MAC_DATA } else { HASH_DATA };
            (
                para + offset_of!(HashPara, src_data_len),
                para + offset_of!(HashPara, hash_result_len),
            )
        }
    };
    hdr.put32(src_at, len).put32(result_at, result_len)
}

/// An AEAD request (`AEAD_ENCRYPT`/`AEAD_DECRYPT`): `{iv_len, aad_len, src_data_len,
/// dst_data_len}` (the tag length comes with the session, [`set_keying`]).
pub(crate) fn aead_data_req(
    format: Format,
    opcode: u32,
    algo: u32,
    iv_len: u32,
    aad_len: u32,
    src_len: u32,
    dst_len: u32,
) -> DataHdr {
    let hdr = data_hdr(format, opcode, algo);
    if format.stateless(AEAD) {
        hdr.put32(SL_AEAD + offset_of!(SlAead, iv_len), iv_len)
            .put32(SL_AEAD + offset_of!(SlAead, aad_len), aad_len)
            .put32(SL_AEAD + offset_of!(SlAead, src_data_len), src_len)
            .put32(SL_AEAD + offset_of!(SlAead, dst_data_len), dst_len)
    } else {
        hdr.put32(AEAD_DATA + offset_of!(AeadPara, iv_len), iv_len)
            .put32(AEAD_DATA + offset_of!(AeadPara, aad_len), aad_len)
            .put32(AEAD_DATA + offset_of!(AeadPara, src_data_len), src_len)
            .put32(AEAD_DATA + offset_of!(AeadPara, dst_data_len), dst_len)
    }
}

/// A chained cipher and MAC over the whole source of `len` bytes (`CIPHER_ENCRYPT`/
/// `CIPHER_DECRYPT` with `op_type` ALGORITHM_CHAINING): the device ciphers and MACs `src`
/// entirely, the MAC also covering the `aad_len` bytes of AAD first, and writes
/// `result_len` bytes of MAC after the destination. In the stateless structures the AAD
/// comes before the source ([`aad_first`]).
pub(crate) fn chain_data_req(
    format: Format,
    opcode: u32,
    algo: u32,
    iv_len: u32,
    len: u32,
    aad_len: u32,
    result_len: u32,
) -> DataHdr {
    let hdr = data_hdr(format, opcode, algo);
    // The stateless structure has the session one's fields after its `sess_para`.
    let (hdr, at, op_type_at) = if format.stateless(CIPHER) {
        let aad_at = SL_CHAIN + offset_of!(SlChain, sess_para.aad_len);
        let at = SL_CHAIN + offset_of!(SlChain, iv_len);
        (hdr.put32(aad_at, aad_len), at, SL_OP_TYPE)
    } else {
        (hdr, CHAIN_DATA, CIPHER_DATA_OP_TYPE)
    };
    chain_lengths(hdr, at, op_type_at, iv_len, len, aad_len, result_len)
}

/// The lengths of a chained request, at `at` (the `iv_len` of a chain structure).
fn chain_lengths(
    hdr: DataHdr,
    at: usize,
    op_type_at: usize,
    iv_len: u32,
    len: u32,
    aad_len: u32,
    result_len: u32,
) -> DataHdr {
    const _: () = {
        assert!(
            offset_of!(SlChain, reserved) - offset_of!(SlChain, iv_len)
                == offset_of!(ChainPara, reserved)
        );
    };
    hdr.put32(at + offset_of!(ChainPara, iv_len), iv_len)
        .put32(at + offset_of!(ChainPara, src_data_len), len)
        .put32(at + offset_of!(ChainPara, dst_data_len), len)
        .put32(at + offset_of!(ChainPara, cipher_start_src_offset), 0)
        .put32(at + offset_of!(ChainPara, len_to_cipher), len)
        .put32(at + offset_of!(ChainPara, hash_start_src_offset), 0)
        .put32(at + offset_of!(ChainPara, len_to_hash), len)
        .put32(at + offset_of!(ChainPara, aad_len), aad_len)
        .put32(at + offset_of!(ChainPara, hash_result_len), result_len)
        .put32(
            op_type_at,
            bindings::VIRTIO_CRYPTO_SYM_OP_ALGORITHM_CHAINING,
        )
}

/// Whether a chained request's AAD goes before its source (the stateless structures) or
/// after it (the session ones).
pub(crate) fn aad_first(format: Format) -> bool {
    format.stateless(CIPHER)
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

/// The stateless structures' offsets, and revision 1's sizes, as the specification lists
/// them.
const _: () = {
    assert!(size_of::<SymSessReq>() == 56 && offset_of!(HashSessPara, padding) == 8);
    assert!(size_of::<MacSessPara>() == 16 && size_of::<AeadSessPara>() == 24);
    assert!(size_of::<SymDataReq>() == 48 && size_of::<HashPara>() == 8);
    assert!(size_of::<bindings::vcrs_aead_data_flf>() == 24);
    assert!(size_of::<bindings::vcrs_op_header_rev1>() == DATA_U && DATA_U == 24);
    assert!(SL_OP_TYPE == 24 + 72 && DATA_HDR_MAX == 24 + 76);
    assert!(offset_of!(SlChain, iv_len) == 32 && offset_of!(SlAead, iv_len) == 12);
    assert!(size_of::<SlHash>() == 16 && size_of::<SlMac>() == 16 && size_of::<SlAead>() == 32);
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
