// SPDX-License-Identifier: GPL-2.0

//! What the device's queues carry: data requests of every algorithm type, and the control
//! queue's request buffer. Both own the memory the device reads and writes while they are
//! on a queue.

use crate::{
    abstractions::{
        crypto::{AnyRequest, DeviceData, DeviceParts},
        secret::Secret,
        virtio::{Buffers, Either, Part, Parts},
    },
    wire::{CtrlHdr, DataHdr, SESSION_INPUT_LEN},
};
use kernel::prelude::*;

/// The largest IV of a cipher the driver serves.
pub(crate) const MAX_IV: usize = 16;
/// The largest digest of a hash or MAC the driver serves.
pub(crate) const MAX_DIGEST: usize = 64;

/// The driver's context of every data request, whatever its algorithm type: the DMA-safe
/// memory the device reads and writes besides the request's data.
///
/// Every field is plain data valid for any bit pattern.
#[derive(Clone, Copy)]
pub(crate) struct DataCtx {
    /// The request header. How it names its key (a session id, or the parameters of the
    /// key it carries) is written by the data queue at every submission, from `session`.
    pub(crate) hdr: DataHdr,
    /// The handle of the request's session in the device's session book.
    pub(crate) session: u64,
    /// The order of the request's last submission on its queue (recovery resubmits in
    /// this order).
    pub(crate) seq: u64,
    /// The device id of its session that the request last carried.
    pub(crate) sent_id: u64,
    /// 1 once the request was resubmitted after INVSESS (its session created again) or
    /// after the device refused it stateless: a second such answer is the device's answer.
    pub(crate) renewed: u8,
    /// The bytes of the transform's key the request carries at its last submission (0: it
    /// named a session).
    pub(crate) key_len: usize,
    /// 1: the request was stateless at its last submission.
    pub(crate) stateless: u8,
    /// 1: the device reads the AAD before the source (chained requests in the stateless
    /// structures).
    pub(crate) aad_first: u8,
    /// The used length the device gave a request parked for a device check.
    pub(crate) used: u32,
    /// The IV the device reads (ciphers), `iv_len` bytes of it.
    pub(crate) iv: [u8; MAX_IV],
    pub(crate) iv_len: usize,
    /// The digest the device writes (hashes, MACs), `result_len` bytes of it.
    pub(crate) result: [u8; MAX_DIGEST],
    pub(crate) result_len: usize,
    /// The status the device writes.
    pub(crate) status: [u8; 1],
    /// Algorithm-specific state kept across the request's life (e.g. a cipher's next IV).
    pub(crate) saved: [u8; MAX_IV],
    /// Algorithm-specific length kept across the request's life (e.g. the output length
    /// of an aead request).
    pub(crate) saved_len: usize,
    /// Algorithm-specific flags (e.g. the direction of a cipher request, the state of a
    /// hash request).
    pub(crate) flags: u32,
}

impl Default for DataCtx {
    fn default() -> Self {
        Self {
            hdr: DataHdr::default(),
            session: 0,
            seq: 0,
            sent_id: 0,
            renewed: 0,
            key_len: 0,
            stateless: 0,
            aad_first: 0,
            used: 0,
            iv: [0; MAX_IV],
            iv_len: 0,
            result: [0; MAX_DIGEST],
            result_len: 0,
            // Not a status the device sends: a device that writes none fails the request.
            status: [0xff],
            saved: [0; MAX_IV],
            saved_len: 0,
            flags: 0,
        }
    }
}

impl DeviceParts for DataCtx {
    /// Header, key (stateless requests) and IV, the data and AAD the device reads; the
    /// data it writes, the result and the status.
    fn parts<'a>(&'a mut self, data: DeviceData<'a>) -> Result<Parts<'a>> {
        let mut parts = Parts::new().out(Part::Buf(self.hdr.as_bytes()))?;
        if self.key_len > 0 {
            // The transform's key, which the request's header describes.
            parts = parts.out(Part::Shared(data.key.get(..self.key_len).ok_or(EINVAL)?))?;
        }
        if self.iv_len > 0 {
            parts = parts.out(Part::Buf(self.iv.get(..self.iv_len).ok_or(EINVAL)?))?;
        }
        // The specification puts the AAD after the source (AEAD and chaining requests),
        // except in the stateless chaining structure.
        let (first, second) = if self.aad_first != 0 {
            (data.aad, data.src)
        } else {
            (data.src, data.aad)
        };
        for list in [first, second].into_iter().flatten() {
            parts = parts.out(Part::List(list))?;
        }
        if let Some(dst) = data.dst {
            parts = parts.inn(Part::List(dst))?;
        }
        if self.result_len > 0 {
            let result = self.result.get_mut(..self.result_len).ok_or(EINVAL)?;
            parts = parts.inn(Part::BufMut(result))?;
        }
        parts.inn(Part::BufMut(&mut self.status))
    }
}

/// A data request of any algorithm type.
pub(crate) type DataRequest = AnyRequest<DataCtx>;

/// The largest key a session request carries: an authenc session's AES key (32 bytes)
/// and HMAC key (at most the hash's block size, 128 bytes; longer ones are hashed first).
pub(crate) const MAX_KEY: usize = 160;

/// The memory of one control request, shared with the device while in flight.
pub(crate) struct ControlBuf {
    pub(crate) hdr: CtrlHdr,
    /// The key of a session creation; wiped after every request and when the device goes.
    pub(crate) key: Secret<MAX_KEY>,
    pub(crate) key_len: usize,
    /// `virtio_crypto_session_input` for create, `virtio_crypto_inhdr` (first byte) for
    /// destroy.
    pub(crate) input: [u8; SESSION_INPUT_LEN],
    pub(crate) input_len: usize,
    pub(crate) used_len: u32,
}

impl ControlBuf {
    pub(crate) fn new() -> Self {
        Self {
            hdr: CtrlHdr::default(),
            key: Secret::new(),
            key_len: 0,
            input: [0; SESSION_INPUT_LEN],
            input_len: SESSION_INPUT_LEN,
            used_len: 0,
        }
    }
}

impl Buffers for ControlBuf {
    fn parts(&mut self) -> Result<Parts<'_>> {
        let mut parts = Parts::new().out(Part::Buf(self.hdr.as_bytes()))?;
        if self.key_len > 0 {
            parts = parts.out(Part::Buf(self.key.get(..self.key_len).ok_or(EINVAL)?))?;
        }
        let input = self.input.get_mut(..self.input_len).ok_or(EINVAL)?;
        parts.inn(Part::BufMut(input))
    }
}

/// What every queue of the device carries (data queues requests, the control queue its
/// buffer): one type, fixed at compile time.
pub(crate) type QueueItem = Either<DataRequest, KBox<ControlBuf>>;
