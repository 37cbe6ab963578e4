// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! One crypto device: settings, negotiated features, sessions and faults.
//!
//! Independent of vhost-user so tests can drive it with plain descriptor
//! chains in test guest memory.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use virtio_queue::DescriptorChain;
use vm_memory::GuestMemoryMmap;

use crate::config::{DeviceSettings, Features};
use crate::fault::FaultState;
use crate::guest_io::RequestIo;
use crate::queue_stats::QueueStats;
use crate::sessions::SessionTable;
use crate::wire::CONFIG_LEN;

/// What to put in the used ring for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Completion {
    pub head: u16,
    pub used_len: u32,
}

/// The state shared by the control queue and all data queue workers.
pub struct Device {
    pub settings: DeviceSettings,
    pub sessions: Arc<SessionTable>,
    pub faults: Arc<FaultState>,
    /// Per queue (data queues, then control): what its worker did.
    pub queue_stats: Arc<QueueStats>,
    negotiated: AtomicU64,
}

impl Device {
    pub fn new(settings: DeviceSettings, faults: Arc<FaultState>) -> Self {
        let sessions = Arc::new(SessionTable::new(settings.max_sessions));
        faults.set_sessions(Box::new(Arc::downgrade(&sessions)));
        let queue_stats = Arc::new(QueueStats::new(settings.max_dataqueues as usize + 1));
        faults.set_queue_report(Box::new(Arc::downgrade(&queue_stats)));
        Device {
            settings,
            sessions,
            faults,
            queue_stats,
            negotiated: AtomicU64::new(0),
        }
    }

    /// Records the features the driver accepted (they pick wire layouts).
    pub fn set_negotiated(&self, features: u64) {
        self.negotiated.store(features, Ordering::Release);
    }

    pub fn features(&self) -> Features {
        Features(self.negotiated.load(Ordering::Acquire))
    }

    /// The configuration space as the driver sees it now: the settings, with
    /// HW_READY cleared in the needs-reset state, then the `config` overrides
    /// (what the driver reads only; the device keeps serving by its settings).
    pub fn config_space(&self) -> [u8; CONFIG_LEN] {
        let mut cfg = self.settings.config_bytes(!self.faults.needs_reset());
        self.faults.override_config(&mut cfg);
        cfg
    }

    /// Device reset: sessions go, the needs-reset state ends.
    pub fn reset(&self) {
        self.sessions.clear();
        self.faults.clear_needs_reset();
    }

    /// Handles one control queue request.
    pub fn handle_control<T>(&self, mem: &GuestMemoryMmap, chain: DescriptorChain<T>) -> Completion
    where
        T: std::ops::Deref + Clone,
        T::Target: vm_memory::GuestMemory + Sized,
    {
        self.serve(mem, chain, "control", crate::control::handle)
    }

    /// Handles one data queue request.
    pub fn handle_data<T>(&self, mem: &GuestMemoryMmap, chain: DescriptorChain<T>) -> Completion
    where
        T: std::ops::Deref + Clone,
        T::Target: vm_memory::GuestMemory + Sized,
    {
        self.serve(mem, chain, "data", crate::data::handle)
    }

    /// Opens a request and lets `handle` answer it. The used length is the
    /// whole writable length (as the used-len fault reports it), or 0 when
    /// nothing can be written back.
    fn serve<T>(
        &self,
        mem: &GuestMemoryMmap,
        chain: DescriptorChain<T>,
        queue: &str,
        handle: fn(&Device, u16, &mut RequestIo),
    ) -> Completion
    where
        T: std::ops::Deref + Clone,
        T::Target: vm_memory::GuestMemory + Sized,
    {
        let head = chain.head_index();
        let Some(mut io) = RequestIo::new(mem, chain) else {
            log::warn!("{queue} request {head}: nowhere to write the answer");
            return Completion { head, used_len: 0 };
        };
        handle(self, head, &mut io);
        let used_len = self.faults.used_len(io.writable_len() as u32);
        Completion { head, used_len }
    }
}
