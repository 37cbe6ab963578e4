// SPDX-License-Identifier: GPL-2.0

//! Requests of any algorithm type, owned by the driver until completed.
//!
//! Every request's context starts with a [`ReqHead`] the core keeps (the request's identity,
//! its resume function and its backlog state), followed by the driver's context and the
//! type's scratch space:
//!
//! ```text
//! request ctx (DMA-aligned): ReqHead | T::ReqCtx | <T::Type>::Scratch [| type's trailing data]
//! ```
//!
//! A [`Request<T>`] names the request through its C structure; an [`AnyRequest<C>`] names it
//! through its head, and so is the same type for every algorithm whose driver context is
//! `C`: one queue carries requests of every type, and completion calls the resume function
//! of the request's own algorithm (the Rust form of the C driver's per-request callback).

use super::registration::AlgBox;
use super::{AlgType, Algorithm};
use crate::abstractions::{
    bindings,
    scatterlist::SgList,
    virtio::{InFlight, Parts},
};
use core::{ffi::c_void, marker::PhantomData, ptr::NonNull, sync::atomic::AtomicU8};
use kernel::{ffi::c_int, prelude::*, types::Opaque};

/// The request's data as a device must see it.
#[derive(Default)]
pub struct DeviceData<'a> {
    /// The data the device reads, if any.
    pub src: Option<SgList<'a>>,
    /// The data the device writes, if any.
    pub dst: Option<SgList<'a>>,
    /// Additional authenticated data the device reads after `src` (aead), if any.
    pub aad: Option<SgList<'a>>,
    /// The transform's key, for a request that carries it ([`Algorithm::device_key`]).
    pub key: &'a [AtomicU8],
}

/// A driver context that describes the buffers of its request to a device.
pub trait DeviceParts {
    /// The parts of one submission: the driver's own buffers around the request's `data`.
    fn parts<'a>(&'a mut self, data: DeviceData<'a>) -> Result<Parts<'a>>;
}

/// What the core keeps at the start of every request's context.
#[repr(C)]
pub(super) struct ReqHead {
    /// Links the request into a [`super::backlog::Backlog`].
    pub(super) link: Opaque<bindings::list_head>,
    /// The request's `struct crypto_async_request`.
    base: NonNull<bindings::crypto_async_request>,
    ops: &'static AnyOps,
    /// The caller was answered `-EBUSY` (the request waits in a backlog).
    pub(super) backlogged: bool,
    /// ... and was told `-EINPROGRESS` since.
    notified: bool,
}

/// What an [`AnyRequest`] needs to know of its algorithm.
struct AnyOps {
    resume: unsafe fn(NonNull<ReqHead>, u32),
    /// The data lists borrow the request: valid only until it is taken back (the
    /// `'static` never leaves this file).
    data: unsafe fn(NonNull<ReqHead>) -> Result<DeviceData<'static>>,
}

/// The request context.
#[repr(C)]
pub(super) struct ReqWrap<C, S> {
    pub(super) head: ReqHead,
    pub(super) user: C,
    pub(super) scratch: S,
}

/// The size of a request context whose scratch space ends with a sub-request of a
/// fallback (at `sub_offset` of the scratch space, `sub_size` bytes with its own context).
pub(super) fn reqsize_with_sub<T: Algorithm>(sub_offset: usize, sub_size: usize) -> usize {
    let at = core::mem::offset_of!(WrapOf<T>, scratch) + sub_offset;
    (at + sub_size).max(core::mem::size_of::<WrapOf<T>>())
}

type WrapOf<T> = ReqWrap<<T as Algorithm>::ReqCtx, <<T as Algorithm>::Type as AlgType>::Scratch>;

/// What the driver did with a request.
pub enum Outcome<T: Algorithm> {
    /// On its way; it will be completed (`-EINPROGRESS`).
    InProgress,
    /// Waiting for room, as the caller allowed (`-EBUSY`, then `-EINPROGRESS`, then done).
    Backlogged,
    /// Finished at once; the caller is not called back.
    Done(Request<T>),
    /// Refused; the caller is not called back.
    Failed(Error, Request<T>),
}

impl<T: Algorithm> Outcome<T> {
    /// The value the request's entry point returns.
    pub(super) fn into_errno(self) -> c_int {
        match self {
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
}

/// Where a queue put an [`AnyRequest`] it accepted.
pub enum Queued {
    /// On its way to the device.
    InProgress,
    /// In a backlog, its caller allowed it.
    Backlogged,
}

/// A request the driver owns until it completes it: exactly once, through
/// [`Request::complete`] or, if it is dropped, with `-EIO` (a request is never lost).
///
/// # Invariants
///
/// `ptr` is a live, not yet completed request of an algorithm registered with `T`, whose
/// context holds an initialised head.
pub struct Request<T: Algorithm> {
    ptr: NonNull<<T::Type as AlgType>::RawReq>,
    _p: PhantomData<T>,
}

// SAFETY: A request may be completed on any CPU.
unsafe impl<T: Algorithm> Send for Request<T> {}

impl<T: Algorithm> Request<T> {
    const OPS: AnyOps = AnyOps {
        resume: Self::resume_erased,
        data: Self::data_erased,
    };

    fn wrap_of(ptr: *mut <T::Type as AlgType>::RawReq) -> *mut WrapOf<T> {
        // SAFETY: Computing the context address of a live request.
        unsafe { <T::Type as AlgType>::req_ctx(ptr).cast() }
    }

    /// Takes over a request entering the driver; `fresh` resets the driver's context to its
    /// default, otherwise it keeps what an earlier operation of the same request left.
    ///
    /// # Safety
    ///
    /// `ptr` is a live request of an algorithm registered with `T`, not completed yet,
    /// whose DMA-aligned context has room for the wrapper; without `fresh`, an earlier entry of this
    /// request initialised the driver's context (the API's order of operations).
    pub(super) unsafe fn enter(ptr: NonNull<<T::Type as AlgType>::RawReq>, fresh: bool) -> Self {
        // The context is aligned to `crypto_dma_align()`, at least CRYPTO_MINALIGN (8).
        const { assert!(core::mem::align_of::<WrapOf<T>>() <= 8) };
        let wrap = Self::wrap_of(ptr.as_ptr());
        let base = ptr
            .as_ptr()
            .cast::<u8>()
            .wrapping_add(<T::Type as AlgType>::REQ_BASE_OFFSET)
            .cast::<bindings::crypto_async_request>();
        // SAFETY: The context is writable, DMA-aligned and has room for the wrapper
        // (requirements); `base` is the request's `crypto_async_request`, not null.
        unsafe {
            (&raw mut (*wrap).head).write(ReqHead {
                link: Opaque::uninit(),
                base: NonNull::new_unchecked(base),
                ops: &Self::OPS,
                backlogged: false,
                notified: false,
            });
            if fresh {
                (&raw mut (*wrap).user).write(T::ReqCtx::default());
            }
        }
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    pub(super) fn raw(&self) -> *mut <T::Type as AlgType>::RawReq {
        self.ptr.as_ptr()
    }

    pub(super) fn tfm(&self) -> *mut <T::Type as AlgType>::RawTfm {
        // SAFETY: By the type invariant the request is live.
        unsafe { <T::Type as AlgType>::req_tfm(self.raw()) }
    }

    pub(super) fn scratch(&mut self) -> *mut <T::Type as AlgType>::Scratch {
        // SAFETY: By the type invariant the context holds the wrapper.
        unsafe { &raw mut (*Self::wrap_of(self.raw())).scratch }
    }

    fn head(&self) -> *mut ReqHead {
        // SAFETY: By the type invariant the context holds the wrapper.
        unsafe { &raw mut (*Self::wrap_of(self.raw())).head }
    }

    /// The request's context.
    pub fn ctx(&mut self) -> &mut T::ReqCtx {
        // SAFETY: By the type invariant the context holds an initialised wrapper, and
        // `&mut self` makes the borrow unique.
        unsafe { &mut (*Self::wrap_of(self.raw())).user }
    }

    /// The transform's context.
    pub fn tfm_ctx(&self) -> &T::TfmCtx {
        // SAFETY: The request's transform is live and initialised.
        unsafe { AlgBox::<T>::tfm_ctx(self.tfm()) }
    }

    /// The algorithm's data.
    pub fn alg_data(&self) -> &T::AlgData {
        // SAFETY: The request's transform is live and of this algorithm.
        unsafe { &AlgBox::<T>::of_tfm(self.tfm()).data }
    }

    /// Whether the caller accepts `-EBUSY` with a later `-EINPROGRESS` notification.
    pub fn may_backlog(&self) -> bool {
        // SAFETY: By the type invariant the head is initialised.
        head_may_backlog(unsafe { (*self.head()).base })
    }

    /// Whether the caller allows sleeping in the request's operations.
    pub fn may_sleep(&self) -> bool {
        // SAFETY: By the type invariant the head is initialised and the request live.
        let flags = unsafe { (*(*self.head()).base.as_ptr()).flags };
        flags & bindings::CRYPTO_TFM_REQ_MAY_SLEEP != 0
    }

    /// Completes the request with `result`: the caller's callback runs.
    pub fn complete(self, result: Result) {
        let head = self.head();
        core::mem::forget(self);
        // SAFETY: The request is live and not completed; ownership ends here.
        unsafe { complete_head(head, result) };
    }

    /// Hands the request to `queue` as an [`AnyRequest`]; if the queue refuses it, it is
    /// this request again.
    pub fn submit_any(
        self,
        queue: impl FnOnce(AnyRequest<T::ReqCtx>) -> Result<Queued, (Error, AnyRequest<T::ReqCtx>)>,
    ) -> Outcome<T> {
        let head = NonNull::new(self.head()).map(|h| h.cast::<c_void>());
        let ptr = self.ptr;
        let any = AnyRequest {
            // SAFETY: The head of a live request is not null.
            head: unsafe { NonNull::new_unchecked(self.head()) },
            _p: PhantomData,
        };
        core::mem::forget(self);
        match queue(any) {
            Ok(Queued::InProgress) => Outcome::InProgress,
            Ok(Queued::Backlogged) => Outcome::Backlogged,
            Err((e, back)) if Some(back.head.cast::<c_void>()) == head => {
                core::mem::forget(back);
                // INVARIANT: The same request came back, still owned and not completed.
                Outcome::Failed(
                    e,
                    Self {
                        ptr,
                        _p: PhantomData,
                    },
                )
            }
            Err((e, other)) => {
                // Another request: only a broken queue gives back what it was not handed.
                // Both are failed rather than lost; ours stays wherever the queue put it.
                other.complete(Err(e));
                Outcome::InProgress
            }
        }
    }

    /// # Safety
    ///
    /// `head` is the head of a request of this type given up as an `AnyRequest`.
    unsafe fn from_head(head: NonNull<ReqHead>) -> Self {
        // SAFETY: `base` is at `REQ_BASE_OFFSET` of the request (requirements).
        let base = unsafe { (*head.as_ptr()).base };
        let raw = base
            .as_ptr()
            .cast::<u8>()
            .wrapping_sub(<T::Type as AlgType>::REQ_BASE_OFFSET)
            .cast::<<T::Type as AlgType>::RawReq>();
        Self {
            // SAFETY: Derived from a live request.
            ptr: unsafe { NonNull::new_unchecked(raw) },
            _p: PhantomData,
        }
    }

    /// # Safety
    ///
    /// `head` is the head of a live request of this type, given up as an `AnyRequest`.
    unsafe fn resume_erased(head: NonNull<ReqHead>, arg: u32) {
        // SAFETY: As required.
        let req = unsafe { Self::from_head(head) };
        T::resume(req, arg);
    }

    /// # Safety
    ///
    /// `head` is the head of a live request of this type, given up as an `AnyRequest`, whose
    /// data and scratch nobody else uses until it is taken back. The `'static` of the result
    /// stands for that: the only caller, `InFlight::parts`, shortens it to the item's time
    /// in raw form.
    unsafe fn data_erased(head: NonNull<ReqHead>) -> Result<DeviceData<'static>> {
        // SAFETY: As required.
        let mut req = unsafe { Self::from_head(head) };
        let (raw, scratch, tfm) = (req.raw(), req.scratch(), req.tfm());
        core::mem::forget(req);
        // SAFETY: As required; the lists stay valid while the request is in raw form.
        let mut data = unsafe { <T::Type as AlgType>::device_data(raw, scratch)? };
        // SAFETY: The request's transform is live and initialised, and outlives the request
        // (the crypto API frees a transform only once its requests are done).
        data.key = T::device_key(unsafe { AlgBox::<T>::tfm_ctx(tfm) });
        Ok(data)
    }
}

/// The entry of every asynchronous operation of every type: takes over `req` (`fresh`: with
/// a new driver context) and returns what `op` did with it as the operation's return value.
///
/// # Safety
///
/// `req` is null or a request the crypto API hands to an operation of an algorithm
/// registered with `T` (live until completed, with the context size `T`'s init set); without
/// `fresh`, an earlier operation of the same request initialised the driver's context (the
/// API's order of operations).
pub(super) unsafe fn run_op<T: Algorithm>(
    req: *mut <T::Type as AlgType>::RawReq,
    fresh: bool,
    op: impl FnOnce(Request<T>) -> Outcome<T>,
) -> c_int {
    let Some(req) = NonNull::new(req) else {
        return EINVAL.to_errno();
    };
    // SAFETY: As required.
    let req = unsafe { Request::<T>::enter(req, fresh) };
    op(req).into_errno()
}

impl<T: Algorithm> Drop for Request<T> {
    fn drop(&mut self) {
        // SAFETY: A request dropped without `complete` is still live and not completed.
        unsafe { complete_head(self.head(), Err(EIO)) };
    }
}

fn head_may_backlog(base: NonNull<bindings::crypto_async_request>) -> bool {
    // SAFETY: Called on the base of a live request.
    let flags = unsafe { (*base.as_ptr()).flags };
    flags & bindings::CRYPTO_TFM_REQ_MAY_BACKLOG != 0
}

/// Tells a caller that got `-EBUSY` that its request now goes on (once).
///
/// # Safety
///
/// `head` is the initialised head of a live, not completed request.
unsafe fn notify_head(head: *mut ReqHead) {
    // SAFETY: As required.
    let h = unsafe { &mut *head };
    if h.backlogged && !h.notified {
        h.notified = true;
        // SAFETY: The request is live; `-EINPROGRESS` is a notification, not a completion.
        unsafe {
            bindings::vcrs_crypto_request_complete(
                h.base.as_ptr(),
                -(bindings::EINPROGRESS as c_int),
            )
        };
    }
}

/// Completes a request; a caller that got `-EBUSY` hears `-EINPROGRESS` first, as it waits
/// for that before anything else (dm-crypt blocks on it).
///
/// # Safety
///
/// `head` is the initialised head of a live, not completed request; it is completed here.
unsafe fn complete_head(head: *mut ReqHead, result: Result) {
    let err = match result {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    };
    // SAFETY: As required.
    unsafe {
        notify_head(head);
        bindings::vcrs_crypto_request_complete((*head).base.as_ptr(), err)
    };
}

/// A request of any algorithm type whose driver context is `C`, owned by the driver.
/// Completed exactly once: by its algorithm ([`AnyRequest::resume`]), by
/// [`AnyRequest::complete`], or with `-EIO` when dropped.
///
/// # Invariants
///
/// `head` is the initialised head of a live, not completed request whose algorithm's
/// driver context is `C` and follows the head.
pub struct AnyRequest<C> {
    head: NonNull<ReqHead>,
    _p: PhantomData<C>,
}

// SAFETY: A request may be completed on any CPU.
unsafe impl<C: Send> Send for AnyRequest<C> {}

impl<C> AnyRequest<C> {
    fn wrap(&self) -> *mut ReqWrap<C, ()> {
        // The head and the driver context are the first fields of every `ReqWrap<C, _>`
        // (`repr(C)`), so their offsets do not depend on the scratch type.
        self.head.as_ptr().cast()
    }

    /// The driver's context.
    pub fn ctx(&mut self) -> &mut C {
        // SAFETY: By the type invariant a `C` follows the head, as in `ReqWrap<C, _>`.
        unsafe { &mut (*self.wrap()).user }
    }

    /// The driver's context, to read.
    pub fn ctx_ref(&self) -> &C {
        // SAFETY: By the type invariant a `C` follows the head, as in `ReqWrap<C, _>`.
        unsafe { &(*self.wrap()).user }
    }

    /// Whether the caller accepts `-EBUSY` with a later `-EINPROGRESS` notification.
    pub fn may_backlog(&self) -> bool {
        // SAFETY: By the type invariant the head is initialised.
        head_may_backlog(unsafe { (*self.head.as_ptr()).base })
    }

    /// Tells a caller that got `-EBUSY` that its request now goes to the device; nothing if
    /// it was not backlogged or was told already.
    pub fn notify_in_progress(&mut self) {
        // SAFETY: By the type invariant the request is live and not completed.
        unsafe { notify_head(self.head.as_ptr()) };
    }

    /// Gives the request back to its algorithm ([`Algorithm::resume`]) with `arg`.
    pub fn resume(self, arg: u32) {
        let head = self.head;
        core::mem::forget(self);
        // SAFETY: By the type invariant the head is initialised; its ops are those of the
        // request's own algorithm (written at entry), which takes the request over.
        unsafe { ((*head.as_ptr()).ops.resume)(head, arg) };
    }

    /// Completes the request with `result`.
    pub fn complete(self, result: Result) {
        let head = self.head;
        core::mem::forget(self);
        // SAFETY: By the type invariant the request is live and not completed.
        unsafe { complete_head(head.as_ptr(), result) };
    }

    pub(super) fn into_head(self) -> NonNull<ReqHead> {
        let head = self.head;
        core::mem::forget(self);
        head
    }

    /// # Safety
    ///
    /// `head` came from [`AnyRequest::into_head`] of the same `C`.
    pub(super) unsafe fn from_head(head: NonNull<ReqHead>) -> Self {
        Self {
            head,
            _p: PhantomData,
        }
    }
}

impl<C> Drop for AnyRequest<C> {
    fn drop(&mut self) {
        // SAFETY: A request dropped without completion is live and not completed.
        unsafe { complete_head(self.head.as_ptr(), Err(EIO)) };
    }
}

// SAFETY: The request's context and data belong to the request until it is completed, which
// only happens once the item is taken back; the token is the head's address (aligned like
// `ReqHead`).
unsafe impl<C: DeviceParts + Send + 'static> InFlight for AnyRequest<C> {
    const ALIGN: usize = core::mem::align_of::<ReqHead>();

    fn into_raw(self) -> NonNull<c_void> {
        self.into_head().cast()
    }

    unsafe fn from_raw(ptr: NonNull<c_void>) -> Self {
        // SAFETY: `ptr` came from `into_raw` of this type (requirements).
        unsafe { Self::from_head(ptr.cast()) }
    }

    unsafe fn parts<'a>(ptr: NonNull<c_void>) -> Result<Parts<'a>> {
        let head = ptr.cast::<ReqHead>();
        // SAFETY: `ptr` is a live request in raw form, whose context and data nothing else
        // uses until it is taken back (requirements); its ops are its algorithm's.
        unsafe {
            let data = ((*head.as_ptr()).ops.data)(head)?;
            let user = &mut (*head.as_ptr().cast::<ReqWrap<C, ()>>()).user;
            user.parts(data)
        }
    }
}

/// The most entries of a request's data the device is shown through the request's own
/// tables; longer lists go to the device as they are, if they have no empty entry.
pub(super) const DATA_SG_MAX: usize = 16;

/// A table of scatterlist entries in a request's context.
pub(super) type SgTable = [Opaque<bindings::scatterlist>; DATA_SG_MAX];

/// Describes `len` bytes of `list` for a device: in `table`, without empty entries; or, if
/// they need more entries than the table has, `list` itself when it has no empty entry.
///
/// # Safety
///
/// `list` is null or a valid scatterlist of at least `len` bytes, and `table` is writable,
/// both for `'a`.
pub(super) unsafe fn device_view<'a>(
    table: *mut SgTable,
    list: *mut bindings::scatterlist,
    len: usize,
) -> Result<Option<SgList<'a>>> {
    let Some(list) = NonNull::new(list) else {
        return Ok(None);
    };
    if len == 0 {
        return Ok(None);
    }
    let len = u32::try_from(len).map_err(|_| EINVAL)?;
    let first = table.cast::<bindings::scatterlist>();
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
