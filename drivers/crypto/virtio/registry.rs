// SPDX-License-Identifier: GPL-2.0

//! The algorithms registered for the bound devices.
//!
//! Registration is global across devices: the first device that serves an algorithm
//! registers it, the last one to go unregisters it. Transforms find their device through
//! the [`Devices`] list their registration carries.

use crate::{
    abstractions::crypto::{
        aead::{self, AeadInfo},
        ahash::{self, AhashInfo},
        skcipher::{self, SkcipherInfo},
        AlgInfo, Registration,
    },
    abstractions::{module_global, stat_hook::ValueSource},
    aead::{AlgData as AeadData, VirtioAead},
    ahash::{AlgData as HashData, VirtioAhash},
    algs::{
        AeadKind, AEADS, AEAD_PRIORITY, AUTHENC_PRIORITY, CIPHERS, HASHES, HASH_PRIORITY, PRIORITY,
    },
    device::CryptoDevice,
    devices::Devices,
    session_check::Usable,
    skcipher::{AlgData as CipherData, VirtioSkcipher},
};
use kernel::{
    new_mutex,
    prelude::*,
    sync::{Arc, Mutex},
    ThisModule,
};

/// Registered algorithms of one type, by index in its table.
type Registered<T> = KVec<(usize, Pin<KBox<Registration<T>>>)>;

/// The registered algorithms, by index in [`CIPHERS`], [`HASHES`] and [`AEADS`].
#[derive(Default)]
struct Algs {
    ciphers: Registered<VirtioSkcipher>,
    hashes: Registered<VirtioAhash>,
    aeads: Registered<VirtioAead>,
}

/// Registers the algorithm at `index` of a table unless it is registered already; a failed
/// registration leaves the others usable: it is reported, not fatal.
fn register_one<T: crate::abstractions::crypto::Algorithm>(
    list: &mut Registered<T>,
    index: usize,
    driver_name: &CStr,
    init: impl PinInit<Registration<T>, Error>,
) -> Result {
    match KBox::pin_init(init, GFP_KERNEL) {
        Ok(reg) => list.push((index, reg), GFP_KERNEL)?,
        Err(e) => pr_err!("cannot register {:?}: {:?}\n", driver_name, e),
    }
    Ok(())
}

/// Whether `index` of a table is registered.
fn registered<T: crate::abstractions::crypto::Algorithm>(
    list: &Registered<T>,
    index: usize,
) -> bool {
    list.iter().any(|(i, _)| *i == index)
}

/// The module's registry.
#[pin_data]
pub(crate) struct Registry {
    devices: Arc<Devices>,
    /// Held across (un)registration, which runs the self-tests and so creates transforms:
    /// it must never be taken by transform init.
    #[pin]
    algs: Mutex<Algs>,
    module: &'static ThisModule,
}

impl Registry {
    pub(crate) fn new(module: &'static ThisModule) -> Result<impl PinInit<Self, Error>> {
        let devices = Arc::pin_init(Devices::new(), GFP_KERNEL)?;
        Ok(try_pin_init!(Self {
            devices,
            algs <- new_mutex!(Algs::default()),
            module,
        }? Error))
    }

    /// Adds a device and registers the algorithms it is the first to serve.
    pub(crate) fn add(&self, device: Arc<CryptoDevice>) -> Result {
        let mut algs = self.algs.lock();
        let usable = device.usable;
        self.devices.add(device)?;
        for (index, cipher) in CIPHERS.iter().enumerate() {
            if !cipher.offered_by(usable.ciphers) || registered(&algs.ciphers, index) {
                continue;
            }
            let info = SkcipherInfo {
                alg: AlgInfo {
                    name: cipher.name,
                    driver_name: cipher.driver_name,
                    priority: PRIORITY,
                    blocksize: cipher.blocksize,
                },
                min_keysize: cipher.key_sizes.iter().copied().min().unwrap_or(0),
                max_keysize: cipher.key_sizes.iter().copied().max().unwrap_or(0),
                ivsize: cipher.ivsize,
                chunksize: cipher.cipher_block as u32,
            };
            let data = CipherData {
                cipher,
                devices: self.devices.clone(),
            };
            let init = skcipher::register(&info, data, self.module);
            register_one(&mut algs.ciphers, index, cipher.driver_name, init)?;
        }
        for (index, hash) in HASHES.iter().enumerate() {
            if !hash.offered_by(usable.hashes, usable.macs) || registered(&algs.hashes, index) {
                continue;
            }
            // The state is the fallback's: its size, digest and block size must be ours.
            let statesize = match ahash::fallback_props(hash.name) {
                Ok((state, digest, block))
                    if digest == hash.digestsize && block == hash.blocksize =>
                {
                    state
                }
                other => {
                    pr_err!(
                        "cannot register {:?}: no matching fallback ({:?})\n",
                        hash.driver_name,
                        other.err()
                    );
                    continue;
                }
            };
            let info = AhashInfo {
                alg: AlgInfo {
                    name: hash.name,
                    driver_name: hash.driver_name,
                    priority: HASH_PRIORITY,
                    blocksize: hash.blocksize,
                },
                digestsize: hash.digestsize,
                statesize,
                keyed: hash.is_mac(),
            };
            let data = HashData {
                hash,
                devices: self.devices.clone(),
            };
            let init = ahash::register(&info, data, self.module);
            register_one(&mut algs.hashes, index, hash.driver_name, init)?;
        }
        for (index, a) in AEADS.iter().enumerate() {
            if usable.aeads & a.bit() == 0 || registered(&algs.aeads, index) {
                continue;
            }
            let info = AeadInfo {
                alg: AlgInfo {
                    name: a.name,
                    driver_name: a.driver_name,
                    priority: match a.kind {
                        AeadKind::Authenc { .. } => AUTHENC_PRIORITY,
                        _ => AEAD_PRIORITY,
                    },
                    blocksize: a.blocksize,
                },
                ivsize: a.ivsize,
                maxauthsize: a.maxauthsize,
                // The stream modes work in 16-byte (GCM, CCM) and 64-byte (ChaCha20)
                // blocks; CBC in its block.
                chunksize: match a.kind {
                    AeadKind::ChaChaPoly | AeadKind::ChaChaPolyEsp => 64,
                    _ => 16,
                },
            };
            let data = AeadData {
                aead: a,
                devices: self.devices.clone(),
            };
            let init = aead::register(&info, data, self.module);
            register_one(&mut algs.aeads, index, a.driver_name, init)?;
        }
        Ok(())
    }

    /// Removes a device and unregisters the algorithms no remaining device serves.
    pub(crate) fn remove(&self, device: &CryptoDevice) {
        let mut algs = self.algs.lock();
        let remaining = self.devices.remove(device, |list| {
            let mut u = Usable::default();
            for d in list {
                u.ciphers |= d.usable.ciphers;
                u.hashes |= d.usable.hashes;
                u.macs |= d.usable.macs;
                u.aeads |= d.usable.aeads;
            }
            u
        });
        // Dropping a registration unregisters it; transforms still alive fail with ENODEV.
        algs.ciphers.retain(|(index, _)| {
            CIPHERS
                .get(*index)
                .is_some_and(|c| c.offered_by(remaining.ciphers))
        });
        algs.hashes.retain(|(index, _)| {
            HASHES
                .get(*index)
                .is_some_and(|h| h.offered_by(remaining.hashes, remaining.macs))
        });
        algs.aeads.retain(|(index, _)| {
            AEADS
                .get(*index)
                .is_some_and(|a| remaining.aeads & a.bit() != 0)
        });
    }
}

/// The values the KUnit suites read: the device counters, `max_size`, and
/// `stateless_services` (the services whose stateless requests the device serves, a mask).
impl ValueSource for Registry {
    fn value(key: &[u8], min: bool) -> Option<i64> {
        let registry = module_global::get::<Registry>()?;
        let v = registry.devices.fold(
            |d| match key {
                b"max_size" => Some(d.config.max_size),
                b"stateless_services" => Some(u64::from(d.format().stateless)),
                _ => d.stats().value(key),
            },
            |a, b| if min { a.min(b) } else { a.saturating_add(b) },
        )?;
        i64::try_from(v).ok()
    }
}

#[cfg(CONFIG_KUNIT)]
#[allow(unsafe_code)] // Only the KUnit suite registration that `kunit_tests` generates.
#[kunit_tests(virtio_crypto_rs_registration)]
mod tests {
    use crate::abstractions::crypto::{
        skcipher::{self, Skcipher, SkcipherInfo, SkcipherType},
        AlgInfo, Algorithm, Outcome, Registration, Request,
    };
    use kernel::prelude::*;

    /// An skcipher that refuses every request: only its registration is tested.
    struct Dummy;

    impl Algorithm for Dummy {
        type Type = SkcipherType;
        type AlgData = u32;
        type TfmCtx = ();
        type ReqCtx = ();
        fn resume(req: Request<Self>, _arg: u32) {
            req.complete(Err(EIO));
        }
    }

    impl Skcipher for Dummy {
        fn init(_alg: &u32) -> Result<()> {
            Ok(())
        }
        fn setkey(_alg: &u32, _tfm: &(), _key: &[u8]) -> Result {
            Ok(())
        }
        fn crypt(req: Request<Self>, _encrypt: bool) -> Outcome<Self> {
            Outcome::Failed(EINVAL, req)
        }
    }

    fn info(driver_name: &'static CStr, blocksize: u32) -> SkcipherInfo {
        SkcipherInfo {
            alg: AlgInfo {
                name: c"vcrs-kunit-dummy",
                driver_name,
                priority: 0,
                blocksize,
            },
            min_keysize: 16,
            max_keysize: 16,
            ivsize: 0,
            chunksize: blocksize,
        }
    }

    fn register(info: &SkcipherInfo, data: u32) -> Result<Pin<KBox<Registration<Dummy>>>> {
        KBox::pin_init(
            skcipher::register::<Dummy>(info, data, &crate::THIS_MODULE),
            GFP_KERNEL,
        )
    }

    /// A second algorithm with a driver name in use fails with EEXIST after the crypto API
    /// dropped its last reference (and called `cra_destroy`): freed once, not twice (KASAN
    /// would report the second free); the first stays registered and unregisters cleanly
    /// (its self-test may still be pending: the name is not free again at once).
    #[test]
    fn duplicate_driver_name() {
        let first = register(&info(c"virtio-rs-kunit-dup", 16), 1);
        assert!(first.is_ok());
        let second = register(&info(c"virtio-rs-kunit-dup", 16), 2);
        assert_eq!(second.err(), Some(EEXIST));
        drop(first);
    }

    /// An algorithm the crypto API refuses in its checks, before it takes a reference
    /// (block size over PAGE_SIZE / 8): no `cra_destroy`, freed by the registration.
    #[test]
    fn refused_by_checks() {
        let bad = register(&info(c"virtio-rs-kunit-bad", 4096), 1);
        assert_eq!(bad.err(), Some(EINVAL));
    }
}
