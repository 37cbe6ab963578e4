// SPDX-License-Identifier: GPL-2.0

//! virtio-crypto-rs: a Rust guest driver for the virtio crypto device (virtio device ID 20).
//!
//! The driver binds to the virtio bus, reads and validates the device's configuration and
//! sets up its data queues and control queue. It is safe Rust: whatever needs the compiler's
//! trust lives in the abstractions under `rust/` of this repository, compiled into this crate
//! as the `abstractions` module.

#[path = "../../../rust/lib.rs"]
pub mod abstractions;

#[deny(unsafe_code)]
mod config;
#[deny(unsafe_code)]
mod device;
#[deny(unsafe_code)]
mod queues;

use abstractions::{bindings, virtio};
use kernel::{driver, prelude::*};

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

impl virtio::Driver for VirtioCryptoDriver {
    type IdInfo = ();
    type Data<'bound> = device::VirtioCrypto<'bound>;
    const ID_TABLE: virtio::IdTable<Self::IdInfo> = &VIRTIO_TABLE;
    // Revision 0 of the device needs no device feature bit. REVISION_1 and the stateless
    // mode bits are offered only once the driver implements them.
    const FEATURES: &'static [c_uint] = &[];

    fn probe<'bound>(
        dev: &'bound virtio::Device<kernel::device::Core<'_>>,
        _id_info: &'bound Self::IdInfo,
    ) -> impl PinInit<Self::Data<'bound>, Error> + 'bound {
        device::VirtioCrypto::probe(dev)
    }
}

#[pin_data]
struct VirtioCryptoModule {
    #[pin]
    driver: driver::Registration<virtio::Adapter<VirtioCryptoDriver>>,
}

impl kernel::InPlaceModule for VirtioCryptoModule {
    fn init(module: &'static kernel::ThisModule) -> impl PinInit<Self, Error> {
        try_pin_init!(Self {
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
}
