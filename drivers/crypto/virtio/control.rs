// SPDX-License-Identifier: GPL-2.0

//! The control queue: session creation and destruction, one request at a time.
//!
//! One request buffer per device is allocated at probe and cycles between the driver and the
//! device, so control requests allocate nothing. The buffer's whereabouts are the queue's
//! only state: a request waits (bounded, interruptibly) for the buffer to come home, both
//! before it is sent and for its answer.
//!
//! A caller that stops waiting (the device took longer than [`TIMEOUT_MS`], or a signal)
//! leaves the buffer with the device and marks its answer abandoned. Nobody reads an
//! abandoned answer, and a session it created is destroyed by the queue callback the moment
//! the answer comes (the buffer goes straight back to the device with the destroy request),
//! so a late device leaks no session and the next request finds the buffer as it should.
//! Waiting uninterruptibly instead would make a stuck device hang `cryptsetup` unkillably;
//! the kernel's condition variable has no uninterruptible timed wait either.

use crate::{
    abstractions::{
        irq_spinlock::{IrqSpinLock, IrqSpinLockGuard},
        virtio::{Either, Virtqueue},
    },
    requests::{ControlBuf, QueueItem, MAX_KEY},
    wire::{self, Format, SessionKind, SESSION_ID_AT, SESSION_INPUT_LEN, SESSION_STATUS_AT},
};
use kernel::{
    new_condvar,
    prelude::*,
    sync::{CondVar, CondVarTimeoutResult, Mutex},
    time::msecs_to_jiffies,
};

/// How long a control request may take before the device is considered unresponsive.
const TIMEOUT_MS: u32 = 5000;
/// How long a control request waits for a recovering device before it fails.
const HOLD_TIMEOUT_MS: u32 = 30000;
/// How many times a control request is sent again after a recovery took it back.
const RETRIES: u32 = 3;

/// Creates and destroys device sessions, named by handles that survive a device reset
/// (see [`crate::session_book`]).
pub(crate) trait Sessions {
    /// Makes a session of `kind` for `algo` (with `key` for ciphers and MACs); its handle.
    /// The session is the device's, or, where the device serves stateless requests and the
    /// driver's policy says so, one whose requests carry the key.
    fn create_session(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64>;
    /// Creates a session on the device whatever the policy (proof that the device serves
    /// the algorithm); its handle.
    fn create_device_session(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64>;
    /// Destroys the session of `handle`.
    fn destroy_session(&self, handle: u64) -> Result;
}

/// What the device holds while nobody waits for its answer.
#[derive(Clone, Copy)]
enum Abandoned {
    /// A session creation: the session it may create must be destroyed.
    Create { kind: SessionKind, algo: u32 },
    /// Anything else (a destruction): the answer only has to come back.
    Other,
}

/// Where the request buffer is: with the driver (`Some`) or with the device (`None`).
struct Slot {
    buf: Option<KBox<ControlBuf>>,
    /// Set while the device holds a request whose caller stopped waiting.
    abandoned: Option<Abandoned>,
    /// The device recovers: requests wait until it is back (its queue is being re-created).
    held: bool,
    /// A recovery took the buffer back unanswered: its caller sends it again.
    aborted: bool,
}

/// The control queue of one device, beside its virtqueue.
#[pin_data]
pub(crate) struct ControlQueue {
    /// Serialises control requests (sleeping is allowed: setkey and tfm exit may sleep).
    #[pin]
    serial: Mutex<()>,
    /// The buffer's whereabouts; taken in the queue callback, so interrupts are off.
    #[pin]
    slot: IrqSpinLock<Slot>,
    #[pin]
    returned: CondVar,
    /// The request format the device agreed to.
    format: Format,
}

/// Puts a control buffer on the control virtqueue and notifies the device; the buffer
/// comes back if it could not be sent.
pub(crate) type SendFn<'a> = &'a dyn Fn(KBox<ControlBuf>) -> Result<(), (Error, KBox<ControlBuf>)>;

impl ControlQueue {
    pub(crate) fn new(format: Format) -> Result<impl PinInit<Self, Error>> {
        let buf = KBox::new(ControlBuf::new(), GFP_KERNEL)?;
        Ok(try_pin_init!(Self {
            serial <- kernel::new_mutex!(()),
            slot <- crate::new_irq_spinlock!(Slot {
                buf: Some(buf),
                abandoned: None,
                held: false,
                aborted: false,
            }),
            returned <- new_condvar!(),
            format,
        }? Error))
    }

    /// The device gave the buffer back. If its caller is waiting, wake it; if the answer was
    /// abandoned and created a session, send the buffer straight back (on `vq`, when the
    /// device still runs) to destroy that session.
    fn returned(&self, buf: KBox<ControlBuf>, len: u32, vq: Option<&mut Virtqueue<QueueItem>>) {
        let mut buf = buf;
        buf.used_len = len;
        let mut slot = self.slot.lock();
        if slot.abandoned.is_some() {
            // Nobody reads this answer: the key goes now, not at the next request.
            buf.key.wipe();
        }
        if let (Some(Abandoned::Create { kind, algo }), Some(vq)) = (slot.abandoned, vq) {
            if let Ok(id) = created_id(&buf) {
                fill_destroy(&mut buf, self.format, kind, algo, id);
                match vq.submit_right(buf) {
                    Ok(()) => {
                        vq.kick();
                        slot.abandoned = Some(Abandoned::Other);
                        return;
                    }
                    Err((_, b)) => {
                        // Cannot happen (the queue holds one control request at a time);
                        // the session then lives until the device resets.
                        buf = b;
                    }
                }
            }
        }
        slot.abandoned = None;
        slot.buf = Some(buf);
        self.returned.notify_all();
    }

    /// Called from the control queue's callback: takes the buffer back from the device.
    pub(crate) fn complete(&self, vq: &mut Virtqueue<QueueItem>) {
        while let Some((item, len)) = vq.get_buf() {
            match item {
                Either::Right(buf) => self.returned(buf, len, Some(&mut *vq)),
                // A data request never goes on the control queue; it fails if it did.
                Either::Left(req) => req.complete(Err(EIO)),
            }
        }
    }

    /// After a device reset: takes the buffer back if the device held it (the reset
    /// destroyed every session, an abandoned one too), and wakes the waiter (which sees no
    /// answer and fails).
    pub(crate) fn abort(&self, vq: &mut Virtqueue<QueueItem>) {
        self.slot.lock().abandoned = None;
        self.complete(vq);
        while let Some(item) = vq.detach_unused_buf() {
            if let Either::Right(buf) = item {
                self.returned(buf, 0, None);
            }
        }
    }

    /// Sends `buf` on `vq`, unless a recovery holds the queue (`EAGAIN`) or `may_send` says
    /// no (`EOPENSTALE`); the buffer comes back then. Both are checked under the queue's lock,
    /// which [`ControlQueue::take_back`] takes after [`ControlQueue::hold`]: a buffer is
    /// either refused or on the ring when the recovery takes it back.
    pub(crate) fn send_on(
        &self,
        vq: &IrqSpinLock<Virtqueue<QueueItem>>,
        buf: KBox<ControlBuf>,
        may_send: &dyn Fn() -> bool,
    ) -> Result<(), (Error, KBox<ControlBuf>)> {
        let mut q = vq.lock();
        if self.slot.lock().held {
            return Err((EAGAIN, buf));
        }
        if !may_send() {
            return Err((EOPENSTALE, buf));
        }
        q.submit_right(buf)?;
        q.kick();
        Ok(())
    }

    /// A recovery starts: requests wait. Called before the device is reset.
    pub(crate) fn hold(&self) {
        self.slot.lock().held = true;
    }

    /// The device is back (or gone for good): waiting requests go on.
    pub(crate) fn release(&self) {
        self.slot.lock().held = false;
        self.returned.notify_all();
    }

    /// After a device reset for a recovery: takes the buffer back if the device held it,
    /// unanswered. Its caller, if one waits, sends its request again once the device is
    /// back instead of failing; an abandoned answer has nothing left to undo (the reset
    /// destroyed every session).
    pub(crate) fn take_back(&self, vq: &mut Virtqueue<QueueItem>) {
        let mut answered = false;
        while let Some((item, len)) = vq.get_buf() {
            if let Either::Right(buf) = item {
                // Answered before the reset: its caller reads the answer as usual, but an
                // abandoned create is not undone on the device (the reset did it).
                self.slot.lock().abandoned = None;
                self.returned(buf, len, None);
                answered = true;
            }
        }
        while let Some(item) = vq.detach_unused_buf() {
            if let Either::Right(buf) = item {
                {
                    let mut slot = self.slot.lock();
                    // A caller waits unless it abandoned the request: it learns, when it
                    // wakes up, that the request was taken back unanswered.
                    slot.aborted = slot.abandoned.is_none() && !answered;
                    slot.abandoned = None;
                }
                self.returned(buf, 0, None);
            }
        }
    }

    /// Waits, bounded and interruptibly, while the device recovers.
    fn wait_released(&self) -> Result {
        let mut slot = self.slot.lock();
        let mut left = msecs_to_jiffies(HOLD_TIMEOUT_MS);
        while slot.held {
            match self.returned.wait_interruptible_timeout(&mut slot, left) {
                CondVarTimeoutResult::Woken { jiffies } => left = jiffies,
                CondVarTimeoutResult::Timeout if slot.held => return Err(ETIMEDOUT),
                CondVarTimeoutResult::Signal { .. } if slot.held => return Err(EINTR),
                _ => {}
            }
        }
        Ok(())
    }

    /// Waits, at most [`TIMEOUT_MS`] and interruptibly, until the buffer is the driver's.
    fn wait_home(&self, slot: &mut IrqSpinLockGuard<'_, Slot>) -> Result {
        let mut left = msecs_to_jiffies(TIMEOUT_MS);
        while slot.buf.is_none() {
            match self.returned.wait_interruptible_timeout(slot, left) {
                CondVarTimeoutResult::Woken { jiffies } => left = jiffies,
                CondVarTimeoutResult::Timeout if slot.buf.is_none() => return Err(ETIMEDOUT),
                CondVarTimeoutResult::Signal { .. } if slot.buf.is_none() => return Err(EINTR),
                _ => {}
            }
        }
        Ok(())
    }

    /// Sends one request and waits for the device's answer; returns the buffer's answer.
    /// `abandon` says what to do with the answer if the caller stops waiting for it.
    ///
    /// A recovery of the device meanwhile does not fail the request: it waits until the
    /// device is back and is sent again (at most [`RETRIES`] times). With `moot` (a request
    /// that a device reset makes pointless: a destruction), it is not sent again and `moot`
    /// is the answer, as when `send` refuses it with `EOPENSTALE`.
    fn transact(
        &self,
        send: SendFn<'_>,
        abandon: Abandoned,
        moot: Option<[u8; SESSION_INPUT_LEN]>,
        fill: impl Fn(&mut ControlBuf),
    ) -> Result<[u8; SESSION_INPUT_LEN]> {
        let mut tries = 0;
        loop {
            // Not under `serial`: the recovery re-creates sessions through this queue.
            self.wait_released()?;
            if let Some(answer) = self.transact_once(send, abandon, &fill)? {
                return Ok(answer);
            }
            if let Some(answer) = moot {
                return Ok(answer);
            }
            tries += 1;
            if tries > RETRIES {
                return Err(EIO);
            }
        }
    }

    /// One try of [`ControlQueue::transact`]; `None` if a recovery took the request back.
    fn transact_once(
        &self,
        send: SendFn<'_>,
        abandon: Abandoned,
        fill: &impl Fn(&mut ControlBuf),
    ) -> Result<Option<[u8; SESSION_INPUT_LEN]>> {
        let _serial = self.serial.lock();
        let mut buf = {
            let mut slot = self.slot.lock();
            // An earlier caller gave up on the device, which may still hold the buffer.
            self.wait_home(&mut slot)?;
            // A recovery is under way.
            if slot.held {
                return Ok(None);
            }
            slot.aborted = false;
            slot.buf.take().ok_or(EIO)?
        };
        fill(&mut buf);
        buf.used_len = 0;
        if let Err((e, buf)) = send(buf) {
            // The device never saw the buffer: it is the driver's again.
            let mut slot = self.slot.lock();
            slot.buf = Some(buf);
            if slot.held || e == EAGAIN || e == EOPENSTALE {
                // The queue is being re-created, or the request lost its point.
                return Ok(None);
            }
            return Err(e);
        }
        let mut slot = self.slot.lock();
        if let Err(e) = self.wait_home(&mut slot) {
            slot.abandoned = Some(abandon);
            return Err(e);
        }
        if core::mem::take(&mut slot.aborted) {
            if let Some(buf) = slot.buf.as_mut() {
                buf.key.wipe();
            }
            return Ok(None);
        }
        let buf = slot.buf.as_mut().ok_or(EIO)?;
        // Keys do not linger in memory longer than the request.
        buf.key.wipe();
        if (buf.used_len as usize) < buf.input_len {
            return Err(EIO);
        }
        Ok(Some(buf.input))
    }

    /// Creates a session of `kind` for `algo` and `key`; returns its id.
    pub(crate) fn create_session(
        &self,
        send: SendFn<'_>,
        kind: SessionKind,
        algo: u32,
        key: &[u8],
    ) -> Result<u64> {
        if key.len() > MAX_KEY || (key.is_empty() && kind != SessionKind::Hash) {
            return Err(EINVAL);
        }
        let input = self.transact(send, Abandoned::Create { kind, algo }, None, |b| {
            b.hdr = wire::create_session(self.format, kind, algo, key.len() as u32);
            b.key[..key.len()].copy_from_slice(key);
            b.key_len = key.len();
            b.input_len = SESSION_INPUT_LEN;
            b.input = [0; SESSION_INPUT_LEN];
            // No status yet.
            b.input[SESSION_STATUS_AT] = 0xff;
        })?;
        session_answer(&input)
    }

    /// Destroys a session. A `send` that refuses it with `EOPENSTALE` (a device reset destroyed
    /// the session already, and the id may name another session by now) makes it a success.
    pub(crate) fn destroy_session(
        &self,
        send: SendFn<'_>,
        kind: SessionKind,
        algo: u32,
        session_id: u64,
    ) -> Result {
        // VIRTIO_CRYPTO_OK: what a reset did is as good as the device's answer.
        let moot = Some([0u8; SESSION_INPUT_LEN]);
        let input = self.transact(send, Abandoned::Other, moot, |b| {
            fill_destroy(b, self.format, kind, algo, session_id)
        })?;
        wire::status_to_result(u32::from(input[0]))
    }
}

/// Fills `buf` with a request to destroy session `id`.
fn fill_destroy(buf: &mut ControlBuf, format: Format, kind: SessionKind, algo: u32, id: u64) {
    buf.hdr = wire::destroy_session(format, kind, algo, id);
    buf.key_len = 0;
    buf.input_len = 1;
    buf.input = [0; SESSION_INPUT_LEN];
    // No status yet.
    buf.input[0] = 0xff;
}

/// The session id of a `virtio_crypto_session_input`, if its status says it was created.
fn session_answer(input: &[u8; SESSION_INPUT_LEN]) -> Result<u64> {
    let mut id = [0u8; 8];
    id.copy_from_slice(&input[SESSION_ID_AT..SESSION_ID_AT + 8]);
    let mut status = [0u8; 4];
    status.copy_from_slice(&input[SESSION_STATUS_AT..SESSION_STATUS_AT + 4]);
    wire::status_to_result(u32::from_le_bytes(status))?;
    Ok(u64::from_le_bytes(id))
}

/// The session a returned create request made, if it made one.
fn created_id(buf: &ControlBuf) -> Result<u64> {
    if buf.input_len != SESSION_INPUT_LEN || (buf.used_len as usize) < SESSION_INPUT_LEN {
        return Err(EIO);
    }
    session_answer(&buf.input)
}
