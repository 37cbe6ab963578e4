// SPDX-License-Identifier: GPL-2.0

//! The bound devices, from which a new transform picks one that serves its algorithm.

use crate::device::CryptoDevice;
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
};

/// The bound devices. Short critical sections only: transform init takes the lock.
#[pin_data]
pub(crate) struct Devices {
    #[pin]
    list: Mutex<KVec<Arc<CryptoDevice>>>,
    next: AtomicUsize,
}

impl Devices {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            list <- new_mutex!(KVec::new()),
            next: AtomicUsize::new(0),
        })
    }

    pub(crate) fn add(&self, device: Arc<CryptoDevice>) -> Result {
        self.list.lock().push(device, GFP_KERNEL)?;
        Ok(())
    }

    /// Removes `device`; returns what the remaining devices serve, folded by `f`.
    pub(crate) fn remove<R>(
        &self,
        device: &CryptoDevice,
        f: impl Fn(&[Arc<CryptoDevice>]) -> R,
    ) -> R {
        let mut list = self.list.lock();
        list.retain(|d| !core::ptr::eq(&**d, device));
        f(&list)
    }

    /// `f` of every device, folded with `fold`; `None` without a device.
    pub(crate) fn fold<R>(
        &self,
        f: impl Fn(&CryptoDevice) -> Option<R>,
        fold: impl Fn(R, R) -> R,
    ) -> Option<R> {
        let list = self.list.lock();
        list.iter().filter_map(|d| f(d)).reduce(fold)
    }

    /// A live device for which `serves` holds, round-robin.
    pub(crate) fn find(&self, serves: impl Fn(&CryptoDevice) -> bool) -> Option<Arc<CryptoDevice>> {
        let list = self.list.lock();
        let offering = list.iter().filter(|d| !d.is_dead() && serves(d));
        let n = offering.clone().count();
        if n == 0 {
            return None;
        }
        let pick = self.next.fetch_add(1, Ordering::Relaxed) % n;
        offering.clone().nth(pick).cloned()
    }
}
