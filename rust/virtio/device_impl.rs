// SPDX-License-Identifier: GPL-2.0

//! The virtio device: feature bits, little-endian config space reads, virtqueue setup,
//! and the status transitions a driver makes (`ready`, `reset`).

use super::{
    id::DeviceId,
    queue::{QueueHandler, QueueSpec, Virtqueues},
};
use crate::abstractions::bindings;
use core::{marker::PhantomData, ptr::NonNull};
use kernel::{device, devres::Devres, prelude::*, sync::Arc, types::Opaque};

/// The virtio device representation: a `struct virtio_device` of the C virtio core.
///
/// # Invariants
///
/// A [`Device`] instance represents a valid `struct virtio_device` created by the C virtio
/// core, and `Ctx` is the context in which it was handed out.
#[repr(transparent)]
pub struct Device<Ctx: device::DeviceContext = device::Normal>(
    Opaque<bindings::virtio_device>,
    PhantomData<Ctx>,
);

/// A field type of a virtio config space: read as little-endian bytes (virtio 1.0 devices
/// are little-endian throughout) and converted to the CPU's order.
pub trait ConfigField: Sized {
    /// Size of the field in bytes.
    const SIZE: usize;
    /// Converts from the little-endian bytes read from the device.
    fn from_le(bytes: &[u8]) -> Self;
}

macro_rules! impl_config_field {
    ($($t:ty),*) => {$(
        impl ConfigField for $t {
            const SIZE: usize = core::mem::size_of::<$t>();
            fn from_le(bytes: &[u8]) -> Self {
                let mut raw = [0u8; core::mem::size_of::<$t>()];
                raw.copy_from_slice(&bytes[..Self::SIZE]);
                <$t>::from_le_bytes(raw)
            }
        }
    )*};
}
impl_config_field!(u8, u16, u32, u64);

impl<Ctx: device::DeviceContext> Device<Ctx> {
    pub(super) fn as_raw(&self) -> *mut bindings::virtio_device {
        self.0.get()
    }

    /// The ID under which the virtio core matched this device.
    pub fn id(&self) -> DeviceId {
        // SAFETY: By the type invariant `self.as_raw()` is a valid `struct virtio_device`;
        // `id` is set before the device is registered and never changes.
        let id = unsafe { (*self.as_raw()).id };
        DeviceId::new(id.device, id.vendor)
    }
}

impl Device<device::Bound> {
    /// Returns whether the feature bit `fbit` was negotiated with the device.
    pub fn has_feature(&self, fbit: u32) -> bool {
        // SAFETY: `self.as_raw()` is a valid device; the helper only reads its feature bits.
        unsafe { bindings::vcrs_virtio_has_feature(self.as_raw(), fbit) }
    }

    /// Reads `buf.len()` bytes of the device config space at `offset`, consistently (the
    /// virtio core retries while the device's config generation changes).
    ///
    /// Private: drivers read by field ([`virtio_config_read!`](crate::virtio_config_read)),
    /// so that no read leaves the config structure of the device type (the PCI transport
    /// treats a read past the device's config window as a kernel bug). Fails with `ENODEV` on
    /// a transport that gives no access to the config space.
    fn config_read_bytes(&self, offset: usize, buf: &mut [u8]) -> Result {
        // SAFETY: `self.as_raw()` is a valid device; `config` is set at registration.
        if !unsafe { bindings::vcrs_virtio_has_config_get(self.as_raw()) } {
            return Err(ENODEV);
        }
        let offset = u32::try_from(offset).map_err(|_| EINVAL)?;

        // SAFETY: `self.as_raw()` is a valid device with a `get` config operation, and `buf`
        // is valid for writes of `buf.len()` bytes.
        unsafe {
            bindings::vcrs_virtio_cread_bytes(
                self.as_raw(),
                offset,
                buf.as_mut_ptr().cast(),
                buf.len(),
            )
        };
        Ok(())
    }

    /// Reads the little-endian field of type `T` at `offset` of the config structure `C`.
    /// Use [`virtio_config_read!`](crate::virtio_config_read), which takes the offset and type
    /// from the field's name; a field that does not lie inside `C` fails with `EINVAL`.
    #[doc(hidden)]
    pub fn config_read_field<C, T: ConfigField>(&self, offset: usize) -> Result<T> {
        let end = offset.checked_add(T::SIZE).ok_or(EINVAL)?;
        if end > core::mem::size_of::<C>() {
            return Err(EINVAL);
        }
        let mut raw = [0u8; 8];
        let buf = raw.get_mut(..T::SIZE).ok_or(EINVAL)?;
        self.config_read_bytes(offset, buf)?;
        Ok(T::from_le(buf))
    }

    /// The device status byte (`VIRTIO_CONFIG_S_*`), e.g. to see `DEVICE_NEEDS_RESET`. May
    /// sleep on some transports: not for atomic context.
    pub fn status(&self) -> u8 {
        // SAFETY: `self.as_raw()` is a valid device of a bound driver; `get_status` is a
        // mandatory config operation.
        unsafe { bindings::vcrs_virtio_get_status(self.as_raw()) }
    }
}

/// Reads field `$field` of the config structure `$cfg` (a bindgen struct such as
/// `bindings::virtio_crypto_config`) from a `virtio::Device<Bound>`, little-endian to CPU
/// order: `virtio_config_read!(dev, bindings::virtio_crypto_config, max_size)` is a
/// `Result<u64>`. Offset and width come from the struct, so a read never strays outside it.
#[macro_export]
macro_rules! virtio_config_read {
    ($dev:expr, $cfg:ty, $field:ident) => {{
        fn field_type<T>(_: impl FnOnce(&$cfg) -> T) -> core::marker::PhantomData<T> {
            core::marker::PhantomData
        }
        fn read<T: $crate::abstractions::virtio::ConfigField>(
            dev: &$crate::abstractions::virtio::Device<kernel::device::Bound>,
            _: core::marker::PhantomData<T>,
        ) -> kernel::error::Result<T> {
            dev.config_read_field::<$cfg, T>(core::mem::offset_of!($cfg, $field))
        }
        read($dev, field_type(|c: &$cfg| c.$field))
    }};
}

impl<'a> Device<device::Core<'a>> {
    /// Creates the device's virtqueues, one per entry of `specs`, in order.
    ///
    /// Used-buffer notifications of queues whose spec asks for a callback are delivered to
    /// `handler` with the queue's index, in interrupt context. The queues live in a
    /// [`Devres`]: they are revoked and deleted (after a device reset, dropping the items the
    /// device still held) when the driver is unbound, or earlier if the `Devres` is dropped.
    pub fn find_vqs<H: QueueHandler + 'static>(
        &self,
        specs: KVec<QueueSpec>,
        handler: Arc<H>,
    ) -> Result<Devres<Virtqueues<H>>> {
        // SAFETY: `self.as_raw()` is a valid device, and it is in the `Core` context: probe or
        // remove hold the device lock, so nothing else sets up or deletes queues meanwhile.
        // The `Devres` drops the queues at the latest when the device is unbound.
        let queues = unsafe { Virtqueues::new(self.as_raw(), specs, handler) }?;
        let dev: &device::Device<device::Bound> = self.as_ref();
        Devres::new(dev, Ok::<_, Error>(queues))
    }

    /// Sets DRIVER_OK: the device may now use the queues and send notifications.
    pub fn ready(&self) {
        // SAFETY: `self.as_raw()` is a valid device in the `Core` context.
        unsafe { bindings::vcrs_virtio_device_ready(self.as_raw()) }
    }

    /// Resets the device: it stops using every queue and sends no more notifications; on
    /// return, no queue callback is running.
    pub fn reset(&self) {
        // SAFETY: `self.as_raw()` is a valid device in the `Core` context.
        unsafe { bindings::virtio_reset_device(self.as_raw()) }
    }
}

impl<Ctx: device::DeviceContext> AsRef<device::Device<Ctx>> for Device<Ctx> {
    fn as_ref(&self) -> &device::Device<Ctx> {
        // SAFETY: By the type invariant `self.as_raw()` is a valid `struct virtio_device`, so
        // its embedded `struct device` is valid too.
        let dev = unsafe { &raw mut (*self.as_raw()).dev };

        // SAFETY: `dev` points to a valid `struct device` that lives as long as `self`.
        unsafe { device::Device::from_raw(dev) }
    }
}

// SAFETY: `Device` is a transparent wrapper of `struct virtio_device`, whose layout does not
// depend on `Ctx`.
kernel::impl_device_context_deref!(unsafe { Device });

// SAFETY: Instances of `Device` are always reference-counted (through the embedded
// `struct device`).
unsafe impl kernel::sync::aref::AlwaysRefCounted for Device {
    fn inc_ref(&self) {
        // SAFETY: The existence of a shared reference means the refcount is non-zero.
        unsafe { kernel::bindings::get_device(&raw mut (*self.as_raw()).dev) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: By the safety requirements the refcount is non-zero; `Device` is a
        // transparent wrapper of `struct virtio_device`.
        unsafe {
            kernel::bindings::put_device(
                &raw mut (*obj.cast::<bindings::virtio_device>().as_ptr()).dev,
            )
        }
    }
}

kernel::impl_device_context_into_aref!(Device);

// SAFETY: A `Device` is always reference-counted and can be released from any thread.
unsafe impl Send for Device {}

// SAFETY: All methods of `Device` (i.e. `Device<Normal>`) may be called concurrently: the C
// virtio core does its own locking.
unsafe impl Sync for Device {}

// SAFETY: As for `Device<Normal>`: `Bound` is a type-state marker that does not affect thread
// safety; the methods of `Device<Bound>` (config reads, feature bits, status) may be called
// concurrently.
unsafe impl Sync for Device<device::Bound> {}
