// SPDX-License-Identifier: GPL-2.0

//! Symmetric key ciphers (`struct skcipher_alg`): the callbacks and request accessors.
//!
//! C header: [`include/crypto/internal/skcipher.h`](srctree/include/crypto/internal/skcipher.h).

use super::{
    private,
    request::{device_view, run_op, SgTable},
    AlgInfo, AlgType, Algorithm, DeviceData, Outcome, Registration, Request,
};
use crate::abstractions::bindings;
use core::{ffi::c_void, mem::size_of};
use kernel::{error::from_result, ffi::c_int, prelude::*, ThisModule};

/// The skcipher algorithm type.
pub enum SkcipherType {}

/// The request's data as the device sees it: `src` and `dst` without empty entries.
#[repr(C)]
pub struct Scratch {
    src: SgTable,
    dst: SgTable,
}

impl private::Sealed for SkcipherType {}

impl AlgType for SkcipherType {
    type RawAlg = bindings::skcipher_alg;
    type RawTfm = bindings::crypto_skcipher;
    type RawReq = bindings::skcipher_request;
    type Scratch = Scratch;

    const ALG_BASE_OFFSET: usize = core::mem::offset_of!(bindings::skcipher_alg, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::skcipher_alg__bindgen_ty_1__bindgen_ty_1, base);
    const REQ_BASE_OFFSET: usize = core::mem::offset_of!(bindings::skcipher_request, base);

    unsafe fn register(alg: *mut Self::RawAlg) -> c_int {
        // SAFETY: As required by the trait.
        unsafe { bindings::crypto_register_skcipher(alg) }
    }

    unsafe fn unregister(alg: *mut Self::RawAlg) {
        // SAFETY: As required by the trait.
        unsafe { bindings::crypto_unregister_skcipher(alg) }
    }

    unsafe fn tfm_base(tfm: *mut Self::RawTfm) -> *mut bindings::crypto_tfm {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_skcipher_tfm(tfm) }
    }

    unsafe fn req_tfm(req: *mut Self::RawReq) -> *mut Self::RawTfm {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_skcipher_reqtfm(req) }
    }

    unsafe fn set_reqsize(tfm: *mut Self::RawTfm, size: u32) {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_skcipher_set_reqsize_dma(tfm, size) }
    }

    unsafe fn req_ctx(req: *mut Self::RawReq) -> *mut c_void {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_skcipher_request_ctx_dma(req) }
    }

    unsafe fn device_data<'a>(
        req: *mut Self::RawReq,
        scratch: *mut Self::Scratch,
    ) -> Result<DeviceData<'a>> {
        // SAFETY: `req` is live; its `src` and `dst` lists (of at least `cryptlen` bytes) and
        // the scratch tables stay valid and unshared for `'a` (requirements).
        unsafe {
            let len = (*req).cryptlen as usize;
            Ok(DeviceData {
                src: device_view(&raw mut (*scratch).src, (*req).src, len)?,
                dst: device_view(&raw mut (*scratch).dst, (*req).dst, len)?,
                aad: None,
                key: &[],
            })
        }
    }
}

/// The callbacks of a symmetric cipher implementation.
pub trait Skcipher: Algorithm<Type = SkcipherType> {
    /// A transform is created.
    fn init(alg: &Self::AlgData) -> Result<Self::TfmCtx>;

    /// A key is set. Never concurrent with requests of the same transform (API contract).
    fn setkey(alg: &Self::AlgData, tfm: &Self::TfmCtx, key: &[u8]) -> Result;

    /// Starts an encryption (`encrypt` true) or decryption of `req`.
    fn crypt(req: Request<Self>, encrypt: bool) -> Outcome<Self>;
}

/// The properties of a symmetric cipher.
pub struct SkcipherInfo {
    /// Names, priority and block size (1 for stream modes).
    pub alg: AlgInfo,
    /// Key sizes in bytes.
    pub min_keysize: u32,
    /// Key sizes in bytes.
    pub max_keysize: u32,
    /// IV size in bytes.
    pub ivsize: u32,
    /// The mode's underlying block size (for CTR).
    pub chunksize: u32,
}

/// Registers an asynchronous skcipher described by `info`, with `data` for its callbacks.
pub fn register<T: Skcipher>(
    info: &SkcipherInfo,
    data: T::AlgData,
    module: &'static ThisModule,
) -> impl PinInit<Registration<T>, Error> {
    let mut alg = bindings::skcipher_alg {
        setkey: Some(setkey_callback::<T>),
        encrypt: Some(encrypt_callback::<T>),
        decrypt: Some(decrypt_callback::<T>),
        init: Some(init_callback::<T>),
        exit: Some(Box::<T>::exit_callback),
        ..Default::default()
    };
    // SAFETY: Writing the plain-data fields of the union's struct view.
    let co = unsafe { &mut *alg.__bindgen_anon_1.__bindgen_anon_1.as_mut() };
    co.min_keysize = info.min_keysize;
    co.max_keysize = info.max_keysize;
    co.ivsize = info.ivsize;
    co.chunksize = info.chunksize;
    Registration::<T>::new(alg, &info.alg, 0, data, module)
}

use super::registration::AlgBox as Box;

extern "C" fn init_callback<T: Skcipher>(tfm: *mut bindings::crypto_skcipher) -> c_int {
    from_result(|| {
        // SAFETY: The crypto API calls `init` with a live transform of this algorithm.
        let alg = unsafe { Box::<T>::of_tfm(tfm) };
        let ctx = T::init(&alg.data)?;
        let size = size_of::<super::request::ReqWrap<T::ReqCtx, Scratch>>();
        // SAFETY: `tfm` is live and in its init callback.
        unsafe { Box::<T>::init_tfm(tfm, ctx, size)? };
        Ok(0)
    })
}

extern "C" fn setkey_callback<T: Skcipher>(
    tfm: *mut bindings::crypto_skcipher,
    key: *const u8,
    keylen: kernel::ffi::c_uint,
) -> c_int {
    // SAFETY: The crypto API passes a live, initialised transform and a key of `keylen`
    // bytes.
    unsafe { Box::<T>::setkey(tfm, key, keylen, T::setkey) }
}

extern "C" fn encrypt_callback<T: Skcipher>(req: *mut bindings::skcipher_request) -> c_int {
    crypt_callback::<T>(req, true)
}

extern "C" fn decrypt_callback<T: Skcipher>(req: *mut bindings::skcipher_request) -> c_int {
    crypt_callback::<T>(req, false)
}

fn crypt_callback<T: Skcipher>(req: *mut bindings::skcipher_request, encrypt: bool) -> c_int {
    // SAFETY: The crypto API hands over a request of this algorithm; encrypt and decrypt
    // start a request afresh.
    unsafe { run_op::<T>(req, true, |req| T::crypt(req, encrypt)) }
}

impl<T: Skcipher> Request<T> {
    /// The number of bytes to process.
    pub fn cryptlen(&self) -> usize {
        // SAFETY: By the type invariant the request is live.
        unsafe { (*self.raw()).cryptlen as usize }
    }

    /// The caller's IV (`ivsize` bytes; empty for modes without one). The driver must leave
    /// the output IV here when it completes the request.
    pub fn iv(&mut self) -> &mut [u8] {
        // SAFETY: The request and its transform are live.
        let (iv, len) = unsafe {
            (
                (*self.raw()).iv,
                bindings::vcrs_crypto_skcipher_ivsize(self.tfm()),
            )
        };
        if iv.is_null() || len == 0 {
            return &mut [];
        }
        // SAFETY: The API requires `iv` to point to `ivsize` writable bytes that stay valid
        // until the request completes; `&mut self` keeps the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(iv, len as usize) }
    }

    /// Copies `buf.len()` bytes at `offset` of the source data into `buf`.
    pub fn copy_from_src(&self, offset: usize, buf: &mut [u8]) -> Result {
        // SAFETY: By the type invariant the request is live.
        self.copy_from(unsafe { (*self.raw()).src }, offset, buf)
    }

    /// Copies `buf.len()` bytes at `offset` of the destination data into `buf`.
    pub fn copy_from_dst(&self, offset: usize, buf: &mut [u8]) -> Result {
        // SAFETY: By the type invariant the request is live.
        self.copy_from(unsafe { (*self.raw()).dst }, offset, buf)
    }

    fn copy_from(&self, sg: *mut bindings::scatterlist, offset: usize, buf: &mut [u8]) -> Result {
        let end = offset.checked_add(buf.len()).ok_or(EINVAL)?;
        if sg.is_null() || end > self.cryptlen() {
            return Err(EINVAL);
        }
        // SAFETY: `sg` covers at least `cryptlen` bytes (API contract) and `buf` is writable.
        unsafe {
            bindings::memcpy_from_sglist(
                buf.as_mut_ptr().cast(),
                sg,
                offset as u32,
                buf.len() as u32,
            )
        };
        Ok(())
    }
}
