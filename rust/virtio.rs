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
use core::{
    mem::offset_of,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{
    device, driver,
    error::{from_result, to_result, VTABLE_DEFAULT_ERROR},
    ffi::c_void,
    prelude::*,
    time::{delay::fsleep, Delta},
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
    Buffers, Either, InFlight, Kick, Part, Parts, QueueHandler, QueueSpec, Virtqueue, Virtqueues,
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
            // The virtio core checks these for NULL: a driver that does not implement one
            // keeps the core's behaviour (no config notification, no PM or reset support).
            (*drv).config_changed = Self::CONFIG_CHANGED;
            (*drv).freeze = Self::FREEZE;
            (*drv).restore = Self::RESTORE;
            (*drv).reset_prepare = Self::RESET_PREPARE;
            (*drv).reset_done = Self::RESET_DONE;
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

type VoidCallback = unsafe extern "C" fn(*mut bindings::virtio_device);
type IntCallback = unsafe extern "C" fn(*mut bindings::virtio_device) -> c_int;

impl<T: Driver + 'static> Adapter<T> {
    // Constants, so that the callbacks of what `T` does not implement (and the default
    // methods they would call, which fail the build) are never instantiated.
    const CONFIG_CHANGED: Option<VoidCallback> = if T::HAS_CONFIG_CHANGED {
        Some(Self::config_changed_callback)
    } else {
        None
    };
    const FREEZE: Option<IntCallback> = if T::HAS_FREEZE {
        Some(Self::freeze_callback)
    } else {
        None
    };
    const RESTORE: Option<IntCallback> = if T::HAS_RESTORE {
        Some(Self::restore_callback)
    } else {
        None
    };
    const RESET_PREPARE: Option<IntCallback> = if T::HAS_RESET_PREPARE {
        Some(Self::reset_prepare_callback)
    } else {
        None
    };
    const RESET_DONE: Option<IntCallback> = if T::HAS_RESET_DONE {
        Some(Self::reset_done_callback)
    } else {
        None
    };

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

        T::unbind(vdev, data);

        // Stop the device before the driver data (and with it the virtqueues and every
        // buffer the device may still write to) is dropped in the post-unbind callback.
        vdev.reset();
    }

    /// Runs `f` with the device in the `Core` context and the driver's data, for the callbacks
    /// the virtio core makes with the device lock held on a bound device (PM and reset).
    ///
    /// # Safety
    ///
    /// `vdev` is a valid device bound to this driver (after a successful `probe_callback`,
    /// before `remove_callback` returns), and the caller holds its device lock.
    unsafe fn with_bound(
        vdev: *mut bindings::virtio_device,
        f: impl for<'b> FnOnce(&'b Device<device::Core<'b>>, Pin<&'b T::Data<'b>>) -> Result,
    ) -> c_int {
        // SAFETY: By the safety requirements `vdev` is valid and its device lock is held,
        // which is what the `Core` context stands for.
        let vdev = unsafe { &*vdev.cast::<Device<device::CoreInternal<'_>>>() };
        // SAFETY: By the safety requirements the device is bound to this driver, whose probe
        // stored a `Pin<KBox<T::Data<'_>>>`.
        let data = unsafe { vdev.as_ref().drvdata_borrow::<T::Data<'_>>() };
        from_result(|| f(vdev, data).map(|()| 0))
    }

    extern "C" fn config_changed_callback(vdev: *mut bindings::virtio_device) {
        // SAFETY: The virtio core calls `config_changed` with a valid device, under its
        // `config_lock`, only between the end of a successful probe and the start of remove
        // (`config_core_enabled`), so the device is bound and the driver data stored.
        let vdev = unsafe { &*vdev.cast::<Device<device::CoreInternal<'_>>>() };
        // SAFETY: As above: the driver data of this driver is stored and not yet dropped.
        let data = unsafe { vdev.as_ref().drvdata_borrow::<T::Data<'_>>() };
        let bound: &Device<device::Bound> = vdev;
        T::config_changed(bound, data);
    }

    extern "C" fn freeze_callback(vdev: *mut bindings::virtio_device) -> c_int {
        // SAFETY: The PM core calls the transport's freeze with the device lock held, which
        // calls this only for a device bound to this driver.
        unsafe { Self::with_bound(vdev, |dev, data| T::freeze(dev, data)) }
    }

    extern "C" fn restore_callback(vdev: *mut bindings::virtio_device) -> c_int {
        // SAFETY: As for `freeze_callback`.
        unsafe { Self::with_bound(vdev, |dev, data| T::restore(dev, data)) }
    }

    extern "C" fn reset_prepare_callback(vdev: *mut bindings::virtio_device) -> c_int {
        // SAFETY: `virtio_device_reset_prepare()` calls this for a device bound to this driver;
        // its callers (the PCI core's reset, [`Device::reset_bound`]) hold the device lock.
        unsafe { Self::with_bound(vdev, |dev, data| T::reset_prepare(dev, data)) }
    }

    extern "C" fn reset_done_callback(vdev: *mut bindings::virtio_device) -> c_int {
        // SAFETY: As for `reset_prepare_callback`, with `virtio_device_reset_done()`.
        unsafe { Self::with_bound(vdev, |dev, data| T::reset_done(dev, data)) }
    }

    /// Whether `vdev`, whose device lock the caller holds, is bound to this driver.
    fn is_bound(vdev: *mut bindings::virtio_device) -> bool {
        let ours: extern "C" fn(*mut bindings::virtio_device) -> c_int = Self::probe_callback;
        // SAFETY: The caller holds the device lock of the valid device `vdev`, so its driver
        // does not change during the call.
        let bound = unsafe { bindings::vcrs_virtio_bound_probe(vdev) };
        // A driver is known by its probe callback: `Adapter<T>::probe_callback` is a distinct
        // function for every driver type `T`. Comparing addresses can only fail to recognise
        // this driver (if the function had two copies), never mistake another for it.
        !bound.is_null() && bound.addr() == (ours as *const c_void).addr()
    }
}

impl Device {
    /// Resets a bound device through the virtio core's reset path: `T::reset_prepare`, a device
    /// reset, feature negotiation, `T::reset_done` (`virtio_device_reset_prepare()` and
    /// `virtio_device_reset_done()`), with the device lock held. For a driver that must reset
    /// its device by itself (it stopped answering, or asked for a reset), from a work item.
    ///
    /// Does nothing and fails with `ENODEV` unless the device is bound to `T` and `is_ours`
    /// accepts the binding's data (a work item of an old binding must not reset a new one).
    ///
    /// The device lock is taken with a try-lock loop that gives up once `cancel` is set: a
    /// driver's `unbind` runs with the device lock held, so it sets `cancel` before it waits
    /// for the work item that calls this.
    pub fn reset_bound<T: Driver + 'static>(
        &self,
        cancel: &AtomicBool,
        is_ours: impl FnOnce(Pin<&T::Data<'_>>) -> bool,
    ) -> Result {
        self.with_bound::<T, _>(cancel, |_, data, reset| {
            if !is_ours(data) {
                return Err(ENODEV);
            }
            reset.reset()
        })?
    }

    /// Runs `f` on a device bound to `T`, with the device lock held (the `Core` context), the
    /// binding's data and a [`BoundReset`] that resets the device through the driver's
    /// `reset_prepare`/`reset_done` (as [`Device::reset_bound`]). For work items of the driver
    /// that must look at the device (its config space, its status) before they decide.
    ///
    /// Fails with `ENODEV`, without calling `f`, if the device is not bound to `T`, or once
    /// `cancel` is set (see [`Device::reset_bound`] for the lock).
    pub fn with_bound<T: Driver + 'static, R>(
        &self,
        cancel: &AtomicBool,
        f: impl for<'b> FnOnce(&'b Device<device::Core<'b>>, Pin<&'b T::Data<'b>>, &BoundReset<'b>) -> R,
    ) -> Result<R> {
        let vdev = self.as_raw();
        // SAFETY: `vdev` is a valid device (type invariant), so its embedded device is too.
        let dev = unsafe { &raw mut (*vdev).dev };
        loop {
            if cancel.load(Ordering::Acquire) {
                return Err(ENODEV);
            }
            // SAFETY: `dev` is a valid device for as long as `self` exists.
            if unsafe { bindings::vcrs_device_trylock(dev) } {
                break;
            }
            fsleep(Delta::from_millis(5));
        }
        let ret = if Adapter::<T>::is_bound(vdev) {
            // SAFETY: The device lock is held, which is what the `Core` context stands for.
            let core = unsafe { &*vdev.cast::<Device<device::CoreInternal<'_>>>() };
            // SAFETY: The device lock is held and the device is bound to `T`, whose probe
            // succeeded (a driver is only bound after its probe returns 0) and stored a
            // `Pin<KBox<T::Data<'_>>>`, dropped only after unbind, which needs the lock.
            let data = unsafe { core.as_ref().drvdata_borrow::<T::Data<'_>>() };
            let reset = BoundReset {
                vdev,
                _p: core::marker::PhantomData,
            };
            Ok(f(core, data, &reset))
        } else {
            Err(ENODEV)
        };
        // SAFETY: The device lock was taken by the try-lock above.
        unsafe { bindings::vcrs_device_unlock(dev) };
        ret
    }
}

/// Resets a device from inside [`Device::with_bound`], through the virtio core and the
/// driver's reset callbacks.
///
/// # Invariants
///
/// `vdev` is a valid device bound to the driver that implements its reset callbacks, whose
/// device lock is held for `'a`.
pub struct BoundReset<'a> {
    vdev: *mut bindings::virtio_device,
    _p: core::marker::PhantomData<&'a ()>,
}

impl BoundReset<'_> {
    /// `virtio_device_reset_prepare()` (the driver's `reset_prepare`, which must stop using
    /// the device), then `virtio_device_reset_done()` (a device reset, feature negotiation,
    /// the driver's `reset_done`). Fails if either does; after a failed `reset_done` the
    /// virtio core has marked the device FAILED.
    pub fn reset(&self) -> Result {
        // SAFETY: By the type invariant the device is bound and its lock held; a driver
        // without reset callbacks makes the core fail with EOPNOTSUPP.
        to_result(unsafe { bindings::virtio_device_reset_prepare(self.vdev) })?;
        // SAFETY: As above; called once after a successful `virtio_device_reset_prepare`.
        to_result(unsafe { bindings::virtio_device_reset_done(self.vdev) })
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
/// returns its per-device data; the data is dropped after `unbind`, once the device has been
/// reset by the bus abstraction. The other callbacks are optional: the bus calls only those
/// the driver implements (`#[vtable]`), and the virtio core keeps its default behaviour for
/// the others.
#[vtable]
pub trait Driver {
    /// The type holding information about each device ID supported by the driver.
    type IdInfo: 'static;

    /// The type of the driver's bus device private data. `Sync`: `config_changed` reaches it
    /// from interrupt context while other threads use it.
    type Data<'bound>: Send + Sync + 'bound;

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

    /// Called when the device is unbound from the driver (it goes away, or the driver is
    /// unbound or unloaded), before the device is reset and the driver's data dropped.
    /// Optional.
    fn unbind<'bound>(dev: &'bound Device<device::Core<'_>>, this: Pin<&Self::Data<'bound>>) {
        let _ = (dev, this);
    }

    /// The device changed its configuration space. Called in atomic context (the virtio
    /// core's `config_lock` is held, possibly from the device's interrupt): read nothing that
    /// sleeps here; schedule work. Optional.
    fn config_changed<'bound>(dev: &'bound Device<device::Bound>, this: Pin<&Self::Data<'bound>>) {
        let _ = (dev, this);
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The system suspends: stop using the device (the transport may reset it or lose its
    /// state). Optional; without it, suspend proceeds without telling the driver.
    fn freeze<'bound>(
        dev: &'bound Device<device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        let _ = (dev, this);
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The system resumed: the virtio core reset the device and negotiated the features
    /// again; set the device up as after probe. DRIVER_OK is set by the core on return if the
    /// driver did not set it. Optional.
    fn restore<'bound>(
        dev: &'bound Device<device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        let _ = (dev, this);
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// A reset of the device is about to happen (the transport's, or [`Device::reset_bound`]):
    /// stop using it. Optional; a driver without it cannot be reset while bound.
    fn reset_prepare<'bound>(
        dev: &'bound Device<device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        let _ = (dev, this);
        build_error!(VTABLE_DEFAULT_ERROR)
    }

    /// The reset is done: the virtio core reset the device and negotiated the features again;
    /// set it up as after probe (as `restore`). Optional, with `reset_prepare`.
    fn reset_done<'bound>(
        dev: &'bound Device<device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        let _ = (dev, this);
        build_error!(VTABLE_DEFAULT_ERROR)
    }
}
