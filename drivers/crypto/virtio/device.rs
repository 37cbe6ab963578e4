// SPDX-License-Identifier: GPL-2.0

//! One bound virtio crypto device: probe, the state shared with transforms, and removal.

use crate::{
    abstractions::{
        bindings,
        crypto::skcipher::{Outcome, Request},
        virtio::{self, Virtqueues},
    },
    config::{DeviceConfig, RawConfig},
    dataq,
    queues::{self, QueueEvents},
    registry, session_check,
    skcipher::VirtioSkcipher,
    wire::Direction,
};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::{debugfs, device::Core, devres::Devres, prelude::*, str::CString, sync::Arc};

/// What transforms share with the device: it outlives the binding (a transform may hold it
/// after the device is gone; the queues are then revoked and every request fails).
pub(crate) struct CryptoDevice {
    pub(crate) config: DeviceConfig,
    queues: Devres<Virtqueues<QueueEvents>>,
    events: Arc<QueueEvents>,
    data_queues: usize,
    next_queue: AtomicUsize,
    dead: AtomicBool,
}

impl CryptoDevice {
    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// A data queue for a new transform, round-robin.
    pub(crate) fn pick_queue(&self) -> usize {
        self.next_queue.fetch_add(1, Ordering::Relaxed) % self.data_queues.max(1)
    }

    /// Sends a request to data queue `index`.
    pub(crate) fn submit(
        &self,
        index: usize,
        req: Request<VirtioSkcipher>,
    ) -> Outcome<VirtioSkcipher> {
        let Some(queues) = self.queues.try_access() else {
            return Outcome::Failed(ENODEV, req);
        };
        let (Some(queue), Some(state)) = (queues.get(index), self.events.data.get(index)) else {
            return Outcome::Failed(ENODEV, req);
        };
        dataq::submit(state, queue, &self.dead, &self.events.stats, req)
    }

    /// Creates a cipher session on the control queue.
    pub(crate) fn create_session(&self, algo: u32, key: &[u8], dir: Direction) -> Result<u64> {
        if self.is_dead() {
            return Err(ENODEV);
        }
        let id = self.events.control.create_cipher_session(
            &self.queues,
            self.events.control_index,
            algo,
            key,
            dir,
        )?;
        crate::stats::Stats::add(&self.events.stats.sessions, 1);
        Ok(id)
    }

    /// Destroys a cipher session.
    pub(crate) fn destroy_session(&self, algo: u32, id: u64) -> Result {
        if self.is_dead() {
            return Err(ENODEV);
        }
        self.events.control.destroy_cipher_session(
            &self.queues,
            self.events.control_index,
            algo,
            id,
        )
    }

    /// Stops the device and fails everything it still holds. Called on remove, with the
    /// device still bound.
    fn shutdown(&self, dev: &virtio::Device<Core<'_>>) {
        // New requests fail from now on: `dataq::submit` checks this under the queue lock.
        for state in self.events.data.iter() {
            let _guard = state.lock();
            self.dead.store(true, Ordering::Release);
        }
        self.dead.store(true, Ordering::Release);
        dev.reset();
        let Ok(queues) = self.queues.access(dev.as_ref()) else {
            return;
        };
        for (index, state) in self.events.data.iter().enumerate() {
            if let Some(queue) = queues.get(index) {
                dataq::drain(state, queue, &self.events.stats);
            }
        }
        if let Some(queue) = queues.get(self.events.control_index) {
            self.events.control.abort(&mut queue.lock());
        }
    }
}

/// The device's counters as a debugfs file (`virtio_crypto_rs-<dev>/stats`).
struct StatsView(Arc<QueueEvents>);

impl core::fmt::Debug for StatsView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        kernel::fmt::Display::fmt(&self.0.stats, f)
    }
}

/// Per-binding data, dropped after the device has been reset on remove.
pub(crate) struct VirtioCrypto {
    device: Arc<CryptoDevice>,
    _stats: Pin<KBox<debugfs::File<StatsView>>>,
    _dir: debugfs::Dir,
}

impl VirtioCrypto {
    /// Reads and validates the configuration, creates the queues, sets DRIVER_OK and
    /// registers the device's algorithms.
    ///
    /// A device that breaks the specification is refused with one log line that says which
    /// rule it broke; everything set up until then is released by the drops.
    pub(crate) fn probe(dev: &virtio::Device<Core<'_>>) -> Result<Self> {
        if !dev.has_feature(bindings::VIRTIO_F_VERSION_1) {
            dev_err!(dev.as_ref(), "device does not offer VIRTIO_F_VERSION_1\n");
            return Err(ENODEV);
        }
        let raw = RawConfig::read(dev)?;
        let config = DeviceConfig::validate(&raw).map_err(|e| {
            dev_err!(dev.as_ref(), "invalid device configuration: {e}\n");
            EINVAL
        })?;
        let registry = registry::get().ok_or(ENODEV)?;

        // Every data queue the device has is created, even if there are more than CPUs: the
        // control queue's index is `max_dataqueues`, and virtio_find_vqs() numbers queues by
        // their position in the list, so none can be left out. Requests are spread over all
        // of them, which lets a device that serves each queue in its own thread use them all.
        let data_queues = config.max_dataqueues as usize;
        let depth = *crate::module_parameters::queue_depth.value();
        let events = Arc::pin_init(QueueEvents::new(data_queues, depth)?, GFP_KERNEL)?;
        let queues = dev.find_vqs(
            queues::layout(data_queues)?,
            events.clone(),
            queues::drop_unused,
        )?;
        let (dataq_size, controlq_size) = {
            let q = queues.access(dev.as_ref())?;
            let size = |i: usize| q.get(i).map_or(0, |vq| vq.lock().size());
            (size(0), size(data_queues))
        };
        dev.ready();

        dev_info!(
            dev.as_ref(),
            "virtio_crypto_rs: {config} data_queues={data_queues} dataq_size={dataq_size} controlq_size={controlq_size}\n"
        );
        // From here on `config` says what the device serves, not only what it advertises.
        let mut config = config;
        config.cipher_algos = session_check::usable_ciphers(
            dev.as_ref(),
            &events.control,
            &queues,
            events.control_index,
            config.cipher_algos,
        );
        let device = Arc::new(
            CryptoDevice {
                config,
                queues,
                events,
                data_queues,
                next_queue: AtomicUsize::new(0),
                dead: AtomicBool::new(false),
            },
            GFP_KERNEL,
        )?;
        let dir = debugfs::Dir::new(&CString::try_from_fmt(fmt!(
            "virtio_crypto_rs-{}",
            dev.as_ref().name()
        ))?);
        let stats = KBox::pin_init(
            dir.read_only_file(c"stats", StatsView(device.events.clone())),
            GFP_KERNEL,
        )?;
        registry.add(device.clone())?;
        Ok(Self {
            device,
            _stats: stats,
            _dir: dir,
        })
    }

    /// Unregisters what only this device served, then stops it and fails what it held.
    pub(crate) fn remove(&self, dev: &virtio::Device<Core<'_>>) {
        if let Some(registry) = registry::get() {
            registry.remove(&self.device);
        }
        self.device.shutdown(dev);
    }
}
