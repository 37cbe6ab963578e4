// SPDX-License-Identifier: GPL-2.0

//! Virtqueues: creation with per-queue callbacks, submission of buffers owned by an
//! in-flight item, completion, and teardown.
//!
//! Soundness rests on two rules the types enforce:
//! - a virtqueue is only touched under its [`IrqSpinLock`] (the C ring is not thread-safe and
//!   its callback runs in hard interrupt context);
//! - memory handed to the device belongs to an [`InFlight`] item that the queue owns until the
//!   device returns it ([`Virtqueue::get_buf`]) or the device is reset
//!   ([`Virtqueue::detach_unused_buf`]); a queue's item type is a type parameter, so a token
//!   always turns back into what it was.
//!
//! Notifications reach the driver in softirq context, not in the hard interrupt: the interrupt
//! turns the queue's notifications off and schedules the queue's own bottom-half work item
//! (`system_bh_wq`, on the CPU that took the interrupt), which calls the [`QueueHandler`] to
//! drain the queue and turns notifications back on only when the queue is empty (drained
//! again if buffers arrived meanwhile). A busy queue so costs one interrupt per burst, not
//! one per buffer, and queues complete in parallel. Completing crypto requests in softirq
//! context is what their users expect (network code, for one, re-enables bottom halves in
//! its completion and must not run with interrupts off). The interrupt finds its context
//! through `vdev->priv` (the field the virtio API reserves for the driver; `vq->priv`
//! belongs to the transport).
//!
//! The device is notified of new buffers in two steps: [`Virtqueue::kick_prepare`] under the
//! queue's lock decides whether it needs to be (with `VIRTIO_RING_F_EVENT_IDX`, a device
//! that is still working says it does not), and [`Kick::send`] notifies it after every lock
//! is released, so that the exit to the device is not paid with locks held.

use crate::{
    abstractions::{
        bindings,
        irq_spinlock::IrqSpinLock,
        scatterlist::{AsSgList, SgBuf, SgList},
        work,
    },
    new_irq_spinlock,
};
use core::{
    ffi::c_void,
    marker::PhantomData,
    ptr::{self, NonNull},
    sync::atomic::{AtomicBool, AtomicU8, Ordering},
};
use kernel::{
    cpumask::Cpumask,
    error::to_result,
    prelude::*,
    str::CString,
    sync::{rcu, Arc, ArcBorrow},
    workqueue::{self, impl_has_work, new_work, Work, WorkItem},
};

/// The most scatterlists one submission may have (header, key, IV, data, AAD, output,
/// result, status).
pub const MAX_PARTS: usize = 8;

/// Receives the used-buffer notifications of a device's virtqueues.
pub trait QueueHandler: Send + Sync {
    /// What the device's queues carry. One type for every queue of the device, fixed at
    /// compile time (an enum such as [`Either`] when queues carry different things).
    type Item: InFlight;

    /// The device has used buffers of queue `index`: take them all back
    /// ([`Virtqueue::get_buf`] until it finds none). Called in softirq (bottom-half)
    /// context, never for one queue on two CPUs at once: must not sleep. `queue` is the
    /// queue's lock. The queue's notifications are off meanwhile.
    fn queue_done(&self, index: usize, queue: &IrqSpinLock<Virtqueue<Self::Item>>);

    /// Queue `index` interrupted (its callback ran). Hard interrupt context: count, do not
    /// work.
    fn interrupted(&self, index: usize) {
        let _ = index;
    }
}

/// How many times a queue's bottom half drains the queue before it lets other bottom halves
/// run (it is queued again, notifications still off).
const DRAIN_ROUNDS: usize = 8;

/// What [`super::Device::find_vqs`] creates for one queue.
pub struct QueueSpec {
    name: CString,
    callback: bool,
}

impl QueueSpec {
    /// A queue named `name` (shown in `/proc/interrupts`). With `callback`, used-buffer
    /// notifications reach the [`QueueHandler`].
    pub fn new(name: CString, callback: bool) -> Self {
        Self { name, callback }
    }
}

/// An item the device works on: it owns (or, for a crypto request, holds on behalf of its
/// caller) every buffer the device reads or writes until the device returns it.
///
/// # Safety
///
/// Implementors guarantee that `into_raw` returns a pointer aligned to [`InFlight::ALIGN`]
/// that `from_raw` turns back into the same item, that the memory [`InFlight::parts`]
/// describes stays valid and at the same address for as long as the item is in raw form, and
/// that nothing else accesses it meanwhile.
pub unsafe trait InFlight: Sized + Send + 'static {
    /// The alignment of the pointers `into_raw` returns.
    const ALIGN: usize;
    /// Gives up ownership; the item lives on behind the pointer.
    fn into_raw(self) -> NonNull<c_void>;
    /// # Safety
    ///
    /// `ptr` comes from `into_raw` of the same type and is not used afterwards.
    unsafe fn from_raw(ptr: NonNull<c_void>) -> Self;
    /// The buffers of the item, as the device must see them.
    ///
    /// # Safety
    ///
    /// `ptr` comes from `into_raw` and the item has not been taken back yet; the parts are
    /// used only until then.
    unsafe fn parts<'a>(ptr: NonNull<c_void>) -> Result<Parts<'a>>;
}

/// Memory in a box that describes its own buffers to a device.
pub trait Buffers: Send + 'static {
    /// The parts of one submission.
    fn parts(&mut self) -> Result<Parts<'_>>;
}

// SAFETY: A `KBox` owns its heap allocation, whose address does not change and which is only
// reachable through the raw pointer while the item is in raw form.
unsafe impl<T: Buffers> InFlight for KBox<T> {
    const ALIGN: usize = core::mem::align_of::<T>();
    fn into_raw(self) -> NonNull<c_void> {
        // SAFETY: `KBox::into_raw` never returns null.
        unsafe { NonNull::new_unchecked(KBox::into_raw(self).cast()) }
    }
    unsafe fn from_raw(ptr: NonNull<c_void>) -> Self {
        // SAFETY: By the safety requirements `ptr` came from `KBox::into_raw`.
        unsafe { KBox::from_raw(ptr.as_ptr().cast()) }
    }
    unsafe fn parts<'a>(ptr: NonNull<c_void>) -> Result<Parts<'a>> {
        // SAFETY: By the safety requirements `ptr` is a live `KBox<T>` allocation that nothing
        // else accesses until it is taken back.
        unsafe { (*ptr.as_ptr().cast::<T>()).parts() }
    }
}

/// One of two item types, for a device whose queues carry different things. The variant
/// travels in the lowest bit of the token, so both types must be aligned to 2 at least.
pub enum Either<A, B> {
    /// The first type.
    Left(A),
    /// The second type.
    Right(B),
}

// SAFETY: The tag bit is only set on tokens of `B`, whose untagged address is aligned (so the
// bit is free); each side keeps its own guarantees.
unsafe impl<A: InFlight, B: InFlight> InFlight for Either<A, B> {
    const ALIGN: usize = {
        assert!(A::ALIGN >= 2 && B::ALIGN >= 2);
        1
    };

    fn into_raw(self) -> NonNull<c_void> {
        const { assert!(A::ALIGN >= 2 && B::ALIGN >= 2) };
        match self {
            Either::Left(a) => a.into_raw(),
            Either::Right(b) => b.into_raw().map_addr(|a| a | 1),
        }
    }

    unsafe fn from_raw(ptr: NonNull<c_void>) -> Self {
        if ptr.addr().get() & 1 == 0 {
            // SAFETY: An untagged token came from `A::into_raw` (requirements).
            Either::Left(unsafe { A::from_raw(ptr) })
        } else {
            // SAFETY: A tagged token came from `B::into_raw`; its address, aligned to 2 or
            // more, is not 0 without the tag.
            Either::Right(unsafe { B::from_raw(untag(ptr)) })
        }
    }

    unsafe fn parts<'a>(ptr: NonNull<c_void>) -> Result<Parts<'a>> {
        if ptr.addr().get() & 1 == 0 {
            // SAFETY: As for `from_raw`.
            unsafe { A::parts(ptr) }
        } else {
            // SAFETY: As for `from_raw`.
            unsafe { B::parts(untag(ptr)) }
        }
    }
}

fn untag(ptr: NonNull<c_void>) -> NonNull<c_void> {
    // SAFETY: A tagged token's address without the tag is that of an item aligned to 2 or
    // more, which is not 0.
    ptr.map_addr(|a| unsafe { core::num::NonZeroUsize::new_unchecked(a.get() & !1) })
}

impl<A: InFlight, B: InFlight> Virtqueue<Either<A, B>> {
    /// Adds an item of the first type (see [`Virtqueue::submit`]); on failure it comes back.
    pub fn submit_left(&mut self, item: A) -> Result<(), (Error, A)> {
        if !self.alive {
            return Err((ENODEV, item));
        }
        let raw = Either::<A, B>::Left(item).into_raw();
        // SAFETY: `raw` came from `into_raw` just above and is given back on every failure.
        let ret = unsafe { self.submit_raw(raw) };
        // SAFETY: On failure the device never saw `raw`, the untagged token of an `A`; it is
        // taken back exactly once.
        ret.map_err(|e| (e, unsafe { A::from_raw(raw) }))
    }

    /// Adds an item of the second type (see [`Virtqueue::submit`]); on failure it comes back.
    pub fn submit_right(&mut self, item: B) -> Result<(), (Error, B)> {
        if !self.alive {
            return Err((ENODEV, item));
        }
        let raw = Either::<A, B>::Right(item).into_raw();
        // SAFETY: As for `submit_left`.
        let ret = unsafe { self.submit_raw(raw) };
        // SAFETY: On failure the device never saw `raw`, the tagged token of a `B`; it is
        // taken back exactly once.
        ret.map_err(|e| (e, unsafe { B::from_raw(untag(raw)) }))
    }
}

/// One part of a submission.
pub enum Part<'a> {
    /// A buffer the device reads.
    Buf(&'a [u8]),
    /// A buffer the device reads that others may write meanwhile (e.g. a transform's key,
    /// which a setkey rewrites).
    Shared(&'a [AtomicU8]),
    /// A buffer the device writes.
    BufMut(&'a mut [u8]),
    /// A scatterlist of somebody else's memory (e.g. a crypto request's data).
    List(SgList<'a>),
}

/// The parts of one submission: first those the device reads, then those it writes.
/// Fixed capacity, so that describing a request allocates nothing.
pub struct Parts<'a> {
    list: [Option<Part<'a>>; MAX_PARTS],
    len: usize,
    nout: usize,
}

impl<'a> Parts<'a> {
    /// No parts yet.
    pub fn new() -> Self {
        Self {
            list: [const { None }; MAX_PARTS],
            len: 0,
            nout: 0,
        }
    }

    fn push(mut self, part: Part<'a>) -> Result<Self> {
        let slot = self.list.get_mut(self.len).ok_or(EINVAL)?;
        *slot = Some(part);
        self.len += 1;
        Ok(self)
    }

    /// Adds a part the device reads; all of them come before the first written part.
    pub fn out(self, part: Part<'a>) -> Result<Self> {
        if self.nout != self.len {
            return Err(EINVAL);
        }
        let mut this = self.push(part)?;
        this.nout += 1;
        Ok(this)
    }

    /// Adds a part the device writes.
    pub fn inn(self, part: Part<'a>) -> Result<Self> {
        self.push(part)
    }
}

impl Default for Parts<'_> {
    fn default() -> Self {
        Self::new()
    }
}

/// One virtqueue of a device, carrying items of type `T`. Only reachable under its lock.
///
/// # Invariants
///
/// While `alive`, `raw` is a live queue of a bound device; every buffer on it belongs to an item
/// of type `T` in raw form.
pub struct Virtqueue<T: InFlight> {
    raw: NonNull<bindings::virtqueue>,
    index: usize,
    /// Cleared (under the lock) before the queue is deleted: a late bottom half finds a dead
    /// queue and does nothing.
    alive: bool,
    _p: PhantomData<T>,
}

// SAFETY: The queue is only used under its lock, from any CPU; its items are `Send`.
unsafe impl<T: InFlight> Send for Virtqueue<T> {}

// The queue holds items only in raw form; nothing of it is pinned.
impl<T: InFlight> Unpin for Virtqueue<T> {}

impl<T: InFlight> Virtqueue<T> {
    /// The queue's index on its device.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The number of descriptors of the ring.
    pub fn size(&self) -> u32 {
        if !self.alive {
            return 0;
        }
        // SAFETY: By the type invariant the queue is live.
        unsafe { bindings::virtqueue_get_vring_size(self.raw.as_ptr()) }
    }

    /// Adds `item` to the queue, with the buffers it describes. Does not notify the device
    /// (see [`Virtqueue::kick`]). On failure the item comes back with the error: `ENOSPC`
    /// when the ring is full.
    pub fn submit(&mut self, item: T) -> Result<(), (Error, T)> {
        if !self.alive {
            return Err((ENODEV, item));
        }
        let raw = item.into_raw();
        // SAFETY: `raw` came from `into_raw` just above and is given back on every failure.
        let ret = unsafe { self.submit_raw(raw) };
        // SAFETY: On failure the device never saw `raw`; it is taken back exactly once.
        ret.map_err(|e| (e, unsafe { T::from_raw(raw) }))
    }

    /// # Safety
    ///
    /// `raw` comes from `T::into_raw`; on success it belongs to the queue.
    unsafe fn submit_raw(&mut self, raw: NonNull<c_void>) -> Result {
        // SAFETY: `raw` is a live item in raw form (function safety requirement).
        let parts = unsafe { T::parts(raw)? };

        // Single entries live here, on the stack: the ring copies what they describe.
        let mut bufs: [Option<SgBuf<'_>>; MAX_PARTS] = [const { None }; MAX_PARTS];
        let mut sgs = [core::ptr::null_mut::<bindings::scatterlist>(); MAX_PARTS];
        let (total, nout) = (parts.len, parts.nout);
        let mut descs = 0usize;
        for (i, part) in parts.list.into_iter().take(total).enumerate() {
            let (ptr, count) = match part {
                Some(Part::Buf(b)) => {
                    let sg = bufs[i].insert(SgBuf::new(b)?);
                    (sg.sg_ptr(), 1)
                }
                Some(Part::Shared(b)) => {
                    let sg = bufs[i].insert(SgBuf::new_shared(b)?);
                    (sg.sg_ptr(), 1)
                }
                Some(Part::BufMut(b)) => {
                    let sg = bufs[i].insert(SgBuf::new_mut(b)?);
                    (sg.sg_ptr(), 1)
                }
                Some(Part::List(l)) => (l.sg_ptr(), l.sg_count()),
                None => return Err(EINVAL),
            };
            descs += count;
            sgs[i] = ptr;
        }
        // A chain longer than the ring can never be added: refuse it rather than trip the
        // ring's warning.
        if descs > self.size() as usize {
            return Err(EINVAL);
        }
        // SAFETY: The queue is live and locked (`&mut self`); `sgs` holds `total` valid,
        // terminated scatterlists over memory the item owns until it is returned; `raw` is
        // the token that `get_buf` gives back.
        let ret = unsafe {
            bindings::virtqueue_add_sgs(
                self.raw.as_ptr(),
                sgs.as_mut_ptr(),
                nout as u32,
                (total - nout) as u32,
                raw.as_ptr(),
                bindings::GFP_ATOMIC,
            )
        };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        Ok(())
    }

    /// Notifies the device of new buffers. Returns false if the device is broken.
    pub fn kick(&mut self) -> bool {
        if !self.alive {
            return false;
        }
        // SAFETY: The queue is live and locked.
        unsafe { bindings::virtqueue_kick(self.raw.as_ptr()) }
    }

    /// Publishes the buffers added since the last call and says whether the device must be
    /// notified of them: then [`Kick::send`] does it, after the lock is released. `None`
    /// when the device does not need it (it still works on the ring and will find them).
    pub fn kick_prepare(&mut self) -> Option<Kick> {
        if !self.alive {
            return None;
        }
        // SAFETY: The queue is live and locked.
        if !unsafe { bindings::virtqueue_kick_prepare(self.raw.as_ptr()) } {
            return None;
        }
        // INVARIANT: The queue is live now and is deleted only after an RCU grace period
        // that starts after it is marked dead (see `Virtqueues::delete` and `drop`): the
        // read-side section taken here keeps it.
        Some(Kick {
            raw: self.raw,
            _rcu: rcu::read_lock(),
        })
    }

    /// Takes back an item the device has finished, with the number of bytes it says it wrote.
    pub fn get_buf(&mut self) -> Option<(T, u32)> {
        if !self.alive {
            return None;
        }
        let mut len = 0u32;
        // SAFETY: The queue is live and locked; `len` is valid for writes.
        let token = unsafe { bindings::virtqueue_get_buf(self.raw.as_ptr(), &mut len) };
        // SAFETY: Every token on this queue came from `T::into_raw` (type invariant), and the
        // ring returns each one once.
        NonNull::new(token).map(|t| (unsafe { T::from_raw(t) }, len))
    }

    /// Takes back an item the device never returned. Only meaningful after a device reset.
    pub fn detach_unused_buf(&mut self) -> Option<T> {
        if !self.alive {
            return None;
        }
        // SAFETY: The queue is live and locked.
        let token = unsafe { bindings::virtqueue_detach_unused_buf(self.raw.as_ptr()) };
        // SAFETY: As for `get_buf`.
        NonNull::new(token).map(|t| unsafe { T::from_raw(t) })
    }

    /// Stops used-buffer notifications (a hint to the device).
    pub fn disable_cb(&mut self) {
        if !self.alive {
            return;
        }
        // SAFETY: The queue is live and locked.
        unsafe { bindings::virtqueue_disable_cb(self.raw.as_ptr()) }
    }

    /// Re-enables notifications; returns false if buffers arrived meanwhile (poll again).
    pub fn enable_cb(&mut self) -> bool {
        if !self.alive {
            return true;
        }
        // SAFETY: The queue is live and locked.
        unsafe { bindings::virtqueue_enable_cb(self.raw.as_ptr()) }
    }

    /// After a device reset: drops every item the device still held (their owners learn
    /// it through the items' `Drop`), and marks the queue dead.
    fn drain(&mut self) {
        while let Some(item) = self.get_buf() {
            drop(item);
        }
        while let Some(item) = self.detach_unused_buf() {
            drop(item);
        }
        self.alive = false;
    }
}

/// A notification of the device that [`Virtqueue::kick_prepare`] found needed; sent by
/// [`Kick::send`] with no lock held (`virtqueue_notify()` needs no serialisation with the
/// queue's other operations).
///
/// # Invariants
///
/// `raw` is a live queue for as long as `_rcu` is held.
pub struct Kick {
    raw: NonNull<bindings::virtqueue>,
    _rcu: rcu::Guard,
}

impl Kick {
    /// Notifies the device. Returns false if the device is broken.
    pub fn send(self) -> bool {
        // SAFETY: By the type invariant the queue is live; notifying needs no lock.
        unsafe { bindings::virtqueue_notify(self.raw.as_ptr()) }
    }
}

/// One queue behind its lock, with the bottom half that delivers its notifications.
#[pin_data]
struct QueueSlot<H: QueueHandler + 'static> {
    handler: Arc<H>,
    index: usize,
    #[pin]
    queue: IrqSpinLock<Virtqueue<H::Item>>,
    #[pin]
    work: Work<QueueSlot<H>>,
}

impl_has_work! {
    impl{H: QueueHandler + 'static} HasWork<Self> for QueueSlot<H> { self.work }
}

impl<H: QueueHandler + 'static> WorkItem for QueueSlot<H> {
    type Pointer = Arc<QueueSlot<H>>;

    /// Drains the queue until it stays empty with notifications on again.
    fn run(this: Arc<QueueSlot<H>>) {
        for _ in 0..DRAIN_ROUNDS {
            this.handler.queue_done(this.index, &this.queue);
            let mut q = this.queue.lock();
            if q.enable_cb() {
                return;
            }
            // Buffers came between the drain and the re-enable: drain again, quietly.
            q.disable_cb();
        }
        // Still busy: other bottom halves get their turn first.
        let _ = workqueue::system_bh().enqueue(this);
    }
}

/// What `vdev->priv` points to while the queues exist: the handler and the queues.
struct Context<H: QueueHandler + 'static> {
    handler: Arc<H>,
    queues: KVec<Arc<QueueSlot<H>>>,
}

/// The virtqueues of one device, created by [`super::Device::find_vqs`] and wrapped in a
/// `Devres`, so they are gone when the device is unbound.
///
/// Dropping it resets the device (no buffer in use, no callback running), returns the items
/// still on the queues to their owners by dropping them (the queue's job, not the driver's),
/// deletes the queues and releases the handler.
///
/// # Invariants
///
/// `vdev` is a bound device whose `priv` holds one reference of `ctx` (from `Arc::into_raw`).
pub struct Virtqueues<H: QueueHandler + 'static> {
    vdev: NonNull<bindings::virtio_device>,
    ctx: Arc<Context<H>>,
    /// The C queues were deleted by [`Virtqueues::delete`] and not created again: the locks
    /// hold dead queues. Only changed in the `Core` context (device lock held).
    deleted: AtomicBool,
    // The ring stores the names' pointers, so they live as long as the queues.
    _specs: KVec<QueueSpec>,
    _p: PhantomData<H>,
}

// SAFETY: The queues are only used under their locks; the handler is `Send + Sync`.
unsafe impl<H: QueueHandler> Send for Virtqueues<H> {}
// SAFETY: Shared access only hands out the locks.
unsafe impl<H: QueueHandler> Sync for Virtqueues<H> {}

impl<H: QueueHandler + 'static> Virtqueues<H> {
    /// The `virtqueue_info` of each spec, for `virtio_find_vqs()` (at creation and when the
    /// queues are created again after a reset).
    fn infos(specs: &[QueueSpec]) -> Result<KVec<bindings::virtqueue_info>> {
        let mut infos = KVec::with_capacity(specs.len(), GFP_KERNEL)?;
        for spec in specs {
            let callback: bindings::vq_callback_t = if spec.callback {
                Some(Self::callback)
            } else {
                None
            };
            infos.push(
                bindings::virtqueue_info {
                    name: spec.name.as_char_ptr(),
                    callback,
                    ctx: false,
                },
                GFP_KERNEL,
            )?;
        }
        Ok(infos)
    }

    /// # Safety
    ///
    /// `vdev` must be a valid device in the `Core` context (probe holds the device lock), and
    /// the result must be dropped before the device is unbound.
    pub(super) unsafe fn new(
        vdev: *mut bindings::virtio_device,
        specs: KVec<QueueSpec>,
        handler: Arc<H>,
    ) -> Result<Self> {
        let vdev = NonNull::new(vdev).ok_or(EINVAL)?;
        let n = specs.len();
        let nvqs = u32::try_from(n).map_err(|_| EINVAL)?;
        let mut infos = Self::infos(&specs)?;
        let mut raw = KVec::from_elem(core::ptr::null_mut(), n, GFP_KERNEL)?;
        let mut slots = KVec::with_capacity(n, GFP_KERNEL)?;

        // `priv` may hold a stale pointer of a driver bound before (the C virtio_crypto does
        // not clear it on remove): it is ours while we are bound, so it is cleared here.
        // SAFETY: `vdev` is valid and no queue exists yet, so no callback reads `priv`.
        unsafe { (*vdev.as_ptr()).priv_ = core::ptr::null_mut() };
        // SAFETY: `vdev` is valid in the `Core` context; `raw` and `infos` hold `nvqs`
        // entries, and the names in `specs` outlive the queues (they move into `Self`).
        let ret = unsafe {
            bindings::vcrs_virtio_find_vqs(
                vdev.as_ptr(),
                nvqs,
                raw.as_mut_ptr(),
                infos.as_mut_ptr(),
            )
        };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        // The queues exist but `priv` is still null: a notification arriving now is ignored,
        // and the device is not ready yet, so it cannot have used any buffer. Until `Self`
        // exists, a failure must delete the queues by hand.
        let built = (|| -> Result<Arc<Context<H>>> {
            for (index, &vq) in raw.iter().enumerate() {
                let raw = NonNull::new(vq).ok_or(EIO)?;
                let queue = Virtqueue::<H::Item> {
                    raw,
                    index,
                    alive: true,
                    _p: PhantomData,
                };
                let handler = handler.clone();
                let slot = Arc::pin_init(
                    pin_init!(QueueSlot {
                        handler,
                        index,
                        queue <- new_irq_spinlock!(queue, "virtio_crypto_rs:vq"),
                        work <- new_work!("virtio_crypto_rs:vq"),
                    }),
                    GFP_KERNEL,
                )?;
                slots.push(slot, GFP_KERNEL)?;
            }
            Ok(Arc::new(
                Context {
                    handler,
                    queues: slots,
                },
                GFP_KERNEL,
            )?)
        })();
        let ctx = match built {
            Ok(ctx) => ctx,
            Err(e) => {
                // SAFETY: The queues were just created and nothing refers to them.
                unsafe {
                    bindings::virtio_reset_device(vdev.as_ptr());
                    bindings::vcrs_virtio_del_vqs(vdev.as_ptr());
                }
                return Err(e);
            }
        };
        // SAFETY: Publishing one reference of the complete context; it is taken back in
        // `drop`, after a reset.
        unsafe { (*vdev.as_ptr()).priv_ = Arc::into_raw(ctx.clone()).cast_mut().cast() };
        Ok(Self {
            vdev,
            ctx,
            deleted: AtomicBool::new(false),
            _specs: specs,
            _p: PhantomData,
        })
    }

    extern "C" fn callback(vq: *mut bindings::virtqueue) {
        // SAFETY: The virtio core calls this with a valid queue of a valid device.
        let (vdev, index) = unsafe { ((*vq).vdev, (*vq).index as usize) };
        // SAFETY: As above; `priv` is only written while no callback can run or before the
        // device is ready.
        let ctx = unsafe { (*vdev).priv_ }.cast::<Context<H>>();
        if ctx.is_null() {
            return;
        }
        // SAFETY: A non-null `priv` holds a reference from `Arc::into_raw` until `drop` clears
        // it, after a reset that waits for running callbacks.
        let ctx = unsafe { ArcBorrow::<Context<H>>::from_raw(ctx) };
        let Some(slot) = ctx.queues.get(index) else {
            return;
        };
        ctx.handler.interrupted(index);
        // Quiet until the bottom half has drained the queue; it turns them on again.
        // SAFETY: `vq` is valid for the callback, and disabling callbacks is the one operation
        // that needs no serialisation with the others (it is only a hint to the device).
        unsafe { bindings::virtqueue_disable_cb(vq) };
        // Already queued: the queued run finds these buffers too.
        let _ = workqueue::system_bh().enqueue(slot.clone());
    }

    fn context(&self) -> &Context<H> {
        &self.ctx
    }

    /// The number of queues.
    pub fn len(&self) -> usize {
        self.context().queues.len()
    }

    /// Whether there are no queues.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The lock of the queue at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&IrqSpinLock<Virtqueue<H::Item>>> {
        self.context().queues.get(index).map(|slot| &slot.queue)
    }

    /// Steers the interrupt of queue `index` to `cpus` (with MSI-X; with INTx nothing
    /// happens). A hint: the queue works on any CPU. A vector shared by several queues (the
    /// transport had fewer vectors than queues) follows the queue steered last. The hints
    /// are cleared before the queues are deleted.
    pub fn set_affinity(
        &self,
        dev: &super::Device<kernel::device::Core<'_>>,
        index: usize,
        cpus: &Cpumask,
    ) -> Result {
        if dev.as_raw() != self.vdev.as_ptr() || self.deleted.load(Ordering::Acquire) {
            return Err(EINVAL);
        }
        let slot = self.context().queues.get(index).ok_or(EINVAL)?;
        let raw = {
            let q = slot.queue.lock();
            if !q.alive {
                return Err(ENODEV);
            }
            q.raw
        };
        // SAFETY: The queue is live: queues are deleted or created again only in the `Core`
        // context, which the caller holds (the device lock), and it is not deleted. The
        // transport may sleep here, so the queue's lock is not held.
        to_result(unsafe { bindings::vcrs_virtqueue_set_affinity(raw.as_ptr(), cpus.as_raw()) })
    }

    /// The handler that receives the queues' notifications.
    pub fn handler(&self) -> &Arc<H> {
        &self.context().handler
    }

    /// Waits for the queues' bottom halves, and gives back the references cancelled ones
    /// held.
    fn cancel_bh(&self) {
        for slot in self.ctx.queues.iter() {
            work::cancel_sync::<_, 0>(slot);
        }
    }

    /// Stops using the queues of a reset device before they are deleted: no bottom half runs
    /// or waits, no interrupt stays steered (`free_irq()` wants the hints cleared), every
    /// item goes back to its owner, and no [`Kick`] is left.
    fn retire(&self) {
        self.cancel_bh();
        for slot in self.ctx.queues.iter() {
            let live = {
                let q = slot.queue.lock();
                q.alive.then_some(q.raw)
            };
            if let Some(raw) = live {
                // SAFETY: A live queue is not deleted before `retire` returns (its callers
                // delete the queues, in the `Core` context or with the last reference); a
                // null mask clears the hint. Not under the lock: the transport may sleep.
                let _ = unsafe { bindings::vcrs_virtqueue_set_affinity(raw.as_ptr(), ptr::null()) };
            }
            slot.queue.lock().drain();
        }
        // A `Kick` taken before the queues died is sent before they go.
        // SAFETY: Waiting for a grace period has no requirement; process context.
        unsafe { bindings::synchronize_rcu() };
    }

    /// Deletes the C queues of a device the driver stops using (its `freeze` or
    /// `reset_prepare`), but keeps this object, its locks and the handler, so that
    /// [`Virtqueues::recreate`] can give the same locks new queues.
    ///
    /// Resets the device first (no buffer in use, no callback running afterwards); items
    /// still on the queues are dropped: take them back before (after a reset of your own,
    /// with [`Virtqueue::get_buf`] and [`Virtqueue::detach_unused_buf`]). Meanwhile every
    /// queue is dead: submissions fail with `ENODEV`, `get_buf` finds nothing.
    pub fn delete(&self, dev: &super::Device<kernel::device::Core<'_>>) -> Result {
        let vdev = self.vdev.as_ptr();
        if dev.as_raw() != vdev {
            return Err(EINVAL);
        }
        if self.deleted.load(Ordering::Acquire) {
            return Ok(());
        }
        // SAFETY: `vdev` is valid and in the `Core` context (device lock held); the reset stops
        // the device from using any buffer and waits for running callbacks.
        unsafe { bindings::virtio_reset_device(vdev) };
        self.retire();
        // SAFETY: The queues exist (not `deleted`), nothing refers to them any more (every
        // lock holds a dead queue, no `Kick` is left), and the device lock is held.
        unsafe { bindings::vcrs_virtio_del_vqs(vdev) };
        self.deleted.store(true, Ordering::Release);
        Ok(())
    }

    /// Creates the queues again after [`Virtqueues::delete`] (the driver's `restore` or
    /// `reset_done`, after the virtio core reset the device and negotiated its features), with
    /// the same specs, into the same locks. The device is not ready yet: call
    /// [`super::Device::ready`] before using them. On failure the queues stay deleted.
    pub fn recreate(&self, dev: &super::Device<kernel::device::Core<'_>>) -> Result {
        let vdev = self.vdev.as_ptr();
        if dev.as_raw() != vdev {
            return Err(EINVAL);
        }
        if !self.deleted.load(Ordering::Acquire) {
            return Ok(());
        }
        let n = self._specs.len();
        let nvqs = u32::try_from(n).map_err(|_| EINVAL)?;
        let mut infos = Self::infos(&self._specs)?;
        let mut raw = KVec::from_elem(core::ptr::null_mut(), n, GFP_KERNEL)?;
        // `priv` still holds our context: a notification on a new queue before its lock holds
        // it finds a dead queue there and does nothing (and the device is not ready yet).
        // SAFETY: `vdev` is valid in the `Core` context; `raw` and `infos` hold `nvqs` entries,
        // and the names in `_specs` outlive the queues.
        let ret = unsafe {
            bindings::vcrs_virtio_find_vqs(vdev, nvqs, raw.as_mut_ptr(), infos.as_mut_ptr())
        };
        if ret < 0 {
            return Err(Error::from_errno(ret));
        }
        if raw.iter().any(|q| q.is_null()) || raw.len() != self.ctx.queues.len() {
            // SAFETY: The queues were just created and nothing refers to them.
            unsafe {
                bindings::virtio_reset_device(vdev);
                bindings::vcrs_virtio_del_vqs(vdev);
            }
            return Err(EIO);
        }
        for (slot, &vq) in self.ctx.queues.iter().zip(raw.iter()) {
            let mut q = slot.queue.lock();
            // INVARIANT: `vq` is a live queue of the bound device, with no buffer on it.
            if let Some(vq) = NonNull::new(vq) {
                q.raw = vq;
                q.alive = true;
            }
        }
        self.deleted.store(false, Ordering::Release);
        Ok(())
    }
}

impl<H: QueueHandler + 'static> Drop for Virtqueues<H> {
    fn drop(&mut self) {
        let vdev = self.vdev.as_ptr();
        // SAFETY: By the type invariant `vdev` is valid; the reset stops the device from using
        // any buffer and waits for running callbacks, so none runs after it returns.
        unsafe { bindings::virtio_reset_device(vdev) };
        // `ptr::replace`, not `mem::take`: raw pointers are `Default` only from Rust 1.88,
        // and distribution kernels are built with 1.85.
        // SAFETY: No callback runs (reset above), so nothing reads `priv` any more; `vdev` is
        // valid, so the place is valid for reads and writes.
        let published = unsafe { ptr::replace(&raw mut (*vdev).priv_, ptr::null_mut()) };
        self.retire();
        if !self.deleted.load(Ordering::Acquire) {
            // SAFETY: The queues were created by `find_vqs` (or `recreate`) and not deleted
            // by `delete`; they are deleted exactly once, here. No `Kick` is left.
            unsafe { bindings::vcrs_virtio_del_vqs(vdev) };
        }
        if !published.is_null() {
            // SAFETY: `priv` held one reference from `Arc::into_raw`.
            drop(unsafe { Arc::from_raw(published.cast::<Context<H>>()) });
        }
    }
}
