// SPDX-License-Identifier: GPL-2.0

//! The device's queues: `dataq.0` .. `dataq.N-1` followed by `controlq`, as the
//! specification orders them, and the handler of their interrupts.

use crate::{
    abstractions::{
        irq_spinlock::IrqSpinLock,
        virtio::{QueueHandler, QueueSpec, Virtqueue},
    },
    control::ControlQueue,
    dataq::DataQueue,
    device_work::{self, DeviceWork},
    requests::QueueItem,
    session_book::{Policy, SessionBook},
    stats::Stats,
    wire::Format,
};
use kernel::{prelude::*, str::CString, sync::Arc};

/// The driver's side of every queue: per data queue its backlog, the control queue, and
/// the counters. Reached from the queue interrupts.
#[pin_data]
pub(crate) struct QueueEvents {
    pub(crate) data: KVec<Pin<KBox<DataQueue>>>,
    #[pin]
    pub(crate) control: ControlQueue,
    pub(crate) control_index: usize,
    /// Every live session of the device, by handle.
    #[pin]
    pub(crate) book: SessionBook,
    pub(crate) stats: Stats,
    /// Where a request answered ERR has the device checked.
    work: Arc<DeviceWork>,
}

impl QueueEvents {
    pub(crate) fn new(
        data_queues: usize,
        depth: u32,
        work: Arc<DeviceWork>,
        format: Format,
        policy: Policy,
    ) -> Result<impl PinInit<Self, Error>> {
        let mut data = KVec::with_capacity(data_queues, GFP_KERNEL)?;
        for index in 0..data_queues {
            data.push(
                KBox::pin_init(DataQueue::new(index, depth), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        let stats = Stats::new(data_queues)?;
        let control = ControlQueue::new(format)?;
        Ok(try_pin_init!(Self {
            data,
            control <- control,
            control_index: data_queues,
            book <- SessionBook::new(format, policy),
            stats,
            work,
        }? Error))
    }
}

impl QueueHandler for QueueEvents {
    type Item = QueueItem;

    fn queue_done(&self, index: usize, queue: &IrqSpinLock<Virtqueue<QueueItem>>) {
        if index == self.control_index {
            self.control.complete(&mut queue.lock());
        } else if let Some(data) = self.data.get(index) {
            if data.service(queue, &self.book, &self.stats) {
                self.work.schedule(device_work::CHECK);
            }
        }
    }

    fn interrupted(&self, index: usize) {
        self.stats.note_interrupt(index);
    }
}

/// The queue layout for `data_queues` data queues plus the control queue.
pub(crate) fn layout(data_queues: usize) -> Result<KVec<QueueSpec>> {
    let mut specs = KVec::with_capacity(data_queues + 1, GFP_KERNEL)?;
    for i in 0..data_queues {
        let name = CString::try_from_fmt(fmt!("dataq.{i}"))?;
        specs.push(QueueSpec::new(name, true), GFP_KERNEL)?;
    }
    let name = CString::try_from_fmt(fmt!("controlq"))?;
    specs.push(QueueSpec::new(name, true), GFP_KERNEL)?;
    Ok(specs)
}
