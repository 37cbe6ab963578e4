// SPDX-License-Identifier: GPL-2.0

//! Registration of an algorithm of any type.
//!
//! The algorithm lives in a heap box that the crypto API frees through `cra_destroy` once
//! the last reference goes, so an algorithm can be unregistered while transforms still use
//! it (they then fail cleanly in the driver).
//!
//! A failed registration is subtle: after the algorithm passed its checks, the crypto API
//! drops its last reference itself and calls `cra_destroy` (`crypto_register_alg`,
//! `crypto/algapi.c`); before that point it calls nothing. The box therefore records whether
//! registration completed: `cra_destroy` during registration leaves the box to the
//! registering code, which frees it exactly once, whichever way registration failed.

use super::{AlgType, Algorithm};
use crate::abstractions::bindings;
use core::{
    ptr::NonNull,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{ffi::c_char, prelude::*, ThisModule};

/// The properties every algorithm type has (`struct crypto_alg`).
pub struct AlgInfo {
    /// Generic name, e.g. `c"cbc(aes)"`.
    pub name: &'static CStr,
    /// Implementation name, e.g. `c"virtio-rs-cbc-aes"`.
    pub driver_name: &'static CStr,
    /// Priority against other implementations of `name`.
    pub priority: i32,
    /// Block size in bytes.
    pub blocksize: u32,
}

/// The algorithm and the driver's data, in one heap box the crypto API frees.
#[repr(C)]
pub(super) struct AlgBox<T: Algorithm> {
    /// First: `cra_destroy` finds the box from the algorithm.
    pub(super) alg: <T::Type as AlgType>::RawAlg,
    /// Set once registration succeeded; until then `cra_destroy` does not free the box.
    registered: AtomicBool,
    pub(super) data: T::AlgData,
}

impl<T: Algorithm> AlgBox<T> {
    /// The box of the algorithm `alg`.
    ///
    /// # Safety
    ///
    /// `alg` is the `struct crypto_alg` of a box of this type that is still allocated.
    pub(super) unsafe fn from_base<'a>(alg: *mut bindings::crypto_alg) -> &'a Self {
        // SAFETY: The algorithm is at `ALG_BASE_OFFSET` of the raw algorithm, which is at
        // offset 0 of the `repr(C)` box (requirements).
        unsafe {
            &*alg
                .cast::<u8>()
                .sub(<T::Type as AlgType>::ALG_BASE_OFFSET)
                .cast::<Self>()
        }
    }

    /// The box of the algorithm of the transform `tfm`.
    ///
    /// # Safety
    ///
    /// `tfm` is a live transform of an algorithm registered by `Registration<T>`.
    pub(super) unsafe fn of_tfm<'a>(tfm: *mut <T::Type as AlgType>::RawTfm) -> &'a Self {
        // SAFETY: A live transform holds a reference to its algorithm, so the box is
        // allocated.
        unsafe { Self::from_base((*<T::Type as AlgType>::tfm_base(tfm)).__crt_alg) }
    }

    /// The transform context of `tfm`.
    ///
    /// # Safety
    ///
    /// `tfm` is a live transform of this algorithm whose init succeeded (and whose exit has
    /// not run).
    pub(super) unsafe fn tfm_ctx<'a>(tfm: *mut <T::Type as AlgType>::RawTfm) -> &'a T::TfmCtx {
        // SAFETY: Init wrote a `T::TfmCtx` there (`cra_ctxsize` is its size).
        unsafe {
            &*bindings::vcrs_crypto_tfm_ctx(<T::Type as AlgType>::tfm_base(tfm)).cast::<T::TfmCtx>()
        }
    }

    /// Transform init of every type: writes the transform context and the size of its
    /// requests' contexts.
    ///
    /// # Safety
    ///
    /// `tfm` is a live transform of this algorithm in its init callback.
    pub(super) unsafe fn init_tfm(
        tfm: *mut <T::Type as AlgType>::RawTfm,
        ctx: T::TfmCtx,
        reqsize: usize,
    ) -> Result {
        const { assert!(core::mem::align_of::<T::TfmCtx>() <= 8) };
        let reqsize = u32::try_from(reqsize).map_err(|_| EINVAL)?;
        // SAFETY: The context has room for `T::TfmCtx` (`cra_ctxsize`) and is aligned to at
        // least 8 bytes (CRYPTO_MINALIGN), which the assertion above needs; `tfm` is in its
        // init callback (requirements).
        unsafe {
            bindings::vcrs_crypto_tfm_ctx(<T::Type as AlgType>::tfm_base(tfm))
                .cast::<T::TfmCtx>()
                .write(ctx);
            <T::Type as AlgType>::set_reqsize(tfm, reqsize);
        }
        Ok(())
    }

    /// Transform exit of every type: drops the context init wrote.
    pub(super) extern "C" fn exit_callback(tfm: *mut <T::Type as AlgType>::RawTfm) {
        // SAFETY: The crypto API calls exit once, after a successful init, with nothing
        // using the context afterwards.
        unsafe { Self::drop_tfm_ctx(tfm) };
    }

    /// `setkey` of every type: `f` gets the algorithm's data, the transform's context and
    /// the key; its result is the callback's.
    ///
    /// # Safety
    ///
    /// `tfm` is a live, initialised transform of this algorithm; `key` points to `keylen`
    /// readable bytes (it may be anything if `keylen` is 0).
    pub(super) unsafe fn setkey(
        tfm: *mut <T::Type as AlgType>::RawTfm,
        key: *const u8,
        keylen: kernel::ffi::c_uint,
        f: impl FnOnce(&T::AlgData, &T::TfmCtx, &[u8]) -> Result,
    ) -> kernel::ffi::c_int {
        let key = if keylen == 0 || key.is_null() {
            &[][..]
        } else {
            // SAFETY: `key` has `keylen` readable bytes (requirements).
            unsafe { core::slice::from_raw_parts(key, keylen as usize) }
        };
        // SAFETY: `tfm` is live and initialised (requirements).
        let (alg, ctx) = unsafe { (Self::of_tfm(tfm), Self::tfm_ctx(tfm)) };
        kernel::error::from_result(|| f(&alg.data, ctx, key).map(|()| 0))
    }

    /// Drops the transform context at transform exit.
    ///
    /// # Safety
    ///
    /// `tfm` is a live transform of this algorithm in its exit callback, after a successful
    /// init; nothing uses the context afterwards.
    pub(super) unsafe fn drop_tfm_ctx(tfm: *mut <T::Type as AlgType>::RawTfm) {
        // SAFETY: See above.
        unsafe {
            core::ptr::drop_in_place(
                bindings::vcrs_crypto_tfm_ctx(<T::Type as AlgType>::tfm_base(tfm))
                    .cast::<T::TfmCtx>(),
            )
        };
    }

    extern "C" fn destroy_callback(alg: *mut bindings::crypto_alg) {
        // SAFETY: The crypto API calls this once, when the last reference to the algorithm of
        // a box leaked by `Registration::new` goes.
        let this = unsafe { Self::from_base(alg) };
        if !this.registered.load(Ordering::Acquire) {
            // During a failed registration: `Registration::new` frees the box.
            return;
        }
        let ptr = core::ptr::from_ref(this).cast_mut();
        // SAFETY: The box came from `KBox::into_raw` and nothing refers to it any more.
        drop(unsafe { KBox::from_raw(ptr) });
    }
}

/// A registered algorithm; unregistered on drop.
///
/// # Invariants
///
/// `alg` is a registered algorithm in a leaked `KBox<AlgBox<T>>`, freed by `cra_destroy`.
#[pin_data(PinnedDrop)]
pub struct Registration<T: Algorithm> {
    alg: NonNull<AlgBox<T>>,
}

// SAFETY: Registration and unregistration may happen on any thread.
unsafe impl<T: Algorithm> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing.
unsafe impl<T: Algorithm> Sync for Registration<T> {}

fn copy_name(dst: &mut [c_char; 128], src: &CStr) -> Result {
    let bytes = src.to_bytes_with_nul();
    if bytes.len() > dst.len() {
        return Err(EINVAL);
    }
    for (d, s) in dst.iter_mut().zip(bytes) {
        *d = *s as c_char;
    }
    Ok(())
}

impl<T: Algorithm> Registration<T> {
    /// Registers `raw` (whose type-specific fields and callbacks the per-type file filled)
    /// with the common properties `info` and the driver's `data`.
    pub(super) fn new(
        raw: <T::Type as AlgType>::RawAlg,
        info: &AlgInfo,
        flags: u32,
        data: T::AlgData,
        module: &'static ThisModule,
    ) -> impl PinInit<Self, Error> {
        let alg = (|| -> Result<NonNull<AlgBox<T>>> {
            let mut boxed = KBox::new(
                AlgBox::<T> {
                    alg: raw,
                    registered: AtomicBool::new(false),
                    data,
                },
                GFP_KERNEL,
            )?;
            let base_ptr = (&raw mut boxed.alg)
                .cast::<u8>()
                .wrapping_add(<T::Type as AlgType>::ALG_BASE_OFFSET)
                .cast::<bindings::crypto_alg>();
            // SAFETY: `ALG_BASE_OFFSET` is the offset of the `struct crypto_alg` in the raw
            // algorithm (`AlgType` contract); the box is exclusively ours.
            let base = unsafe { &mut *base_ptr };
            copy_name(&mut base.cra_name, info.name)?;
            copy_name(&mut base.cra_driver_name, info.driver_name)?;
            base.cra_priority = info.priority;
            // ASYNC: completions come from the device. KERN_DRIVER_ONLY: a hardware offload.
            // ALLOCATES_MEMORY is left clear: nothing is allocated per request.
            base.cra_flags =
                bindings::CRYPTO_ALG_ASYNC | bindings::CRYPTO_ALG_KERN_DRIVER_ONLY | flags;
            base.cra_blocksize = info.blocksize;
            base.cra_ctxsize = core::mem::size_of::<T::TfmCtx>() as u32;
            base.cra_alignmask = 0;
            base.cra_module = module.as_ptr();
            base.cra_destroy = Some(AlgBox::<T>::destroy_callback);

            let raw = KBox::into_raw(boxed);
            // SAFETY: `raw` is a fully initialised algorithm that stays at this address until
            // it is freed, below or by `cra_destroy`.
            let ret = unsafe { <T::Type as AlgType>::register(&raw mut (*raw).alg) };
            if ret < 0 {
                // SAFETY: Registration failed: the crypto API holds no reference any more, and
                // a `cra_destroy` it may have called left the box alone (`registered` is
                // clear). Freed exactly once, here.
                drop(unsafe { KBox::from_raw(raw) });
                return Err(Error::from_errno(ret));
            }
            // SAFETY: `raw` is valid; from now on the last reference frees it.
            unsafe { (*raw).registered.store(true, Ordering::Release) };
            // SAFETY: `raw` is not null (it came from a `KBox`).
            Ok(unsafe { NonNull::new_unchecked(raw) })
        })();
        // SAFETY: On success every field of `Self` is written; on failure nothing is.
        unsafe {
            pin_init::pin_init_from_closure(move |slot: *mut Self| {
                slot.write(Self { alg: alg? });
                Ok(())
            })
        }
    }
}

#[pinned_drop]
impl<T: Algorithm> PinnedDrop for Registration<T> {
    fn drop(self: Pin<&mut Self>) {
        // SAFETY: By the type invariant the algorithm is registered; the box is freed by
        // `cra_destroy` once no transform uses it any more.
        unsafe { <T::Type as AlgType>::unregister(&raw mut (*self.alg.as_ptr()).alg) };
    }
}
