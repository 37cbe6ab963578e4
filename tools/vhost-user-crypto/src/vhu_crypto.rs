// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! The vhost-user backend: virtqueues, config space, worker threads.
//!
//! Queue layout (spec): data queues `0..N`, control queue `N`. Every queue
//! gets its own worker thread (`queues_per_thread`), so data queues are
//! served in parallel; the backend implements `VhostUserBackend` with
//! interior mutability because the `...Mut` flavour would serialise all
//! threads behind one lock. Besides the virtqueue kicks each worker listens
//! to a "rescan" eventfd (fault socket: un-stall, needs-reset) and a timerfd
//! (delayed completions).

use std::collections::HashSet;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{fence, AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use log::{debug, info, warn};
use vhost::vhost_user::message::{VhostUserProtocolFeatures, VhostUserVirtioFeatures};
use vhost::vhost_user::{Backend, VhostUserFrontendReqHandler};
use vhost_user_backend::{VhostUserBackend, VringEpollHandler, VringRwLock, VringT};
use virtio_bindings::bindings::virtio_ring::{VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC};
use virtio_queue::QueueOwnedT;
use virtio_queue::QueueT;
use vm_memory::{
    Address, Bytes, GuestAddress, GuestAddressSpace, GuestMemoryAtomic, GuestMemoryLoadGuard, GuestMemoryMmap,
};
use vmm_sys_util::epoll::EventSet;
use vmm_sys_util::event::{new_event_consumer_and_notifier, EventConsumer, EventFlag, EventNotifier};
use vmm_sys_util::eventfd::{EventFd, EFD_NONBLOCK};
use vmm_sys_util::timerfd::TimerFd;

use crate::completion::PendingCompletions;
use crate::device::{Completion, Device};
use crate::fault::{FaultEvent, UsedIdMode};

/// Largest config read the backend answers (the struct is 56 bytes; QEMU
/// may be told a bigger `config_size`, the rest reads as zero).
const MAX_CONFIG_READ: usize = 256;

/// Per-queue state owned by that queue's worker.
#[derive(Default)]
struct QueueState {
    pending: PendingCompletions,
    /// Kept so `stop_vring` can flush delayed completions.
    vring: Option<VringRwLock>,
    /// Every head the driver has made available on this queue since the
    /// device started (what an `used-id unknown` id must not be).
    heads_seen: HashSet<u16>,
    /// Whether this queue's timer may be armed: while it is not and nothing
    /// waits, publishing makes no timer system call.
    timer_armed: bool,
}

/// Backend for one vhost-user connection.
pub struct VhuCrypto {
    device: Arc<Device>,
    num_queues: usize,
    mem: RwLock<Option<GuestMemoryAtomic<GuestMemoryMmap>>>,
    event_idx: AtomicBool,
    queues: Vec<Mutex<QueueState>>,
    exits: Vec<(EventConsumer, EventNotifier)>,
    rescans: Vec<EventFd>,
    timers: Vec<Mutex<TimerFd>>,
    frontend: Mutex<Option<Backend>>,
}

impl VhuCrypto {
    pub fn new(device: Arc<Device>) -> io::Result<Self> {
        let num_queues = device.settings.max_dataqueues as usize + 1;
        let mut exits = Vec::new();
        let mut rescans = Vec::new();
        let mut timers = Vec::new();
        for _ in 0..num_queues {
            exits.push(new_event_consumer_and_notifier(EventFlag::NONBLOCK)?);
            rescans.push(EventFd::new(EFD_NONBLOCK)?);
            timers.push(Mutex::new(TimerFd::new()?));
        }
        Ok(VhuCrypto {
            device,
            num_queues,
            mem: RwLock::new(None),
            event_idx: AtomicBool::new(false),
            queues: (0..num_queues).map(|_| Mutex::default()).collect(),
            exits,
            rescans,
            timers,
            frontend: Mutex::new(None),
        })
    }

    fn control_queue(&self) -> usize {
        self.num_queues - 1
    }

    fn rescan_event(&self, q: usize) -> u16 {
        (self.num_queues + 1 + q) as u16
    }

    fn timer_event(&self, q: usize) -> u16 {
        (2 * self.num_queues + 1 + q) as u16
    }

    /// Adds the rescan and timer fds of queue `q` to its worker's epoll set.
    pub fn register_listeners(&self, handlers: &[Arc<VringEpollHandler<Arc<VhuCrypto>>>]) -> io::Result<()> {
        for (q, h) in handlers.iter().enumerate().take(self.num_queues) {
            h.register_listener(
                self.rescans[q].as_raw_fd(),
                EventSet::IN,
                u64::from(self.rescan_event(q)),
            )?;
            let timer_fd = self.timers[q].lock().unwrap_or_else(|e| e.into_inner()).as_raw_fd();
            h.register_listener(timer_fd, EventSet::IN, u64::from(self.timer_event(q)))?;
        }
        Ok(())
    }

    /// Reacts to a fault socket command.
    pub fn on_fault_event(&self, ev: FaultEvent) {
        if matches!(ev, FaultEvent::NeedsReset | FaultEvent::ConfigChange) {
            self.notify_config_change();
        }
        for fd in &self.rescans {
            let _ = fd.write(1);
        }
    }

    /// Sends VHOST_USER_BACKEND_CONFIG_CHANGE_MSG on the backend channel; QEMU
    /// then raises the config interrupt (`vub_config_notifier` calls
    /// `virtio_notify_config`). Returns whether the frontend took it.
    pub fn notify_config_change(&self) -> bool {
        let frontend = self.frontend.lock().unwrap_or_else(|e| e.into_inner());
        let Some(fe) = frontend.as_ref() else {
            warn!("config change: no backend channel (BACKEND_REQ not negotiated)");
            return false;
        };
        match fe.handle_config_change() {
            Ok(_) => {
                info!("config change notification sent");
                true
            }
            Err(e) => {
                warn!("config change notification failed: {e}");
                false
            }
        }
    }

    /// Pops and handles every available request, then publishes what is due.
    fn service_queue(&self, q: usize, vring: &VringRwLock) -> io::Result<()> {
        // Rescan and timer events also come while the driver has the device
        // stopped or reset (a fault command, a late timer): a queue that is not
        // started has nothing to serve, and touching its rings would fail.
        {
            let vs = vring.get_ref();
            if !vs.get_queue().ready() || !vs.is_enabled() {
                // A timer left armed would fire for nothing, again and again.
                return self.timers[q]
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clear()
                    .map_err(io::Error::other);
            }
        }
        let mut state = self.queues[q].lock().unwrap_or_else(|e| e.into_inner());
        if state.vring.is_none() {
            state.vring = Some(vring.clone());
        }
        if !self.device.faults.stalled(q as u16) {
            self.process_available(q, vring, &mut state)?;
        }
        self.publish(q, vring, &mut state)
    }

    fn process_available(&self, q: usize, vring: &VringRwLock, state: &mut QueueState) -> io::Result<()> {
        let Some(atomic) = self.mem.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            return Ok(());
        };
        let mem = atomic.memory();
        let event_idx = self.event_idx.load(Ordering::Relaxed);
        let (start, mut served) = (Instant::now(), 0u64);
        let result = self.serve_available(q, vring, state, &mem, event_idx, &mut served);
        if served > 0 {
            self.device.queue_stats.record(q, served, start.elapsed());
        }
        result
    }

    /// Serves chains until the queue is empty with notifications on again;
    /// counts them in `served`.
    fn serve_available(
        &self,
        q: usize,
        vring: &VringRwLock,
        state: &mut QueueState,
        mem: &GuestMemoryLoadGuard<GuestMemoryMmap>,
        event_idx: bool,
        served: &mut u64,
    ) -> io::Result<()> {
        loop {
            if event_idx {
                vring.disable_notification().map_err(io::Error::other)?;
            }
            let chains: Vec<_> = vring
                .get_mut()
                .get_queue_mut()
                .iter(mem.clone())
                .map_err(io::Error::other)?
                .collect();
            let due = Instant::now() + self.device.faults.delay();
            *served += chains.len() as u64;
            for chain in chains {
                state.heads_seen.insert(chain.head_index());
                let c = if q == self.control_queue() {
                    self.device.handle_control(mem, chain)
                } else {
                    self.device.handle_data(mem, chain)
                };
                state.pending.push(due, c);
            }
            if !event_idx || !vring.enable_notification().map_err(io::Error::other)? {
                return Ok(());
            }
        }
    }

    /// Puts due completions in the used ring, signals, re-arms the timer.
    fn publish(&self, q: usize, vring: &VringRwLock, state: &mut QueueState) -> io::Result<()> {
        let now = Instant::now();
        let ready = state.pending.take_ready(now, self.device.faults.reorder());
        self.push_used(vring, &ready, Some(&state.heads_seen))?;
        let next_due = state.pending.next_due();
        if next_due.is_none() && !state.timer_armed {
            return Ok(());
        }
        state.timer_armed = next_due.is_some();
        let mut timer = self.timers[q].lock().unwrap_or_else(|e| e.into_inner());
        let armed = match next_due {
            // A zero duration would disarm the timer: wait at least 1 µs.
            Some(due) => timer.reset(due.saturating_duration_since(now).max(Duration::from_micros(1)), None),
            None => timer.clear(),
        };
        armed.map_err(io::Error::other)
    }

    /// Puts `done` in the used ring and signals. `heads_seen` (none when the
    /// queue stops) lets the `used-id` fault add a falsified entry behind a
    /// completion.
    fn push_used(&self, vring: &VringRwLock, done: &[Completion], heads_seen: Option<&HashSet<u16>>) -> io::Result<()> {
        if done.is_empty() {
            return Ok(());
        }
        let mut forced = false;
        for c in done {
            vring.add_used(c.head, c.used_len).map_err(io::Error::other)?;
            let Some(seen) = heads_seen else { continue };
            let size = vring.get_ref().get_queue().size();
            let bogus = match self.device.faults.used_id() {
                None => continue,
                Some(UsedIdMode::Dup) => c.head,
                Some(UsedIdMode::Unknown) => (0..size).rev().find(|h| !seen.contains(h)).unwrap_or(size),
            };
            info!("used-id fault: id {bogus} published behind id {}", c.head);
            if bogus < size {
                vring.add_used(bogus, c.used_len).map_err(io::Error::other)?;
            } else {
                self.add_used_out_of_range(vring, bogus, c.used_len)?;
                // Not counted by the queue's event-index bookkeeping: signal anyway.
                forced = true;
            }
        }
        let notify = forced
            || !self.event_idx.load(Ordering::Relaxed)
            || vring.needs_notification().map_err(io::Error::other)?;
        if notify {
            vring.signal_used_queue()?;
        }
        Ok(())
    }
}

impl VhuCrypto {
    /// Writes a used element whose id is `id` >= the queue size, which
    /// `add_used` refuses: the next used slot, then the used index.
    fn add_used_out_of_range(&self, vring: &VringRwLock, id: u16, len: u32) -> io::Result<()> {
        let Some(atomic) = self.mem.read().unwrap_or_else(|e| e.into_inner()).clone() else {
            return Ok(());
        };
        let mem = atomic.memory();
        let mut state = vring.get_mut();
        let queue = state.get_queue_mut();
        let next = queue.next_used();
        let ring = GuestAddress(queue.used_ring());
        // struct vring_used: le16 flags, le16 idx, then { le32 id, le32 len } per slot.
        let slot = 4 + u64::from(next % queue.size()) * 8;
        let mut elem = [0u8; 8];
        elem[..4].copy_from_slice(&u32::from(id).to_le_bytes());
        elem[4..].copy_from_slice(&len.to_le_bytes());
        let addr = ring
            .checked_add(slot)
            .ok_or_else(|| io::Error::other("used ring address overflow"))?;
        mem.write_slice(&elem, addr).map_err(io::Error::other)?;
        let next = next.wrapping_add(1);
        queue.set_next_used(next);
        fence(Ordering::Release);
        let idx = ring
            .checked_add(2)
            .ok_or_else(|| io::Error::other("used ring address overflow"))?;
        mem.write_obj(next.to_le(), idx).map_err(io::Error::other)
    }
}

impl VhostUserBackend for VhuCrypto {
    type Bitmap = ();
    type Vring = VringRwLock;

    fn num_queues(&self) -> usize {
        self.num_queues
    }

    fn max_queue_size(&self) -> usize {
        usize::from(self.device.settings.queue_size)
    }

    fn features(&self) -> u64 {
        self.device.settings.features
            | (1 << VIRTIO_RING_F_INDIRECT_DESC)
            | (1 << VIRTIO_RING_F_EVENT_IDX)
            | VhostUserVirtioFeatures::PROTOCOL_FEATURES.bits()
    }

    fn acked_features(&self, features: u64) {
        debug!("driver accepted features {features:#x}");
        self.device.set_negotiated(features);
    }

    fn protocol_features(&self) -> VhostUserProtocolFeatures {
        VhostUserProtocolFeatures::MQ
            | VhostUserProtocolFeatures::CONFIG
            | VhostUserProtocolFeatures::BACKEND_REQ
            | VhostUserProtocolFeatures::REPLY_ACK
            | VhostUserProtocolFeatures::RESET_DEVICE
    }

    fn reset_device(&self) {
        self.device.reset();
    }

    fn set_event_idx(&self, enabled: bool) {
        self.event_idx.store(enabled, Ordering::Relaxed);
    }

    fn get_config(&self, offset: u32, size: u32) -> Vec<u8> {
        let (offset, size) = (offset as usize, size as usize);
        let Some(end) = offset.checked_add(size).filter(|&e| e <= MAX_CONFIG_READ) else {
            warn!("config read {offset}+{size} out of range");
            return Vec::new();
        };
        let mut space = [0u8; MAX_CONFIG_READ];
        let cfg = self.device.config_space();
        space[..cfg.len()].copy_from_slice(&cfg);
        space[offset..end].to_vec()
    }

    fn set_config(&self, offset: u32, buf: &[u8]) -> io::Result<()> {
        // Every field is read-only for the driver; writes are ignored.
        debug!("ignored config write of {} bytes at {offset}", buf.len());
        Ok(())
    }

    fn update_memory(&self, mem: GuestMemoryAtomic<GuestMemoryMmap>) -> io::Result<()> {
        *self.mem.write().unwrap_or_else(|e| e.into_inner()) = Some(mem);
        Ok(())
    }

    fn set_backend_req_fd(&self, backend: Backend) {
        *self.frontend.lock().unwrap_or_else(|e| e.into_inner()) = Some(backend);
    }

    fn queues_per_thread(&self) -> Vec<u64> {
        (0..self.num_queues).map(|q| 1u64 << q).collect()
    }

    fn exit_event(&self, thread_index: usize) -> Option<(EventConsumer, EventNotifier)> {
        let (c, n) = self.exits.get(thread_index)?;
        Some((c.try_clone().ok()?, n.try_clone().ok()?))
    }

    fn stop_vring(&self, queue_index: u32) -> io::Result<()> {
        let q = queue_index as usize;
        if let Some(state) = self.queues.get(q) {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            let rest = state.pending.take_all();
            if let Some(vring) = state.vring.clone() {
                self.push_used(&vring, &rest, None)?;
            }
            // The driver resets the queue: its heads start afresh.
            state.heads_seen.clear();
        }
        // The control queue stops when the driver resets the device.
        if q == self.control_queue() {
            self.device.reset();
        }
        Ok(())
    }

    /// Each worker thread serves exactly one queue (see `queues_per_thread`), so
    /// `thread` is the queue's index and `vrings` holds that one vring. The
    /// backend crate numbers a thread's kick events from 0 within the thread,
    /// so a kick always arrives as event 0; rescan and timer events carry the
    /// queue they were registered for.
    fn handle_event(
        &self,
        device_event: u16,
        evset: EventSet,
        vrings: &[VringRwLock],
        thread: usize,
    ) -> io::Result<()> {
        if evset != EventSet::IN {
            return Err(io::Error::other(format!("unexpected epoll events {evset:?}")));
        }
        let ev = usize::from(device_event);
        let n = self.num_queues;
        let q = if ev == 0 {
            thread
        } else if ev > n && ev <= 2 * n {
            let _ = self.rescans[ev - n - 1].read();
            ev - n - 1
        } else if ev > 2 * n && ev <= 3 * n {
            // No read of the timerfd: it is blocking, and the kick handled just
            // before in the same epoll batch may have re-armed or cleared it,
            // so a read could wait for the next expiry or forever. Serving the
            // queue re-arms or clears the timer, which resets its count and so
            // its readiness.
            ev - 2 * n - 1
        } else {
            return Err(io::Error::other(format!("unknown device event {device_event}")));
        };
        if q != thread {
            return Err(io::Error::other(format!(
                "event for queue {q} reached the thread of queue {thread}"
            )));
        }
        let vring = vrings
            .first()
            .ok_or_else(|| io::Error::other("worker thread without a vring"))?;
        // An error returned from here ends this queue's worker thread for good
        // (vhost-user-backend stops its epoll loop), so the queue would never
        // serve again, not even after the driver resets the device. A broken
        // ring (a guest bug) is logged; the next reset starts it afresh.
        if let Err(e) = self.service_queue(q, vring) {
            warn!("queue {q}: {e}; the queue is not served until it is restarted");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DeviceSettings;
    use crate::fault::FaultState;
    use vm_memory::{GuestAddress, GuestMemoryAtomic, GuestMemoryMmap};

    fn backend(queues: u32) -> (VhuCrypto, Vec<VringRwLock>) {
        let settings = DeviceSettings {
            max_dataqueues: queues,
            ..DeviceSettings::default()
        };
        let dev = Arc::new(Device::new(settings, Arc::new(FaultState::new())));
        let vhu = VhuCrypto::new(dev).unwrap();
        let mem = GuestMemoryAtomic::new(GuestMemoryMmap::<()>::from_ranges(&[(GuestAddress(0), 1 << 20)]).unwrap());
        vhu.update_memory(mem.clone()).unwrap();
        let vrings = (0..=queues)
            .map(|_| VringRwLock::new(mem.clone(), 64).unwrap())
            .collect();
        (vhu, vrings)
    }

    /// A fault command rescans every queue, also while the driver has the
    /// device stopped: that must not end the worker threads (it once did, and
    /// the next driver found a dead control queue).
    #[test]
    fn events_on_a_stopped_queue_are_harmless() {
        let (vhu, vrings) = backend(2);
        for (q, vring) in vrings.iter().enumerate() {
            let mine = std::slice::from_ref(vring);
            assert!(vhu.handle_event(0, EventSet::IN, mine, q).is_ok());
            let rescan = vhu.rescan_event(q);
            assert!(vhu.handle_event(rescan, EventSet::IN, mine, q).is_ok());
            assert!(vhu.service_queue(q, vring).is_ok());
        }
    }

    /// A timer event whose timer was re-armed or cleared in the meantime (by
    /// the kick handled just before it) returns at once: it once did a
    /// blocking read of the disarmed timerfd, and the queue's thread hung.
    #[test]
    fn a_stale_timer_event_does_not_block() {
        let (vhu, vrings) = backend(1);
        let (vhu, vring) = (Arc::new(vhu), vrings[0].clone());
        let (tx, rx) = std::sync::mpsc::channel();
        let ev = vhu.timer_event(0);
        std::thread::spawn(move || {
            let r = vhu.handle_event(ev, EventSet::IN, std::slice::from_ref(&vring), 0);
            let _ = tx.send(r.is_ok());
        });
        assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Ok(true));
    }

    /// A config change (needs-reset, `config ... notify`, `config-change`)
    /// goes out on the backend channel as VHOST_USER_BACKEND_CONFIG_CHANGE_MSG:
    /// request 2, version 1 flags, an 8-byte body of 0. (The vhost crate
    /// 0.18.0 as published answered ENOSYS and sent nothing.)
    #[test]
    fn config_change_goes_out_on_the_backend_channel() {
        use std::io::Read;
        let (vhu, _) = backend(1);
        assert!(!vhu.notify_config_change());
        let (ours, mut qemu) = std::os::unix::net::UnixStream::pair().unwrap();
        vhu.set_backend_req_fd(Backend::from_stream(ours));
        for ev in [FaultEvent::NeedsReset, FaultEvent::ConfigChange] {
            vhu.on_fault_event(ev);
            let mut msg = [0u8; 20];
            qemu.read_exact(&mut msg).unwrap();
            let word = |i: usize| u32::from_le_bytes(msg[i..i + 4].try_into().unwrap());
            assert_eq!((word(0), word(4) & 3, word(8)), (2, 1, 8));
            assert_eq!(&msg[12..], &[0; 8]);
        }
    }

    /// Used ring of a 64-entry queue at 0x3000 after `done` went out with the
    /// fault `cmd`: (used idx, [(id, len)...]).
    fn used_after(cmd: &str, seen: &HashSet<u16>, done: &[Completion]) -> (u16, Vec<(u32, u32)>) {
        let (vhu, vrings) = backend(1);
        let vring = &vrings[0];
        vring.set_queue_info(0x1000, 0x2000, 0x3000).unwrap();
        vhu.device.faults.apply(cmd).unwrap();
        vhu.push_used(vring, done, Some(seen)).unwrap();
        let mem = vhu.mem.read().unwrap().clone().unwrap().memory();
        let idx: u16 = mem.read_obj(GuestAddress(0x3002)).unwrap();
        let elems = (0..u64::from(idx))
            .map(|i| {
                let at = |o| mem.read_obj::<u32>(GuestAddress(0x3004 + i * 8 + o)).unwrap();
                (at(0), at(4))
            })
            .collect();
        (idx, elems)
    }

    #[test]
    fn used_id_faults() {
        let c = |head| Completion { head, used_len: 9 };
        let seen: HashSet<u16> = [0, 1, 63].into();
        assert_eq!(used_after("used-id dup", &seen, &[c(1)]), (2, vec![(1, 9), (1, 9)]));
        assert_eq!(
            used_after("used-id dup every=2", &seen, &[c(0), c(1)]),
            (3, vec![(0, 9), (1, 9), (1, 9)])
        );
        // Unknown: the highest id the driver never made available...
        assert_eq!(
            used_after("used-id unknown", &seen, &[c(0)]),
            (2, vec![(0, 9), (62, 9)])
        );
        // ...or, when it has used every one, the first id past the queue.
        let all: HashSet<u16> = (0..64).collect();
        assert_eq!(used_after("used-id unknown", &all, &[c(5)]), (2, vec![(5, 9), (64, 9)]));
        assert_eq!(used_after("used-id off", &all, &[c(5)]), (1, vec![(5, 9)]));
    }

    /// Kicks arrive as event 0 of each queue's own thread: the thread's index
    /// is the queue; an event that names another queue's fd is refused.
    #[test]
    fn events_map_to_the_thread_queue() {
        let (vhu, vrings) = backend(2);
        let mine = std::slice::from_ref(&vrings[1]);
        assert!(vhu.handle_event(vhu.rescan_event(0), EventSet::IN, mine, 1).is_err());
        assert!(vhu.handle_event(999, EventSet::IN, mine, 1).is_err());
        assert!(vhu.handle_event(0, EventSet::OUT, mine, 1).is_err());
    }
}
