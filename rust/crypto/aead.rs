// SPDX-License-Identifier: GPL-2.0

//! Authenticated encryption (`struct aead_alg`): the callbacks, the request accessors and
//! a software fallback transform.
//!
//! C header: [`include/crypto/internal/aead.h`](srctree/include/crypto/internal/aead.h).
//!
//! An aead request's data is `assoclen` bytes of AAD followed by the text, in `src` and in
//! `dst` alike. A device sees them as separate parts: the driver says how long each is
//! ([`Request::set_device_layout`]; the accessors have names of their own, as inherent
//! methods of `Request<T>` for different types must not share names) and the core describes them from the request's lists
//! (AAD from the start of `src`, the text from `assoclen` of `src` and `dst`).
//!
//! Unlike ahash, the aead core allocates no fallback: [`AeadFallback`] is a synchronous
//! implementation of the same algorithm the driver allocates at transform init, keyed
//! alongside the device; its sub-request lives in every request's own context, so running
//! a request in software allocates nothing.

use super::{
    private,
    registration::AlgBox,
    request::{reqsize_with_sub, run_op, SgTable, DATA_SG_MAX},
    AlgInfo, AlgType, Algorithm, DeviceData, Outcome, Registration, Request,
};
use crate::abstractions::{bindings, scatterlist::SgList};
use core::{ffi::c_void, mem::size_of, ptr::NonNull};
use kernel::{error::from_result, ffi::c_int, prelude::*, types::Opaque, ThisModule};

/// The aead algorithm type.
pub enum AeadType {}

/// What the device is shown of a request, as the driver chose it.
#[derive(Clone, Copy, Default)]
struct Layout {
    aad: u32,
    src: u32,
    dst: u32,
}

/// The request's data as the device sees it (AAD, source text, destination text), the
/// driver's choice of lengths, and the fallback's sub-request (its context follows it,
/// beyond the end of this structure).
#[repr(C)]
pub struct Scratch {
    aad: SgTable,
    src: SgTable,
    dst: SgTable,
    layout: Layout,
    fb: Opaque<bindings::aead_request>,
}

impl private::Sealed for AeadType {}

/// Describes `len` bytes at `skip` of `list` in `table`, without empty entries.
///
/// # Safety
///
/// `list` is a valid scatterlist of at least `skip + len` bytes, and `table` is writable,
/// both for `'a`.
unsafe fn view_at<'a>(
    table: *mut SgTable,
    list: *mut bindings::scatterlist,
    skip: u32,
    len: u32,
) -> Result<Option<SgList<'a>>> {
    let Some(list) = NonNull::new(list) else {
        return Err(EINVAL);
    };
    if len == 0 {
        return Ok(None);
    }
    let first = table.cast::<bindings::scatterlist>();
    // SAFETY: `first` starts `DATA_SG_MAX` writable entries; `list` is valid (requirements).
    let n = unsafe {
        bindings::vcrs_sg_compact_at(first, DATA_SG_MAX as u32, list.as_ptr(), skip, len)
    };
    if n <= 0 {
        // Too many pieces (or too short a list): the driver's fallback takes the request.
        return Err(if n == -(bindings::E2BIG as i32) {
            E2BIG
        } else {
            EINVAL
        });
    }
    // SAFETY: The table now holds a terminated list valid for `'a`.
    Ok(Some(unsafe {
        SgList::from_raw(NonNull::new_unchecked(first))
    }))
}

impl AlgType for AeadType {
    type RawAlg = bindings::aead_alg;
    type RawTfm = bindings::crypto_aead;
    type RawReq = bindings::aead_request;
    type Scratch = Scratch;

    const ALG_BASE_OFFSET: usize = core::mem::offset_of!(bindings::aead_alg, base);
    const REQ_BASE_OFFSET: usize = core::mem::offset_of!(bindings::aead_request, base);

    unsafe fn register(alg: *mut Self::RawAlg) -> c_int {
        // SAFETY: As required by the trait.
        unsafe { bindings::crypto_register_aead(alg) }
    }

    unsafe fn unregister(alg: *mut Self::RawAlg) {
        // SAFETY: As required by the trait.
        unsafe { bindings::crypto_unregister_aead(alg) }
    }

    unsafe fn tfm_base(tfm: *mut Self::RawTfm) -> *mut bindings::crypto_tfm {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_aead_tfm(tfm) }
    }

    unsafe fn req_tfm(req: *mut Self::RawReq) -> *mut Self::RawTfm {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_aead_reqtfm(req) }
    }

    unsafe fn set_reqsize(tfm: *mut Self::RawTfm, size: u32) {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_crypto_aead_set_reqsize_dma(tfm, size) }
    }

    unsafe fn req_ctx(req: *mut Self::RawReq) -> *mut c_void {
        // SAFETY: As required by the trait.
        unsafe { bindings::vcrs_aead_request_ctx_dma(req) }
    }

    unsafe fn device_data<'a>(
        req: *mut Self::RawReq,
        scratch: *mut Self::Scratch,
    ) -> Result<DeviceData<'a>> {
        // SAFETY: `req` is live; its lists hold the AAD and the text the layout names
        // (checked against the request's lengths by `set_device_layout`), and they and the
        // scratch tables stay valid and unshared for `'a` (requirements).
        unsafe {
            let l = (*scratch).layout;
            let skip = (*req).assoclen;
            Ok(DeviceData {
                src: view_at(&raw mut (*scratch).src, (*req).src, skip, l.src)?,
                dst: view_at(&raw mut (*scratch).dst, (*req).dst, skip, l.dst)?,
                aad: view_at(&raw mut (*scratch).aad, (*req).src, 0, l.aad)?,
                key: &[],
            })
        }
    }
}

/// A synchronous implementation of an aead algorithm, for the requests a device cannot
/// take. Freed on drop.
///
/// # Invariants
///
/// `tfm` is a live transform allocated by `vcrs_aead_fb_alloc`, owned by this value.
pub struct AeadFallback {
    tfm: NonNull<bindings::crypto_aead>,
}

// SAFETY: A transform may be used and freed on any CPU; its key and auth size are only
// changed through `&mut`-free calls that the crypto API serialises with requests (setkey and
// setauthsize are never concurrent with requests of the transform).
unsafe impl Send for AeadFallback {}
// SAFETY: See above; concurrent requests on one transform are allowed by the API.
unsafe impl Sync for AeadFallback {}

impl AeadFallback {
    /// Allocates a synchronous implementation of `name` (never the driver's own, which are
    /// asynchronous). May sleep.
    pub fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is a valid C string.
        let tfm = unsafe { bindings::vcrs_aead_fb_alloc(name.as_char_ptr()) };
        // SAFETY: `tfm` is a pointer or an error pointer; only its value is inspected.
        let err = unsafe { bindings::vcrs_ptr_err(tfm.cast()) };
        if err != 0 {
            return Err(Error::from_errno(err as i32));
        }
        Ok(Self {
            tfm: NonNull::new(tfm).ok_or(ENOMEM)?,
        })
    }

    /// Sets the key (checked as the implementation checks it).
    pub fn setkey(&self, key: &[u8]) -> Result {
        let len = u32::try_from(key.len()).map_err(|_| EINVAL)?;
        // SAFETY: The transform is live (type invariant); `key` is readable for `len` bytes.
        kernel::error::to_result(unsafe {
            bindings::vcrs_aead_fb_setkey(self.tfm.as_ptr(), key.as_ptr(), len)
        })
    }

    /// Sets the tag length (checked as the implementation checks it).
    pub fn setauthsize(&self, authsize: u32) -> Result {
        // SAFETY: The transform is live (type invariant).
        kernel::error::to_result(unsafe {
            bindings::vcrs_aead_fb_setauthsize(self.tfm.as_ptr(), authsize)
        })
    }

    fn reqsize(&self) -> usize {
        // SAFETY: The transform is live (type invariant).
        unsafe { bindings::vcrs_aead_fb_reqsize(self.tfm.as_ptr()) as usize }
    }
}

impl Drop for AeadFallback {
    fn drop(&mut self) {
        // SAFETY: The transform is live and owned (type invariant); nothing uses it after.
        unsafe { bindings::vcrs_aead_fb_free(self.tfm.as_ptr()) };
    }
}

/// The callbacks of an aead implementation.
pub trait Aead: Algorithm<Type = AeadType> {
    /// A transform is created.
    fn init(alg: &Self::AlgData) -> Result<Self::TfmCtx>;

    /// The transform's fallback: its request size is reserved in every request.
    fn fallback(tfm: &Self::TfmCtx) -> &AeadFallback;

    /// A key is set; `authsize` is the transform's current tag length. Never concurrent
    /// with requests of the same transform (API contract).
    fn setkey(alg: &Self::AlgData, tfm: &Self::TfmCtx, key: &[u8], authsize: u32) -> Result;

    /// The tag length is set (at most `maxauthsize`, which the API checked).
    fn setauthsize(alg: &Self::AlgData, tfm: &Self::TfmCtx, authsize: u32) -> Result;

    /// Starts an encryption (`encrypt` true) or decryption of `req`.
    fn crypt(req: Request<Self>, encrypt: bool) -> Outcome<Self>;
}

/// The properties of an aead.
pub struct AeadInfo {
    /// Names, priority and block size (1 for stream modes).
    pub alg: AlgInfo,
    /// IV size in bytes.
    pub ivsize: u32,
    /// The longest tag in bytes.
    pub maxauthsize: u32,
    /// The underlying cipher's block size (for stream modes).
    pub chunksize: u32,
}

/// Registers an asynchronous aead described by `info`, with `data` for its callbacks.
pub fn register<T: Aead>(
    info: &AeadInfo,
    data: T::AlgData,
    module: &'static ThisModule,
) -> impl PinInit<Registration<T>, Error> {
    let alg = bindings::aead_alg {
        setkey: Some(setkey_callback::<T>),
        setauthsize: Some(setauthsize_callback::<T>),
        encrypt: Some(encrypt_callback::<T>),
        decrypt: Some(decrypt_callback::<T>),
        init: Some(init_callback::<T>),
        exit: Some(AlgBox::<T>::exit_callback),
        ivsize: info.ivsize,
        maxauthsize: info.maxauthsize,
        chunksize: info.chunksize,
        ..Default::default()
    };
    Registration::<T>::new(alg, &info.alg, 0, data, module)
}

extern "C" fn init_callback<T: Aead>(tfm: *mut bindings::crypto_aead) -> c_int {
    from_result(|| {
        // SAFETY: The crypto API calls `init` with a live transform of this algorithm.
        let alg = unsafe { AlgBox::<T>::of_tfm(tfm) };
        let ctx = T::init(&alg.data)?;
        // The wrapper, then the fallback's request and its context.
        let size = reqsize_with_sub::<T>(
            core::mem::offset_of!(Scratch, fb),
            size_of::<bindings::aead_request>() + T::fallback(&ctx).reqsize(),
        );
        // SAFETY: `tfm` is live and in its init callback.
        unsafe { AlgBox::<T>::init_tfm(tfm, ctx, size)? };
        Ok(0)
    })
}

extern "C" fn setkey_callback<T: Aead>(
    tfm: *mut bindings::crypto_aead,
    key: *const u8,
    keylen: kernel::ffi::c_uint,
) -> c_int {
    // SAFETY: The crypto API passes a live transform.
    let authsize = unsafe { bindings::vcrs_crypto_aead_authsize(tfm) };
    // SAFETY: The crypto API passes a live, initialised transform and a key of `keylen`
    // bytes.
    unsafe {
        AlgBox::<T>::setkey(tfm, key, keylen, |alg, ctx, key| {
            T::setkey(alg, ctx, key, authsize)
        })
    }
}

extern "C" fn setauthsize_callback<T: Aead>(
    tfm: *mut bindings::crypto_aead,
    authsize: kernel::ffi::c_uint,
) -> c_int {
    from_result(|| {
        // SAFETY: The crypto API passes a live, initialised transform.
        let (alg, ctx) = unsafe { (AlgBox::<T>::of_tfm(tfm), AlgBox::<T>::tfm_ctx(tfm)) };
        T::setauthsize(&alg.data, ctx, authsize)?;
        Ok(0)
    })
}

extern "C" fn encrypt_callback<T: Aead>(req: *mut bindings::aead_request) -> c_int {
    crypt_callback::<T>(req, true)
}

extern "C" fn decrypt_callback<T: Aead>(req: *mut bindings::aead_request) -> c_int {
    crypt_callback::<T>(req, false)
}

fn crypt_callback<T: Aead>(req: *mut bindings::aead_request, encrypt: bool) -> c_int {
    // SAFETY: The crypto API hands over a request of this algorithm; encrypt and decrypt
    // start a request afresh.
    unsafe { run_op::<T>(req, true, |req| T::crypt(req, encrypt)) }
}

impl<T: Aead> Request<T> {
    /// The number of AAD bytes at the start of `src` (and `dst`).
    pub fn assoclen(&self) -> usize {
        // SAFETY: By the type invariant the request is live.
        unsafe { (*self.raw()).assoclen as usize }
    }

    /// The number of text bytes after the AAD: the plaintext on encryption, ciphertext and
    /// tag on decryption.
    pub fn aead_cryptlen(&self) -> usize {
        // SAFETY: By the type invariant the request is live.
        unsafe { (*self.raw()).cryptlen as usize }
    }

    /// The transform's tag length.
    pub fn authsize(&self) -> usize {
        // SAFETY: The request's transform is live.
        unsafe { bindings::vcrs_crypto_aead_authsize(self.tfm()) as usize }
    }

    /// Whether the request works in place (`src` and `dst` are one list).
    pub fn in_place(&self) -> bool {
        // SAFETY: By the type invariant the request is live.
        unsafe { (*self.raw()).src == (*self.raw()).dst }
    }

    /// The caller's IV (`ivsize` bytes; empty without one).
    pub fn aead_iv(&self) -> &[u8] {
        // SAFETY: The request and its transform are live.
        let (iv, len) = unsafe {
            (
                (*self.raw()).iv,
                bindings::vcrs_crypto_aead_ivsize(self.tfm()),
            )
        };
        if iv.is_null() || len == 0 {
            return &[];
        }
        // SAFETY: The API requires `iv` to point to `ivsize` bytes that stay valid until the
        // request completes.
        unsafe { core::slice::from_raw_parts(iv, len as usize) }
    }

    /// Says what the device is shown: the first `aad` bytes of `src` as AAD, `src` bytes of
    /// source text and `dst` bytes of destination text, both from `assoclen`.
    pub fn set_device_layout(&mut self, aad: usize, src: usize, dst: usize) -> Result {
        let (assoclen, cryptlen, authsize) =
            (self.assoclen(), self.aead_cryptlen(), self.authsize());
        // The lists hold `assoclen + cryptlen` bytes in `src`, and `assoclen + cryptlen
        // (+ authsize on encryption)` in `dst`: nothing past them is shown.
        let fits = aad <= assoclen && src <= cryptlen && dst <= cryptlen + authsize;
        if !fits {
            return Err(EINVAL);
        }
        let to32 = |n: usize| u32::try_from(n).map_err(|_| EINVAL);
        let layout = Layout {
            aad: to32(aad)?,
            src: to32(src)?,
            dst: to32(dst)?,
        };
        // SAFETY: The scratch belongs to the request, which the driver holds.
        unsafe { (*self.scratch()).layout = layout };
        Ok(())
    }

    /// Copies `buf.len()` bytes at `offset` of `src` (the AAD counts) into `buf`.
    pub fn read_src(&self, offset: usize, buf: &mut [u8]) -> Result {
        // SAFETY: By the type invariant the request is live.
        let sg = unsafe { (*self.raw()).src };
        let end = offset.checked_add(buf.len()).ok_or(EINVAL)?;
        // `src` holds `assoclen + cryptlen` bytes.
        if sg.is_null() || end > self.assoclen() + self.aead_cryptlen() {
            return Err(EINVAL);
        }
        // SAFETY: `sg` covers `end` bytes (checked above, API contract), `buf` is writable.
        unsafe {
            bindings::vcrs_sg_copy(
                buf.as_mut_ptr().cast(),
                sg,
                offset as u32,
                buf.len() as u32,
                false,
            )
        };
        Ok(())
    }

    /// Copies `buf` to `offset` of `dst` (the AAD counts; on encryption the tag follows the
    /// text).
    pub fn copy_to_dst(&mut self, offset: usize, buf: &[u8]) -> Result {
        let end = offset.checked_add(buf.len()).ok_or(EINVAL)?;
        if end > self.assoclen() + self.aead_cryptlen() + self.authsize() {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariant the request is live; its `dst` holds `end` bytes
        // (the API's contract for encryption, the only user); the helper only reads `buf`.
        unsafe {
            bindings::vcrs_sg_copy(
                buf.as_ptr().cast_mut().cast(),
                (*self.raw()).dst,
                offset as u32,
                buf.len() as u32,
                true,
            )
        };
        Ok(())
    }

    /// Copies the first `len` bytes of `src` to `dst` (the AAD, for a request out of place).
    pub fn copy_aad_to_dst(&self, len: usize) -> Result {
        if self.in_place() || len == 0 {
            return Ok(());
        }
        let len32 = u32::try_from(len).map_err(|_| EINVAL)?;
        if len > self.assoclen() {
            return Err(EINVAL);
        }
        // SAFETY: Both lists hold at least `assoclen` bytes (API contract); they do not
        // overlap (out of place).
        unsafe { bindings::vcrs_memcpy_sglist((*self.raw()).dst, (*self.raw()).src, len32) };
        Ok(())
    }

    /// Zeroes `len` bytes at `offset` of `dst` (the AAD counts).
    pub fn zero_dst(&mut self, offset: usize, len: usize) -> Result {
        let end = offset.checked_add(len).ok_or(EINVAL)?;
        if end > self.assoclen() + self.aead_cryptlen() + self.authsize() {
            return Err(EINVAL);
        }
        // SAFETY: By the type invariant the request is live; its `dst` holds `end` bytes.
        unsafe { bindings::vcrs_sg_zero((*self.raw()).dst, offset as u32, len as u32) };
        Ok(())
    }

    /// Whether the device can be shown the request's data as the layout says (few enough
    /// pieces): checked before submission, so that a request that waits in a backlog is
    /// never refused later for its lists.
    pub fn device_view_ok(&mut self) -> bool {
        let (raw, scratch) = (self.raw(), self.scratch());
        // SAFETY: The request is live and held by the driver; the views are only computed
        // into its own scratch tables and dropped at once.
        unsafe { <AeadType as AlgType>::device_data(raw, scratch).is_ok() }
    }

    /// Runs the request on the transform's fallback ([`Aead::fallback`], synchronously):
    /// its result.
    pub fn run_fallback(&mut self, encrypt: bool) -> Result {
        let raw = self.raw();
        let sub = self.scratch();
        // SAFETY: The request's transform is live and initialised; its context outlives the
        // request.
        let fb = T::fallback(unsafe { AlgBox::<T>::tfm_ctx(self.tfm()) });
        let fb = fb.tfm.as_ptr();
        // SAFETY: The request is live; its context has room after `fb` for the fallback's
        // request (`reqsize`), unused while the driver holds the request; the fallback is
        // synchronous, done with everything when it returns.
        let ret = unsafe { bindings::vcrs_aead_fb_crypt(fb, (*sub).fb.get(), raw, encrypt) };
        kernel::error::to_result(ret)
    }
}

/// Constant-time comparison (`crypto_memneq`): whether `a` and `b` differ.
pub fn memneq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return true;
    }
    // SAFETY: Both are readable for `a.len()` bytes.
    unsafe { bindings::vcrs_memneq(a.as_ptr().cast(), b.as_ptr().cast(), a.len()) }
}

/// The offsets and lengths of the cipher key and the authentication key in an `authenc`
/// key (`crypto_authenc_extractkeys`): `((enc_off, enc_len), (auth_off, auth_len))`.
pub fn authenc_extractkeys(key: &[u8]) -> Result<((usize, usize), (usize, usize))> {
    let len = u32::try_from(key.len()).map_err(|_| EINVAL)?;
    let (mut eo, mut el, mut ao, mut al) = (0u32, 0u32, 0u32, 0u32);
    // SAFETY: `key` is readable for `len` bytes; the outputs are writable.
    let ret = unsafe {
        bindings::vcrs_authenc_extractkeys(key.as_ptr(), len, &mut eo, &mut el, &mut ao, &mut al)
    };
    kernel::error::to_result(ret)?;
    let (eo, el, ao, al) = (eo as usize, el as usize, ao as usize, al as usize);
    // The helper returns ranges inside `key`; checked anyway before anybody slices.
    if eo.checked_add(el).is_none_or(|e| e > key.len())
        || ao.checked_add(al).is_none_or(|e| e > key.len())
    {
        return Err(EINVAL);
    }
    Ok(((eo, el), (ao, al)))
}
