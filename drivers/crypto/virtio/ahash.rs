// SPDX-License-Identifier: GPL-2.0

//! The hash and MAC algorithms (ahash).
//!
//! The device hashes one whole message per request. So `digest`, and `finup` on a request
//! that saw no data since `init`, go to the device; `init`, `update`, `final`, `export`,
//! `import` and `finup` after an `update` run on the synchronous fallback transform the ahash
//! core allocates for every transform of an async ahash. Its state lives in the request's
//! own context (no allocation per request, bounded memory) and is the state our export and
//! import show, so it moves freely between our transforms, the fallback and the generic
//! implementation. A message the device cannot take (longer than `max_size`, empty, a
//! scatterlist it cannot be shown, a full queue the caller does not let us wait for, a
//! device gone) is hashed by the fallback too; a message the device took and failed fails.
//!
//! Hash sessions are the device's, shared by all transforms (created at probe). A MAC
//! transform has one session per key: created by setkey, destroyed on rekey and exit. A key
//! the device refuses although it is valid leaves the transform to the fallback.

use crate::{
    abstractions::{
        crypto::{
            ahash::{Ahash, AhashType, FallbackOp},
            Algorithm, Outcome, Request,
        },
        secret::{DeviceKey, Secret},
    },
    algs::HashAlg,
    control::Sessions,
    device::CryptoDevice,
    devices::Devices,
    requests::{DataCtx, MAX_DIGEST, MAX_KEY},
    stats::Kind,
    wire::{self, SessionKind},
};
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use kernel::{prelude::*, sync::Arc};

/// The driver's implementation of the ahash callbacks.
pub(crate) struct VirtioAhash;

/// Which algorithm a registration is, and where its transforms find a device.
pub(crate) struct AlgData {
    pub(crate) hash: &'static HashAlg,
    pub(crate) devices: Arc<Devices>,
}

/// A transform: its device and session, and the key that stateless requests carry (MACs).
pub(crate) struct TfmCtx {
    device: Arc<CryptoDevice>,
    key: DeviceKey<MAX_KEY>,
    /// Whether `handle` names a device session for the current key (MACs) or the device's
    /// hash session (hashes).
    has_session: AtomicBool,
    handle: AtomicU64,
    /// Whether `handle` is this transform's own (a MAC session) and must be destroyed.
    owned: AtomicBool,
}

/// `DataCtx::flags`: `init` ran and no data has been added since.
const FRESH: u32 = 1;

impl TfmCtx {
    fn destroy_session(&self) {
        if self.owned.swap(false, Ordering::AcqRel) {
            self.has_session.store(false, Ordering::Release);
            // A device that is gone has no session left to free.
            let _ = self
                .device
                .destroy_session(self.handle.load(Ordering::Relaxed));
        }
    }
}

impl Drop for TfmCtx {
    fn drop(&mut self) {
        self.destroy_session();
    }
}

fn done(req: Request<VirtioAhash>, result: Result) -> Outcome<VirtioAhash> {
    match result {
        Ok(()) => Outcome::Done(req),
        Err(e) => Outcome::Failed(e, req),
    }
}

/// Runs `op` on the fallback and finishes the request with its result.
fn fallback(mut req: Request<VirtioAhash>, op: FallbackOp) -> Outcome<VirtioAhash> {
    req.tfm_ctx().device.stats().fallback(Kind::Ahash);
    let result = req.fallback(op);
    done(req, result)
}

/// Digests the request's data as a whole message: on the device if it can take it.
fn digest_whole(mut req: Request<VirtioAhash>) -> Outcome<VirtioAhash> {
    let hash = req.alg_data().hash;
    let (len, ds) = (req.nbytes(), req.digestsize());
    let (session, device) = {
        let tfm = req.tfm_ctx();
        let session = tfm
            .has_session
            .load(Ordering::Acquire)
            .then(|| tfm.handle.load(Ordering::Relaxed));
        (session, tfm.device.clone())
    };
    let fits = len > 0
        && ds <= MAX_DIGEST
        && (len as u64).saturating_add(ds as u64) <= device.config.max_size;
    let (Some(session), true, Ok(len32)) = (session, fits, u32::try_from(len)) else {
        return fallback(req, FallbackOp::Digest);
    };
    let format = device.format();
    {
        let ctx = req.ctx();
        // The queue writes how the request names its key at every submission.
        ctx.hdr = wire::digest_data_req(format, hash.is_mac(), hash.algo, len32, ds as u32);
        ctx.session = session;
        ctx.iv_len = 0;
        ctx.result_len = ds;
        ctx.status = [0xff];
    }
    match req.submit_any(|any| device.submit(any)) {
        // Not taken by the device (full queue without backlog, a list it cannot be
        // shown, no device): the fallback does it.
        Outcome::Failed(_, req) => fallback(req, FallbackOp::Digest),
        other => other,
    }
}

impl Algorithm for VirtioAhash {
    type Type = AhashType;
    type AlgData = AlgData;
    type TfmCtx = TfmCtx;
    type ReqCtx = DataCtx;

    fn device_key(tfm: &TfmCtx) -> &[AtomicU8] {
        tfm.key.bytes()
    }

    /// The device finished the request; `used` is the length it says it wrote.
    fn resume(mut req: Request<Self>, used: u32) {
        let (len, ds) = (req.nbytes(), req.digestsize());
        let (status, digest) = {
            let ctx = req.ctx();
            (ctx.status[0], ctx.result)
        };
        // The device writes the digest, then the status byte; anything shorter is no answer.
        let mut result = if (used as usize) < ds + 1 {
            Err(EIO)
        } else {
            wire::status_to_result(u32::from(status))
        };
        // Only a successful digest reaches the caller's buffer.
        if result.is_ok() {
            result = req.set_result(&digest[..ds.min(MAX_DIGEST)]);
        }
        req.tfm_ctx()
            .device
            .stats()
            .finished(Kind::Ahash, len, result.is_ok());
        req.complete(result);
    }
}

impl Ahash for VirtioAhash {
    fn init_tfm(alg: &AlgData) -> Result<TfmCtx> {
        let hash = alg.hash;
        let device = alg
            .devices
            .find(|d| hash.offered_by(d.usable.hashes, d.usable.macs))
            .ok_or(ENODEV)?;
        let session = if hash.is_mac() {
            None
        } else {
            device.hash_handle(hash.algo)
        };
        Ok(TfmCtx {
            device,
            key: DeviceKey::new(),
            has_session: AtomicBool::new(session.is_some()),
            handle: AtomicU64::new(session.unwrap_or(0)),
            owned: AtomicBool::new(false),
        })
    }

    fn setkey(alg: &AlgData, tfm: &TfmCtx, key: &[u8]) -> Result {
        let mut buf = Secret::<MAX_KEY>::new();
        // Bad keys never reach the device.
        let dkey = alg.hash.device_key(key, &mut buf)?;
        tfm.destroy_session();
        tfm.key.set(dkey)?;
        if dkey.len() > tfm.device.config.max_auth_key_len as usize {
            // Valid, but more than the device takes: the fallback serves this key.
            return Ok(());
        }
        match tfm
            .device
            .create_session(SessionKind::Mac, alg.hash.algo, dkey)
        {
            Ok(handle) => {
                tfm.handle.store(handle, Ordering::Relaxed);
                tfm.owned.store(true, Ordering::Release);
                tfm.has_session.store(true, Ordering::Release);
            }
            // The device refuses a valid key (or has no session left): the fallback
            // serves this transform until the next key.
            Err(_) => tfm.device.stats().fallback(Kind::Ahash),
        }
        Ok(())
    }

    fn init(mut req: Request<Self>) -> Outcome<Self> {
        let result = req.fallback(FallbackOp::Init);
        req.ctx().flags = FRESH;
        done(req, result)
    }

    fn update(mut req: Request<Self>) -> Outcome<Self> {
        if req.nbytes() > 0 {
            req.ctx().flags &= !FRESH;
        }
        fallback(req, FallbackOp::Update)
    }

    fn final_(req: Request<Self>) -> Outcome<Self> {
        fallback(req, FallbackOp::Final)
    }

    fn finup(mut req: Request<Self>) -> Outcome<Self> {
        if req.ctx().flags & FRESH != 0 {
            // Nothing hashed since init: the whole message is this request's data.
            return digest_whole(req);
        }
        fallback(req, FallbackOp::Finup)
    }

    fn digest(req: Request<Self>) -> Outcome<Self> {
        digest_whole(req)
    }

    fn export(req: &mut Request<Self>, out: &mut [u8]) -> Result {
        req.fallback_export(out)
    }

    fn import(req: &mut Request<Self>, input: &[u8]) -> Result {
        req.ctx().flags = 0;
        req.fallback_import(input)
    }

    fn export_core(req: &mut Request<Self>, out: &mut [u8]) -> Result {
        req.fallback_export_core(out)
    }

    fn import_core(req: &mut Request<Self>, input: &[u8]) -> Result {
        req.ctx().flags = 0;
        req.fallback_import_core(input)
    }
}
