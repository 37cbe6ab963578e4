// SPDX-License-Identifier: GPL-2.0

//! The skcipher algorithms: keys become device sessions (one per direction), requests go to
//! the data queue of the submitting CPU and come back through [`Algorithm::resume`].

use crate::{
    abstractions::{
        crypto::{
            skcipher::{Skcipher, SkcipherType},
            Algorithm, Outcome, Request,
        },
        secret::DeviceKey,
    },
    algs::{self, CipherAlg, IvOut},
    control::Sessions,
    device::CryptoDevice,
    devices::Devices,
    requests::{DataCtx, MAX_KEY},
    stats::Kind,
    wire::{self, Direction, SessionKind},
};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use kernel::{prelude::*, sync::Arc};

/// The driver's implementation of the skcipher callbacks.
pub(crate) struct VirtioSkcipher;

/// Which algorithm a registration is, and where its transforms find a device.
pub(crate) struct AlgData {
    pub(crate) cipher: &'static CipherAlg,
    pub(crate) devices: Arc<Devices>,
}

/// A transform: the device it uses, the handles of its two sessions, and the key that
/// stateless requests carry.
pub(crate) struct TfmCtx {
    device: Arc<CryptoDevice>,
    keyed: AtomicBool,
    enc_handle: AtomicU64,
    dec_handle: AtomicU64,
    key: DeviceKey<MAX_KEY>,
}

/// `DataCtx::flags`: the request encrypts.
const ENCRYPT: u32 = 1;

impl TfmCtx {
    fn destroy_sessions(&self) {
        if self.keyed.swap(false, Ordering::AcqRel) {
            for handle in [&self.enc_handle, &self.dec_handle] {
                // A device that is gone has no session left to free.
                let _ = self.device.destroy_session(handle.load(Ordering::Relaxed));
            }
        }
    }
}

impl Drop for TfmCtx {
    fn drop(&mut self) {
        self.destroy_sessions();
    }
}

impl Algorithm for VirtioSkcipher {
    type Type = SkcipherType;
    type AlgData = AlgData;
    type TfmCtx = TfmCtx;
    type ReqCtx = DataCtx;

    fn device_key(tfm: &TfmCtx) -> &[AtomicU8] {
        tfm.key.bytes()
    }

    /// The device finished the request; `used` is the length it says it wrote.
    fn resume(mut req: Request<Self>, used: u32) {
        let len = req.cryptlen();
        let cipher = req.alg_data().cipher;
        let (status, encrypt, iv, next_iv) = {
            let ctx = req.ctx();
            (ctx.status[0], ctx.flags & ENCRYPT != 0, ctx.iv, ctx.saved)
        };
        // The device writes the output, then the status byte behind it; a shorter used
        // length says it did not write them all, and what the caller's buffer holds is not
        // an answer.
        let mut result = if (used as usize) < len + 1 {
            Err(EIO)
        } else {
            wire::status_to_result(u32::from(status))
        };
        if result.is_ok() {
            result = set_iv_out(&mut req, cipher, len, encrypt, iv, next_iv);
        }
        req.tfm_ctx()
            .device
            .stats()
            .finished(Kind::Skcipher, len, result.is_ok());
        req.complete(result);
    }
}

fn set_iv_out(
    req: &mut Request<VirtioSkcipher>,
    cipher: &algs::CipherAlg,
    len: usize,
    encrypt: bool,
    iv: [u8; 16],
    next_iv: [u8; 16],
) -> Result {
    let bs = cipher.cipher_block;
    let mut out = iv;
    match cipher.iv_out {
        IvOut::None | IvOut::Unchanged => return Ok(()),
        IvOut::LastCipherBlock if encrypt => {
            req.copy_from_dst(len - bs, out.get_mut(..bs).ok_or(EINVAL)?)?
        }
        IvOut::LastCipherBlock => out = next_iv,
        IvOut::Counter => algs::ctr_add(&mut out[..bs], len.div_ceil(bs) as u64),
    }
    let dst = req.iv();
    let n = dst.len().min(out.len());
    dst[..n].copy_from_slice(&out[..n]);
    Ok(())
}

impl Skcipher for VirtioSkcipher {
    fn init(alg: &AlgData) -> Result<TfmCtx> {
        let cipher = alg.cipher;
        let device = alg
            .devices
            .find(|d| cipher.offered_by(d.usable.ciphers))
            .ok_or(ENODEV)?;
        Ok(TfmCtx {
            device,
            keyed: AtomicBool::new(false),
            enc_handle: AtomicU64::new(0),
            dec_handle: AtomicU64::new(0),
            key: DeviceKey::new(),
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
        tfm.key.set(key)?;
        let dev = &tfm.device;
        let algo = alg.cipher.algo;
        let enc = dev.create_session(SessionKind::Cipher(Direction::Encrypt), algo, key)?;
        let dec = match dev.create_session(SessionKind::Cipher(Direction::Decrypt), algo, key) {
            Ok(handle) => handle,
            Err(e) => {
                let _ = dev.destroy_session(enc);
                return Err(e);
            }
        };
        tfm.enc_handle.store(enc, Ordering::Relaxed);
        tfm.dec_handle.store(dec, Ordering::Relaxed);
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
        let session = {
            let tfm = req.tfm_ctx();
            if !tfm.keyed.load(Ordering::Acquire) {
                return Outcome::Failed(wire::errno(kernel::bindings::ENOKEY), req);
            }
            let handle = if encrypt {
                &tfm.enc_handle
            } else {
                &tfm.dec_handle
            };
            handle.load(Ordering::Relaxed)
        };
        let iv_len = cipher.ivsize as usize;
        // `max_size` bounds the sum of a request's variable-length parts: IV, source and
        // destination.
        let parts = (len as u64).saturating_mul(2).saturating_add(iv_len as u64);
        let len32 = match u32::try_from(len) {
            Ok(n) if parts <= req.tfm_ctx().device.config.max_size => n,
            _ => return Outcome::Failed(EINVAL, req),
        };
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
        let format = req.tfm_ctx().device.format();
        {
            let ctx = req.ctx();
            // The queue writes how the request names its key at every submission.
            ctx.hdr = wire::cipher_data_req(format, opcode, cipher.algo, iv_len as u32, len32);
            ctx.session = session;
            ctx.iv = iv;
            ctx.iv_len = iv_len;
            ctx.saved = next_iv;
            ctx.flags = if encrypt { ENCRYPT } else { 0 };
        }
        let device = req.tfm_ctx().device.clone();
        req.submit_any(|any| device.submit(any))
    }
}
