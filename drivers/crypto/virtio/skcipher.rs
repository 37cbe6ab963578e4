// SPDX-License-Identifier: GPL-2.0

//! The skcipher algorithms: keys become device sessions (one per direction), requests go to
//! the transform's data queue.

use crate::{
    abstractions::crypto::skcipher::{Outcome, Request, Skcipher},
    algs::{CipherAlg, IvOut},
    control::MAX_KEY,
    device::CryptoDevice,
    registry,
    wire::{self, Direction, HDR_LEN},
};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::{prelude::*, sync::Arc};

/// The driver's implementation of the skcipher callbacks.
pub(crate) struct VirtioSkcipher;

/// Which algorithm a registration is.
pub(crate) struct AlgData {
    pub(crate) cipher: &'static CipherAlg,
}

/// A transform: the device it uses and its two sessions.
pub(crate) struct TfmCtx {
    device: Arc<CryptoDevice>,
    queue: usize,
    keyed: AtomicBool,
    enc: AtomicU64,
    dec: AtomicU64,
    algo: u32,
}

/// The DMA-safe part of a request: what the device reads and writes besides the data.
pub(crate) struct ReqCtx {
    pub(crate) hdr: [u8; HDR_LEN],
    pub(crate) iv: [u8; 16],
    pub(crate) iv_len: usize,
    pub(crate) status: [u8; 1],
    /// CBC decryption: the last ciphertext block, saved before an in-place operation
    /// overwrites it; it becomes the output IV.
    pub(crate) next_iv: [u8; 16],
    pub(crate) encrypt: bool,
    /// The caller was told `-EINPROGRESS` after a `-EBUSY`.
    pub(crate) notified: bool,
}

impl Default for ReqCtx {
    fn default() -> Self {
        Self {
            hdr: [0; HDR_LEN],
            iv: [0; 16],
            iv_len: 0,
            // Not a status the device sends: a device that writes none fails the request.
            status: [0xff],
            next_iv: [0; 16],
            encrypt: false,
            notified: false,
        }
    }
}

impl TfmCtx {
    fn destroy_sessions(&self) {
        if self.keyed.swap(false, Ordering::AcqRel) {
            for id in [
                self.enc.load(Ordering::Relaxed),
                self.dec.load(Ordering::Relaxed),
            ] {
                // A device that is gone has no session left to free.
                let _ = self.device.destroy_session(self.algo, id);
            }
        }
    }
}

impl Drop for TfmCtx {
    fn drop(&mut self) {
        self.destroy_sessions();
    }
}

impl Skcipher for VirtioSkcipher {
    type AlgData = AlgData;
    type TfmCtx = TfmCtx;
    type ReqCtx = ReqCtx;

    fn init(alg: &AlgData) -> Result<TfmCtx> {
        let device = registry::find_device(alg.cipher).ok_or(ENODEV)?;
        let queue = device.pick_queue();
        Ok(TfmCtx {
            device,
            queue,
            keyed: AtomicBool::new(false),
            enc: AtomicU64::new(0),
            dec: AtomicU64::new(0),
            algo: alg.cipher.algo,
        })
    }

    fn setkey(alg: &AlgData, tfm: &TfmCtx, key: &[u8]) -> Result {
        // Bad keys never reach the device.
        if !alg.cipher.key_ok(key.len())
            || key.len() > MAX_KEY
            || key.len() > tfm.device.config.max_cipher_key_len as usize
        {
            return Err(EINVAL);
        }
        tfm.destroy_sessions();
        let dev = &tfm.device;
        let enc = dev.create_session(alg.cipher.algo, key, Direction::Encrypt)?;
        let dec = match dev.create_session(alg.cipher.algo, key, Direction::Decrypt) {
            Ok(id) => id,
            Err(e) => {
                let _ = dev.destroy_session(alg.cipher.algo, enc);
                return Err(e);
            }
        };
        tfm.enc.store(enc, Ordering::Relaxed);
        tfm.dec.store(dec, Ordering::Relaxed);
        tfm.keyed.store(true, Ordering::Release);
        Ok(())
    }

    fn crypt(mut req: Request<Self>, encrypt: bool) -> Outcome<Self> {
        let cipher = req.alg_data().cipher;
        let len = req.cryptlen();
        // Length first: XTS refuses an empty request, like the xts template.
        if !cipher.len_ok(len) {
            return Outcome::Failed(EINVAL, req);
        }
        if len == 0 {
            return Outcome::Done(req);
        }
        let (session, queue) = {
            let tfm = req.tfm_ctx();
            if !tfm.keyed.load(Ordering::Acquire) {
                return Outcome::Failed(wire::errno(kernel::bindings::ENOKEY), req);
            }
            let session = if encrypt { &tfm.enc } else { &tfm.dec };
            (session.load(Ordering::Relaxed), tfm.queue)
        };
        let len32 = match u32::try_from(len) {
            Ok(n) if (len as u64) <= req.tfm_ctx().device.config.max_size => n,
            _ => return Outcome::Failed(EINVAL, req),
        };
        let iv_len = cipher.ivsize as usize;
        let mut iv = [0u8; 16];
        iv[..iv_len].copy_from_slice(&req.iv()[..iv_len]);
        let mut next_iv = [0u8; 16];
        if cipher.iv_out == IvOut::LastCipherBlock && !encrypt {
            let bs = cipher.cipher_block;
            if let Err(e) = req.copy_from_src(len - bs, &mut next_iv[..bs]) {
                return Outcome::Failed(e, req);
            }
        }
        let opcode = if encrypt {
            wire::CIPHER_ENCRYPT
        } else {
            wire::CIPHER_DECRYPT
        };
        {
            let ctx = req.ctx();
            ctx.hdr = wire::cipher_data_req(opcode, cipher.algo, session, iv_len as u32, len32);
            ctx.iv = iv;
            ctx.iv_len = iv_len;
            ctx.next_iv = next_iv;
            ctx.encrypt = encrypt;
        }
        let device = req.tfm_ctx().device.clone();
        device.submit(queue, req)
    }
}
