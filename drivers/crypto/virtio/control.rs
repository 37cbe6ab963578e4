// SPDX-License-Identifier: GPL-2.0

//! The control queue: session creation and destruction, one request at a time.
//!
//! One request buffer per device is allocated at probe and cycles between the driver and the
//! device, so control requests allocate nothing. A request is waited for with a bound; if the
//! device does not answer in time the buffer stays with the device (it may still write to it)
//! and the queue refuses work until the device gives it back.

use crate::{
    abstractions::{
        irq_spinlock::IrqSpinLock,
        virtio::{Either, Virtqueue},
    },
    requests::{ControlBuf, QueueItem, MAX_KEY},
    wire::{self, SessionKind, SESSION_ID_AT, SESSION_INPUT_LEN, SESSION_STATUS_AT},
};
use kernel::{
    new_condvar,
    prelude::*,
    sync::{CondVar, Mutex},
    time::msecs_to_jiffies,
};

/// How long a control request may take before the device is considered unresponsive.
const TIMEOUT_MS: u32 = 5000;

/// Creates and destroys device sessions.
pub(crate) trait Sessions {
    /// Creates a session of `kind` for `algo` (with `key` for ciphers and MACs); its id.
    fn create_session(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64>;
    /// Destroys a session.
    fn destroy_session(&self, kind: SessionKind, algo: u32, id: u64) -> Result;
}

/// Where the request buffer is: with the driver (`Some`) or with the device (`None`).
struct Slot {
    buf: Option<KBox<ControlBuf>>,
    /// Set by the queue callback when the device returns the buffer.
    returned: bool,
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
}

/// Puts a control buffer on the control virtqueue and notifies the device; the buffer
/// comes back if it could not be sent.
pub(crate) type SendFn<'a> = &'a dyn Fn(KBox<ControlBuf>) -> Result<(), (Error, KBox<ControlBuf>)>;

/// Sends `buf` on `vq`.
pub(crate) fn send_on(
    vq: &IrqSpinLock<Virtqueue<QueueItem>>,
    buf: KBox<ControlBuf>,
) -> Result<(), (Error, KBox<ControlBuf>)> {
    let mut q = vq.lock();
    q.submit_right(buf)?;
    q.kick();
    Ok(())
}

impl ControlQueue {
    pub(crate) fn new() -> Result<impl PinInit<Self, Error>> {
        let buf = KBox::new(ControlBuf::new(), GFP_KERNEL)?;
        Ok(try_pin_init!(Self {
            serial <- kernel::new_mutex!(()),
            slot <- crate::new_irq_spinlock!(Slot { buf: Some(buf), returned: false }),
            returned <- new_condvar!(),
        }? Error))
    }

    fn returned(&self, buf: KBox<ControlBuf>, len: u32) {
        let mut buf = buf;
        buf.used_len = len;
        let mut slot = self.slot.lock();
        slot.buf = Some(buf);
        slot.returned = true;
        self.returned.notify_all();
    }

    /// Called from the control queue's callback: takes the buffer back from the device.
    pub(crate) fn complete(&self, vq: &mut Virtqueue<QueueItem>) {
        while let Some((item, len)) = vq.get_buf() {
            match item {
                Either::Right(buf) => self.returned(buf, len),
                // A data request never goes on the control queue; it fails if it did.
                Either::Left(req) => req.complete(Err(EIO)),
            }
        }
    }

    /// After a device reset: takes the buffer back if the device held it, and wakes the
    /// waiter (which sees no answer and fails).
    pub(crate) fn abort(&self, vq: &mut Virtqueue<QueueItem>) {
        self.complete(vq);
        while let Some(item) = vq.detach_unused_buf() {
            if let Either::Right(buf) = item {
                self.returned(buf, 0);
            }
        }
    }

    /// Sends one request and waits for the device's answer; returns the answer's bytes.
    fn transact(
        &self,
        send: SendFn<'_>,
        fill: impl FnOnce(&mut ControlBuf),
    ) -> Result<[u8; SESSION_INPUT_LEN]> {
        let _serial = self.serial.lock();
        let mut buf = {
            let mut slot = self.slot.lock();
            // A previous request timed out and the device still holds the buffer.
            slot.buf.take().ok_or(ETIMEDOUT)?
        };
        fill(&mut buf);
        buf.input = [0; SESSION_INPUT_LEN];
        // No status yet.
        let status_at = if buf.input_len == SESSION_INPUT_LEN {
            SESSION_STATUS_AT
        } else {
            0
        };
        buf.input[status_at] = 0xff;
        buf.used_len = 0;
        if let Err((e, buf)) = send(buf) {
            // The device never saw the buffer: it is the driver's again.
            self.slot.lock().buf = Some(buf);
            return Err(e);
        }
        let mut slot = self.slot.lock();
        let mut left = msecs_to_jiffies(TIMEOUT_MS);
        while !slot.returned {
            match self.returned.wait_interruptible_timeout(&mut slot, left) {
                kernel::sync::CondVarTimeoutResult::Woken { jiffies } => left = jiffies,
                _ => {
                    if !slot.returned {
                        return Err(ETIMEDOUT);
                    }
                }
            }
        }
        slot.returned = false;
        let buf = slot.buf.as_mut().ok_or(EIO)?;
        // Keys do not linger in memory longer than the request.
        buf.key = [0; MAX_KEY];
        if (buf.used_len as usize) < buf.input_len {
            return Err(EIO);
        }
        Ok(buf.input)
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
        let input = self.transact(send, |b| {
            b.hdr = wire::create_session(kind, algo, key.len() as u32);
            b.key[..key.len()].copy_from_slice(key);
            b.key_len = key.len();
            b.input_len = SESSION_INPUT_LEN;
        })?;
        let mut id = [0u8; 8];
        id.copy_from_slice(&input[SESSION_ID_AT..SESSION_ID_AT + 8]);
        let mut status = [0u8; 4];
        status.copy_from_slice(&input[SESSION_STATUS_AT..SESSION_STATUS_AT + 4]);
        wire::status_to_result(u32::from_le_bytes(status))?;
        Ok(u64::from_le_bytes(id))
    }

    /// Destroys a session.
    pub(crate) fn destroy_session(
        &self,
        send: SendFn<'_>,
        kind: SessionKind,
        algo: u32,
        session_id: u64,
    ) -> Result {
        let input = self.transact(send, |b| {
            b.hdr = wire::destroy_session(kind, algo, session_id);
            b.key_len = 0;
            b.input_len = 1;
        })?;
        wire::status_to_result(u32::from(input[0]))
    }
}
