// SPDX-License-Identifier: GPL-2.0

//! Abstractions for implementing algorithms of the Linux crypto API.
//!
//! C headers: [`include/crypto/algapi.h`](srctree/include/crypto/algapi.h),
//! [`include/crypto/internal/skcipher.h`](srctree/include/crypto/internal/skcipher.h),
//! [`include/crypto/internal/hash.h`](srctree/include/crypto/internal/hash.h),
//! [`include/crypto/internal/aead.h`](srctree/include/crypto/internal/aead.h).
//!
//! One core serves every algorithm type, as `struct crypto_alg` and
//! `struct crypto_async_request` do on the C side:
//! - [`Registration`] registers an algorithm and lets the crypto API free it (`cra_destroy`);
//! - [`Request`] is a request the driver owns until it completes it, exactly once;
//! - [`AnyRequest`] is the same request with its algorithm type erased, so that one queue
//!   carries requests of every type (the Rust form of a per-request completion callback);
//! - [`backlog::Backlog`] holds requests waiting for room, linked through their own context.
//!
//! The per-type files ([`skcipher`], [`ahash`], [`aead`]) hold only their callbacks and request
//! accessors. Each type names its C structures through the sealed [`AlgType`].

pub mod aead;
pub mod ahash;
pub mod backlog;
mod registration;
mod request;
pub mod skcipher;

use crate::abstractions::bindings;
use core::{ffi::c_void, sync::atomic::AtomicU8};
use kernel::prelude::*;

pub use registration::{AlgInfo, Registration};
pub use request::{AnyRequest, DeviceData, DeviceParts, Outcome, Queued, Request};

mod private {
    pub trait Sealed {}
}

/// One algorithm type of the crypto API (skcipher, ahash, ...) and its C structures.
///
/// Sealed: the core relies on each implementation describing its C types exactly.
pub trait AlgType: private::Sealed + Sized + 'static {
    /// The algorithm (`struct skcipher_alg`, `struct ahash_alg`).
    type RawAlg: Default;
    /// The transform (`struct crypto_skcipher`, `struct crypto_ahash`).
    type RawTfm;
    /// The request (`struct skcipher_request`, `struct ahash_request`).
    type RawReq;
    /// What the core keeps in each request's context besides the driver's part (e.g. the
    /// request's data as a device must see it). Valid uninitialised.
    type Scratch;

    /// Offset of the `struct crypto_alg` in [`AlgType::RawAlg`].
    const ALG_BASE_OFFSET: usize;
    /// Offset of the `struct crypto_async_request` in [`AlgType::RawReq`].
    const REQ_BASE_OFFSET: usize;

    /// Registers `alg`.
    ///
    /// # Safety
    ///
    /// `alg` is a fully initialised algorithm that stays at its address until `cra_destroy`.
    unsafe fn register(alg: *mut Self::RawAlg) -> c_int;

    /// Unregisters `alg`.
    ///
    /// # Safety
    ///
    /// `alg` was registered by [`AlgType::register`].
    unsafe fn unregister(alg: *mut Self::RawAlg);

    /// The `struct crypto_tfm` of a transform.
    ///
    /// # Safety
    ///
    /// `tfm` is a live transform of this type.
    unsafe fn tfm_base(tfm: *mut Self::RawTfm) -> *mut bindings::crypto_tfm;

    /// The transform of a request.
    ///
    /// # Safety
    ///
    /// `req` is a live request of this type.
    unsafe fn req_tfm(req: *mut Self::RawReq) -> *mut Self::RawTfm;

    /// Sets the size of the DMA-aligned context of the transform's requests.
    ///
    /// # Safety
    ///
    /// `tfm` is a live transform of this type in its init callback.
    unsafe fn set_reqsize(tfm: *mut Self::RawTfm, size: u32);

    /// The DMA-aligned context of a request.
    ///
    /// # Safety
    ///
    /// `req` is a live request of this type.
    unsafe fn req_ctx(req: *mut Self::RawReq) -> *mut c_void;

    /// The request's data as a device must see it, described in `scratch`.
    ///
    /// # Safety
    ///
    /// `req` is a live request of this type whose data (and `scratch`) stay valid and
    /// unused by anybody else for `'a`.
    unsafe fn device_data<'a>(
        req: *mut Self::RawReq,
        scratch: *mut Self::Scratch,
    ) -> Result<DeviceData<'a>>;
}

/// An algorithm implementation of a driver, of algorithm type [`Algorithm::Type`]. The
/// per-type traits ([`skcipher::Skcipher`], [`ahash::Ahash`]) add the callbacks.
pub trait Algorithm: Sized + 'static {
    /// The algorithm type.
    type Type: AlgType;
    /// Data of one registered algorithm (e.g. which device algorithm it maps to).
    type AlgData: Send + Sync;
    /// Context of one transform, created at transform init and dropped at exit.
    type TfmCtx: Send + Sync;
    /// Context of one request: DMA-safe memory reserved with the request (no allocation per
    /// request). Never dropped: a request can be freed by its owner at any time between
    /// operations, so the type must not need dropping.
    type ReqCtx: Default + Copy + Send;

    /// The key bytes of `tfm` that a request carries to the device, if the device needs them
    /// (stateless requests); none by default.
    fn device_key(tfm: &Self::TfmCtx) -> &[AtomicU8] {
        let _ = tfm;
        &[]
    }

    /// A request handed out as an [`AnyRequest`] comes back (e.g. a device finished it;
    /// `arg` is what the queue reported, such as the used length).
    fn resume(req: Request<Self>, arg: u32);
}
