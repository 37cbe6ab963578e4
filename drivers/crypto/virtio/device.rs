// SPDX-License-Identifier: GPL-2.0

//! One bound virtio crypto device: its validated configuration and its queues.

use crate::{
    abstractions::{bindings, virtio},
    config::{DeviceConfig, RawConfig},
    queues::{self, QueueEvents},
};
use core::sync::atomic::AtomicU64;
use kernel::{device::Core, prelude::*, sync::Arc};

/// Per-device state, dropped after the device has been reset on remove.
pub(crate) struct VirtioCrypto<'bound> {
    /// What the device serves; the algorithm glue registers from it.
    #[allow(dead_code)]
    pub(crate) config: DeviceConfig,
    /// Held for its drop: reset the device, then delete the queues.
    _queues: virtio::Virtqueues<'bound, QueueEvents>,
}

impl<'bound> VirtioCrypto<'bound> {
    /// Reads and validates the configuration, creates the queues and sets DRIVER_OK.
    ///
    /// A device that breaks the specification is refused with one log line that says which
    /// rule it broke; everything set up until then is released by the drops.
    pub(crate) fn probe(dev: &'bound virtio::Device<Core<'_>>) -> Result<Self> {
        if !dev.has_feature(bindings::VIRTIO_F_VERSION_1) {
            dev_err!(dev.as_ref(), "device does not offer VIRTIO_F_VERSION_1\n");
            return Err(ENODEV);
        }
        let raw = RawConfig::read(dev)?;
        let config = DeviceConfig::validate(&raw).map_err(|e| {
            dev_err!(dev.as_ref(), "invalid device configuration: {e}\n");
            EINVAL
        })?;

        // One data queue per possible CPU at most: more would never be used.
        let data_queues = config.max_dataqueues.min(kernel::cpu::nr_cpu_ids().max(1));
        let events = Arc::new(
            QueueEvents {
                notifications: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?;
        let queues = dev.find_vqs(queues::layout(data_queues)?, events)?;
        dev.ready();

        let size = |i: usize| queues.get(i).map_or(0, |vq| vq.size());
        dev_info!(
            dev.as_ref(),
            "virtio_crypto_rs: {config} data_queues={data_queues} dataq_size={} controlq_size={}\n",
            size(0),
            size(queues.len().saturating_sub(1))
        );
        Ok(Self {
            config,
            _queues: queues,
        })
    }
}
