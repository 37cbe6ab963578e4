// SPDX-License-Identifier: GPL-2.0

//! virtio-crypto-rs: a Rust guest driver for the virtio crypto device (virtio device ID 20).
//!
//! The driver binds to the virtio bus, reads and validates the device's configuration and
//! sets up its data queues and control queue. It is safe Rust: whatever needs the compiler's
//! trust lives in the abstractions under `rust/` of this repository, compiled into this crate
//! as the `abstractions` module.

#[path = "../../../rust/lib.rs"]
pub mod abstractions;

// Files depend downward only: config, wire, algs, stats, requests at the bottom; the data
// and control queues above them; the device above its queues; the device list; the
// algorithm glue; the registry of registered algorithms on top.
#[deny(unsafe_code)]
mod aead;
#[deny(unsafe_code)]
mod ahash;
#[deny(unsafe_code)]
mod algs;
#[deny(unsafe_code)]
mod config;
#[deny(unsafe_code)]
mod control;
#[deny(unsafe_code)]
mod dataq;
#[deny(unsafe_code)]
mod device;
#[deny(unsafe_code)]
mod device_work;
#[deny(unsafe_code)]
mod devices;
#[deny(unsafe_code)]
mod queues;
#[deny(unsafe_code)]
mod recovery;
#[deny(unsafe_code)]
mod registry;
#[deny(unsafe_code)]
mod requests;
#[deny(unsafe_code)]
mod session_book;
#[deny(unsafe_code)]
mod session_check;
#[deny(unsafe_code)]
mod skcipher;
#[deny(unsafe_code)]
mod stats;
#[deny(unsafe_code)]
mod wire;

use abstractions::{bindings, module_global, stat_hook, virtio};
use kernel::{driver, prelude::*, sync::Arc};

/// The driver: one [`device::VirtioCrypto`] per bound device.
struct VirtioCryptoDriver;

virtio_device_table!(
    VIRTIO_TABLE,
    MODULE_VIRTIO_TABLE,
    (),
    [(
        virtio::DeviceId::new(bindings::VIRTIO_ID_CRYPTO, virtio::DeviceId::ANY_VENDOR),
        ()
    )]
);

#[vtable]
impl virtio::Driver for VirtioCryptoDriver {
    type IdInfo = ();
    type Data<'bound> = device::VirtioCrypto;
    const ID_TABLE: virtio::IdTable<Self::IdInfo> = &VIRTIO_TABLE;
    // Revision 0 needs no device feature bit. Revision 1 and the stateless modes of the
    // services the driver uses (`validate` drops the latter if the policy says never).
    const FEATURES: &'static [c_uint] = &[
        bindings::VCRS_CRYPTO_F_REVISION_1,
        bindings::VCRS_CRYPTO_F_CIPHER_STATELESS_MODE,
        bindings::VCRS_CRYPTO_F_HASH_STATELESS_MODE,
        bindings::VCRS_CRYPTO_F_MAC_STATELESS_MODE,
        bindings::VCRS_CRYPTO_F_AEAD_STATELESS_MODE,
    ];

    /// Direct descriptors only: with indirect ones, `virtqueue_add` tries a `GFP_ATOMIC`
    /// table allocation per request. Without them nothing at all is allocated per request,
    /// which is what leaving `CRYPTO_ALG_ALLOCATES_MEMORY` clear promises. A request takes
    /// 4 + source + destination descriptors: a 1024-entry ring holds ~170 of them.
    fn validate(features: &mut virtio::Features<'_>) -> Result {
        features.clear(bindings::VIRTIO_RING_F_INDIRECT_DESC);
        if stateless_policy() == session_book::Policy::Never {
            for bit in [
                bindings::VCRS_CRYPTO_F_CIPHER_STATELESS_MODE,
                bindings::VCRS_CRYPTO_F_HASH_STATELESS_MODE,
                bindings::VCRS_CRYPTO_F_MAC_STATELESS_MODE,
                bindings::VCRS_CRYPTO_F_AEAD_STATELESS_MODE,
            ] {
                features.clear(bit);
            }
        }
        Ok(())
    }

    fn probe<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        _id_info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        let depth = *crate::module_parameters::queue_depth.value();
        let registry = module_global::get::<registry::Registry>().ok_or(ENODEV);
        registry.and_then(|registry| {
            let this = device::VirtioCrypto::probe(dev, depth, stateless_policy(), &recovery::OPS)?;
            if let Err(e) = registry.add(this.device.clone()) {
                registry.remove(&this.device);
                return Err(e);
            }
            Ok(this)
        })
    }

    /// Stops the device's work items (a pending recovery gives up waiting for the device
    /// lock, which unbind holds), unregisters what only this device served, then stops it
    /// and fails what it held.
    fn unbind<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) {
        this.device.work.close();
        if let Some(registry) = module_global::get::<registry::Registry>() {
            registry.remove(&this.device);
        }
        this.shutdown(dev);
    }

    /// Atomic context: the device work reads the status.
    fn config_changed<'bound>(
        _dev: &'bound virtio::Device<kernel::device::Bound>,
        this: Pin<&Self::Data<'bound>>,
    ) {
        this.device.work.schedule(device_work::CHECK);
    }

    /// Suspend: requests wait, what the device held is taken back (see `reset_prepare`).
    fn freeze<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        this.device.set_suspended(true);
        this.device.quiesce(dev)
    }

    /// Resume: as `reset_done`; a device that does not come back is given up.
    fn restore<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        let ret = this.device.resume(dev);
        this.device.set_suspended(false);
        if let Err(e) = ret {
            dev_err!(
                dev.as_ref(),
                "device did not come back after resume ({e:?}): giving it up\n"
            );
            recovery::give_up(dev, &this);
        }
        ret
    }

    /// The device is about to be reset (by the device work, or the transport): stop using
    /// it and take back every request.
    fn reset_prepare<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        this.device.quiesce(dev)
    }

    /// The device was reset: queues, sessions and requests again.
    fn reset_done<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        this: Pin<&Self::Data<'bound>>,
    ) -> Result {
        this.device.resume(dev)
    }
}

/// The stall timeout (module parameter), in milliseconds; 0: no stall detection.
pub(crate) fn stall_timeout_ms() -> u32 {
    *crate::module_parameters::stall_timeout_ms.value()
}

/// When sessions are stateless (module parameter `stateless`).
fn stateless_policy() -> session_book::Policy {
    match *crate::module_parameters::stateless.value() {
        0 => session_book::Policy::Never,
        2 => session_book::Policy::Always,
        _ => session_book::Policy::WhenFull,
    }
}

/// Clears the module's registry when the module goes (after the driver, declared first).
struct RegistryHandle;

impl Drop for RegistryHandle {
    fn drop(&mut self) {
        stat_hook::uninstall();
        let _ = module_global::set::<registry::Registry>(None);
    }
}

#[pin_data]
struct VirtioCryptoModule {
    #[pin]
    driver: driver::Registration<virtio::Adapter<VirtioCryptoDriver>>,
    _registry: RegistryHandle,
}

impl kernel::InPlaceModule for VirtioCryptoModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        // The registry exists before the driver can probe a device.
        module_global::setup();
        let registry = registry::Registry::new(module)
            .and_then(|init| Arc::pin_init(init, GFP_KERNEL))
            .and_then(|r| module_global::set(Some(r)));
        let registry = registry.map(|()| {
            stat_hook::install::<registry::Registry>();
            RegistryHandle
        });
        try_pin_init!(Self {
            _registry: registry?,
            driver <- driver::Registration::new(c"virtio_crypto_rs", module),
        })
    }
}

module! {
    type: VirtioCryptoModule,
    name: "virtio_crypto_rs",
    authors: ["virtio-crypto-rs developers"],
    description: "virtio crypto device driver in Rust",
    license: "GPL",
    params: {
        queue_depth: u32 {
            default: 0,
            description: "Requests in flight per data queue at most (0: as many as the ring holds); more wait in the backlog",
        },
        stateless: u32 {
            default: 1,
            description: "Stateless requests (they carry their key; where the device offers them): 0 never (not negotiated), 1 when the device has no room for another session (default), 2 always",
        },
        stall_timeout_ms: u32 {
            default: 30000,
            description: "A data request the device has not answered within this many ms makes the driver reset the device and resubmit what it held (0: off)",
        },
    },
}
