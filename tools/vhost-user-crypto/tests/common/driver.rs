// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! A minimal guest driver: one call per crypto operation, sent as real
//! control and data requests in any of the four request layouts, so that a
//! known-answer vector goes through every path of the request parser.
//!
//! Session modes create a session for the call and destroy it afterwards
//! (both checked); stateless mode carries the parameters and keys in the
//! data request itself.

use vhost_user_crypto::config::DeviceSettings;
use vhost_user_crypto::wire;

use super::build::{
    aead_session, chain_session, cipher_session, data_header, destroy, hash_session, mac_session, Chain, Fields,
};
use super::{Harness, LEGACY, OK, REV1, STATELESS};

/// The request layout, and with it the features the driver negotiated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// VERSION_1 only: session mode, 56-byte control and 48-byte data
    /// fixed parts (the Linux uapi unions).
    Legacy,
    /// REVISION_1 session mode: the exact struct sizes.
    Rev1,
    /// Every stateless bit negotiated, request in session mode: the
    /// stateless layout, whose `sess_para` the device must ignore (the
    /// driver fills it with garbage) and no keys in the variable part.
    SessionStatelessLayout,
    /// Stateless request: parameters and keys travel in the data request.
    Stateless,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Legacy, Mode::Rev1, Mode::SessionStatelessLayout, Mode::Stateless];

    pub fn features(self) -> u64 {
        match self {
            Mode::Legacy => LEGACY,
            Mode::Rev1 => REV1,
            Mode::SessionStatelessLayout | Mode::Stateless => STATELESS,
        }
    }

    /// Control `op_flf` size: 56 before REVISION_1, else the struct size.
    pub fn ctrl_flf(self, rev1_len: usize) -> usize {
        if self == Mode::Legacy {
            wire::CTRL_FLF_LEGACY_LEN
        } else {
            rev1_len
        }
    }

    fn stateless_layout(self) -> bool {
        matches!(self, Mode::SessionStatelessLayout | Mode::Stateless)
    }
}

/// Direction of a cipher, chain or AEAD operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Encrypt,
    Decrypt,
}

impl Dir {
    /// `VIRTIO_CRYPTO_OP_*` of the session parameters.
    pub fn op(self) -> u32 {
        match self {
            Dir::Encrypt => wire::OP_ENCRYPT,
            Dir::Decrypt => wire::OP_DECRYPT,
        }
    }
    fn cipher_opcode(self) -> u32 {
        match self {
            Dir::Encrypt => wire::CIPHER_ENCRYPT,
            Dir::Decrypt => wire::CIPHER_DECRYPT,
        }
    }
    fn aead_opcode(self) -> u32 {
        match self {
            Dir::Encrypt => wire::AEAD_ENCRYPT,
            Dir::Decrypt => wire::AEAD_DECRYPT,
        }
    }
}

/// A cipher and its key.
#[derive(Clone, Copy, Debug)]
pub struct Cipher<'a> {
    pub algo: u32,
    pub key: &'a [u8],
}

/// An AEAD algorithm, its key and its tag length.
#[derive(Clone, Copy, Debug)]
pub struct Aead<'a> {
    pub algo: u32,
    pub key: &'a [u8],
    pub tag_len: u32,
}

/// The variable part of a chain request: regions are (offset, length)
/// inside `src`.
#[derive(Clone, Copy, Debug)]
pub struct ChainData<'a> {
    pub iv: &'a [u8],
    pub src: &'a [u8],
    pub aad: &'a [u8],
    pub cipher: (u32, u32),
    pub hash: (u32, u32),
}

/// A device under test with the features of `mode`.
pub struct Driver {
    pub h: Harness,
    pub mode: Mode,
}

/// Runs `f` once per request layout, each on a fresh device.
pub fn each_mode(mut f: impl FnMut(&Driver)) {
    for mode in Mode::ALL {
        f(&Driver::new(mode));
    }
}

/// Filler for the `sess_para` of session-mode requests in the stateless
/// layout: the device must not look at it.
const IGNORED: u32 = 0xeeee_eeee;

impl Driver {
    pub fn new(mode: Mode) -> Self {
        Self::with_settings(mode, DeviceSettings::default())
    }

    pub fn with_settings(mode: Mode, settings: DeviceSettings) -> Self {
        Driver {
            h: Harness::with_settings(settings, mode.features()),
            mode,
        }
    }

    /// A session for the call, unless the request is stateless.
    fn open(&self, create: impl FnOnce() -> Vec<u8>) -> Option<u64> {
        (self.mode != Mode::Stateless).then(|| self.h.create(create()))
    }

    fn close(&self, session: Option<u64>, destroy_opcode: u32) {
        if let Some(id) = session {
            let r = self.h.control(destroy(destroy_opcode, id, self.mode.ctrl_flf(8)), 1);
            assert_eq!(r.written[0], OK, "destroy session {id} ({:?})", self.mode);
        }
    }

    /// Header with the session id and SESSION_MODE, or a stateless one.
    fn header(&self, opcode: u32, session: Option<u64>) -> Fields {
        match session {
            Some(id) => data_header(opcode, id, wire::FLAG_SESSION_MODE),
            None => data_header(opcode, 0, 0),
        }
    }

    /// `sess_para` of a stateless layout: the values for a stateless
    /// request, garbage in session mode.
    fn sess_para(&self, session: Option<u64>, values: &[u32]) -> Fields {
        match session {
            None => Fields::default().u32s(values),
            Some(_) => Fields::default().u32s(&vec![IGNORED; values.len()]),
        }
    }

    /// The variable part: keys first in stateless requests only.
    fn vlf(&self, session: Option<u64>, keys: &[&[u8]], rest: &[&[u8]]) -> Vec<u8> {
        let keys = if session.is_none() { keys.concat() } else { Vec::new() };
        [keys, rest.concat()].concat()
    }

    /// Encrypts or decrypts `src` (dst as long as src); (status, dst).
    pub fn cipher(&self, c: &Cipher, dir: Dir, iv: &[u8], src: &[u8]) -> (u8, Vec<u8>) {
        let session = self.open(|| cipher_session(c.algo, dir.op(), c.key));
        let out = self
            .h
            .data(self.cipher_request(c, dir, session, iv, src), src.len() as u32);
        self.close(session, wire::CIPHER_DESTROY_SESSION);
        out
    }

    /// The data request of [`Driver::cipher`] in this layout; stateless
    /// when `session` is `None`.
    pub fn cipher_request(&self, c: &Cipher, dir: Dir, session: Option<u64>, iv: &[u8], src: &[u8]) -> Vec<u8> {
        let n = src.len() as u32;
        let lens = [iv.len() as u32, n, n];
        let flf = if self.mode.stateless_layout() {
            self.sess_para(session, &[c.algo, c.key.len() as u32, dir.op()])
                .u32s(&lens)
                .pad_to(72)
                .u32(wire::SYM_OP_CIPHER)
        } else {
            Fields::default().u32s(&lens).pad_to(40).u32s(&[wire::SYM_OP_CIPHER, 0])
        };
        let vlf = self.vlf(session, &[c.key], &[iv, src]);
        self.header(dir.cipher_opcode(), session)
            .bytes(&flf.0)
            .bytes(&vlf)
            .done()
    }

    /// Hashes `msg` into `result_len` bytes; (status, digest).
    pub fn hash(&self, algo: u32, msg: &[u8], result_len: u32) -> (u8, Vec<u8>) {
        let session = self.open(|| hash_session(algo, result_len, self.mode.ctrl_flf(8)));
        let out = self
            .h
            .data(self.hash_request(algo, session, msg, result_len), result_len);
        self.close(session, wire::HASH_DESTROY_SESSION);
        out
    }

    /// The data request of [`Driver::hash`].
    pub fn hash_request(&self, algo: u32, session: Option<u64>, msg: &[u8], result_len: u32) -> Vec<u8> {
        let lens = [msg.len() as u32, result_len];
        let flf = match self.mode {
            Mode::Legacy => Fields::default().u32s(&lens).pad_to(wire::DATA_FLF_LEGACY_LEN),
            Mode::Rev1 => Fields::default().u32s(&lens),
            _ => self.sess_para(session, &[algo]).u32s(&lens).u32(0),
        };
        self.header(wire::HASH, session).bytes(&flf.0).bytes(msg).done()
    }

    /// MAC of `msg` in `result_len` bytes; (status, mac).
    pub fn mac(&self, algo: u32, key: &[u8], msg: &[u8], result_len: u32) -> (u8, Vec<u8>) {
        let session = self.open(|| mac_session(algo, result_len, key, self.mode.ctrl_flf(16)));
        let out = self
            .h
            .data(self.mac_request(algo, key, session, msg, result_len), result_len);
        self.close(session, wire::MAC_DESTROY_SESSION);
        out
    }

    /// The data request of [`Driver::mac`].
    pub fn mac_request(&self, algo: u32, key: &[u8], session: Option<u64>, msg: &[u8], result_len: u32) -> Vec<u8> {
        let lens = [msg.len() as u32, result_len];
        let flf = match self.mode {
            Mode::Legacy => Fields::default().u32s(&lens).pad_to(wire::DATA_FLF_LEGACY_LEN),
            Mode::Rev1 => Fields::default().u32s(&lens),
            _ => self.sess_para(session, &[algo, key.len() as u32]).u32s(&lens),
        };
        let vlf = self.vlf(session, &[key], &[msg]);
        self.header(wire::MAC, session).bytes(&flf.0).bytes(&vlf).done()
    }

    /// Seals (`src` is the plaintext, the output `ciphertext || tag`) or
    /// opens (`src` is `ciphertext || tag`); (status, output area).
    pub fn aead(&self, a: &Aead, dir: Dir, iv: &[u8], aad: &[u8], src: &[u8]) -> (u8, Vec<u8>) {
        let session = self.open(|| aead_session(a.algo, dir.op(), a.tag_len, a.key, self.mode.ctrl_flf(24)));
        let dst = Self::aead_dst_len(a, dir, src);
        let out = self.h.data(self.aead_request(a, dir, session, iv, aad, src), dst);
        self.close(session, wire::AEAD_DESTROY_SESSION);
        out
    }

    /// The output length of an AEAD request.
    pub fn aead_dst_len(a: &Aead, dir: Dir, src: &[u8]) -> u32 {
        match dir {
            Dir::Encrypt => src.len() as u32 + a.tag_len,
            Dir::Decrypt => (src.len() as u32).saturating_sub(a.tag_len),
        }
    }

    /// The data request of [`Driver::aead`].
    pub fn aead_request(&self, a: &Aead, dir: Dir, session: Option<u64>, iv: &[u8], aad: &[u8], src: &[u8]) -> Vec<u8> {
        let dst = Self::aead_dst_len(a, dir, src);
        let (iv_len, aad_len, src_len) = (iv.len() as u32, aad.len() as u32, src.len() as u32);
        let flf = match self.mode {
            // Revision 0 has no tag_len: the session's applies.
            Mode::Legacy => Fields::default()
                .u32s(&[iv_len, aad_len, src_len, dst])
                .pad_to(wire::DATA_FLF_LEGACY_LEN),
            Mode::Rev1 => Fields::default().u32s(&[iv_len, aad_len, src_len, dst, a.tag_len, 0]),
            _ => self
                .sess_para(session, &[a.algo, a.key.len() as u32, dir.op()])
                .u32s(&[iv_len, a.tag_len, aad_len, src_len, dst]),
        };
        let vlf = self.vlf(session, &[a.key], &[iv, src, aad]);
        self.header(dir.aead_opcode(), session).bytes(&flf.0).bytes(&vlf).done()
    }

    /// Algorithm chaining; dst is as long as src; (status, dst, digest).
    pub fn chain(&self, c: &Chain, dir: Dir, d: &ChainData) -> (u8, Vec<u8>, Vec<u8>) {
        let session = self.open(|| chain_session(c, dir.op()));
        let out_len = d.src.len() as u32 + c.result_len;
        let (st, mut dst) = self.h.data(self.chain_request(c, dir, session, d), out_len);
        let digest = dst.split_off(d.src.len());
        self.close(session, wire::CIPHER_DESTROY_SESSION);
        (st, dst, digest)
    }

    /// The data request of [`Driver::chain`].
    pub fn chain_request(&self, c: &Chain, dir: Dir, session: Option<u64>, d: &ChainData) -> Vec<u8> {
        let n = d.src.len() as u32;
        let aad_len = d.aad.len() as u32;
        let lens = [
            d.iv.len() as u32,
            n,
            n,
            d.cipher.0,
            d.cipher.1,
            d.hash.0,
            d.hash.1,
            aad_len,
            c.result_len,
            0,
        ];
        let (flf, vlf) = if self.mode.stateless_layout() {
            let para = [
                c.order,
                aad_len,
                c.cipher_algo,
                c.cipher_key.len() as u32,
                dir.op(),
                c.auth_algo,
                c.auth_key.len() as u32,
                c.hash_mode,
            ];
            let flf = self
                .sess_para(session, &para)
                .u32s(&lens)
                .u32(wire::SYM_OP_ALGORITHM_CHAINING);
            // Stateless vlf: cipher key, auth key, iv, aad, src.
            let vlf = self.vlf(session, &[c.cipher_key, c.auth_key], &[d.iv, d.aad, d.src]);
            (flf, vlf)
        } else {
            let flf = Fields::default()
                .u32s(&lens)
                .u32s(&[wire::SYM_OP_ALGORITHM_CHAINING, 0]);
            (flf, [d.iv, d.src, d.aad].concat())
        };
        self.header(dir.cipher_opcode(), session)
            .bytes(&flf.0)
            .bytes(&vlf)
            .done()
    }
}
