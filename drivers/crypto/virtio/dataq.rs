// SPDX-License-Identifier: GPL-2.0

//! The data queues: submission of cipher requests, the backlog when a ring is full, and
//! completion from the queue's interrupt.
//!
//! Lock order: the queue's backlog lock, then the virtqueue's lock. Both are taken with
//! interrupts off, because completion runs in the queue's interrupt.

use crate::{
    abstractions::{
        crypto::{
            backlog::Backlog,
            skcipher::{Outcome, Request},
        },
        irq_spinlock::IrqSpinLock,
        virtio::{Part, Parts, Virtqueue},
    },
    algs::{self, IvOut},
    skcipher::{ReqCtx, VirtioSkcipher},
    stats::Stats,
    wire,
};
use core::sync::atomic::{AtomicBool, Ordering};
use kernel::prelude::*;

/// The state of one data queue that lives beside its virtqueue.
#[pin_data]
pub(crate) struct DataQueueState {
    #[pin]
    backlog: Backlog<VirtioSkcipher>,
    /// Requests on the ring.
    inflight: u32,
    /// At most this many on the ring (0: no limit but the ring's).
    depth: u32,
}

impl DataQueueState {
    pub(crate) fn new(depth: u32) -> impl PinInit<Self> {
        pin_init!(Self {
            backlog <- Backlog::new(),
            inflight: 0,
            depth,
        })
    }

    fn full(&self) -> bool {
        self.depth != 0 && self.inflight >= self.depth
    }
}

fn describe(ctx: &mut ReqCtx) -> Result<Parts<'_>> {
    let mut parts = Parts::new().out(Part::Buf(&ctx.hdr))?;
    if ctx.iv_len > 0 {
        parts = parts.out(Part::Buf(ctx.iv.get(..ctx.iv_len).ok_or(EINVAL)?))?;
    }
    parts
        .out(Part::Src)?
        .inn(Part::Dst)?
        .inn(Part::Buf(&ctx.status))
}

/// Puts `req` on the ring, or in the backlog if the ring is full (or others wait already,
/// to keep the order).
pub(crate) fn submit(
    state: &IrqSpinLock<DataQueueState>,
    queue: &IrqSpinLock<Virtqueue>,
    dead: &AtomicBool,
    stats: &Stats,
    req: Request<VirtioSkcipher>,
) -> Outcome<VirtioSkcipher> {
    let mut guard = state.lock();
    // Checked under the lock that `shutdown` takes: no request slips in after the drain.
    if dead.load(Ordering::Acquire) {
        return Outcome::Failed(ENODEV, req);
    }
    let st = guard.as_mut().project();
    let full = *st.depth != 0 && *st.inflight >= *st.depth;
    let req = if st.backlog.is_empty() && !full {
        let mut vq = queue.lock();
        match vq.submit(req, describe) {
            Ok(()) => {
                vq.kick();
                *st.inflight += 1;
                Stats::add(&stats.submitted, 1);
                return Outcome::InProgress;
            }
            Err((e, req)) if e == ENOSPC => req,
            Err((e, req)) => return Outcome::Failed(e, req),
        }
    } else {
        req
    };
    match st.backlog.push_back(req) {
        Ok(()) => {
            Stats::add(&stats.backlogged, 1);
            Outcome::Backlogged
        }
        Err((e, req)) => Outcome::Failed(e, req),
    }
}

/// Moves backlogged requests onto the ring while there is room.
fn refill(state: &mut Pin<&mut DataQueueState>, vq: &mut Virtqueue, stats: &Stats) {
    let mut added = false;
    while !state.full() {
        let mut st = state.as_mut().project();
        let Some(mut req) = st.backlog.as_mut().pop_front() else {
            break;
        };
        if !req.ctx().notified {
            // The caller got -EBUSY; it learns now that its request was accepted. Done
            // before the request can complete: completion needs the lock held here.
            req.ctx().notified = true;
            req.notify_in_progress();
        }
        match vq.submit(req, describe) {
            Ok(()) => {
                added = true;
                *st.inflight += 1;
                Stats::add(&stats.submitted, 1);
            }
            Err((e, req)) if e == ENOSPC => {
                st.backlog.as_mut().push_front(req);
                break;
            }
            Err((e, req)) => {
                Stats::add(&stats.failed, 1);
                req.complete(Err(e));
            }
        }
    }
    if added {
        vq.kick();
    }
}

/// The queue's interrupt: completes every request the device has finished and refills the
/// ring from the backlog. Requests are completed with no lock held, since a completion
/// callback may submit the next request.
pub(crate) fn service(
    state: &IrqSpinLock<DataQueueState>,
    queue: &IrqSpinLock<Virtqueue>,
    stats: &Stats,
) {
    loop {
        let done = {
            let mut guard = state.lock();
            let mut vq = queue.lock();
            let done = vq.get_buf::<Request<VirtioSkcipher>>();
            let mut pinned = guard.as_mut();
            if done.is_some() {
                let st = pinned.as_mut().project();
                *st.inflight = st.inflight.saturating_sub(1);
            }
            refill(&mut pinned, &mut vq, stats);
            done
        };
        match done {
            Some((req, used)) => finish(req, used, stats),
            None => break,
        }
    }
}

/// Fails every request of the queue after the device was reset: those the device finished
/// are completed normally, the others with `ENODEV`, and the backlog with `ENODEV` (after
/// the `-EINPROGRESS` its callers wait for).
pub(crate) fn drain(
    state: &IrqSpinLock<DataQueueState>,
    queue: &IrqSpinLock<Virtqueue>,
    stats: &Stats,
) {
    loop {
        let (done, lost, waiting) = {
            let mut guard = state.lock();
            let mut vq = queue.lock();
            (
                vq.get_buf::<Request<VirtioSkcipher>>(),
                vq.detach_unused_buf::<Request<VirtioSkcipher>>(),
                guard.as_mut().project().backlog.pop_front(),
            )
        };
        if done.is_none() && lost.is_none() && waiting.is_none() {
            break;
        }
        if let Some((req, used)) = done {
            finish(req, used, stats);
        }
        if let Some(mut req) = waiting {
            // Its caller got -EBUSY and waits for -EINPROGRESS before anything else
            // (dm-crypt blocks on it): the notification comes first, even for a failure.
            if !req.ctx().notified {
                req.ctx().notified = true;
                req.notify_in_progress();
            }
            Stats::add(&stats.failed, 1);
            req.complete(Err(ENODEV));
        }
        if let Some(req) = lost {
            Stats::add(&stats.failed, 1);
            req.complete(Err(ENODEV));
        }
    }
}

/// Completes a request the device returned: checks what the device wrote, sets the output
/// IV, and calls the caller back.
fn finish(mut req: Request<VirtioSkcipher>, used: u32, stats: &Stats) {
    let len = req.cryptlen();
    let cipher = req.alg_data().cipher;
    let (status, encrypt, iv, next_iv) = {
        let ctx = req.ctx();
        (ctx.status[0], ctx.encrypt, ctx.iv, ctx.next_iv)
    };
    // The device writes the output, then the status byte behind it; a shorter used length
    // says it did not write them all, and what the caller's buffer holds is not an answer.
    let mut result = if (used as usize) < len + 1 {
        Err(EIO)
    } else {
        wire::status_to_result(u32::from(status))
    };
    if result.is_ok() {
        result = set_iv_out(&mut req, cipher, len, encrypt, iv, next_iv);
    }
    if result.is_ok() {
        Stats::add(&stats.completed, 1);
        Stats::add(&stats.bytes, len as u64);
    } else {
        Stats::add(&stats.failed, 1);
    }
    req.complete(result);
}

fn set_iv_out(
    req: &mut Request<VirtioSkcipher>,
    cipher: &algs::CipherAlg,
    len: usize,
    encrypt: bool,
    iv: [u8; 16],
    next_iv: [u8; 16],
) -> Result {
    let bs = cipher.cipher_block;
    let mut out = iv;
    match cipher.iv_out {
        IvOut::None | IvOut::Unchanged => return Ok(()),
        IvOut::LastCipherBlock if encrypt => {
            req.copy_from_dst(len - bs, out.get_mut(..bs).ok_or(EINVAL)?)?
        }
        IvOut::LastCipherBlock => out = next_iv,
        IvOut::Counter => algs::ctr_add(&mut out[..bs], len.div_ceil(bs) as u64),
    }
    let dst = req.iv();
    let n = dst.len().min(out.len());
    dst[..n].copy_from_slice(&out[..n]);
    Ok(())
}
