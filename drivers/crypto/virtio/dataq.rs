// SPDX-License-Identifier: GPL-2.0

//! The data queues: submission of requests of every algorithm type, the backlog when a ring
//! is full, and completion from the queue's interrupt.
//!
//! The data path names no algorithm: it moves [`DataRequest`]s, and a request the device
//! finished goes back to its own algorithm ([`DataRequest::resume`] with the used length).
//!
//! A request goes to the data queue of the CPU that submits it (see
//! [`CryptoDevice::submit`]), so a transform's requests spread over the queues: the crypto API
//! promises no completion order within a transform, and each queue keeps its own order (its
//! backlog, and the sequence numbers recovery resubmits by).
//!
//! Lock order: the queue's backlog lock, then the virtqueue's lock. Both are taken with
//! interrupts off (the queue's callback takes neither: it only schedules the bottom half
//! that completes). The device is notified after both are released ([`Kick`]), once per
//! batch: a submission, a refill of several backlogged requests, a batch of completions.
//!
//! [`CryptoDevice::submit`]: crate::device::CryptoDevice::submit

use crate::{
    abstractions::{
        bindings,
        crypto::{backlog::Backlog, Queued},
        irq_spinlock::IrqSpinLock,
        virtio::{Either, Kick, Virtqueue},
    },
    requests::{DataCtx, DataRequest, QueueItem},
    session_book::{Handle, Sent, SessionBook},
    stats::Stats,
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::{
    prelude::*,
    time::{Delta, Instant, Monotonic},
};

/// The state of one data queue that lives beside its virtqueue.
#[pin_data]
struct State {
    #[pin]
    backlog: Backlog<DataCtx>,
    /// Requests the device answered `VIRTIO_CRYPTO_ERR`, waiting for the device check
    /// (is it still ready?) before they complete or are resubmitted.
    #[pin]
    parked: Backlog<DataCtx>,
    /// Requests on the ring.
    inflight: u32,
    /// At most this many on the ring (0: no limit but the ring's).
    depth: u32,
    /// The device recovers: requests wait in the backlog, the ring is not refilled.
    held: bool,
    /// The order of the next submission.
    next_seq: u64,
    /// When the device last made progress on this queue (a completion, or the submission
    /// that found the ring empty): the stall watchdog measures from here.
    progress: Option<Instant<Monotonic>>,
}

impl State {
    fn full(&self) -> bool {
        self.depth != 0 && self.inflight >= self.depth
    }
}

/// One data queue: its backlog and accounting, beside the virtqueue it feeds.
#[pin_data]
pub(crate) struct DataQueue {
    /// Its index among the data queues (and its counters').
    index: usize,
    #[pin]
    state: IrqSpinLock<State>,
}

/// The most completions taken off the ring under one hold of the locks: they are then
/// completed with no lock held, and the ring refilled with one notification. On the stack:
/// nothing is allocated per request.
const BATCH: usize = 16;

/// The virtqueue of a data queue.
pub(crate) type DataVq = IrqSpinLock<Virtqueue<QueueItem>>;

/// What the device answers for a request it could not do (`VIRTIO_CRYPTO_ERR`).
const STATUS_ERR: u8 = bindings::VIRTIO_CRYPTO_ERR as u8;
/// What the device answers for a session it does not know (`VIRTIO_CRYPTO_INVSESS`).
const STATUS_INVSESS: u8 = bindings::VIRTIO_CRYPTO_INVSESS as u8;
/// What the device answers for an operation it does not serve (`VIRTIO_CRYPTO_NOTSUPP`).
const STATUS_NOTSUPP: u8 = bindings::VIRTIO_CRYPTO_NOTSUPP as u8;

/// Why a request may go again once its session is mended.
#[derive(Clone, Copy)]
pub(crate) enum Lost {
    /// The device answered INVSESS for this id of a session the driver holds: it lost it.
    Session(u64),
    /// The device refused the request stateless (NOTSUPP) although it offered the mode.
    Stateless,
}

/// What the device check may mend before the request completes, the first time only: INVSESS
/// for a session the driver holds (did the device lose it?), or NOTSUPP for a stateless
/// request (does the device serve the session instead?).
fn lost(ctx: &DataCtx) -> Option<Lost> {
    match ctx.status[0] {
        _ if ctx.renewed != 0 => None,
        STATUS_INVSESS if ctx.stateless == 0 => Some(Lost::Session(ctx.sent_id)),
        STATUS_NOTSUPP if ctx.stateless != 0 => Some(Lost::Stateless),
        _ => None,
    }
}

/// Whether the device check looks at the request before it completes: ERR (is the device
/// still ready?), or an answer [`lost`] may mend.
fn needs_check(ctx: &DataCtx) -> bool {
    ctx.status[0] == STATUS_ERR || lost(ctx).is_some()
}

impl DataQueue {
    pub(crate) fn new(index: usize, depth: u32) -> impl PinInit<Self> {
        pin_init!(Self {
            index,
            state <- crate::new_irq_spinlock!(
                pin_init!(State {
                    backlog <- Backlog::new(),
                    parked <- Backlog::new(),
                    inflight: 0,
                    depth,
                    held: false,
                    next_seq: 0,
                    progress: None,
                }),
                "virtio_crypto_rs:dataq"
            ),
        })
    }

    /// Puts `req` on the ring, or in the backlog if the ring is full (or others wait already,
    /// to keep the order, or the device recovers). `dead` is checked under the lock that
    /// `shutdown` takes, so that no request slips in after the drain.
    pub(crate) fn submit(
        &self,
        vq: &DataVq,
        dead: &AtomicBool,
        book: &SessionBook,
        stats: &Stats,
        req: DataRequest,
    ) -> Result<Queued, (Error, DataRequest)> {
        let (queued, kick) = self.enqueue(vq, dead, book, stats, req)?;
        self.send(kick, stats);
        Ok(queued)
    }

    /// Sends a notification prepared under the locks, now that they are released.
    fn send(&self, kick: Option<Kick>, stats: &Stats) {
        // A broken device is not notified, and its requests wait for the recovery.
        if kick.is_some_and(Kick::send) {
            stats.note_kick(self.index);
        }
    }

    /// [`DataQueue::submit`] under the locks: what the caller is told, and the notification
    /// to send once the locks are released.
    fn enqueue(
        &self,
        vq: &DataVq,
        dead: &AtomicBool,
        book: &SessionBook,
        stats: &Stats,
        req: DataRequest,
    ) -> Result<(Queued, Option<Kick>), (Error, DataRequest)> {
        let mut guard = self.state.lock();
        if dead.load(Ordering::Acquire) {
            return Err((ENODEV, req));
        }
        let full = guard.full();
        let st = guard.as_mut().project();
        if *st.held {
            // The device recovers: the request waits, and its caller sees latency. One that
            // may backlog hears -EBUSY (dm-crypt then stops sending), others -EINPROGRESS.
            Stats::add(&stats.backlogged, 1);
            if req.may_backlog() {
                st.backlog.push_back(req)?;
                return Ok((Queued::Backlogged, None));
            }
            st.backlog.hold_back(req);
            return Ok((Queued::InProgress, None));
        }
        let req = if st.backlog.is_empty() && !full {
            let mut req = req;
            if let Err(e) = stamp(&mut req, book, stats, st.next_seq) {
                return Err((e, req));
            }
            let mut q = vq.lock();
            match q.submit_left(req) {
                Ok(()) => {
                    if *st.inflight == 0 {
                        *st.progress = Some(Instant::now());
                    }
                    *st.inflight += 1;
                    stats.note_submitted(self.index, 1);
                    return Ok((Queued::InProgress, q.kick_prepare()));
                }
                Err((e, req)) if e == ENOSPC => req,
                Err(e) => return Err(e),
            }
        } else {
            req
        };
        st.backlog.push_back(req)?;
        Stats::add(&stats.backlogged, 1);
        Ok((Queued::Backlogged, None))
    }

    /// Waits for a submission in progress on this queue: after `dead` was set, the next
    /// one sees it.
    pub(crate) fn fence(&self) {
        drop(self.state.lock());
    }

    /// Moves backlogged requests onto the ring while there is room (not while held); the
    /// notification for all of them, if the device needs one, is to be sent after the locks.
    fn refill(
        &self,
        state: &mut Pin<&mut State>,
        vq: &mut Virtqueue<QueueItem>,
        book: &SessionBook,
        stats: &Stats,
    ) -> Option<Kick> {
        let mut added = 0;
        while !state.full() && !state.held {
            let mut st = state.as_mut().project();
            let Some(mut req) = st.backlog.as_mut().pop_front() else {
                break;
            };
            // The caller got -EBUSY; it learns now that its request was accepted. Done
            // before the request can complete: completion needs the lock held here.
            req.notify_in_progress();
            if let Err(e) = stamp(&mut req, book, stats, st.next_seq) {
                req.complete(Err(e));
                continue;
            }
            match vq.submit_left(req) {
                Ok(()) => {
                    added += 1;
                    if *st.inflight == 0 {
                        *st.progress = Some(Instant::now());
                    }
                    *st.inflight += 1;
                }
                Err((e, req)) if e == ENOSPC => {
                    st.backlog.as_mut().push_front(req);
                    break;
                }
                Err((e, req)) => req.complete(Err(e)),
            }
        }
        if added == 0 {
            return None;
        }
        stats.note_submitted(self.index, added);
        vq.kick_prepare()
    }

    /// The queue's bottom half: gives every request the device has finished back to its
    /// algorithm and refills the ring from the backlog. Requests are completed with no lock
    /// held, since a completion callback may submit the next request; they are taken off the
    /// ring in batches, each followed by one refill and at most one notification.
    ///
    /// A request the device answered `VIRTIO_CRYPTO_ERR` is parked instead: the device may
    /// have stopped being ready (it answers ERR to everything then). Returns whether one
    /// was, so that the caller has the device checked.
    pub(crate) fn service(&self, vq: &DataVq, book: &SessionBook, stats: &Stats) -> bool {
        let mut parked = false;
        loop {
            let mut done: [Option<(DataRequest, u32)>; BATCH] = [const { None }; BATCH];
            let (drained, kick) = self.take_done(vq, book, stats, &mut done, &mut parked);
            self.send(kick, stats);
            for (req, used) in done.into_iter().flatten() {
                req.resume(used);
            }
            if drained {
                return parked;
            }
        }
    }

    /// Under the locks: fills `done` with requests the device finished (parks those it
    /// answered ERR, setting `parked`) and refills the ring. Returns whether the ring had
    /// no more, and the notification to send.
    fn take_done(
        &self,
        vq: &DataVq,
        book: &SessionBook,
        stats: &Stats,
        done: &mut [Option<(DataRequest, u32)>; BATCH],
        parked: &mut bool,
    ) -> (bool, Option<Kick>) {
        let mut guard = self.state.lock();
        let mut q = vq.lock();
        let mut pinned = guard.as_mut();
        let mut drained = false;
        for slot in done.iter_mut() {
            let Some((item, used)) = q.get_buf() else {
                drained = true;
                break;
            };
            stats.note_completed(self.index);
            // A control buffer never goes on a data queue; it is freed if it did.
            let Either::Left(mut req) = item else {
                continue;
            };
            let st = pinned.as_mut().project();
            *st.inflight = st.inflight.saturating_sub(1);
            *st.progress = Some(Instant::now());
            if needs_check(req.ctx()) {
                req.ctx().used = used;
                st.parked.hold_back(req);
                *parked = true;
            } else {
                *slot = Some((req, used));
            }
        }
        let kick = self.refill(&mut pinned, &mut q, book, stats);
        (drained, kick)
    }

    /// Holds the queue: new requests wait in the backlog, the ring is not refilled.
    pub(crate) fn hold(&self) {
        *self.state.lock().as_mut().project().held = true;
    }

    /// Ends the hold and refills the ring from the backlog.
    pub(crate) fn release(&self, vq: &DataVq, book: &SessionBook, stats: &Stats) {
        let kick = {
            let mut guard = self.state.lock();
            let mut q = vq.lock();
            let mut pinned = guard.as_mut();
            *pinned.as_mut().project().held = false;
            self.refill(&mut pinned, &mut q, book, stats)
        };
        self.send(kick, stats);
    }

    /// After the device check: the parked requests go back to the front of the backlog, to
    /// be resubmitted (`requeue`, the device was not ready), or complete with the device's
    /// answer (it is ready: the ERR was real).
    ///
    /// A request whose session is [`Lost`] goes again instead, if `renew` mends its session
    /// (it may sleep; no lock is held).
    pub(crate) fn unpark(&self, requeue: bool, renew: impl Fn(Handle, Lost) -> bool) {
        if requeue {
            let mut guard = self.state.lock();
            let mut st = guard.as_mut().project();
            // Parked, then backlogged: the parked ones are older. Neither move changes
            // what a caller was told.
            while let Some(req) = st.backlog.as_mut().pop_front() {
                st.parked.as_mut().hold_back(req);
            }
            while let Some(mut req) = st.parked.as_mut().pop_front() {
                req.ctx().status = [0xff];
                st.backlog.as_mut().hold_back(req);
            }
            return;
        }
        loop {
            let req = {
                let mut guard = self.state.lock();
                guard.as_mut().project().parked.pop_front()
            };
            let Some(mut req) = req else {
                break;
            };
            let ctx = req.ctx();
            if lost(ctx).is_some_and(|why| renew(ctx.session, why)) {
                ctx.renewed = 1;
                ctx.status = [0xff];
                let mut guard = self.state.lock();
                guard.as_mut().project().backlog.hold_back(req);
                continue;
            }
            let used = req.ctx().used;
            req.resume(used);
        }
    }

    /// After a device reset (the device uses no buffer any more): every request the device
    /// finished goes back to its algorithm; those it did not finish, and the parked ones,
    /// go back to the front of the backlog in their submission order, to be resubmitted.
    pub(crate) fn take_back(&self, vq: &DataVq) {
        // The order is restored from the requests' sequence numbers, sorted in a vector made
        // now (recovery may allocate; requests do not). Without it they keep the ring's order.
        // One lock at a time (each guard is dropped at the end of its statement): the order
        // is the queue's state, then the virtqueue.
        let parked = self.state.lock().parked.len();
        let cap = vq.lock().size() as usize + parked;
        let mut unfinished: KVec<DataRequest> =
            KVec::with_capacity(cap, GFP_KERNEL).unwrap_or_default();
        loop {
            let (done, lost) = {
                let _guard = self.state.lock();
                let mut q = vq.lock();
                let done = q.get_buf();
                let lost = if done.is_none() {
                    q.detach_unused_buf()
                } else {
                    None
                };
                (done, lost)
            };
            let lost = match (done, lost) {
                (None, None) => break,
                // A request answered ERR (or INVSESS) around a reset is resubmitted, as unfinished.
                (Some((Either::Left(req), _)), _) if needs_check(req.ctx_ref()) => req,
                (Some((Either::Left(req), used)), _) => {
                    req.resume(used);
                    continue;
                }
                (_, Some(Either::Left(req))) => req,
                _ => continue,
            };
            if unfinished.len() == unfinished.capacity() {
                let _ = unfinished.reserve(16, GFP_KERNEL);
            }
            if let Err(e) = unfinished.push_within_capacity(lost) {
                // No room to sort: straight to the front, out of order.
                let mut guard = self.state.lock();
                guard.as_mut().project().backlog.push_front(e.0);
            }
        }
        let mut guard = self.state.lock();
        let st = guard.as_mut().project();
        *st.inflight = 0;
        *st.progress = None;
        let mut st = guard.as_mut().project();
        while let Some(req) = st.parked.as_mut().pop_front() {
            if let Err(e) = unfinished.push_within_capacity(req) {
                st.backlog.as_mut().push_front(e.0);
            }
        }
        unfinished.sort_unstable_by_key(|r| r.ctx_ref().seq);
        while let Some(mut req) = unfinished.pop() {
            // No stale status: the device writes a new one.
            req.ctx().status = [0xff];
            st.backlog.as_mut().push_front(req);
        }
    }

    /// Fails every request the queue holds (backlog, parked) with `err`: the device is gone
    /// or given up.
    pub(crate) fn fail_held(&self, err: Error) {
        loop {
            let req = {
                let mut guard = self.state.lock();
                let mut st = guard.as_mut().project();
                match st.parked.as_mut().pop_front() {
                    Some(r) => Some(r),
                    None => st.backlog.as_mut().pop_front(),
                }
            };
            match req {
                Some(req) => req.complete(Err(err)),
                None => break,
            }
        }
    }

    /// Whether requests are on the ring.
    pub(crate) fn busy(&self) -> bool {
        self.state.lock().inflight > 0
    }

    /// How long the device has not answered while requests are on the ring, if longer than
    /// `timeout`.
    pub(crate) fn stalled(&self, timeout: Delta) -> Option<Delta> {
        let guard = self.state.lock();
        if guard.inflight == 0 || guard.held {
            return None;
        }
        let age = guard.progress?.elapsed();
        (age > timeout).then_some(age)
    }

    /// Fails every request of the queue after the device was reset: those the device finished
    /// go back to their algorithm, the others fail with `err`, the backlog too (its callers
    /// hear `-EINPROGRESS` first).
    pub(crate) fn drain(&self, vq: &DataVq, err: Error) {
        loop {
            let (done, lost, waiting) = {
                let mut guard = self.state.lock();
                let mut q = vq.lock();
                let mut st = guard.as_mut().project();
                let waiting = match st.parked.as_mut().pop_front() {
                    Some(r) => Some(r),
                    None => st.backlog.as_mut().pop_front(),
                };
                (q.get_buf(), q.detach_unused_buf(), waiting)
            };
            if done.is_none() && lost.is_none() && waiting.is_none() {
                break;
            }
            if let Some((Either::Left(req), used)) = done {
                req.resume(used);
            }
            if let Some(req) = waiting {
                req.complete(Err(err));
            }
            if let Some(Either::Left(req)) = lost {
                req.complete(Err(err));
            }
        }
    }
}

/// Writes how the request names its key into its header, at every (re)submission: after a
/// device reset its session has another id, or none yet; a stateless session may have
/// become a device session. Gives the request its place in the queue's order.
fn stamp(req: &mut DataRequest, book: &SessionBook, stats: &Stats, seq: &mut u64) -> Result {
    let ctx = req.ctx();
    match book.stamp(ctx.session, &mut ctx.hdr).ok_or(EIO)? {
        Sent::Session(id) => {
            ctx.sent_id = id;
            ctx.key_len = 0;
            ctx.stateless = 0;
        }
        Sent::Stateless(key_len) => {
            ctx.key_len = key_len;
            ctx.stateless = 1;
            Stats::add(&stats.stateless_requests, 1);
        }
    }
    ctx.status = [0xff];
    ctx.seq = *seq;
    *seq = seq.wrapping_add(1);
    Ok(())
}
