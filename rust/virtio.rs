// SPDX-License-Identifier: GPL-2.0

//! Abstractions for the virtio bus.
//!
//! C headers: [`include/linux/virtio.h`](srctree/include/linux/virtio.h),
//! [`include/linux/virtio_config.h`](srctree/include/linux/virtio_config.h).
//!
//! The shape follows `kernel::pci`: a bus specific [`Driver`] trait, an
//! [`Adapter`] that implements the generic [`driver::RegistrationOps`] so that
//! [`driver::Registration`] registers a `struct virtio_driver`, and a typed
//! [`Device`] handed to the driver's callbacks in the `Core` context.

use crate::abstractions::bindings;
use core::mem::offset_of;
use kernel::{
    device, driver,
    error::{from_result, to_result},
    prelude::*,
    types::Opaque,
    ThisModule,
};

mod device_impl;
mod id;
mod queue;

use self::id::IdTableExt;

pub use self::device_impl::{ConfigField, Device};
pub use self::id::{DeviceId, IdTable};
pub use self::queue::{
    Buffers, Either, InFlight, Part, Parts, QueueHandler, QueueSpec, Virtqueue, Virtqueues,
    MAX_PARTS,
};

/// An adapter for the registration of virtio drivers.
pub struct Adapter<T: Driver>(T);

// SAFETY:
// - `bindings::virtio_driver` is a C type declared as `repr(C)`.
// - `T::Data` is the type of the driver's device private data.
// - `struct virtio_driver` embeds a `struct device_driver` at `DEVICE_DRIVER_OFFSET`.
unsafe impl<T: Driver + 'static> driver::DriverLayout for Adapter<T> {
    type DriverType = bindings::virtio_driver;
    type DriverData<'bound> = T::Data<'bound>;
    const DEVICE_DRIVER_OFFSET: usize = offset_of!(bindings::virtio_driver, driver);
}

// SAFETY: `unregister` is only called by `driver::Registration` after a successful `register`.
unsafe impl<T: Driver + 'static> driver::RegistrationOps for Adapter<T> {
    unsafe fn register(
        vdrv: &Opaque<Self::DriverType>,
        name: &'static CStr,
        module: &'static ThisModule,
    ) -> Result {
        let features = T::FEATURES;
        let nfeatures = u32::try_from(features.len()).map_err(|_| EINVAL)?;

        // SAFETY: `vdrv` points to a valid, pinned and not yet registered `struct virtio_driver`,
        // so its fields may be written. `T::ID_TABLE` and `T::FEATURES` are `'static`.
        unsafe {
            let drv = vdrv.get();
            (*drv).driver.name = name.as_char_ptr();
            (*drv).id_table = T::ID_TABLE.as_ptr();
            (*drv).feature_table = features.as_ptr();
            (*drv).feature_table_size = nfeatures;
            (*drv).validate = Some(Self::validate_callback);
            (*drv).probe = Some(Self::probe_callback);
            (*drv).remove = Some(Self::remove_callback);
        }

        // SAFETY: `vdrv` is a valid `struct virtio_driver` that stays pinned until `unregister`;
        // `module.0` is this module's `struct module`.
        to_result(unsafe { bindings::__register_virtio_driver(vdrv.get(), module.as_ptr()) })
    }

    unsafe fn unregister(vdrv: &Opaque<Self::DriverType>) {
        // SAFETY: By the safety requirements, `vdrv` was registered by `register` above.
        unsafe { bindings::unregister_virtio_driver(vdrv.get()) }
    }
}

impl<T: Driver + 'static> Adapter<T> {
    extern "C" fn validate_callback(vdev: *mut bindings::virtio_device) -> c_int {
        from_result(|| {
            // SAFETY: The virtio core calls validate with a valid device whose features are
            // not yet accepted, during probe (device lock held).
            let mut features = unsafe { Features::new(vdev) };
            T::validate(&mut features)?;
            Ok(0)
        })
    }

    extern "C" fn probe_callback(vdev: *mut bindings::virtio_device) -> c_int {
        // INVARIANT: `vdev` is valid for the duration of `probe_callback()`.
        // SAFETY: The virtio core only calls probe with a valid `struct virtio_device`, which
        // stays valid for the duration of the call.
        let vdev = unsafe { &*vdev.cast::<Device<device::CoreInternal<'_>>>() };

        from_result(|| {
            let index = T::ID_TABLE.find(vdev.id()).ok_or(ENODEV)?;
            let info = T::ID_TABLE.info(index);
            let data = T::probe(vdev, info);

            vdev.as_ref().set_drvdata(data)?;
            Ok(0)
        })
    }

    extern "C" fn remove_callback(vdev: *mut bindings::virtio_device) {
        // INVARIANT: `vdev` is valid for the duration of `remove_callback()`.
        // SAFETY: The virtio core only calls remove with a valid `struct virtio_device`.
        let vdev = unsafe { &*vdev.cast::<Device<device::CoreInternal<'_>>>() };

        // SAFETY: `remove_callback` is only called after a successful `probe_callback`, which
        // stored a `Pin<KBox<T::Data<'_>>>` with `set_drvdata`.
        let data = unsafe { vdev.as_ref().drvdata_borrow::<T::Data<'_>>() };

        T::remove(vdev, data);

        // Stop the device before the driver data (and with it the virtqueues and every
        // buffer the device may still write to) is dropped in the post-unbind callback.
        vdev.reset();
    }
}

/// The feature bits being negotiated, as [`Driver::validate`] sees them.
///
/// # Invariants
///
/// `vdev` is a valid device in its `validate` callback.
pub struct Features<'a> {
    vdev: core::ptr::NonNull<bindings::virtio_device>,
    _p: core::marker::PhantomData<&'a ()>,
}

impl Features<'_> {
    /// # Safety
    ///
    /// `vdev` is a valid device in its `validate` callback, for the returned lifetime.
    unsafe fn new(vdev: *mut bindings::virtio_device) -> Self {
        Self {
            // SAFETY: The virtio core never passes a null device.
            vdev: unsafe { core::ptr::NonNull::new_unchecked(vdev) },
            _p: core::marker::PhantomData,
        }
    }

    /// Whether feature bit `fbit` is still on offer.
    pub fn has(&self, fbit: u32) -> bool {
        // SAFETY: By the type invariant the device is valid.
        unsafe { bindings::vcrs_virtio_has_feature(self.vdev.as_ptr(), fbit) }
    }

    /// Refuses feature bit `fbit`.
    pub fn clear(&mut self, fbit: u32) {
        // SAFETY: By the type invariant the device is in `validate`, where the virtio core lets
        // drivers clear bits before it writes the features to the device.
        unsafe { bindings::vcrs_virtio_clear_feature(self.vdev.as_ptr(), fbit) }
    }
}

/// The virtio driver trait.
///
/// A driver provides an ID table, the feature bits it understands, and a `probe` that
/// returns its per-device data; the data is dropped after `remove`, once the device has been
/// reset by the bus abstraction.
pub trait Driver {
    /// The type holding information about each device ID supported by the driver.
    type IdInfo: 'static;

    /// The type of the driver's bus device private data.
    type Data<'bound>: Send + 'bound;

    /// The table of device IDs supported by the driver.
    const ID_TABLE: IdTable<Self::IdInfo>;

    /// The feature bits the driver understands; the virtio core negotiates the intersection
    /// with the device's offer before `probe`.
    const FEATURES: &'static [c_uint];

    /// Called before the negotiated features are accepted: the driver may refuse feature
    /// bits the device offers, including transport ones. Optional.
    fn validate(features: &mut Features<'_>) -> Result {
        let _ = features;
        Ok(())
    }

    /// Called when a matching device appears. `dev` is reset and has negotiated features;
    /// the driver finds its virtqueues, and calls [`Device::ready`] before using them.
    fn probe<'bound>(
        dev: &'bound Device<device::Core<'_>>,
        id_info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound;

    /// Called when the device goes away or the driver is unbound, before the device is reset
    /// and the driver's data dropped. Optional.
    fn remove<'bound>(dev: &'bound Device<device::Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        let _ = (dev, this);
    }
}
