// SPDX-License-Identifier: GPL-2.0

//! The device's queues: `dataq.0` .. `dataq.N-1` followed by `controlq`, as the
//! specification orders them, and the handler of their notifications.

use crate::abstractions::virtio::{QueueHandler, QueueSpec, Virtqueue};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{prelude::*, str::CString};

/// Receives the used-buffer notifications of every queue of one device.
///
/// Nothing is submitted yet, so a notification is unexpected: it is only counted.
pub(crate) struct QueueEvents {
    pub(crate) notifications: AtomicU64,
}

impl QueueHandler for QueueEvents {
    fn queue_done(&self, _vq: &Virtqueue) {
        self.notifications.fetch_add(1, Ordering::Relaxed);
    }
}

/// The queue layout for `data_queues` data queues plus the control queue.
pub(crate) fn layout(data_queues: u32) -> Result<KVec<QueueSpec>> {
    let n = usize::try_from(data_queues).map_err(|_| EINVAL)?;
    let mut specs = KVec::with_capacity(n + 1, GFP_KERNEL)?;
    for i in 0..data_queues {
        let name = CString::try_from_fmt(fmt!("dataq.{i}"))?;
        specs.push(
            QueueSpec {
                name,
                callback: true,
            },
            GFP_KERNEL,
        )?;
    }
    let name = CString::try_from_fmt(fmt!("controlq"))?;
    specs.push(
        QueueSpec {
            name,
            callback: true,
        },
        GFP_KERNEL,
    )?;
    Ok(specs)
}
