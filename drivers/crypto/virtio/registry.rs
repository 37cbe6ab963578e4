// SPDX-License-Identifier: GPL-2.0

//! The bound devices and the algorithms registered for them.
//!
//! Registration is global across devices: the first device that offers an algorithm
//! registers it, the last one to go unregisters it. A new transform picks, round-robin, a
//! device that offers its algorithm.

use crate::{
    abstractions::{
        crypto::skcipher::{AlgInfo, Registration},
        module_global,
    },
    algs::{CipherAlg, CIPHERS, PRIORITY},
    device::CryptoDevice,
    skcipher::{AlgData, VirtioSkcipher},
};
use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    ThisModule,
};

/// The module's registry (one per module, in [`module_global`]).
#[pin_data]
pub(crate) struct Registry {
    /// The bound devices. Short critical sections only: transform init takes it.
    #[pin]
    devices: Mutex<KVec<Arc<CryptoDevice>>>,
    /// The registered algorithms, by index in [`CIPHERS`]. Held across (un)registration,
    /// which runs the self-tests and so creates transforms: it must never be taken by
    /// transform init.
    #[pin]
    algs: Mutex<KVec<(usize, Registration<VirtioSkcipher>)>>,
    next: AtomicUsize,
    module: &'static ThisModule,
}

impl Registry {
    pub(crate) fn new(module: &'static ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
            devices <- new_mutex!(KVec::new()),
            algs <- new_mutex!(KVec::new()),
            next: AtomicUsize::new(0),
            module,
        }? Error)
    }

    /// Adds a device and registers the algorithms it is the first to offer.
    pub(crate) fn add(&self, device: Arc<CryptoDevice>) -> Result {
        let mut algs = self.algs.lock();
        let cipher_mask = device.config.cipher_algos;
        self.devices.lock().push(device, GFP_KERNEL)?;
        for (index, cipher) in CIPHERS.iter().enumerate() {
            if !cipher.offered_by(cipher_mask) || algs.iter().any(|(i, _)| *i == index) {
                continue;
            }
            let info = AlgInfo {
                name: cipher.name,
                driver_name: cipher.driver_name,
                priority: PRIORITY,
                blocksize: cipher.blocksize,
                min_keysize: cipher.key_sizes.iter().copied().min().unwrap_or(0),
                max_keysize: cipher.key_sizes.iter().copied().max().unwrap_or(0),
                ivsize: cipher.ivsize,
                chunksize: cipher.cipher_block as u32,
            };
            // A failed registration leaves the others usable; it is reported, not fatal.
            match Registration::new(&info, AlgData { cipher }, self.module) {
                Ok(reg) => algs.push((index, reg), GFP_KERNEL)?,
                Err(e) => pr_err!("cannot register {:?}: {:?}\n", cipher.driver_name, e),
            }
        }
        Ok(())
    }

    /// Removes a device and unregisters the algorithms no remaining device offers.
    pub(crate) fn remove(&self, device: &CryptoDevice) {
        let mut algs = self.algs.lock();
        let remaining = {
            let mut devices = self.devices.lock();
            devices.retain(|d| !core::ptr::eq(&**d, device));
            let mut mask = 0u64;
            for d in devices.iter() {
                mask |= d.config.cipher_algos;
            }
            mask
        };
        // Dropping a registration unregisters it; transforms still alive fail with ENODEV.
        algs.retain(|(index, _)| CIPHERS.get(*index).is_some_and(|c| c.offered_by(remaining)));
    }

    fn find(&self, cipher: &CipherAlg) -> Option<Arc<CryptoDevice>> {
        let devices = self.devices.lock();
        let offering = devices
            .iter()
            .filter(|d| !d.is_dead() && cipher.offered_by(d.config.cipher_algos));
        let n = offering.clone().count();
        if n == 0 {
            return None;
        }
        let pick = self.next.fetch_add(1, Ordering::Relaxed) % n;
        offering.clone().nth(pick).cloned()
    }
}

/// A device that serves `cipher`, for a new transform.
pub(crate) fn find_device(cipher: &CipherAlg) -> Option<Arc<CryptoDevice>> {
    module_global::get::<Registry>()?.find(cipher)
}

/// The module's registry, while the module is loaded.
pub(crate) fn get() -> Option<Arc<Registry>> {
    module_global::get::<Registry>()
}
