// SPDX-License-Identifier: GPL-2.0

//! The control queue: session creation and destruction, one request at a time.
//!
//! One request buffer per device is allocated at probe and cycles between the driver and the
//! device, so control requests allocate nothing. A request is waited for with a bound; if the
//! device does not answer in time the buffer stays with the device (it may still write to it)
//! and the channel refuses work until the device gives it back.

use crate::{abstractions::virtio::Virtqueues, queues::QueueEvents};
use crate::{
    abstractions::{
        irq_spinlock::IrqSpinLock,
        virtio::{Part, Parts, Virtqueue},
    },
    wire::{self, Direction, HDR_LEN, SESSION_INPUT_LEN},
};
use kernel::{
    devres::Devres,
    new_condvar,
    prelude::*,
    sync::{CondVar, Mutex},
    time::msecs_to_jiffies,
};

/// How long a control request may take before the device is considered unresponsive.
const TIMEOUT_MS: u32 = 5000;

/// The largest key a session request carries (the specification has no larger cipher key).
pub(crate) const MAX_KEY: usize = 64;

/// The memory of one control request, shared with the device while in flight.
pub(crate) struct ControlBuf {
    hdr: [u8; HDR_LEN],
    key: [u8; MAX_KEY],
    key_len: usize,
    /// `virtio_crypto_session_input` for create, `virtio_crypto_inhdr` (first byte) for
    /// destroy.
    input: [u8; SESSION_INPUT_LEN],
    used_len: u32,
}

impl ControlBuf {
    pub(crate) fn new() -> Self {
        Self {
            hdr: [0; HDR_LEN],
            key: [0; MAX_KEY],
            key_len: 0,
            input: [0; SESSION_INPUT_LEN],
            used_len: 0,
        }
    }
}

/// Where the request buffer is: with the driver (`Some`) or with the device (`None`).
pub(crate) struct Slot {
    buf: Option<KBox<ControlBuf>>,
    /// Set by the queue callback when the device returns the buffer.
    returned: bool,
}

/// The control channel of one device.
#[pin_data]
pub(crate) struct ControlChannel {
    /// Serialises control requests (sleeping is allowed: setkey and tfm exit may sleep).
    #[pin]
    pub(crate) serial: Mutex<()>,
    /// The buffer's whereabouts; taken in the queue callback, so interrupts are off.
    #[pin]
    pub(crate) slot: IrqSpinLock<Slot>,
    #[pin]
    returned: CondVar,
}

impl ControlChannel {
    pub(crate) fn new() -> Result<impl PinInit<Self, Error>> {
        let buf = KBox::new(ControlBuf::new(), GFP_KERNEL)?;
        Ok(try_pin_init!(Self {
            serial <- kernel::new_mutex!(()),
            slot <- crate::new_irq_spinlock!(Slot { buf: Some(buf), returned: false }),
            returned <- new_condvar!(),
        }? Error))
    }

    /// Called from the control queue's callback: takes the buffer back from the device.
    pub(crate) fn complete(&self, vq: &mut Virtqueue) {
        while let Some((mut buf, len)) = vq.get_buf::<KBox<ControlBuf>>() {
            buf.used_len = len;
            let mut slot = self.slot.lock();
            slot.buf = Some(buf);
            slot.returned = true;
            self.returned.notify_all();
        }
    }

    /// After a device reset: takes the buffer back if the device held it, and wakes the
    /// waiter (which sees no answer and fails).
    pub(crate) fn abort(&self, vq: &mut Virtqueue) {
        self.complete(vq);
        while let Some(buf) = vq.detach_unused_buf::<KBox<ControlBuf>>() {
            let mut slot = self.slot.lock();
            slot.buf = Some(buf);
            slot.returned = true;
            self.returned.notify_all();
        }
    }

    /// Puts a request on the control queue and notifies the device. The queues are only
    /// borrowed while submitting: the caller's wait sleeps.
    fn send(
        queues: &Devres<Virtqueues<QueueEvents>>,
        index: usize,
        buf: KBox<ControlBuf>,
        create: bool,
    ) -> Result<(), (Error, KBox<ControlBuf>)> {
        let Some(guard) = queues.try_access() else {
            return Err((ENODEV, buf));
        };
        let Some(queue) = guard.get(index) else {
            return Err((ENODEV, buf));
        };
        let mut vq = queue.lock();
        vq.submit(buf, |b: &mut ControlBuf| {
            let mut parts = Parts::new().out(Part::Buf(&b.hdr))?;
            if b.key_len > 0 {
                parts = parts.out(Part::Buf(b.key.get(..b.key_len).ok_or(EINVAL)?))?;
            }
            let input_len = if create { SESSION_INPUT_LEN } else { 1 };
            parts.inn(Part::Buf(&b.input[..input_len]))
        })?;
        vq.kick();
        Ok(())
    }

    /// Sends one request and waits for the device's answer; returns the answer's buffer.
    fn transact(
        &self,
        queues: &Devres<Virtqueues<QueueEvents>>,
        index: usize,
        fill: impl FnOnce(&mut ControlBuf),
        create: bool,
    ) -> Result<[u8; SESSION_INPUT_LEN]> {
        let _serial = self.serial.lock();
        let mut buf = {
            let mut slot = self.slot.lock();
            // A previous request timed out and the device still holds the buffer.
            slot.buf.take().ok_or(ETIMEDOUT)?
        };
        fill(&mut buf);
        buf.input = [0; SESSION_INPUT_LEN];
        buf.input[if create { 8 } else { 0 }] = 0xff; // no status yet
        buf.used_len = 0;
        if let Err((e, buf)) = Self::send(queues, index, buf, create) {
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
        let want = if create { SESSION_INPUT_LEN } else { 1 } as u32;
        if buf.used_len < want {
            return Err(EIO);
        }
        Ok(buf.input)
    }

    /// Creates a cipher session for `key`; returns its id.
    pub(crate) fn create_cipher_session(
        &self,
        queues: &Devres<Virtqueues<QueueEvents>>,
        index: usize,
        algo: u32,
        key: &[u8],
        dir: Direction,
    ) -> Result<u64> {
        if key.is_empty() || key.len() > MAX_KEY {
            return Err(EINVAL);
        }
        let input = self.transact(
            queues,
            index,
            |b| {
                b.hdr = wire::create_cipher_session(algo, key.len() as u32, dir);
                b.key[..key.len()].copy_from_slice(key);
                b.key_len = key.len();
            },
            true,
        )?;
        let mut id = [0u8; 8];
        id.copy_from_slice(&input[..8]);
        let mut status = [0u8; 4];
        status.copy_from_slice(&input[8..12]);
        wire::status_to_result(u32::from_le_bytes(status))?;
        Ok(u64::from_le_bytes(id))
    }

    /// Destroys a session.
    pub(crate) fn destroy_cipher_session(
        &self,
        queues: &Devres<Virtqueues<QueueEvents>>,
        index: usize,
        algo: u32,
        session_id: u64,
    ) -> Result {
        let input = self.transact(
            queues,
            index,
            |b| {
                b.hdr = wire::destroy_cipher_session(algo, session_id);
                b.key = [0; MAX_KEY];
                b.key_len = 0;
            },
            false,
        )?;
        wire::status_to_result(u32::from(input[0]))
    }
}
