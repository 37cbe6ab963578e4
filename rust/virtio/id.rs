// SPDX-License-Identifier: GPL-2.0

//! virtio device IDs (`struct virtio_device_id`) and the driver's ID table.

use crate::abstractions::bindings;
use kernel::device_id::RawDeviceId;

/// A virtio device ID: the device type (e.g. 20 for crypto) and the vendor.
///
/// `struct virtio_device_id` has no `driver_data`, so a probe finds its table entry by
/// matching again (see [`IdTableExt::find`]).
#[repr(transparent)]
#[derive(Clone, Copy)]
pub struct DeviceId(bindings::virtio_device_id);

impl DeviceId {
    /// Matches any vendor.
    pub const ANY_VENDOR: u32 = bindings::VIRTIO_DEV_ANY_ID;

    /// A device ID for device type `device` from `vendor` ([`Self::ANY_VENDOR`] for any).
    pub const fn new(device: u32, vendor: u32) -> Self {
        Self(bindings::virtio_device_id { device, vendor })
    }

    /// The device type.
    pub const fn device(&self) -> u32 {
        self.0.device
    }

    /// Whether a device with ID `dev` matches this table entry (the rule of the virtio core).
    pub fn matches(&self, dev: DeviceId) -> bool {
        self.0.device == dev.0.device
            && (self.0.vendor == Self::ANY_VENDOR || self.0.vendor == dev.0.vendor)
    }
}

// SAFETY: `DeviceId` is a `#[repr(transparent)]` wrapper of `struct virtio_device_id` and adds
// no invariant.
unsafe impl RawDeviceId for DeviceId {
    type RawType = bindings::virtio_device_id;
}

/// `IdTable` type for virtio.
pub type IdTable<T> = &'static dyn kernel::device_id::IdTable<DeviceId, T>;

/// Finding the table entry that matched a device.
pub(super) trait IdTableExt {
    /// The index of the first entry that matches `dev`.
    fn find(&self, dev: DeviceId) -> Option<usize>;
}

impl<T> IdTableExt for IdTable<T> {
    fn find(&self, dev: DeviceId) -> Option<usize> {
        let base = self.as_ptr();
        let mut index = 0;
        loop {
            // SAFETY: `IdArray` (the only implementor of `IdTable`) stores its entries followed
            // by a zeroed sentinel, and `as_ptr()` has provenance over all of them; the loop
            // stops at the sentinel (`device == 0`), so every read is in bounds.
            let raw = unsafe { *base.add(index) };
            if raw.device == 0 {
                return None;
            }
            if DeviceId(raw).matches(dev) {
                return Some(index);
            }
            index += 1;
        }
    }
}

/// Creates a virtio `IdTable` with its alias for modpost.
#[macro_export]
macro_rules! virtio_device_table {
    ($table_name:ident, $module_table_name:ident, $id_info_type: ty, $table_data: expr) => {
        const $table_name: ::kernel::device_id::IdArray<
            $crate::abstractions::virtio::DeviceId,
            $id_info_type,
            { $table_data.len() },
        > = ::kernel::device_id::IdArray::new_without_index($table_data);

        ::kernel::module_device_table!("virtio", $module_table_name, $table_name);
    };
}
