// SPDX-License-Identifier: GPL-2.0

//! The device's queues: `dataq.0` .. `dataq.N-1` followed by `controlq`, as the
//! specification orders them, and the handler of their interrupts.

use crate::{
    abstractions::{
        crypto::skcipher::Request,
        irq_spinlock::IrqSpinLock,
        virtio::{QueueHandler, QueueSpec, Virtqueue},
    },
    control::{ControlBuf, ControlChannel},
    dataq::{self, DataQueueState},
    skcipher::VirtioSkcipher,
    stats::Stats,
};
use kernel::{prelude::*, str::CString};

/// Everything the queue interrupts need: per data queue its backlog, the control channel,
/// and the counters.
#[pin_data]
pub(crate) struct QueueEvents {
    pub(crate) data: KVec<Pin<KBox<IrqSpinLock<DataQueueState>>>>,
    #[pin]
    pub(crate) control: ControlChannel,
    pub(crate) control_index: usize,
    pub(crate) stats: Stats,
}

impl QueueEvents {
    pub(crate) fn new(data_queues: usize, depth: u32) -> Result<impl PinInit<Self, Error>> {
        let mut data = KVec::with_capacity(data_queues, GFP_KERNEL)?;
        for _ in 0..data_queues {
            data.push(
                KBox::pin_init(
                    crate::new_irq_spinlock!(DataQueueState::new(depth)),
                    GFP_KERNEL,
                )?,
                GFP_KERNEL,
            )?;
        }
        let control = ControlChannel::new()?;
        Ok(try_pin_init!(Self {
            data,
            control <- control,
            control_index: data_queues,
            stats: Stats::default(),
        }? Error))
    }
}

impl QueueHandler for QueueEvents {
    fn queue_done(&self, index: usize, queue: &IrqSpinLock<Virtqueue>) {
        if index == self.control_index {
            self.control.complete(&mut queue.lock());
        } else if let Some(state) = self.data.get(index) {
            dataq::service(state, queue, &self.stats);
        }
    }
}

/// The queue layout for `data_queues` data queues plus the control queue.
pub(crate) fn layout(data_queues: usize) -> Result<KVec<QueueSpec>> {
    let mut specs = KVec::with_capacity(data_queues + 1, GFP_KERNEL)?;
    for i in 0..data_queues {
        let name = CString::try_from_fmt(fmt!("dataq.{i}"))?;
        specs.push(
            QueueSpec::new::<Request<VirtioSkcipher>>(name, true),
            GFP_KERNEL,
        )?;
    }
    let name = CString::try_from_fmt(fmt!("controlq"))?;
    specs.push(QueueSpec::new::<KBox<ControlBuf>>(name, true), GFP_KERNEL)?;
    Ok(specs)
}

/// Takes back whatever the device still holds when the queues are deleted (only reached
/// when probe fails half-way; `remove` drains the queues itself). Dropping a request
/// completes it with an error.
pub(crate) fn drop_unused(vq: &mut Virtqueue) {
    while let Some(req) = vq.detach_unused_buf::<Request<VirtioSkcipher>>() {
        drop(req);
    }
    while let Some(buf) = vq.detach_unused_buf::<KBox<ControlBuf>>() {
        drop(buf);
    }
}
