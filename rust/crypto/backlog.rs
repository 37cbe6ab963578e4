// SPDX-License-Identifier: GPL-2.0

//! Requests waiting for room on a device, in arrival order.
//!
//! Requests are linked through the head of their own context, so queueing allocates
//! nothing, and requests of every algorithm type wait in one backlog. Only requests whose
//! caller allows backlogging (`CRYPTO_TFM_REQ_MAY_BACKLOG`) may wait: they were answered
//! `-EBUSY` and hear `-EINPROGRESS` when they go on ([`AnyRequest::notify_in_progress`]) or,
//! at the latest, right before their completion.

use super::{request::ReqHead, AnyRequest};
use crate::abstractions::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{prelude::*, types::Opaque};

/// Requests waiting for a device. Not thread-safe: keep it under the lock that also
/// serialises submission.
///
/// # Invariants
///
/// `head` is an initialised list whose entries are the `link` of heads given up by
/// `AnyRequest<C>` handles, `len` of them.
#[pin_data(PinnedDrop)]
pub struct Backlog<C> {
    #[pin]
    head: Opaque<bindings::list_head>,
    len: usize,
    _p: PhantomData<AnyRequest<C>>,
}

// SAFETY: The list only links requests, which may be completed from any CPU.
unsafe impl<C: Send> Send for Backlog<C> {}

impl<C> Backlog<C> {
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

    /// Links `req`; `busy`: its caller is answered `-EBUSY` (and hears `-EINPROGRESS` when it
    /// goes on). Without it the request's `backlogged` state is left as it was.
    fn link(req: AnyRequest<C>, front: bool, busy: bool, this: &mut Self) {
        let head = req.into_head();
        // SAFETY: `head` is the initialised head of a live request, now owned by the backlog;
        // its link is on no list. `this.head` is initialised (type invariant).
        unsafe {
            if busy {
                (*head.as_ptr()).backlogged = true;
            }
            let entry = (*head.as_ptr()).link.get();
            if front {
                bindings::vcrs_list_add(entry, this.head.get());
            } else {
                bindings::vcrs_list_add_tail(entry, this.head.get());
            }
        }
        this.len += 1;
    }

    /// Appends `req`. A request whose caller does not allow waiting comes back with `EBUSY`.
    pub fn push_back(
        self: Pin<&mut Self>,
        req: AnyRequest<C>,
    ) -> Result<(), (Error, AnyRequest<C>)> {
        if !req.may_backlog() {
            return Err((EBUSY, req));
        }
        // SAFETY: Only `len` is touched, which is not structurally pinned.
        Self::link(req, false, true, unsafe { self.get_unchecked_mut() });
        Ok(())
    }

    /// Appends `req`, which its caller was told is in progress (`-EINPROGRESS`): a request
    /// held while the device recovers, whatever its `CRYPTO_TFM_REQ_MAY_BACKLOG` flag (the
    /// caller sees latency, not `-EBUSY`).
    pub fn hold_back(self: Pin<&mut Self>, req: AnyRequest<C>) {
        // SAFETY: As for `push_back`.
        Self::link(req, false, false, unsafe { self.get_unchecked_mut() });
    }

    /// Puts `req` back at the front: it could not be submitted after all, or a device reset
    /// took it back from the device. What its caller was told does not change (a request
    /// taken back from a device was never answered `-EBUSY`, and hears no `-EINPROGRESS`).
    pub fn push_front(self: Pin<&mut Self>, req: AnyRequest<C>) {
        // SAFETY: As for `push_back`.
        Self::link(req, true, false, unsafe { self.get_unchecked_mut() });
    }

    /// Takes the oldest request.
    pub fn pop_front(self: Pin<&mut Self>) -> Option<AnyRequest<C>> {
        // SAFETY: As for `push_back`.
        let this = unsafe { self.get_unchecked_mut() };
        if this.len == 0 {
            return None;
        }
        // SAFETY: The list is initialised and not empty; its first entry is the `link` of a
        // head given up by an `AnyRequest<C>`, unlinked here and handed back.
        let req = unsafe {
            let first = (*this.head.get()).next;
            bindings::vcrs_list_del_init(first);
            let head =
                kernel::container_of!(first.cast::<Opaque<bindings::list_head>>(), ReqHead, link);
            AnyRequest::from_head(NonNull::new_unchecked(head))
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
impl<C> PinnedDrop for Backlog<C> {
    fn drop(self: Pin<&mut Self>) {
        let mut this = self;
        // Nothing may be lost: requests still waiting are completed with an error.
        while let Some(req) = this.as_mut().pop_front() {
            req.complete(Err(ENODEV));
        }
    }
}
