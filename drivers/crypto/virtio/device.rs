// SPDX-License-Identifier: GPL-2.0

//! One bound virtio crypto device: probe, the state transforms share, and removal.
//!
//! The device owns its queues: data requests go through [`CryptoDevice::submit`], sessions
//! through [`Sessions`]; nobody else touches a virtqueue.

use crate::{
    abstractions::{
        bindings,
        crypto::Queued,
        virtio::{self, Virtqueues},
    },
    config::{DeviceConfig, RawConfig},
    control::{self, Sessions},
    queues::{self, QueueEvents},
    requests::{ControlBuf, DataRequest},
    session_book::Recipe,
    session_check::{self, Usable},
    stats::Stats,
    wire::SessionKind,
};
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use kernel::{
    debugfs,
    device::Core,
    devres::Devres,
    new_mutex,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex},
};

/// What transforms share with the device: it outlives the binding (a transform may hold it
/// after the device is gone; the queues are then revoked and every request fails).
pub(crate) struct CryptoDevice {
    pub(crate) config: DeviceConfig,
    /// What the device serves: advertised, and accepted a session for at probe.
    pub(crate) usable: Usable,
    queues: Devres<Virtqueues<QueueEvents>>,
    events: Arc<QueueEvents>,
    data_queues: usize,
    next_queue: AtomicUsize,
    dead: AtomicBool,
    /// Serialises session creation and destruction with the book's re-creation after a
    /// reset (sleeps: control requests wait for the device).
    sessions: Pin<KBox<Mutex<()>>>,
}

impl CryptoDevice {
    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// A data queue for a new transform, round-robin.
    pub(crate) fn pick_queue(&self) -> usize {
        self.next_queue.fetch_add(1, Ordering::Relaxed) % self.data_queues.max(1)
    }

    /// The device's counters.
    pub(crate) fn stats(&self) -> &Stats {
        &self.events.stats
    }

    /// The handle of the kept session of hash `algo`, if the device serves it.
    pub(crate) fn hash_handle(&self, algo: u32) -> Option<u64> {
        if algo >= 32 || self.usable.hashes & (1u32 << algo) == 0 {
            return None;
        }
        self.usable.hash_handles.get(algo as usize).copied()
    }

    /// Sends a request to data queue `index`; if the queue cannot take it, it comes back.
    pub(crate) fn submit(
        &self,
        index: usize,
        req: DataRequest,
    ) -> Result<Queued, (Error, DataRequest)> {
        let Some(queues) = self.queues.try_access() else {
            return Err((ENODEV, req));
        };
        let (Some(vq), Some(data)) = (queues.get(index), self.events.data.get(index)) else {
            return Err((ENODEV, req));
        };
        data.submit(vq, &self.dead, &self.events.book, &self.events.stats, req)
    }

    fn send_control(&self, buf: KBox<ControlBuf>) -> Result<(), (Error, KBox<ControlBuf>)> {
        let Some(queues) = self.queues.try_access() else {
            return Err((ENODEV, buf));
        };
        let Some(vq) = queues.get(self.events.control_index) else {
            return Err((ENODEV, buf));
        };
        control::send_on(vq, buf)
    }

    /// Stops the device and fails everything it still holds. Called on remove, with the
    /// device still bound.
    fn shutdown(&self, dev: &virtio::Device<Core<'_>>) {
        // New requests fail from now on: `DataQueue::submit` checks this under the queue's
        // lock, and the fences wait for submissions that checked it before.
        self.dead.store(true, Ordering::Release);
        for data in self.events.data.iter() {
            data.fence();
        }
        dev.reset();
        let Ok(queues) = self.queues.access(dev.as_ref()) else {
            return;
        };
        for (index, data) in self.events.data.iter().enumerate() {
            if let Some(vq) = queues.get(index) {
                data.drain(vq);
            }
        }
        if let Some(vq) = queues.get(self.events.control_index) {
            self.events.control.abort(&mut vq.lock());
        }
    }
}

impl CryptoDevice {
    /// Creates a session on the device; its device id.
    fn create_on_device(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64> {
        let id = self
            .events
            .control
            .create_session(&|b| self.send_control(b), kind, algo, key)?;
        Stats::add(&self.events.stats.sessions, 1);
        Ok(id)
    }
}

/// Sessions are recorded in the device's [`SessionBook`]: transforms hold handles, and the
/// book knows each session's current device id and how to create it again.
impl Sessions for CryptoDevice {
    fn create_session(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64> {
        if self.is_dead() {
            return Err(ENODEV);
        }
        // The recipe first: a session the device made is never left without an entry.
        let recipe = Recipe::new(kind, algo, key)?;
        let _sessions = self.sessions.lock();
        let id = self.create_on_device(kind, algo, key)?;
        match self.events.book.insert(recipe, id) {
            Ok(handle) => Ok(handle),
            Err(e) => {
                let _ =
                    self.events
                        .control
                        .destroy_session(&|b| self.send_control(b), kind, algo, id);
                Err(e)
            }
        }
    }

    fn destroy_session(&self, handle: u64) -> Result {
        let _sessions = self.sessions.lock();
        // The slot is freed and its key wiped even when the device is gone.
        let (id, recipe) = self.events.book.remove(handle).ok_or(EINVAL)?;
        let Some(id) = id else {
            // The device has no session for it (it was reset and refused to make it again).
            return Ok(());
        };
        if self.is_dead() {
            return Err(ENODEV);
        }
        self.events
            .control
            .destroy_session(&|b| self.send_control(b), recipe.kind, recipe.algo, id)
    }
}

/// The device's counters as a debugfs file (`virtio_crypto_rs-<dev>/stats`), and the
/// device's `max_size` (tests size their requests by it).
struct StatsView(Arc<QueueEvents>, u64);

impl core::fmt::Debug for StatsView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        kernel::fmt::Display::fmt(&self.0.stats, f)?;
        writeln!(f, "max_size {}", self.1)
    }
}

/// Per-binding data, dropped after the device has been reset on remove.
pub(crate) struct VirtioCrypto {
    pub(crate) device: Arc<CryptoDevice>,
    _stats: Pin<KBox<debugfs::File<StatsView>>>,
    _dir: debugfs::Dir,
}

impl VirtioCrypto {
    /// Reads and validates the configuration, creates the queues, sets DRIVER_OK and finds
    /// out which advertised algorithms the device serves.
    ///
    /// A device that breaks the specification is refused with one log line that says which
    /// rule it broke; everything set up until then is released by the drops.
    pub(crate) fn probe(dev: &virtio::Device<Core<'_>>, depth: u32) -> Result<Self> {
        if !dev.has_feature(bindings::VIRTIO_F_VERSION_1) {
            dev_err!(dev.as_ref(), "device does not offer VIRTIO_F_VERSION_1\n");
            return Err(ENODEV);
        }
        let raw = RawConfig::read(dev)?;
        let config = DeviceConfig::validate(&raw).map_err(|e| {
            dev_err!(dev.as_ref(), "invalid device configuration: {e}\n");
            EINVAL
        })?;

        // Every data queue the device has is created, even if there are more than CPUs: the
        // control queue's index is `max_dataqueues`, and virtio_find_vqs() numbers queues by
        // their position in the list, so none can be left out. Requests are spread over all
        // of them, which lets a device that serves each queue in its own thread use them all.
        let data_queues = config.max_dataqueues as usize;
        let events = Arc::pin_init(QueueEvents::new(data_queues, depth)?, GFP_KERNEL)?;
        let queues = dev.find_vqs(queues::layout(data_queues)?, events.clone())?;
        let (dataq_size, controlq_size) = {
            let q = queues.access(dev.as_ref())?;
            let size = |i: usize| q.get(i).map_or(0, |vq| vq.lock().size());
            (size(0), size(data_queues))
        };
        dev.ready();

        let mut device = CryptoDevice {
            config,
            usable: Usable::default(),
            queues,
            events,
            data_queues,
            next_queue: AtomicUsize::new(0),
            dead: AtomicBool::new(false),
            sessions: KBox::pin_init(new_mutex!(()), GFP_KERNEL)?,
        };
        // From here on `usable` says what the device serves, not only what it advertises;
        // the probe line shows both.
        device.usable = session_check::usable(
            dev.as_ref(),
            &device,
            config.cipher_algos,
            config.hash_algos,
            config.mac_algos,
            config.aead_algos,
        );
        let u = device.usable;
        dev_info!(
            dev.as_ref(),
            "virtio_crypto_rs: {config} data_queues={data_queues} dataq_size={dataq_size} controlq_size={controlq_size} cipher_ok={:#x} hash_ok={:#x} mac_ok={:#x} aead_ok={:#x}\n",
            u.ciphers,
            u.hashes,
            u.macs,
            u.aeads
        );
        let device = Arc::new(device, GFP_KERNEL)?;
        let dir = debugfs::Dir::new(&CString::try_from_fmt(fmt!(
            "virtio_crypto_rs-{}",
            dev.as_ref().name()
        ))?);
        let stats = KBox::pin_init(
            dir.read_only_file(
                c"stats",
                StatsView(device.events.clone(), device.config.max_size),
            ),
            GFP_KERNEL,
        )?;
        Ok(Self {
            device,
            _stats: stats,
            _dir: dir,
        })
    }

    /// Stops the device and fails what it held (after its algorithms were unregistered).
    pub(crate) fn shutdown(&self, dev: &virtio::Device<Core<'_>>) {
        self.device.shutdown(dev);
    }
}
