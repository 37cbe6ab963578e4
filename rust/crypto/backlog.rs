// SPDX-License-Identifier: GPL-2.0

//! Requests waiting for room on the device, in arrival order.
//!
//! Requests are linked through their own `base.list` member, so queueing allocates nothing.
//! Only requests whose caller allows backlogging (`CRYPTO_TFM_REQ_MAY_BACKLOG`) may wait: they
//! were answered `-EBUSY` and are told `-EINPROGRESS` when they reach the device.

use super::skcipher::{Request, Skcipher};
use crate::abstractions::bindings;
use core::marker::PhantomData;
use kernel::{prelude::*, types::Opaque};

/// Requests of one algorithm type waiting for the device. Not thread-safe: keep it under the
/// lock that also serialises submission.
///
/// # Invariants
///
/// `head` is an initialised list whose entries are the `base.list` of requests given up by
/// `Request<T>` handles, `len` of them.
#[pin_data(PinnedDrop)]
pub struct Backlog<T: Skcipher> {
    #[pin]
    head: Opaque<bindings::list_head>,
    len: usize,
    _p: PhantomData<Request<T>>,
}

// SAFETY: The list only links requests, which may be completed from any CPU.
unsafe impl<T: Skcipher> Send for Backlog<T> {}

impl<T: Skcipher> Backlog<T> {
    /// An empty backlog.
    pub fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            head <- Opaque::ffi_init(|h: *mut bindings::list_head| {
                // SAFETY: `h` is valid for writes and pinned for the backlog's lifetime.
                unsafe { bindings::vcrs_init_list_head(h) }
            }),
            len: 0,
            _p: PhantomData,
        })
    }

    /// Appends `req`. A request that may not wait comes back with `EBUSY`.
    pub fn push_back(self: Pin<&mut Self>, req: Request<T>) -> Result<(), (Error, Request<T>)> {
        if !req.may_backlog() {
            return Err((EBUSY, req));
        }
        // SAFETY: Only `len` is touched, which is not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        let entry = req.list_raw();
        core::mem::forget(req);
        // SAFETY: `head` is initialised (type invariant); `entry` belongs to a live request not
        // on any list, now owned by the backlog.
        unsafe { bindings::vcrs_list_add_tail(entry, this.head.get()) };
        this.len += 1;
        Ok(())
    }

    /// Puts `req` back at the front (it could not be submitted after all).
    pub fn push_front(self: Pin<&mut Self>, req: Request<T>) {
        // SAFETY: As for `push_back`.
        let this = unsafe { self.get_unchecked_mut() };
        let entry = req.list_raw();
        core::mem::forget(req);
        // SAFETY: As for `push_back`.
        unsafe { bindings::vcrs_list_add(entry, this.head.get()) };
        this.len += 1;
    }

    /// Takes the oldest request.
    pub fn pop_front(self: Pin<&mut Self>) -> Option<Request<T>> {
        // SAFETY: As for `push_back`.
        let this = unsafe { self.get_unchecked_mut() };
        if this.len == 0 {
            return None;
        }
        // SAFETY: The list is initialised and not empty; its first entry is a request's
        // `base.list`, which is unlinked here and handed back to a `Request<T>`.
        let req = unsafe {
            let first = (*this.head.get()).next;
            bindings::vcrs_list_del_init(first);
            Request::<T>::from_list_raw(first)
        };
        this.len -= 1;
        Some(req)
    }

    /// The number of waiting requests.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no request waits.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[pinned_drop]
impl<T: Skcipher> PinnedDrop for Backlog<T> {
    fn drop(self: Pin<&mut Self>) {
        let mut this = self;
        // Nothing may be lost: requests still waiting are completed with an error.
        while let Some(req) = this.as_mut().pop_front() {
            req.complete(Err(ENODEV));
        }
    }
}
