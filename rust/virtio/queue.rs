// SPDX-License-Identifier: GPL-2.0

//! Virtqueues: creation with per-queue callbacks, and their teardown.
//!
//! The callbacks reach the driver through `vdev->priv` (the field the virtio API reserves
//! for the driver; `vq->priv` belongs to the transport): it holds an `Arc` of the driver's
//! [`QueueHandler`] for as long as the queues exist.

use crate::abstractions::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{
    prelude::*,
    str::CString,
    sync::Arc,
    types::{ForeignOwnable, Opaque},
};

/// Receives the used-buffer notifications of a device's virtqueues.
pub trait QueueHandler: Send + Sync {
    /// The device has used buffers of `vq`. Called in interrupt context: must not sleep.
    fn queue_done(&self, vq: &Virtqueue);
}

/// What [`super::Device::find_vqs`] creates for one queue.
pub struct QueueSpec {
    /// The queue's name (shown in `/proc/interrupts`); the ring keeps a pointer to it.
    pub name: CString,
    /// Whether used-buffer notifications of this queue reach the [`QueueHandler`].
    pub callback: bool,
}

/// One virtqueue of a device: a `struct virtqueue` of the C virtio core.
///
/// # Invariants
///
/// Wraps a valid `struct virtqueue`, alive for as long as the reference to it.
#[repr(transparent)]
pub struct Virtqueue(Opaque<bindings::virtqueue>);

impl Virtqueue {
    fn as_raw(&self) -> *mut bindings::virtqueue {
        self.0.get()
    }

    /// The queue's index on its device.
    pub fn index(&self) -> u32 {
        // SAFETY: By the type invariant the queue is valid; `index` never changes.
        unsafe { (*self.as_raw()).index }
    }

    /// The number of descriptors of the ring.
    pub fn size(&self) -> u32 {
        // SAFETY: By the type invariant the queue is valid.
        unsafe { bindings::virtqueue_get_vring_size(self.as_raw()) }
    }
}

/// The virtqueues of one device, created by [`super::Device::find_vqs`].
///
/// Dropping it resets the device (so no buffer is in use and no callback runs), then
/// deletes the queues and releases the handler.
///
/// # Invariants
///
/// `vdev` is a valid device for `'a`; `vqs` are its queues, created by `find_vqs` and not yet
/// deleted; `vdev->priv` holds a reference of `handler` obtained from `into_foreign`.
pub struct Virtqueues<'a, H: QueueHandler + 'static> {
    vdev: NonNull<bindings::virtio_device>,
    vqs: KVec<NonNull<Virtqueue>>,
    // The ring stores the names' pointers, so they live as long as the queues.
    _specs: KVec<QueueSpec>,
    handler: Arc<H>,
    _p: PhantomData<&'a ()>,
}

// SAFETY: The queues and the device may be used from any thread; the handler is `Send + Sync`.
unsafe impl<H: QueueHandler> Send for Virtqueues<'_, H> {}
// SAFETY: Shared access only reads immutable fields of the queues.
unsafe impl<H: QueueHandler> Sync for Virtqueues<'_, H> {}

impl<'a, H: QueueHandler + 'static> Virtqueues<'a, H> {
    /// # Safety
    ///
    /// `vdev` must be a valid device in the `Core` context (probe holds the device lock), valid
    /// for `'a`.
    pub(super) unsafe fn new(
        vdev: *mut bindings::virtio_device,
        specs: KVec<QueueSpec>,
        handler: Arc<H>,
    ) -> Result<Self> {
        let vdev = NonNull::new(vdev).ok_or(EINVAL)?;
        let n = specs.len();
        let nvqs = u32::try_from(n).map_err(|_| EINVAL)?;
        let mut infos = KVec::with_capacity(n, GFP_KERNEL)?;
        for spec in specs.iter() {
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
        let mut raw = KVec::from_elem(core::ptr::null_mut(), n, GFP_KERNEL)?;
        let vdev_ptr = vdev;
        let vdev = vdev.as_ptr();

        // SAFETY: `vdev` is valid (function safety requirement).
        if !unsafe { (*vdev).priv_ }.is_null() {
            return Err(EBUSY);
        }
        // The handler must be reachable before the first interrupt can arrive.
        // SAFETY: as above; no queue exists yet, so no callback reads `priv` concurrently.
        unsafe { (*vdev).priv_ = handler.clone().into_foreign() };

        // SAFETY: `vdev` is valid in the `Core` context; `raw` and `infos` hold `nvqs` entries,
        // and the names in `specs` outlive the queues (they move into `Self`).
        let ret = unsafe {
            bindings::vcrs_virtio_find_vqs(vdev, nvqs, raw.as_mut_ptr(), infos.as_mut_ptr())
        };
        if ret < 0 {
            // SAFETY: no queue exists, so nothing reads `priv`; it holds the reference stored
            // above.
            unsafe { Self::release_handler(vdev) };
            return Err(Error::from_errno(ret));
        }

        // From here on, dropping `this` resets the device and deletes the queues.
        let mut this = Self {
            vdev: vdev_ptr,
            vqs: KVec::with_capacity(n, GFP_KERNEL)?,
            _specs: specs,
            handler,
            _p: PhantomData,
        };
        for &vq in raw.iter() {
            let vq = NonNull::new(vq.cast::<Virtqueue>()).ok_or(EIO)?;
            this.vqs.push(vq, GFP_KERNEL)?;
        }
        Ok(this)
    }

    /// Drops the handler reference stored in `vdev->priv` and clears it.
    ///
    /// # Safety
    ///
    /// `vdev` is valid, `vdev->priv` holds a reference from `Arc<H>::into_foreign`, and no
    /// queue callback can run.
    unsafe fn release_handler(vdev: *mut bindings::virtio_device) {
        // SAFETY: by the safety requirements, `vdev` is valid and nothing else accesses `priv`.
        let ptr = unsafe { (*vdev).priv_ };
        // SAFETY: as above.
        unsafe { (*vdev).priv_ = core::ptr::null_mut() };
        // SAFETY: `ptr` came from `into_foreign` of an `Arc<H>` and is not used any more.
        drop(unsafe { Arc::<H>::from_foreign(ptr) });
    }

    extern "C" fn callback(vq: *mut bindings::virtqueue) {
        // SAFETY: The virtio core calls this with a valid queue of a valid device.
        let vdev = unsafe { (*vq).vdev };
        // SAFETY: as above; `priv` is only written while no callback can run.
        let ptr = unsafe { (*vdev).priv_ };
        if ptr.is_null() {
            return;
        }
        // SAFETY: `priv` holds a reference from `Arc<H>::into_foreign` that is only released
        // after a device reset has waited for every running callback.
        let handler = unsafe { <Arc<H> as ForeignOwnable>::borrow(ptr) };
        // SAFETY: `vq` is valid for the duration of the callback; `Virtqueue` is a transparent
        // wrapper of `struct virtqueue`.
        let vq = unsafe { &*vq.cast::<Virtqueue>() };
        handler.queue_done(vq);
    }

    /// The number of queues.
    pub fn len(&self) -> usize {
        self.vqs.len()
    }

    /// Whether there are no queues.
    pub fn is_empty(&self) -> bool {
        self.vqs.is_empty()
    }

    /// The queue at `index`, if any.
    pub fn get(&self, index: usize) -> Option<&Virtqueue> {
        // SAFETY: By the type invariant the queues are alive while `self` is.
        self.vqs.get(index).map(|vq| unsafe { vq.as_ref() })
    }

    /// The handler that receives the queues' notifications.
    pub fn handler(&self) -> &Arc<H> {
        &self.handler
    }
}

impl<H: QueueHandler + 'static> Drop for Virtqueues<'_, H> {
    fn drop(&mut self) {
        let vdev = self.vdev.as_ptr();
        // SAFETY: By the type invariant `vdev` is valid; the reset stops the device from using
        // any buffer and waits for running callbacks, so none runs after it returns.
        unsafe { bindings::virtio_reset_device(vdev) };
        // SAFETY: The queues were created by `find_vqs` and are deleted exactly once, here.
        unsafe { bindings::vcrs_virtio_del_vqs(vdev) };
        // SAFETY: `priv` holds our handler reference (type invariant); no callback can run.
        unsafe { Self::release_handler(vdev) };
    }
}
