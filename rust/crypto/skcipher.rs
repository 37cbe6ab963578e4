// SPDX-License-Identifier: GPL-2.0

//! Symmetric key ciphers (`struct skcipher_alg`) implemented by a driver.
//!
//! A driver implements [`Skcipher`] and registers one [`Registration`] per algorithm. The
//! abstraction owns the C structures: the algorithm lives in a heap box that the crypto API
//! frees through `cra_destroy` once the last transform lets go of it, so an algorithm can be
//! unregistered while transforms still use it (they then fail cleanly in the driver).

use crate::abstractions::{bindings, scatterlist::SgList, virtio::InFlight};
use core::{ffi::c_void, marker::PhantomData, mem::size_of, ptr::NonNull};
use kernel::{error::from_result, ffi::c_int, prelude::*, types::Opaque, ThisModule};

/// The callbacks of a symmetric cipher implementation.
pub trait Skcipher: Sized + 'static {
    /// Data of one registered algorithm (e.g. which device algorithm it maps to).
    type AlgData: Send + Sync;
    /// Context of one transform, created in `init` and dropped in `exit`.
    type TfmCtx: Send + Sync;
    /// Context of one request: DMA-safe memory reserved with the request (no allocation per
    /// request). Reset to its default when the request enters the driver.
    type ReqCtx: Default + Send;

    /// A transform is created.
    fn init(alg: &Self::AlgData) -> Result<Self::TfmCtx>;

    /// A key is set. Never concurrent with requests of the same transform (API contract).
    fn setkey(alg: &Self::AlgData, tfm: &Self::TfmCtx, key: &[u8]) -> Result;

    /// Starts an encryption (`encrypt` true) or decryption of `req`.
    fn crypt(req: Request<Self>, encrypt: bool) -> Outcome<Self>;
}

/// What the driver did with a request.
pub enum Outcome<T: Skcipher> {
    /// On its way to the device; it will be completed (`-EINPROGRESS`).
    InProgress,
    /// Waiting for room, as the caller allowed (`-EBUSY`, then `-EINPROGRESS`, then done).
    Backlogged,
    /// Finished without the device (e.g. zero length); the caller is not called back.
    Done(Request<T>),
    /// Refused; the caller is not called back.
    Failed(Error, Request<T>),
}

/// Fixed properties of an algorithm.
pub struct AlgInfo {
    /// Generic name, e.g. `c"cbc(aes)"`.
    pub name: &'static CStr,
    /// Implementation name, e.g. `c"virtio-rs-cbc-aes"`.
    pub driver_name: &'static CStr,
    /// Priority against other implementations of `name`.
    pub priority: i32,
    /// Block size in bytes (1 for stream modes).
    pub blocksize: u32,
    /// Key sizes in bytes.
    pub min_keysize: u32,
    /// Key sizes in bytes.
    pub max_keysize: u32,
    /// IV size in bytes.
    pub ivsize: u32,
    /// The mode's underlying block size (for CTR).
    pub chunksize: u32,
}

#[repr(C)]
struct AlgBox<T: Skcipher> {
    alg: bindings::skcipher_alg,
    data: T::AlgData,
}

/// A registered algorithm; unregistered on drop.
///
/// # Invariants
///
/// `alg` is a registered algorithm in a leaked `KBox<AlgBox<T>>`, freed by `cra_destroy`.
pub struct Registration<T: Skcipher> {
    alg: NonNull<AlgBox<T>>,
}

// SAFETY: Registration and unregistration may happen on any thread.
unsafe impl<T: Skcipher> Send for Registration<T> {}
// SAFETY: `&Registration` gives access to nothing.
unsafe impl<T: Skcipher> Sync for Registration<T> {}

fn copy_name(dst: &mut [kernel::ffi::c_char; 128], src: &CStr) -> Result {
    let bytes = src.to_bytes_with_nul();
    if bytes.len() > dst.len() {
        return Err(EINVAL);
    }
    for (d, s) in dst.iter_mut().zip(bytes) {
        *d = *s as kernel::ffi::c_char;
    }
    Ok(())
}

impl<T: Skcipher> Registration<T> {
    /// Offset of `base` (the `struct crypto_alg`) in `struct skcipher_alg`.
    const BASE_OFFSET: usize = core::mem::offset_of!(bindings::skcipher_alg, __bindgen_anon_1)
        + core::mem::offset_of!(bindings::skcipher_alg__bindgen_ty_1__bindgen_ty_1, base);

    /// Registers an asynchronous skcipher described by `info`, with `data` for its callbacks.
    pub fn new(info: &AlgInfo, data: T::AlgData, module: &'static ThisModule) -> Result<Self> {
        const { assert!(core::mem::align_of::<T::TfmCtx>() <= 8) };
        let mut boxed = KBox::new(
            AlgBox::<T> {
                alg: bindings::skcipher_alg::default(),
                data,
            },
            GFP_KERNEL,
        )?;
        let alg = &mut boxed.alg;
        alg.setkey = Some(Self::setkey_callback);
        alg.encrypt = Some(Self::encrypt_callback);
        alg.decrypt = Some(Self::decrypt_callback);
        alg.init = Some(Self::init_callback);
        alg.exit = Some(Self::exit_callback);
        // SAFETY: Writing the plain-data fields of the union's struct view.
        let co = unsafe { &mut *alg.__bindgen_anon_1.__bindgen_anon_1.as_mut() };
        co.min_keysize = info.min_keysize;
        co.max_keysize = info.max_keysize;
        co.ivsize = info.ivsize;
        co.chunksize = info.chunksize;
        let base = &mut co.base;
        copy_name(&mut base.cra_name, info.name)?;
        copy_name(&mut base.cra_driver_name, info.driver_name)?;
        base.cra_priority = info.priority;
        // ASYNC: completions come from the device. KERN_DRIVER_ONLY: a hardware offload.
        // ALLOCATES_MEMORY is left clear: nothing is allocated per request.
        base.cra_flags = bindings::CRYPTO_ALG_ASYNC | bindings::CRYPTO_ALG_KERN_DRIVER_ONLY;
        base.cra_blocksize = info.blocksize;
        base.cra_ctxsize = size_of::<T::TfmCtx>() as u32;
        base.cra_alignmask = 0;
        base.cra_module = module.as_ptr();
        base.cra_destroy = Some(Self::destroy_callback);

        let raw = KBox::into_raw(boxed);
        // SAFETY: `raw` is a fully initialised algorithm that stays at this address until
        // `cra_destroy` frees it.
        let ret = unsafe { bindings::crypto_register_skcipher(&raw mut (*raw).alg) };
        if ret < 0 {
            // SAFETY: Registration failed, so the crypto API holds no reference to `raw`.
            drop(unsafe { KBox::from_raw(raw) });
            return Err(Error::from_errno(ret));
        }
        // SAFETY: `raw` is not null (it came from a `KBox`).
        let alg = unsafe { NonNull::new_unchecked(raw) };
        Ok(Self { alg })
    }

    /// # Safety
    ///
    /// `tfm` is a live transform of an algorithm registered by this type.
    unsafe fn alg_box<'a>(tfm: *mut bindings::crypto_skcipher) -> &'a AlgBox<T> {
        // SAFETY: The algorithm of `tfm` is the `alg` field, at offset 0, of an `AlgBox<T>`.
        unsafe { &*bindings::vcrs_crypto_skcipher_alg(tfm).cast::<AlgBox<T>>() }
    }

    /// # Safety
    ///
    /// `tfm` is a live transform of this type whose `init` succeeded.
    unsafe fn tfm_ctx<'a>(tfm: *mut bindings::crypto_skcipher) -> &'a T::TfmCtx {
        // SAFETY: `init` wrote a `T::TfmCtx` there (`cra_ctxsize` is its size).
        unsafe { &*bindings::vcrs_crypto_skcipher_ctx(tfm).cast::<T::TfmCtx>() }
    }

    extern "C" fn init_callback(tfm: *mut bindings::crypto_skcipher) -> c_int {
        from_result(|| {
            // SAFETY: The crypto API calls `init` with a live transform of this algorithm.
            let alg = unsafe { Self::alg_box(tfm) };
            let ctx = T::init(&alg.data)?;
            // SAFETY: `tfm` is live; its context has room for `T::TfmCtx` (`cra_ctxsize`) and is
            // aligned to at least 8 bytes (CRYPTO_MINALIGN), which the assertion in `new` needs.
            unsafe {
                bindings::vcrs_crypto_skcipher_ctx(tfm)
                    .cast::<T::TfmCtx>()
                    .write(ctx);
                bindings::vcrs_skcipher_set_reqsize_dma(
                    tfm,
                    size_of::<CtxWrap<T::ReqCtx>>() as u32,
                );
            }
            Ok(0)
        })
    }

    extern "C" fn exit_callback(tfm: *mut bindings::crypto_skcipher) {
        // SAFETY: `exit` is only called after a successful `init`, once; nothing uses the
        // context afterwards.
        unsafe {
            core::ptr::drop_in_place(bindings::vcrs_crypto_skcipher_ctx(tfm).cast::<T::TfmCtx>())
        };
    }

    extern "C" fn setkey_callback(
        tfm: *mut bindings::crypto_skcipher,
        key: *const u8,
        keylen: kernel::ffi::c_uint,
    ) -> c_int {
        from_result(|| {
            // SAFETY: The crypto API passes a live, initialised transform and a key of `keylen`
            // bytes.
            let (alg, ctx, key) = unsafe {
                (
                    Self::alg_box(tfm),
                    Self::tfm_ctx(tfm),
                    core::slice::from_raw_parts(key, keylen as usize),
                )
            };
            T::setkey(&alg.data, ctx, key)?;
            Ok(0)
        })
    }

    extern "C" fn encrypt_callback(req: *mut bindings::skcipher_request) -> c_int {
        Self::crypt_callback(req, true)
    }

    extern "C" fn decrypt_callback(req: *mut bindings::skcipher_request) -> c_int {
        Self::crypt_callback(req, false)
    }

    fn crypt_callback(req: *mut bindings::skcipher_request, encrypt: bool) -> c_int {
        let Some(req) = NonNull::new(req) else {
            return -(bindings::EINVAL as c_int);
        };
        // SAFETY: The crypto API hands over a live request of this algorithm, which stays
        // valid until it is completed; its context has `reqsize` bytes for `T::ReqCtx`.
        let req = unsafe { Request::<T>::enter(req) };
        match T::crypt(req, encrypt) {
            Outcome::InProgress => -(bindings::EINPROGRESS as c_int),
            Outcome::Backlogged => -(bindings::EBUSY as c_int),
            Outcome::Done(req) => {
                core::mem::forget(req);
                0
            }
            Outcome::Failed(e, req) => {
                core::mem::forget(req);
                e.to_errno()
            }
        }
    }

    extern "C" fn destroy_callback(alg: *mut bindings::crypto_alg) {
        // SAFETY: `alg` is the `base` of the `skcipher_alg` at offset 0 of an `AlgBox<T>`
        // leaked in `new`; the crypto API calls this once, when the last reference goes.
        let outer = unsafe { alg.cast::<u8>().sub(Self::BASE_OFFSET) }.cast::<AlgBox<T>>();
        // SAFETY: As above: reclaim the box.
        drop(unsafe { KBox::from_raw(outer) });
    }
}

impl<T: Skcipher> Drop for Registration<T> {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the algorithm is registered; the box is freed by
        // `cra_destroy` once no transform uses it any more.
        unsafe { bindings::crypto_unregister_skcipher(&raw mut (*self.alg.as_ptr()).alg) };
    }
}

/// The most entries of a request's data the device is shown through the request's own
/// tables; longer lists go to the device as they are, if they have no empty entry.
const DATA_SG_MAX: usize = 16;

/// What the abstraction keeps in a request's context besides the driver's part: the
/// request's data as the device must see it (no empty entries, exactly `cryptlen` bytes).
#[repr(C)]
struct CtxWrap<C> {
    src: [Opaque<bindings::scatterlist>; DATA_SG_MAX],
    dst: [Opaque<bindings::scatterlist>; DATA_SG_MAX],
    user: C,
}

/// Describes `len` bytes of `list` for a device: in `table`, without empty entries; or, if
/// they need more entries than the table has, `list` itself when it has no empty entry.
///
/// # Safety
///
/// `list` is a valid scatterlist of at least `len` bytes and `table` is writable, both for `'a`.
unsafe fn device_view<'a>(
    table: &'a mut [Opaque<bindings::scatterlist>; DATA_SG_MAX],
    list: *mut bindings::scatterlist,
    len: usize,
) -> Result<Option<SgList<'a>>> {
    let Some(list) = NonNull::new(list) else {
        return Ok(None);
    };
    let len = u32::try_from(len).map_err(|_| EINVAL)?;
    let first = table[0].get();
    // SAFETY: `first` starts `DATA_SG_MAX` writable entries; `list` is valid (requirements).
    let n = unsafe { bindings::vcrs_sg_compact(first, DATA_SG_MAX as u32, list.as_ptr(), len) };
    if n > 0 {
        // SAFETY: The table now holds a terminated list valid for `'a`.
        return Ok(Some(unsafe {
            SgList::from_raw(NonNull::new_unchecked(first))
        }));
    }
    // SAFETY: `list` is valid (requirements).
    if n == -(bindings::E2BIG as i32) && !unsafe { bindings::vcrs_sg_has_empty(list.as_ptr()) } {
        // SAFETY: `list` is valid and terminated for `'a`.
        return Ok(Some(unsafe { SgList::from_raw(list) }));
    }
    Err(EINVAL)
}

/// A request the driver owns until it completes it: exactly once, through
/// [`Request::complete`] or, if it is dropped, with `-EIO` (a request is never lost).
///
/// # Invariants
///
/// `ptr` is a live, not yet completed request of an algorithm registered with `T`, whose
/// context holds an initialised `T::ReqCtx`.
pub struct Request<T: Skcipher> {
    ptr: NonNull<bindings::skcipher_request>,
    _p: PhantomData<T>,
}

// SAFETY: A request may be completed on any CPU.
unsafe impl<T: Skcipher> Send for Request<T> {}

impl<T: Skcipher> Request<T> {
    /// # Safety
    ///
    /// `ptr` is a live request of an algorithm registered with `T`, not completed yet, whose
    /// context has room for `T::ReqCtx`.
    unsafe fn enter(ptr: NonNull<bindings::skcipher_request>) -> Self {
        // SAFETY: The request context has `size_of::<CtxWrap<T::ReqCtx>>()` DMA-aligned bytes.
        unsafe {
            bindings::vcrs_skcipher_request_ctx_dma(ptr.as_ptr())
                .cast::<CtxWrap<T::ReqCtx>>()
                .write(CtxWrap {
                    src: [const { Opaque::uninit() }; DATA_SG_MAX],
                    dst: [const { Opaque::uninit() }; DATA_SG_MAX],
                    user: T::ReqCtx::default(),
                })
        };
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    fn raw(&self) -> *mut bindings::skcipher_request {
        self.ptr.as_ptr()
    }

    fn tfm(&self) -> *mut bindings::crypto_skcipher {
        // SAFETY: By the type invariant the request is live.
        unsafe { bindings::vcrs_crypto_skcipher_reqtfm(self.raw()) }
    }

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

    /// The request's context.
    pub fn ctx(&mut self) -> &mut T::ReqCtx {
        // SAFETY: By the type invariant the context holds an initialised `CtxWrap`, and
        // `&mut self` makes the borrow unique.
        unsafe { &mut (*Self::wrap(self.raw())).user }
    }

    fn wrap(req: *mut bindings::skcipher_request) -> *mut CtxWrap<T::ReqCtx> {
        // SAFETY: Computing the context address of a live request.
        unsafe { bindings::vcrs_skcipher_request_ctx_dma(req).cast() }
    }

    /// The transform's context.
    pub fn tfm_ctx(&self) -> &T::TfmCtx {
        // SAFETY: The request's transform is live and initialised.
        unsafe { Registration::<T>::tfm_ctx(self.tfm()) }
    }

    /// The algorithm's data.
    pub fn alg_data(&self) -> &T::AlgData {
        // SAFETY: The request's transform is live and of this algorithm.
        unsafe { &Registration::<T>::alg_box(self.tfm()).data }
    }

    /// Whether the caller accepts `-EBUSY` with a later `-EINPROGRESS` notification.
    pub fn may_backlog(&self) -> bool {
        // SAFETY: By the type invariant the request is live.
        let flags = unsafe { (*self.raw()).base.flags };
        flags & bindings::CRYPTO_TFM_REQ_MAY_BACKLOG != 0
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

    /// Completes the request with `result`: the caller's callback runs.
    pub fn complete(self, result: Result) {
        let err = match result {
            Ok(()) => 0,
            Err(e) => e.to_errno(),
        };
        let raw = self.raw();
        core::mem::forget(self);
        // SAFETY: The request is live and not yet completed (type invariant); ownership ends
        // here.
        unsafe { bindings::vcrs_crypto_request_complete(&raw mut (*raw).base, err) };
    }

    /// Tells a caller that got `-EBUSY` that its request now goes to the device.
    pub fn notify_in_progress(&self) {
        // SAFETY: The request is live and not completed; `-EINPROGRESS` is a notification,
        // not a completion.
        unsafe {
            bindings::vcrs_crypto_request_complete(
                &raw mut (*self.raw()).base,
                -(bindings::EINPROGRESS as c_int),
            )
        };
    }

    pub(crate) fn list_raw(&self) -> *mut bindings::list_head {
        // SAFETY: By the type invariant the request is live.
        unsafe { &raw mut (*self.raw()).base.list }
    }

    /// # Safety
    ///
    /// `list` is the `base.list` of a request given up by a `Request<T>`.
    pub(crate) unsafe fn from_list_raw(list: *mut bindings::list_head) -> Self {
        // SAFETY: `list` is the `base.list` member of a `struct skcipher_request`.
        let base = unsafe { kernel::container_of!(list, bindings::crypto_async_request, list) };
        // SAFETY: `base` is the `base` member of a `struct skcipher_request`.
        let req = unsafe { kernel::container_of!(base, bindings::skcipher_request, base) };
        Self {
            // SAFETY: Derived from a non-null request pointer.
            ptr: unsafe { NonNull::new_unchecked(req) },
            _p: PhantomData,
        }
    }
}

impl<T: Skcipher> Drop for Request<T> {
    fn drop(&mut self) {
        let raw = self.raw();
        // SAFETY: A request dropped without `complete` is still live and not completed.
        unsafe {
            bindings::vcrs_crypto_request_complete(&raw mut (*raw).base, -(bindings::EIO as c_int))
        };
    }
}

// SAFETY: The request's context and its src/dst scatterlists belong to the request until it
// is completed, which only happens once the item is taken back.
unsafe impl<T: Skcipher> InFlight for Request<T> {
    type Ctx = T::ReqCtx;

    fn into_raw(self) -> NonNull<c_void> {
        let ptr = self.ptr.cast();
        core::mem::forget(self);
        ptr
    }

    unsafe fn from_raw(ptr: NonNull<c_void>) -> Self {
        Self {
            ptr: ptr.cast(),
            _p: PhantomData,
        }
    }

    unsafe fn ctx<'a>(ptr: NonNull<c_void>) -> &'a mut T::ReqCtx {
        // SAFETY: `ptr` is a live request of this type (safety requirements).
        unsafe { &mut (*Request::<T>::wrap(ptr.as_ptr().cast())).user }
    }

    unsafe fn src<'a>(ptr: NonNull<c_void>) -> Result<Option<SgList<'a>>> {
        let req = ptr.as_ptr().cast::<bindings::skcipher_request>();
        // SAFETY: `req` is live; its `src` list (of at least `cryptlen` bytes) and its context
        // stay valid until completion, and nothing else uses the table meanwhile.
        unsafe {
            let wrap = Request::<T>::wrap(req);
            device_view(&mut (*wrap).src, (*req).src, (*req).cryptlen as usize)
        }
    }

    unsafe fn dst<'a>(ptr: NonNull<c_void>) -> Result<Option<SgList<'a>>> {
        let req = ptr.as_ptr().cast::<bindings::skcipher_request>();
        // SAFETY: As for `src`, with the `dst` list.
        unsafe {
            let wrap = Request::<T>::wrap(req);
            device_view(&mut (*wrap).dst, (*req).dst, (*req).cryptlen as usize)
        }
    }
}
