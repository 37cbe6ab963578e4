// SPDX-License-Identifier: GPL-2.0

//! Asynchronous hashes (`struct ahash_alg`): the callbacks and request accessors.
//!
//! C header: [`include/crypto/internal/hash.h`](srctree/include/crypto/internal/hash.h).
//!
//! An asynchronous ahash without `CRYPTO_ALG_REQ_VIRT` gets `CRYPTO_ALG_NEED_FALLBACK` from
//! the ahash core, which then allocates a synchronous fallback transform of the same
//! algorithm for every transform (`crypto_ahash_fb`), keys it in `crypto_ahash_setkey`, and
//! runs requests on virtual addresses through it, moving the state with export/import.
//! This file gives every request a fallback sub-request in its own context, so that a
//! driver can run any operation in software ([`Request::fallback`]) without allocating,
//! with the fallback's state as its own: export and import are the fallback's, so state
//! moves freely between this driver, the fallback and other transforms of the algorithm.

use super::{
    private,
    registration::AlgBox,
    request::{device_view, reqsize_with_sub, run_op, SgTable},
    AlgInfo, AlgType, Algorithm, DeviceData, Outcome, Registration, Request,
};
use crate::abstractions::bindings;
use core::{ffi::c_void, mem::size_of, ptr::NonNull};
use kernel::{error::from_result, ffi::c_int, prelude::*, types::Opaque, ThisModule};

/// The ahash algorithm type.
pub enum AhashType {}

/// The request's data as the device sees it, and the fallback's sub-request (its context
/// follows it, beyond the end of this structure).
#[repr(C)]
pub struct Scratch {
    src: SgTable,
    fb: Opaque<bindings::ahash_request>,
}

impl private::Sealed for AhashType {}

impl AlgType for AhashType {
    type RawAlg = bindings::ahash_alg;
    type RawTfm = bindings::crypto_ahash;
    type RawReq = bindings::ahash_request;
    type Scratch = Scratch;

    const ALG_BASE_OFFSET: usize = core::mem::offset_of!(bindings::ahash_alg, halg)
        + core::mem::offset_of!(bindings::hash_alg_common, base);
    const REQ_BASE_OFFSET: usize = core::mem::offset_of!(bindings::ahash_request, base);

    unsafe fn register(alg: *mut Self::RawAlg) -> c_int {
        // SAFETY: As required by the trait.
        unsafe { bindings::crypto_register_ahash(alg) }
    }

    unsafe fn unregister(alg: *mut Self::RawAlg) {
        // SAFETY: As required by the trait.
        unsafe { bindings::crypto_unregister_ahash(alg) }
    }

    unsafe fn tfm_base(tfm: *mut Self::RawTfm) -> *mut bindings::crypto_tfm {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_ahash_tfm(tfm) }
    }

    unsafe fn req_tfm(req: *mut Self::RawReq) -> *mut Self::RawTfm {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_ahash_reqtfm(req) }
    }

    unsafe fn set_reqsize(tfm: *mut Self::RawTfm, size: u32) {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_ahash_set_reqsize_dma(tfm, size) }
    }

    unsafe fn req_ctx(req: *mut Self::RawReq) -> *mut c_void {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_ahash_request_ctx_dma(req) }
    }

    unsafe fn device_data<'a>(
        req: *mut Self::RawReq,
        scratch: *mut Self::Scratch,
    ) -> Result<DeviceData<'a>> {
        // SAFETY: `req` is live and not on virtual addresses (the core runs those through
        // the fallback); its `src` list (of at least `nbytes` bytes) and the scratch table
        // stay valid and unshared for `'a` (requirements).
        unsafe {
            let len = (*req).nbytes as usize;
            let src = (*req).__bindgen_anon_1.src;
            Ok(DeviceData {
                src: device_view(&raw mut (*scratch).src, src, len)?,
                dst: None,
                aad: None,
                key: &[],
            })
        }
    }
}

/// The callbacks of an asynchronous hash implementation. Each operation gets the request;
/// [`Outcome::Done`] finishes it at once (as the fallback does), the others as for any
/// request.
pub trait Ahash: Algorithm<Type = AhashType> {
    /// A transform is created.
    fn init_tfm(alg: &Self::AlgData) -> Result<Self::TfmCtx>;

    /// A key is set (keyed algorithms only). Never concurrent with requests of the same
    /// transform (API contract). The ahash core keys the fallback afterwards.
    fn setkey(alg: &Self::AlgData, tfm: &Self::TfmCtx, key: &[u8]) -> Result;

    /// Starts a new message in `req`.
    fn init(req: Request<Self>) -> Outcome<Self>;
    /// Adds `req`'s data to its message.
    fn update(req: Request<Self>) -> Outcome<Self>;
    /// Writes the digest of the message to the result.
    fn final_(req: Request<Self>) -> Outcome<Self>;
    /// Adds `req`'s data and writes the digest.
    fn finup(req: Request<Self>) -> Outcome<Self>;
    /// Digests `req`'s data as a whole message.
    fn digest(req: Request<Self>) -> Outcome<Self>;
    /// Writes the state of the message (`statesize` bytes) to `out`.
    fn export(req: &mut Request<Self>, out: &mut [u8]) -> Result;
    /// Continues the message from the state `input`.
    fn import(req: &mut Request<Self>, input: &[u8]) -> Result;
    /// Writes the core state (without a partial block, `HASH_MAX_STATESIZE` bytes at most)
    /// to `out`. With it the ahash core can move requests on virtual addresses to the
    /// fallback and back.
    fn export_core(req: &mut Request<Self>, out: &mut [u8]) -> Result;
    /// Continues the message from the core state `input`.
    fn import_core(req: &mut Request<Self>, input: &[u8]) -> Result;
}

/// The properties of an asynchronous hash.
pub struct AhashInfo {
    /// Names, priority and block size.
    pub alg: AlgInfo,
    /// Digest size in bytes.
    pub digestsize: u32,
    /// Size of the exported state, which must be that of the fallback.
    pub statesize: u32,
    /// Whether the algorithm takes a key (HMAC, CMAC, XCBC).
    pub keyed: bool,
}

/// The properties of the synchronous implementation the ahash core picks as fallback for
/// `name`: (state size, digest size, block size). May sleep.
pub fn fallback_props(name: &CStr) -> Result<(u32, u32, u32)> {
    let (mut state, mut digest, mut block) = (0u32, 0u32, 0u32);
    // SAFETY: `name` is a valid C string; the outputs are valid for writes.
    let ret = unsafe {
        bindings::vcrs_ahash_fallback_props(name.as_char_ptr(), &mut state, &mut digest, &mut block)
    };
    kernel::error::to_result(ret)?;
    Ok((state, digest, block))
}

/// Digests `data` with the synchronous hash `name` into `out`; returns the digest's length.
/// May sleep.
pub fn digest_sync(name: &CStr, data: &[u8], out: &mut [u8]) -> Result<usize> {
    let len = u32::try_from(data.len()).map_err(|_| EINVAL)?;
    let outlen = u32::try_from(out.len()).map_err(|_| EINVAL)?;
    // SAFETY: `name` is a valid C string, `data` readable and `out` writable for their
    // lengths; the helper checks the digest fits `out`.
    let ret = unsafe {
        bindings::vcrs_hash_digest(
            name.as_char_ptr(),
            data.as_ptr(),
            len,
            out.as_mut_ptr(),
            outlen,
        )
    };
    kernel::error::to_result(ret)?;
    Ok(out.len())
}

/// Registers an asynchronous hash described by `info`, with `data` for its callbacks.
pub fn register<T: Ahash>(
    info: &AhashInfo,
    data: T::AlgData,
    module: &'static ThisModule,
) -> impl PinInit<Registration<T>, Error> {
    let mut alg = bindings::ahash_alg {
        init: Some(init_callback::<T>),
        update: Some(update_callback::<T>),
        final_: Some(final_callback::<T>),
        finup: Some(finup_callback::<T>),
        digest: Some(digest_callback::<T>),
        export: Some(export_callback::<T>),
        import: Some(import_callback::<T>),
        export_core: Some(export_core_callback::<T>),
        import_core: Some(import_core_callback::<T>),
        setkey: if info.keyed {
            Some(setkey_callback::<T>)
        } else {
            None
        },
        init_tfm: Some(init_tfm_callback::<T>),
        exit_tfm: Some(AlgBox::<T>::exit_callback),
        ..Default::default()
    };
    alg.halg.digestsize = info.digestsize;
    alg.halg.statesize = info.statesize;
    Registration::<T>::new(alg, &info.alg, 0, data, module)
}

extern "C" fn init_tfm_callback<T: Ahash>(tfm: *mut bindings::crypto_ahash) -> c_int {
    from_result(|| {
        // SAFETY: The crypto API calls `init_tfm` with a live transform of this algorithm,
        // after it allocated the fallback (the algorithm is async without REQ_VIRT).
        let (alg, fb_reqsize) = unsafe {
            (
                AlgBox::<T>::of_tfm(tfm),
                bindings::vcrs_ahash_fb_reqsize(tfm),
            )
        };
        // The wrapper, then the fallback's request and its context.
        let size = reqsize_with_sub::<T>(
            core::mem::offset_of!(Scratch, fb),
            size_of::<bindings::ahash_request>() + fb_reqsize as usize,
        );
        let ctx = T::init_tfm(&alg.data)?;
        // SAFETY: `tfm` is live and in its init callback.
        unsafe { AlgBox::<T>::init_tfm(tfm, ctx, size)? };
        Ok(0)
    })
}

extern "C" fn setkey_callback<T: Ahash>(
    tfm: *mut bindings::crypto_ahash,
    key: *const u8,
    keylen: kernel::ffi::c_uint,
) -> c_int {
    // SAFETY: The crypto API passes a live, initialised transform and a key of `keylen`
    // bytes.
    unsafe { AlgBox::<T>::setkey(tfm, key, keylen, T::setkey) }
}

/// Enters a request for a synchronous operation (export, import); `fresh` starts a new
/// driver context.
fn enter<T: Ahash>(req: *mut bindings::ahash_request, fresh: bool) -> Option<Request<T>> {
    let req = NonNull::new(req)?;
    // Operations other than `init`, `digest` and `import` follow one of them on the same
    // request (API contract), which initialised the driver's context.
    // SAFETY: The crypto API hands over a live request of this algorithm, valid until it is
    // completed, whose context has `reqsize` bytes; its driver context is initialised (above).
    Some(unsafe { Request::<T>::enter(req, fresh) })
}

macro_rules! op_callback {
    ($name:ident, $op:ident, $fresh:expr) => {
        extern "C" fn $name<T: Ahash>(req: *mut bindings::ahash_request) -> c_int {
            // SAFETY: The crypto API hands over a request of this algorithm. Operations
            // other than `init`, `digest` and `import` follow one of them on the same request
            // (API contract), which initialised the driver's context.
            unsafe { run_op::<T>(req, $fresh, T::$op) }
        }
    };
}

op_callback!(init_callback, init, true);
op_callback!(update_callback, update, false);
op_callback!(final_callback, final_, false);
op_callback!(finup_callback, finup, false);
op_callback!(digest_callback, digest, true);

/// The most bytes a core state may have: `HASH_MAX_STATESIZE`, a macro bindgen does not
/// expand (`include/virtio_crypto_rs_helpers.c` asserts the value).
const CORE_STATE_MAX: usize = 200 + 144 + 1;

extern "C" fn export_core_callback<T: Ahash>(
    req: *mut bindings::ahash_request,
    out: *mut c_void,
) -> c_int {
    let Some(mut r) = enter::<T>(req, false) else {
        return EINVAL.to_errno();
    };
    // SAFETY: The API passes room for a core state, at most `HASH_MAX_STATESIZE` bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(out.cast::<u8>(), CORE_STATE_MAX) };
    let ret = from_result(|| T::export_core(&mut r, out).map(|()| 0));
    // A synchronous operation: the request is not completed.
    core::mem::forget(r);
    ret
}

extern "C" fn import_core_callback<T: Ahash>(
    req: *mut bindings::ahash_request,
    input: *const c_void,
) -> c_int {
    let Some(mut r) = enter::<T>(req, true) else {
        return EINVAL.to_errno();
    };
    // SAFETY: The API passes a core state, at most `HASH_MAX_STATESIZE` bytes, readable.
    let input = unsafe { core::slice::from_raw_parts(input.cast::<u8>(), CORE_STATE_MAX) };
    let ret = from_result(|| T::import_core(&mut r, input).map(|()| 0));
    // A synchronous operation: the request is not completed.
    core::mem::forget(r);
    ret
}

extern "C" fn export_callback<T: Ahash>(
    req: *mut bindings::ahash_request,
    out: *mut c_void,
) -> c_int {
    let Some(mut r) = enter::<T>(req, false) else {
        return EINVAL.to_errno();
    };
    let len = r.statesize();
    // SAFETY: The API passes `statesize` writable bytes at `out`.
    let out = unsafe { core::slice::from_raw_parts_mut(out.cast::<u8>(), len) };
    let ret = from_result(|| T::export(&mut r, out).map(|()| 0));
    // A synchronous operation: the request is not completed.
    core::mem::forget(r);
    ret
}

extern "C" fn import_callback<T: Ahash>(
    req: *mut bindings::ahash_request,
    input: *const c_void,
) -> c_int {
    let Some(mut r) = enter::<T>(req, true) else {
        return EINVAL.to_errno();
    };
    let len = r.statesize();
    // SAFETY: The API passes `statesize` readable bytes at `input`.
    let input = unsafe { core::slice::from_raw_parts(input.cast::<u8>(), len) };
    let ret = from_result(|| T::import(&mut r, input).map(|()| 0));
    // A synchronous operation: the request is not completed.
    core::mem::forget(r);
    ret
}

/// An operation of the fallback transform.
#[derive(Clone, Copy)]
pub enum FallbackOp {
    /// `crypto_ahash_init`.
    Init = 0,
    /// `crypto_ahash_update`.
    Update = 1,
    /// `crypto_ahash_final`.
    Final = 2,
    /// `crypto_ahash_finup`.
    Finup = 3,
    /// `crypto_ahash_digest`.
    Digest = 4,
}

impl<T: Ahash> Request<T> {
    /// The number of bytes of data of this operation.
    pub fn nbytes(&self) -> usize {
        // SAFETY: By the type invariant the request is live.
        unsafe { (*self.raw()).nbytes as usize }
    }

    /// The transform's digest size.
    pub fn digestsize(&self) -> usize {
        // SAFETY: The request's transform is live.
        unsafe { bindings::vcrs_crypto_ahash_digestsize(self.tfm()) as usize }
    }

    /// The transform's state size.
    pub fn statesize(&self) -> usize {
        // SAFETY: The request's transform is live.
        unsafe { bindings::vcrs_crypto_ahash_statesize(self.tfm()) as usize }
    }

    /// Writes `digest` to the caller's result buffer (`digestsize` bytes at most).
    pub fn set_result(&mut self, digest: &[u8]) -> Result {
        let n = self.digestsize();
        let digest = digest.get(..n).ok_or(EINVAL)?;
        // SAFETY: By the type invariant the request is live.
        let result = unsafe { (*self.raw()).result };
        if result.is_null() {
            return Err(EINVAL);
        }
        // SAFETY: The API requires `result` to have room for `digestsize` bytes until the
        // request completes; `&mut self` keeps the access unique.
        unsafe { core::ptr::copy_nonoverlapping(digest.as_ptr(), result, n) };
        Ok(())
    }

    fn fb_raw(&mut self, op: c_int, state: *mut c_void) -> Result {
        let raw = self.raw();
        let sub = self.scratch();
        // SAFETY: The request is live; its context has room for the fallback's request after
        // `fb` (`reqsize`), which nothing else uses while the driver holds the request. The
        // fallback is synchronous: it is done with everything when it returns.
        let ret = unsafe { bindings::vcrs_ahash_fb_op((*sub).fb.get(), raw, op, state) };
        kernel::error::to_result(ret)
    }

    /// Runs `op` of the fallback transform on this request's data, result and state.
    pub fn fallback(&mut self, op: FallbackOp) -> Result {
        self.fb_raw(op as c_int, core::ptr::null_mut())
    }

    /// Exports the fallback's state into `out` (`statesize` bytes).
    pub fn fallback_export(&mut self, out: &mut [u8]) -> Result {
        if out.len() < self.statesize() {
            return Err(EINVAL);
        }
        self.fb_raw(5, out.as_mut_ptr().cast())
    }

    /// Exports the fallback's core state into `out` (`HASH_MAX_STATESIZE` bytes).
    pub fn fallback_export_core(&mut self, out: &mut [u8]) -> Result {
        if out.len() < CORE_STATE_MAX {
            return Err(EINVAL);
        }
        self.fb_raw(7, out.as_mut_ptr().cast())
    }

    /// Imports the core state `input` (`HASH_MAX_STATESIZE` bytes) into the fallback.
    pub fn fallback_import_core(&mut self, input: &[u8]) -> Result {
        if input.len() < CORE_STATE_MAX {
            return Err(EINVAL);
        }
        // The fallback only reads the state.
        self.fb_raw(8, input.as_ptr().cast_mut().cast())
    }

    /// Imports `input` (`statesize` bytes) into the fallback's state.
    pub fn fallback_import(&mut self, input: &[u8]) -> Result {
        if input.len() < self.statesize() {
            return Err(EINVAL);
        }
        // The fallback only reads the state.
        self.fb_raw(6, input.as_ptr().cast_mut().cast())
    }
}
