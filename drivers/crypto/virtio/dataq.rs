// SPDX-License-Identifier: GPL-2.0

//! The data queues: submission of requests of every algorithm type, the backlog when a ring
//! is full, and completion from the queue's interrupt.
//!
//! The data path names no algorithm: it moves [`DataRequest`]s, and a request the device
//! finished goes back to its own algorithm ([`DataRequest::resume`] with the used length).
//!
//! Lock order: the queue's backlog lock, then the virtqueue's lock. Both are taken with
//! interrupts off, because completion runs in the queue's interrupt.

use crate::{
    abstractions::{
        crypto::{backlog::Backlog, Queued},
        irq_spinlock::IrqSpinLock,
        virtio::{Either, Virtqueue},
    },
    requests::{DataCtx, DataRequest, QueueItem},
    session_book::SessionBook,
    stats::Stats,
    wire,
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::prelude::*;

/// The state of one data queue that lives beside its virtqueue.
#[pin_data]
struct State {
    #[pin]
    backlog: Backlog<DataCtx>,
    /// Requests on the ring.
    inflight: u32,
    /// At most this many on the ring (0: no limit but the ring's).
    depth: u32,
}

impl State {
    fn full(&self) -> bool {
        self.depth != 0 && self.inflight >= self.depth
    }
}

/// One data queue: its backlog and accounting, beside the virtqueue it feeds.
#[pin_data]
pub(crate) struct DataQueue {
    #[pin]
    state: IrqSpinLock<State>,
}

/// The virtqueue of a data queue.
pub(crate) type DataVq = IrqSpinLock<Virtqueue<QueueItem>>;

impl DataQueue {
    pub(crate) fn new(depth: u32) -> impl PinInit<Self> {
        pin_init!(Self {
            state <- crate::new_irq_spinlock!(
                pin_init!(State {
                    backlog <- Backlog::new(),
                    inflight: 0,
                    depth,
                }),
                "virtio_crypto_rs:dataq"
            ),
        })
    }

    /// Puts `req` on the ring, or in the backlog if the ring is full (or others wait already,
    /// to keep the order). `dead` is checked under the lock that `shutdown` takes, so that no
    /// request slips in after the drain.
    pub(crate) fn submit(
        &self,
        vq: &DataVq,
        dead: &AtomicBool,
        book: &SessionBook,
        stats: &Stats,
        req: DataRequest,
    ) -> Result<Queued, (Error, DataRequest)> {
        let mut guard = self.state.lock();
        if dead.load(Ordering::Acquire) {
            return Err((ENODEV, req));
        }
        let st = guard.as_mut().project();
        let full = *st.depth != 0 && *st.inflight >= *st.depth;
        let req = if st.backlog.is_empty() && !full {
            let mut req = req;
            if let Err(e) = stamp(&mut req, book) {
                return Err((e, req));
            }
            let mut q = vq.lock();
            match q.submit_left(req) {
                Ok(()) => {
                    q.kick();
                    *st.inflight += 1;
                    Stats::add(&stats.submitted, 1);
                    return Ok(Queued::InProgress);
                }
                Err((e, req)) if e == ENOSPC => req,
                Err(e) => return Err(e),
            }
        } else {
            req
        };
        st.backlog.push_back(req)?;
        Stats::add(&stats.backlogged, 1);
        Ok(Queued::Backlogged)
    }

    /// Waits for a submission in progress on this queue: after `dead` was set, the next
    /// one sees it.
    pub(crate) fn fence(&self) {
        drop(self.state.lock());
    }

    /// Moves backlogged requests onto the ring while there is room.
    fn refill(
        state: &mut Pin<&mut State>,
        vq: &mut Virtqueue<QueueItem>,
        book: &SessionBook,
        stats: &Stats,
    ) {
        let mut added = false;
        while !state.full() {
            let mut st = state.as_mut().project();
            let Some(mut req) = st.backlog.as_mut().pop_front() else {
                break;
            };
            // The caller got -EBUSY; it learns now that its request was accepted. Done
            // before the request can complete: completion needs the lock held here.
            req.notify_in_progress();
            if let Err(e) = stamp(&mut req, book) {
                req.complete(Err(e));
                continue;
            }
            match vq.submit_left(req) {
                Ok(()) => {
                    added = true;
                    *st.inflight += 1;
                    Stats::add(&stats.submitted, 1);
                }
                Err((e, req)) if e == ENOSPC => {
                    st.backlog.as_mut().push_front(req);
                    break;
                }
                Err((e, req)) => req.complete(Err(e)),
            }
        }
        if added {
            vq.kick();
        }
    }

    /// The queue's interrupt: gives every request the device has finished back to its
    /// algorithm and refills the ring from the backlog. Requests are completed with no lock
    /// held, since a completion callback may submit the next request.
    pub(crate) fn service(&self, vq: &DataVq, book: &SessionBook, stats: &Stats) {
        loop {
            let done = {
                let mut guard = self.state.lock();
                let mut q = vq.lock();
                let done = q.get_buf();
                let mut pinned = guard.as_mut();
                if done.is_some() {
                    let st = pinned.as_mut().project();
                    *st.inflight = st.inflight.saturating_sub(1);
                }
                Self::refill(&mut pinned, &mut q, book, stats);
                done
            };
            match done {
                Some((Either::Left(req), used)) => req.resume(used),
                // A control buffer never goes on a data queue; it is freed if it did.
                Some((Either::Right(buf), _)) => drop(buf),
                None => break,
            }
        }
    }

    /// Fails every request of the queue after the device was reset: those the device finished
    /// go back to their algorithm, the others fail with `ENODEV`, the backlog too (its
    /// callers hear `-EINPROGRESS` first).
    pub(crate) fn drain(&self, vq: &DataVq) {
        loop {
            let (done, lost, waiting) = {
                let mut guard = self.state.lock();
                let mut q = vq.lock();
                (
                    q.get_buf(),
                    q.detach_unused_buf(),
                    guard.as_mut().project().backlog.pop_front(),
                )
            };
            if done.is_none() && lost.is_none() && waiting.is_none() {
                break;
            }
            if let Some((Either::Left(req), used)) = done {
                req.resume(used);
            }
            if let Some(req) = waiting {
                req.complete(Err(ENODEV));
            }
            if let Some(Either::Left(req)) = lost {
                req.complete(Err(ENODEV));
            }
        }
    }
}

/// Writes the current device id of the request's session into its header, at every
/// (re)submission: after a device reset the session has another id, or none yet.
fn stamp(req: &mut DataRequest, book: &SessionBook) -> Result {
    let ctx = req.ctx();
    let id = book.id(ctx.session).ok_or(EIO)?;
    wire::set_data_session(&mut ctx.hdr, id);
    Ok(())
}
