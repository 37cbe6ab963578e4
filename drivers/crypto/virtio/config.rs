// SPDX-License-Identifier: GPL-2.0

//! The device configuration (`struct virtio_crypto_config`): read once at probe, validated
//! before anything else is set up, and kept as plain values.
//!
//! Validation is a pure function of the raw values so that KUnit can feed it every kind of
//! bad configuration a device could present.

use crate::abstractions::{bindings, virtio};
use kernel::{device, fmt, prelude::*};

/// Services of the device (bit numbers of `crypto_services`).
pub(crate) mod service {
    use super::bindings;
    pub(crate) const CIPHER: u32 = bindings::VIRTIO_CRYPTO_SERVICE_CIPHER;
    pub(crate) const HASH: u32 = bindings::VIRTIO_CRYPTO_SERVICE_HASH;
    pub(crate) const MAC: u32 = bindings::VIRTIO_CRYPTO_SERVICE_MAC;
    pub(crate) const AEAD: u32 = bindings::VIRTIO_CRYPTO_SERVICE_AEAD;
    pub(crate) const AKCIPHER: u32 = bindings::VIRTIO_CRYPTO_SERVICE_AKCIPHER;
    /// Every service this revision of the specification defines.
    pub(crate) const KNOWN_MASK: u32 =
        1 << CIPHER | 1 << HASH | 1 << MAC | 1 << AEAD | 1 << AKCIPHER;
}

/// The most data queues the driver accepts. The control queue's index is `max_dataqueues`,
/// so every data queue before it must be created; the PCI transport then allocates per-queue
/// state (a 256-byte MSI-X vector name each), and a device claiming 65535 data queues made it
/// ask for 16 MiB at once: a page allocator WARN instead of an error. QEMU has at most 1024
/// virtqueues per device (`VIRTIO_QUEUE_MAX`), so no QEMU device has more than 1023.
pub(crate) const MAX_DATAQUEUES: u32 = 1023;

/// The configuration as the device presents it, field by field, in CPU byte order.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct RawConfig {
    pub(crate) status: u32,
    pub(crate) max_dataqueues: u32,
    pub(crate) crypto_services: u32,
    pub(crate) cipher_algo_l: u32,
    pub(crate) cipher_algo_h: u32,
    pub(crate) hash_algo: u32,
    pub(crate) mac_algo_l: u32,
    pub(crate) mac_algo_h: u32,
    pub(crate) aead_algo: u32,
    pub(crate) max_cipher_key_len: u32,
    pub(crate) max_auth_key_len: u32,
    pub(crate) akcipher_algo: u32,
    pub(crate) max_size: u64,
}

/// Why a configuration is refused: each names the field and the rule it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConfigError {
    NotReady(u32),
    ReservedStatusBits(u32),
    DataQueues(u32),
    NoService(u32),
    NoCipherKeyLen,
    NoAuthKeyLen,
    NoMaxSize,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::NotReady(s) => write!(f, "device is not ready (status {s:#x}, HW_READY clear)"),
            Self::ReservedStatusBits(s) => write!(f, "status {s:#x} sets reserved bits"),
            Self::DataQueues(n) => {
                write!(f, "max_dataqueues {n} is outside 1..={MAX_DATAQUEUES}")
            }
            Self::NoService(s) => write!(f, "crypto_services {s:#x} offers no known service"),
            Self::NoCipherKeyLen => {
                write!(
                    f,
                    "max_cipher_key_len is 0 but cipher or AEAD algorithms are offered"
                )
            }
            Self::NoAuthKeyLen => write!(f, "max_auth_key_len is 0 but MAC algorithms are offered"),
            Self::NoMaxSize => write!(f, "max_size is 0: the device could process no request"),
        }
    }
}

impl RawConfig {
    /// Reads every field of the device's config space.
    /// Reads the `status` field alone (`VIRTIO_CRYPTO_S_HW_READY`): a device that stops
    /// and starts again changes it.
    pub(crate) fn read_status(dev: &virtio::Device<device::Bound>) -> Result<u32> {
        crate::virtio_config_read!(dev, bindings::virtio_crypto_config, status)
    }

    pub(crate) fn read(dev: &virtio::Device<device::Bound>) -> Result<Self> {
        macro_rules! field {
            ($name:ident) => {
                crate::virtio_config_read!(dev, bindings::virtio_crypto_config, $name)?
            };
        }
        Ok(Self {
            status: field!(status),
            max_dataqueues: field!(max_dataqueues),
            crypto_services: field!(crypto_services),
            cipher_algo_l: field!(cipher_algo_l),
            cipher_algo_h: field!(cipher_algo_h),
            hash_algo: field!(hash_algo),
            mac_algo_l: field!(mac_algo_l),
            mac_algo_h: field!(mac_algo_h),
            aead_algo: field!(aead_algo),
            max_cipher_key_len: field!(max_cipher_key_len),
            max_auth_key_len: field!(max_auth_key_len),
            akcipher_algo: field!(akcipher_algo),
            max_size: field!(max_size),
        })
    }
}

/// A validated configuration. Algorithm masks of services the device does not offer are
/// cleared, so that a mask bit means "the device says it serves this".
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct DeviceConfig {
    pub(crate) max_dataqueues: u32,
    pub(crate) services: u32,
    pub(crate) cipher_algos: u64,
    pub(crate) hash_algos: u32,
    pub(crate) mac_algos: u64,
    pub(crate) aead_algos: u32,
    pub(crate) akcipher_algos: u32,
    pub(crate) max_cipher_key_len: u32,
    pub(crate) max_auth_key_len: u32,
    pub(crate) max_size: u64,
}

impl DeviceConfig {
    /// Checks every rule of the specification a driver can check, and refuses the device on
    /// the first broken one.
    pub(crate) fn validate(raw: &RawConfig) -> Result<Self, ConfigError> {
        const HW_READY: u32 = bindings::VIRTIO_CRYPTO_S_HW_READY;
        if raw.status & HW_READY == 0 {
            return Err(ConfigError::NotReady(raw.status));
        }
        if raw.status & !HW_READY != 0 {
            return Err(ConfigError::ReservedStatusBits(raw.status));
        }
        if !(1..=MAX_DATAQUEUES).contains(&raw.max_dataqueues) {
            return Err(ConfigError::DataQueues(raw.max_dataqueues));
        }
        // Unknown service bits belong to later revisions: ignore them, but a device must
        // offer something this driver knows.
        let services = raw.crypto_services & service::KNOWN_MASK;
        if services == 0 {
            return Err(ConfigError::NoService(raw.crypto_services));
        }
        let offers = |s: u32| services & (1 << s) != 0;
        let pick32 = |s: u32, mask: u32| if offers(s) { mask } else { 0 };
        let pick64 = |s: u32, lo: u32, hi: u32| {
            if offers(s) {
                u64::from(hi) << 32 | u64::from(lo)
            } else {
                0
            }
        };
        let cfg = Self {
            max_dataqueues: raw.max_dataqueues,
            services,
            cipher_algos: pick64(service::CIPHER, raw.cipher_algo_l, raw.cipher_algo_h),
            hash_algos: pick32(service::HASH, raw.hash_algo),
            mac_algos: pick64(service::MAC, raw.mac_algo_l, raw.mac_algo_h),
            aead_algos: pick32(service::AEAD, raw.aead_algo),
            akcipher_algos: pick32(service::AKCIPHER, raw.akcipher_algo),
            max_cipher_key_len: raw.max_cipher_key_len,
            max_auth_key_len: raw.max_auth_key_len,
            max_size: raw.max_size,
        };
        if (cfg.cipher_algos != 0 || cfg.aead_algos != 0) && cfg.max_cipher_key_len == 0 {
            return Err(ConfigError::NoCipherKeyLen);
        }
        if cfg.mac_algos != 0 && cfg.max_auth_key_len == 0 {
            return Err(ConfigError::NoAuthKeyLen);
        }
        if cfg.max_size == 0 {
            return Err(ConfigError::NoMaxSize);
        }
        Ok(cfg)
    }
}

/// One line for the kernel log, `key=value` pairs that scripts can parse.
impl fmt::Display for DeviceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "max_dataqueues={} services={:#x} cipher={:#x} hash={:#x} mac={:#x} aead={:#x} \
             akcipher={:#x} max_cipher_key_len={} max_auth_key_len={} max_size={:#x}",
            self.max_dataqueues,
            self.services,
            self.cipher_algos,
            self.hash_algos,
            self.mac_algos,
            self.aead_algos,
            self.akcipher_algos,
            self.max_cipher_key_len,
            self.max_auth_key_len,
            self.max_size
        )
    }
}

#[cfg(CONFIG_KUNIT)]
#[allow(unsafe_code)] // Only the KUnit suite registration that `kunit_tests` generates.
#[kunit_tests(virtio_crypto_rs_config)]
mod tests {
    use super::*;

    /// The configuration QEMU's builtin backend presents (backends/cryptodev-builtin.c).
    fn qemu_builtin() -> RawConfig {
        RawConfig {
            status: 1,
            max_dataqueues: 1,
            crypto_services: 1 << 0 | 1 << 1 | 1 << 2 | 1 << 4,
            cipher_algo_l: 1 << 3,
            hash_algo: 1 << 2,
            akcipher_algo: 1 << 1,
            max_cipher_key_len: 64,
            max_auth_key_len: 512,
            max_size: 0x7fff_ffff_ffff_0000,
            ..RawConfig::default()
        }
    }

    #[test]
    fn accepts_qemu_builtin() {
        let cfg = DeviceConfig::validate(&qemu_builtin()).map_err(|_| EINVAL);
        assert!(cfg.is_ok());
        if let Ok(cfg) = cfg {
            assert_eq!(cfg.cipher_algos, 1 << 3);
            assert_eq!(cfg.hash_algos, 1 << 2);
            assert_eq!(cfg.mac_algos, 0);
            assert_eq!(cfg.services, 0x17);
        }
    }

    #[test]
    fn rejects_not_ready() {
        let raw = RawConfig {
            status: 0,
            ..qemu_builtin()
        };
        assert_eq!(
            DeviceConfig::validate(&raw).err(),
            Some(ConfigError::NotReady(0))
        );
    }

    #[test]
    fn rejects_reserved_status_bits() {
        let raw = RawConfig {
            status: 3,
            ..qemu_builtin()
        };
        assert_eq!(
            DeviceConfig::validate(&raw).err(),
            Some(ConfigError::ReservedStatusBits(3))
        );
    }

    #[test]
    fn rejects_queue_counts_out_of_range() {
        for n in [0u32, MAX_DATAQUEUES + 1, 65535, 65536, u32::MAX] {
            let raw = RawConfig {
                max_dataqueues: n,
                ..qemu_builtin()
            };
            assert_eq!(
                DeviceConfig::validate(&raw).err(),
                Some(ConfigError::DataQueues(n))
            );
        }
        let raw = RawConfig {
            max_dataqueues: MAX_DATAQUEUES,
            ..qemu_builtin()
        };
        assert!(DeviceConfig::validate(&raw).is_ok());
    }

    #[test]
    fn rejects_no_known_service() {
        let raw = RawConfig {
            crypto_services: 1 << 20,
            ..qemu_builtin()
        };
        assert_eq!(
            DeviceConfig::validate(&raw).err(),
            Some(ConfigError::NoService(1 << 20))
        );
    }

    #[test]
    fn masks_of_unoffered_services_are_cleared() {
        // AEAD mask without the AEAD service: the device does not serve it.
        let raw = RawConfig {
            aead_algo: 0xff,
            crypto_services: 1,
            ..qemu_builtin()
        };
        let cfg = DeviceConfig::validate(&raw).map_err(|_| EINVAL);
        assert!(cfg.is_ok());
        if let Ok(cfg) = cfg {
            assert_eq!(cfg.aead_algos, 0);
            assert_eq!(cfg.hash_algos, 0);
            assert_eq!(cfg.cipher_algos, 1 << 3);
        }
    }

    #[test]
    fn cipher_high_mask_is_kept() {
        let raw = RawConfig {
            cipher_algo_h: 1,
            ..qemu_builtin()
        };
        let cfg = DeviceConfig::validate(&raw).map_err(|_| EINVAL);
        assert!(cfg.is_ok());
        if let Ok(cfg) = cfg {
            assert_eq!(cfg.cipher_algos, 1 << 32 | 1 << 3);
        }
    }

    #[test]
    fn rejects_missing_key_limits_and_size() {
        let raw = RawConfig {
            max_cipher_key_len: 0,
            ..qemu_builtin()
        };
        assert_eq!(
            DeviceConfig::validate(&raw).err(),
            Some(ConfigError::NoCipherKeyLen)
        );
        let raw = RawConfig {
            mac_algo_l: 1 << 4,
            max_auth_key_len: 0,
            ..qemu_builtin()
        };
        assert_eq!(
            DeviceConfig::validate(&raw).err(),
            Some(ConfigError::NoAuthKeyLen)
        );
        let raw = RawConfig {
            max_size: 0,
            ..qemu_builtin()
        };
        assert_eq!(
            DeviceConfig::validate(&raw).err(),
            Some(ConfigError::NoMaxSize)
        );
    }
}
