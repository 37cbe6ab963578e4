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
    control::Sessions,
    dataq::Lost,
    device_work::{DeviceWork, WorkOps},
    queues::{self, QueueEvents},
    requests::{ControlBuf, DataRequest},
    session_book::{Handle, Policy, Recipe},
    session_check::{self, Usable},
    stats::Stats,
    wire::{Format, SessionKind},
};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use kernel::{
    cpu::{nr_cpu_ids, CpuId},
    cpumask::CpumaskVar,
    debugfs,
    device::Core,
    devres::Devres,
    new_mutex,
    prelude::*,
    str::CString,
    sync::{Arc, Mutex},
    time::{Delta, Instant, Monotonic},
};

/// Recoveries at most within [`RECOVERY_WINDOW_MS`]; one more and the device is given up.
const RECOVERY_BURST: usize = 4;
const RECOVERY_WINDOW_MS: i64 = 10_000;
/// When the last recoveries happened.
type RecentRecoveries = [Option<Instant<Monotonic>>; RECOVERY_BURST];

/// What transforms share with the device: it outlives the binding (a transform may hold it
/// after the device is gone; the queues are then revoked and every request fails).
pub(crate) struct CryptoDevice {
    pub(crate) config: DeviceConfig,
    /// What the device serves: advertised, and accepted a session for at probe.
    pub(crate) usable: Usable,
    queues: Devres<Virtqueues<QueueEvents>>,
    events: Arc<QueueEvents>,
    data_queues: usize,
    dead: AtomicBool,
    /// Serialises session creation and destruction with the book's re-creation after a
    /// reset (sleeps: control requests wait for the device).
    sessions: Pin<KBox<Mutex<()>>>,
    /// The device's work items (check, recovery, stall watchdog).
    pub(crate) work: Arc<DeviceWork>,
    /// Between `freeze` and `restore`: no recovery.
    suspended: AtomicBool,
    /// When the last recoveries happened (a device that needs them again and again is
    /// given up). Only used by the device work and PM callbacks (device lock held).
    recent: Pin<KBox<Mutex<RecentRecoveries>>>,
}

impl CryptoDevice {
    pub(crate) fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    /// The data queue of the CPU the caller runs on (it may move meanwhile: any queue
    /// serves any CPU, this one is merely its own), so that CPUs submit and complete on
    /// queues of their own.
    fn local_queue(&self) -> usize {
        CpuId::current().as_u32() as usize % self.data_queues.max(1)
    }

    /// The request format the device agreed to.
    pub(crate) fn format(&self) -> Format {
        self.events.book.format()
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

    /// Sends a request to the data queue of the current CPU; if the queue cannot take it, it
    /// comes back. A request that may backlog is backlogged (`-EBUSY`) when that queue is
    /// full, even if another is not: its submitter then waits, as the API says.
    pub(crate) fn submit(&self, mut req: DataRequest) -> Result<Queued, (Error, DataRequest)> {
        // A new operation: its session has not been created again for it.
        req.ctx().renewed = 0;
        let index = self.local_queue();
        let Some(queues) = self.queues.try_access() else {
            return Err((ENODEV, req));
        };
        let (Some(vq), Some(data)) = (queues.get(index), self.events.data.get(index)) else {
            return Err((ENODEV, req));
        };
        let queued = data.submit(vq, &self.dead, &self.events.book, &self.events.stats, req)?;
        // Only while requests are in flight; one pending watchdog per device.
        self.work.arm_watchdog(crate::stall_timeout_ms() / 2);
        Ok(queued)
    }

    /// Sends a control buffer; `may_send` is asked under the queue's lock (see
    /// [`control::ControlQueue::send_on`]).
    fn send_control(
        &self,
        buf: KBox<ControlBuf>,
        may_send: &dyn Fn() -> bool,
    ) -> Result<(), (Error, KBox<ControlBuf>)> {
        if self.is_dead() {
            return Err((ENODEV, buf));
        }
        let Some(queues) = self.queues.try_access() else {
            return Err((ENODEV, buf));
        };
        let Some(vq) = queues.get(self.events.control_index) else {
            return Err((ENODEV, buf));
        };
        self.events.control.send_on(vq, buf, may_send)
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
                data.drain(vq, ENODEV);
            }
        }
        if let Some(vq) = queues.get(self.events.control_index) {
            self.events.control.abort(&mut vq.lock());
        }
    }
}

impl CryptoDevice {
    /// Stops taking requests and takes back everything the device held, for a reset (its
    /// `reset_prepare`, or `freeze`): new requests wait in the backlogs, the rings are not
    /// refilled; after the device is reset, what it finished completes, what it did not goes
    /// back to the front of its queue's backlog, in order; the control request in progress
    /// is taken back to be sent again after [`CryptoDevice::resume`]; the virtqueues are
    /// deleted (their locks stay).
    pub(crate) fn quiesce(&self, dev: &virtio::Device<Core<'_>>) -> Result {
        for data in self.events.data.iter() {
            data.hold();
        }
        self.events.control.hold();
        // The device uses no buffer after this, and no queue callback runs.
        dev.reset();
        let queues = self.queues.access(dev.as_ref())?;
        for (index, data) in self.events.data.iter().enumerate() {
            if let Some(vq) = queues.get(index) {
                data.take_back(vq);
            }
        }
        if let Some(vq) = queues.get(self.events.control_index) {
            self.events.control.take_back(&mut vq.lock());
        }
        // Every session is gone with the reset.
        self.events.book.forget_ids();
        queues.delete(dev)
    }

    /// Steers each data queue's interrupt to the CPUs that submit to it (see
    /// `local_queue`): with as many queues as CPUs, queue i to CPU i. A hint that needs MSI-X
    /// with a vector per queue; refused or not, every queue works.
    fn steer_interrupts(&self, dev: &virtio::Device<Core<'_>>, queues: &Virtqueues<QueueEvents>) {
        let n = self.data_queues;
        for index in 0..n {
            let Ok(mut cpus) = CpumaskVar::new_zero(GFP_KERNEL) else {
                return;
            };
            for cpu in (index..nr_cpu_ids() as usize).step_by(n.max(1)) {
                if let Some(cpu) = u32::try_from(cpu).ok().and_then(CpuId::from_u32) {
                    cpus.set(cpu);
                }
            }
            if !cpus.empty() {
                let _ = queues.set_affinity(dev, index, &cpus);
            }
        }
    }

    /// Sets the device up again after [`CryptoDevice::quiesce`] and a device reset (its
    /// `reset_done`, or `restore`): creates the virtqueues again, sets DRIVER_OK, creates
    /// every session of the book again (new ids) and refills the rings from the backlogs.
    pub(crate) fn resume(&self, dev: &virtio::Device<Core<'_>>) -> Result {
        let queues = self.queues.access(dev.as_ref())?;
        queues.recreate(dev)?;
        self.steer_interrupts(dev, queues);
        dev.ready();
        // Control requests go on: waiting setkeys first, then the book (under `sessions`,
        // so that no session is made or destroyed in between).
        self.events.control.release();
        {
            let _sessions = self.sessions.lock();
            let refused = self.events.book.recreate(|kind, algo, key| {
                self.create_on_device(kind, algo, key).map(|(id, _)| id)
            })?;
            if refused > 0 {
                // Their requests fail with EIO; the transforms' next setkey tries again.
                dev_warn!(
                    dev.as_ref(),
                    "the device refused to create {refused} sessions again\n"
                );
            }
        }
        for (index, data) in self.events.data.iter().enumerate() {
            if let Some(vq) = queues.get(index) {
                data.release(vq, &self.events.book, &self.events.stats);
            }
        }
        Ok(())
    }

    /// Gives the device up: every request it holds fails with `EIO` (and every later one
    /// with `ENODEV`), control requests fail, and the device is reset. The caller
    /// unregisters what only it served.
    pub(crate) fn give_up(&self, dev: &virtio::Device<Core<'_>>) {
        self.dead.store(true, Ordering::Release);
        for data in self.events.data.iter() {
            data.fence();
        }
        dev.reset();
        if let Ok(queues) = self.queues.access(dev.as_ref()) {
            for (index, data) in self.events.data.iter().enumerate() {
                if let Some(vq) = queues.get(index) {
                    data.drain(vq, EIO);
                }
            }
            if let Some(vq) = queues.get(self.events.control_index) {
                self.events.control.abort(&mut vq.lock());
            }
        }
        for data in self.events.data.iter() {
            data.fail_held(EIO);
        }
        self.events.control.release();
    }

    /// Holds every data queue (the device may have stopped being ready): requests wait.
    pub(crate) fn hold_requests(&self) {
        for data in self.events.data.iter() {
            data.hold();
        }
    }

    /// Ends a hold without a reset: the parked requests are resubmitted first (`requeue`),
    /// or complete with the device's answer; the rings are refilled.
    pub(crate) fn release_requests(&self, dev: &virtio::Device<Core<'_>>, requeue: bool) {
        let Ok(queues) = self.queues.access(dev.as_ref()) else {
            return;
        };
        for (index, data) in self.events.data.iter().enumerate() {
            data.unpark(requeue, |handle, lost| match lost {
                Lost::Session(stale) => self.renew_session(dev, handle, stale),
                Lost::Stateless => self.leave_stateless(dev, handle),
            });
            if let Some(vq) = queues.get(index) {
                data.release(vq, &self.events.book, &self.events.stats);
            }
        }
    }

    /// The first data queue on which the device has not answered for more than `timeout`,
    /// and for how long.
    pub(crate) fn stalled(&self, timeout: Delta) -> Option<(usize, Delta)> {
        self.events
            .data
            .iter()
            .enumerate()
            .find_map(|(i, d)| d.stalled(timeout).map(|age| (i, age)))
    }

    /// Whether requests are on a ring.
    pub(crate) fn busy(&self) -> bool {
        self.events.data.iter().any(|d| d.busy())
    }

    /// Between `freeze` and `restore` (counted in `resumes` when it ends).
    pub(crate) fn set_suspended(&self, on: bool) {
        if !on && self.suspended.load(Ordering::Acquire) {
            Stats::add(&self.events.stats.resumes, 1);
        }
        self.suspended.store(on, Ordering::Release);
    }

    pub(crate) fn is_suspended(&self) -> bool {
        self.suspended.load(Ordering::Acquire)
    }

    /// Records a recovery; false if it is one too many in a short time.
    pub(crate) fn note_recovery(&self) -> bool {
        let now = Instant::<Monotonic>::now();
        // Milliseconds since each recorded recovery; never is as good as long ago.
        let age = |t: &Option<Instant<Monotonic>>| t.map_or(i64::MAX, |t| (now - t).as_millis());
        let mut recent = self.recent.lock();
        if recent.iter().all(|t| age(t) < RECOVERY_WINDOW_MS) {
            return false;
        }
        // Replace the oldest (or an empty slot).
        if let Some(slot) = recent.iter_mut().max_by_key(|t| age(t)) {
            *slot = Some(now);
        }
        Stats::add(&self.events.stats.recoveries, 1);
        true
    }
}

impl CryptoDevice {
    /// Creates a session on the device; its device id, and the book's epoch when the
    /// request went to the device (the id is worth nothing after a later reset).
    fn create_on_device(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<(u64, u64)> {
        let book = &self.events.book;
        let sent = AtomicU64::new(0);
        let may_send = || {
            sent.store(book.epoch(), Ordering::Relaxed);
            true
        };
        let id = self.events.control.create_session(
            &|b| self.send_control(b, &may_send),
            kind,
            algo,
            key,
        )?;
        Stats::add(&self.events.stats.sessions, 1);
        Ok((id, sent.load(Ordering::Relaxed)))
    }

    /// The device answered INVSESS for `stale`, the id of the session of `handle` that a
    /// request carried, while the driver holds that session: the device lost it. Creates it
    /// again (once for every request that carried `stale`) and destroys `stale`, in case the
    /// device only claimed to have lost it. Whether the request may go again.
    fn renew_session(&self, dev: &virtio::Device<Core<'_>>, handle: Handle, stale: u64) -> bool {
        let _sessions = self.sessions.lock();
        let epoch = self.events.book.epoch();
        let renewed = self
            .events
            .book
            .renew(handle, stale, epoch, |kind, algo, key| {
                self.create_on_device(kind, algo, key).map(|(id, _)| id)
            });
        match renewed {
            Ok(Some((kind, algo, old))) => {
                dev_warn!(
                    dev.as_ref(),
                    "device lost session {old}: created it again, its requests are resubmitted\n"
                );
                Stats::add(&self.events.stats.renewals, 1);
                let _ = self.destroy_on_device(kind, algo, old, epoch);
                true
            }
            // Created again already, for an earlier request.
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// The device refused a request of the stateless session `handle` (NOTSUPP) although it
    /// offered the mode: the session becomes a device session, and later sessions of its
    /// service are device sessions (one line the first time). Whether the request may go
    /// again.
    fn leave_stateless(&self, dev: &virtio::Device<Core<'_>>, handle: Handle) -> bool {
        let _sessions = self.sessions.lock();
        let book = &self.events.book;
        let epoch = book.epoch();
        let made = book.to_device(handle, epoch, |kind, algo, key| {
            self.create_on_device(kind, algo, key).map(|(id, _)| id)
        });
        match made {
            Ok(Some(kind)) => {
                if book.refuse_stateless(kind.service()) {
                    dev_warn!(
                        dev.as_ref(),
                        "device refuses stateless requests of service {}: its sessions are the device's from now on\n",
                        kind.service()
                    );
                }
                Stats::add(&self.events.stats.stateless_refused, 1);
                true
            }
            // Made a device session already, for an earlier request.
            Ok(None) => true,
            Err(_) => false,
        }
    }

    /// Destroys session `id` of the book's `epoch`, unless a reset destroyed it since.
    fn destroy_on_device(&self, kind: SessionKind, algo: u32, id: u64, epoch: u64) -> Result {
        let book = &self.events.book;
        let may_send = || book.epoch() == epoch;
        self.events
            .control
            .destroy_session(&|b| self.send_control(b, &may_send), kind, algo, id)
    }
}

/// Sessions are recorded in the device's [`SessionBook`]: transforms hold handles, and the
/// book knows each session's current device id and how to create it again.
impl Sessions for CryptoDevice {
    /// A stateless session where the policy wants one from the start, or when the device has
    /// no room for another session (`NOSPC`); a device session otherwise.
    fn create_session(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64> {
        let book = &self.events.book;
        let stats = &self.events.stats;
        if self.is_dead() {
            return Err(ENODEV);
        }
        if book.wants_stateless(kind.service(), false) {
            let handle = book.insert_stateless(Recipe::new(kind, algo, key)?)?;
            Stats::add(&stats.stateless_sessions, 1);
            return Ok(handle);
        }
        match self.create_device_session(kind, algo, key) {
            Err(e) if e == ENOSPC && book.wants_stateless(kind.service(), true) => {
                let handle = book.insert_stateless(Recipe::new(kind, algo, key)?)?;
                Stats::add(&stats.stateless_sessions, 1);
                Stats::add(&stats.stateless_nospc, 1);
                Ok(handle)
            }
            other => other,
        }
    }

    fn create_device_session(&self, kind: SessionKind, algo: u32, key: &[u8]) -> Result<u64> {
        if self.is_dead() {
            return Err(ENODEV);
        }
        // The recipe first: a session the device made is never left without an entry.
        let recipe = Recipe::new(kind, algo, key)?;
        let _sessions = self.sessions.lock();
        let (id, epoch) = self.create_on_device(kind, algo, key)?;
        // A reset since the request went to the device leaves the entry without an id (the
        // recovery, waiting for `sessions`, creates it on the device again).
        match self.events.book.insert(recipe, id, epoch) {
            Ok(handle) => Ok(handle),
            Err(e) => {
                let _ = self.destroy_on_device(kind, algo, id, epoch);
                Err(e)
            }
        }
    }

    fn destroy_session(&self, handle: u64) -> Result {
        let _sessions = self.sessions.lock();
        // The slot is freed and its key wiped even when the device is gone.
        let epoch = self.events.book.epoch();
        let (id, recipe) = self.events.book.remove(handle).ok_or(EINVAL)?;
        let Some(id) = id else {
            // The device has no session for it (it was reset and refused to make it again).
            return Ok(());
        };
        if self.is_dead() {
            return Err(ENODEV);
        }
        // After a reset, `id` may name another session: the reset destroyed this one.
        self.destroy_on_device(recipe.kind, recipe.algo, id, epoch)
    }
}

/// The device's counters as a debugfs file (`virtio_crypto_rs-<dev>/stats`), the device's
/// `max_size` (tests size their requests by it) and the services it serves stateless.
struct StatsView(Arc<QueueEvents>, u64);

impl core::fmt::Debug for StatsView {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        kernel::fmt::Display::fmt(&self.0.stats, f)?;
        writeln!(f, "max_size {}", self.1)?;
        writeln!(f, "stateless_services {}", self.0.book.format().stateless)
    }
}

/// The request format of the features the device and the driver agreed on.
fn negotiated_format(dev: &virtio::Device<Core<'_>>) -> Format {
    let rev1 = dev.has_feature(bindings::VCRS_CRYPTO_F_REVISION_1);
    let services = [
        bindings::VIRTIO_CRYPTO_SERVICE_CIPHER,
        bindings::VIRTIO_CRYPTO_SERVICE_HASH,
        bindings::VIRTIO_CRYPTO_SERVICE_MAC,
        bindings::VIRTIO_CRYPTO_SERVICE_AEAD,
    ];
    let stateless = services
        .iter()
        .filter(|&&s| rev1 && dev.has_feature(Format::stateless_feature(s)))
        .fold(0, |mask, &s| mask | 1 << s);
    Format { rev1, stateless }
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
    pub(crate) fn probe(
        dev: &virtio::Device<Core<'_>>,
        depth: u32,
        policy: Policy,
        ops: &'static WorkOps,
    ) -> Result<Self> {
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
        let format = negotiated_format(dev);
        let work = DeviceWork::new(dev.into(), ops)?;
        let events = Arc::pin_init(
            QueueEvents::new(data_queues, depth, work.clone(), format, policy)?,
            GFP_KERNEL,
        )?;
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
            dead: AtomicBool::new(false),
            sessions: KBox::pin_init(new_mutex!(()), GFP_KERNEL)?,
            work,
            suspended: AtomicBool::new(false),
            recent: KBox::pin_init(new_mutex!([None; RECOVERY_BURST]), GFP_KERNEL)?,
        };
        if let Ok(q) = device.queues.access(dev.as_ref()) {
            device.steer_interrupts(dev, q);
        }
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
            "virtio_crypto_rs: {config} data_queues={data_queues} dataq_size={dataq_size} controlq_size={controlq_size} cipher_ok={:#x} hash_ok={:#x} mac_ok={:#x} aead_ok={:#x} rev1={} stateless={:#x}\n",
            u.ciphers,
            u.hashes,
            u.macs,
            u.aeads,
            u8::from(format.rev1),
            format.stateless
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

impl Drop for VirtioCrypto {
    /// No work item of this binding runs once its data is gone (unbind closed them already;
    /// a failed probe did not).
    fn drop(&mut self) {
        self.device.work.close();
    }
}
