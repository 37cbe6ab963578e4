// SPDX-License-Identifier: GPL-2.0

//! The work items of one bound device: the device check and recovery (one work item, for
//! every reason: a config change, a request answered ERR, a stalled queue), and the stall
//! watchdog (one delayed work item per device, armed only while requests are in flight).
//!
//! This file only schedules: what the items do is the driver's top layer's
//! ([`WorkOps`], from `recovery.rs`), which knows the driver type and the registry. The
//! queues' interrupt and the submission path reach it through the device's queue state.
//!
//! Nothing is scheduled once the binding goes ([`DeviceWork::close`], from `unbind`), and
//! `close` waits for what runs: no work item runs after unbind, nor after the module is gone.

use crate::abstractions::{irq_spinlock::IrqSpinLock, virtio, work};
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use kernel::{
    prelude::*,
    sync::{aref::ARef, Arc},
    time::msecs_to_jiffies,
    workqueue::{self, impl_has_delayed_work, impl_has_work, DelayedWork, Work, WorkItem},
};

/// Why the device work runs (bits of [`DeviceWork::pending`]): look at the device.
pub(crate) const CHECK: u32 = 1;
/// A queue stalled: recover.
pub(crate) const STALL: u32 = 2;

/// What the work items do; set by the driver's top layer.
pub(crate) struct WorkOps {
    /// The device check and recovery.
    pub(crate) run: fn(&Arc<DeviceWork>, u32),
    /// The stall watchdog.
    pub(crate) watchdog: fn(&Arc<DeviceWork>),
}

/// The work items of one bound device.
#[pin_data]
pub(crate) struct DeviceWork {
    /// The device, to take its lock and find the binding's data.
    pub(crate) vdev: ARef<virtio::Device>,
    /// Set by `close`: a running item stops waiting for the device lock.
    pub(crate) cancel: AtomicBool,
    /// Set by `close` (under the lock, so that nothing is scheduled after it).
    #[pin]
    closed: IrqSpinLock<bool>,
    /// Reasons the device work has to look at (`CHECK`, ...).
    pending: AtomicU32,
    /// The watchdog is scheduled.
    armed: AtomicBool,
    ops: &'static WorkOps,
    #[pin]
    work: Work<DeviceWork, 0>,
    #[pin]
    watchdog: DelayedWork<DeviceWork, 1>,
}

impl_has_work! {
    impl HasWork<Self, 0> for DeviceWork { self.work }
}

impl_has_delayed_work! {
    impl HasDelayedWork<Self, 1> for DeviceWork { self.watchdog }
}

impl WorkItem<0> for DeviceWork {
    type Pointer = Arc<DeviceWork>;

    fn run(this: Arc<DeviceWork>) {
        let why = this.pending.swap(0, Ordering::AcqRel);
        (this.ops.run)(&this, why);
    }
}

impl WorkItem<1> for DeviceWork {
    type Pointer = Arc<DeviceWork>;

    fn run(this: Arc<DeviceWork>) {
        this.armed.store(false, Ordering::Release);
        (this.ops.watchdog)(&this);
    }
}

impl DeviceWork {
    pub(crate) fn new(vdev: ARef<virtio::Device>, ops: &'static WorkOps) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(Self {
                vdev,
                cancel: AtomicBool::new(false),
                closed <- crate::new_irq_spinlock!(false, "virtio_crypto_rs:work"),
                pending: AtomicU32::new(0),
                armed: AtomicBool::new(false),
                ops,
                work <- kernel::new_work!("virtio_crypto_rs:device"),
                watchdog <- kernel::new_delayed_work!("virtio_crypto_rs:watchdog"),
            }),
            GFP_KERNEL,
        )
    }

    /// Has the device work run for `why`. Any context (it only queues).
    pub(crate) fn schedule(self: &Arc<Self>, why: u32) {
        let closed = self.closed.lock();
        if *closed {
            return;
        }
        self.pending.fetch_or(why, Ordering::AcqRel);
        // Already queued: the queued run sees the new reason.
        let _ = workqueue::system_long().enqueue::<_, 0>(self.clone());
    }

    /// Has the watchdog look at the queues in `ms` milliseconds, unless it is scheduled
    /// already. Any context.
    pub(crate) fn arm_watchdog(self: &Arc<Self>, ms: u32) {
        if ms == 0 || self.armed.load(Ordering::Acquire) {
            return;
        }
        let closed = self.closed.lock();
        if *closed || self.armed.swap(true, Ordering::AcqRel) {
            return;
        }
        let _ =
            workqueue::system_long().enqueue_delayed::<_, 1>(self.clone(), msecs_to_jiffies(ms));
    }

    /// Schedules nothing more, and waits for the items that run. From `unbind` (device lock
    /// held: a running item gives up waiting for it).
    pub(crate) fn close(self: &Arc<Self>) {
        *self.closed.lock() = true;
        self.cancel.store(true, Ordering::Release);
        work::cancel_sync::<_, 0>(self);
        work::cancel_delayed_sync::<_, 1>(self);
    }
}
