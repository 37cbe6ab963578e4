// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! `vhost-user-crypto`: command line, then one vhost-user connection after
//! another on the same socket (sessions are dropped between connections).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Weak};

use clap::Parser;
use log::{error, info};
use vhost_user_backend::VhostUserDaemon;
use vm_memory::{GuestMemoryAtomic, GuestMemoryMmap};

use vhost_user_crypto::algo_names::{mask_of, services_mask};
use vhost_user_crypto::config::{DeviceSettings, VIRTIO_F_VERSION_1};
use vhost_user_crypto::device::Device;
use vhost_user_crypto::fault::FaultState;
use vhost_user_crypto::vhu_crypto::VhuCrypto;
use vhost_user_crypto::{fault_socket, wire};

/// A vhost-user virtio crypto device (virtio ID 20) for testing drivers.
///
/// Front it with QEMU's vhost-user-test-device-pci (virtio-id=20,
/// num_vqs=<max-dataqueues>+1, config_size=56). Algorithm lists are comma
/// separated names or spec ids, `all` (every id the spec defines, including
/// ones this device does not implement: those are advertised and then
/// refused with NOTSUPP) or `none`.
#[derive(Parser, Debug)]
#[command(version, about, long_about)]
struct Args {
    /// vhost-user socket the backend listens on (QEMU connects to it).
    #[arg(short, long, value_name = "PATH")]
    socket_path: PathBuf,

    /// Unix socket taking fault-injection commands at run time (see README).
    #[arg(long, value_name = "PATH")]
    fault_socket: Option<PathBuf>,

    /// Fault command applied at start (repeatable), same syntax as the
    /// socket, e.g. "status hash err every=3", "delay 5", "refuse cipher:aes-xts".
    #[arg(long = "fault", value_name = "CMD")]
    faults: Vec<String>,

    /// Number of data queues (max_dataqueues); the control queue is the last.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=63))]
    max_dataqueues: u32,

    /// Largest virtqueue size accepted (QEMU's vq_size must not exceed it).
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u16).range(1..=32768))]
    queue_size: u16,

    /// Services advertised in crypto_services: cipher,hash,mac,aead,akcipher.
    #[arg(long, default_value = "cipher,hash,mac,aead")]
    services: String,

    /// CIPHER algorithms advertised (aes-ecb,aes-cbc,aes-ctr,aes-xts,3des-ecb,3des-cbc implemented).
    #[arg(long, default_value = "aes-ecb,aes-cbc,aes-ctr,aes-xts,3des-ecb,3des-cbc")]
    cipher_algos: String,

    /// HASH algorithms advertised (md5,sha1,sha224,sha256,sha384,sha512,sha3-224..sha3-512 implemented).
    #[arg(
        long,
        default_value = "md5,sha1,sha224,sha256,sha384,sha512,sha3-224,sha3-256,sha3-384,sha3-512"
    )]
    hash_algos: String,

    /// MAC algorithms advertised (hmac-md5,hmac-sha1,hmac-sha224..hmac-sha512,cmac-aes,xcbc-aes implemented).
    #[arg(
        long,
        default_value = "hmac-md5,hmac-sha1,hmac-sha224,hmac-sha256,hmac-sha384,hmac-sha512,cmac-aes,xcbc-aes"
    )]
    mac_algos: String,

    /// AEAD algorithms advertised (gcm,ccm,chacha20-poly1305 implemented).
    #[arg(long, default_value = "gcm,ccm,chacha20-poly1305")]
    aead_algos: String,

    /// AKCIPHER algorithms advertised (rsa,ecdsa; none implemented: NOTSUPP).
    #[arg(long, default_value = "none")]
    akcipher_algos: String,

    /// Feature bits offered: version-1, revision-1, cipher-stateless,
    /// hash-stateless, mac-stateless, aead-stateless, akcipher-stateless
    /// (stateless bits are only honoured together with revision-1).
    #[arg(
        long,
        default_value = "version-1,revision-1,cipher-stateless,hash-stateless,mac-stateless,aead-stateless"
    )]
    features: String,

    /// max_cipher_key_len in the config space (bytes; XTS-256 needs 64).
    #[arg(long, default_value_t = 64)]
    max_cipher_key_len: u32,

    /// max_auth_key_len in the config space (bytes).
    #[arg(long, default_value_t = 512)]
    max_auth_key_len: u32,

    /// max_size: largest sum of a request's variable-length fields (bytes).
    #[arg(long, default_value_t = 16 << 20)]
    max_size: u64,

    /// Sessions the device holds at once (then NOSPC, or ERR before REVISION_1).
    #[arg(long, default_value_t = 1024)]
    max_sessions: usize,

    /// Exit after the first vhost-user connection ends.
    #[arg(long)]
    once: bool,
}

fn feature_bits(list: &str) -> Result<u64, String> {
    let mut bits = 0u64;
    for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bit = match name {
            "version-1" => VIRTIO_F_VERSION_1,
            "revision-1" => wire::F_REVISION_1,
            "cipher-stateless" => wire::F_CIPHER_STATELESS_MODE,
            "hash-stateless" => wire::F_HASH_STATELESS_MODE,
            "mac-stateless" => wire::F_MAC_STATELESS_MODE,
            "aead-stateless" => wire::F_AEAD_STATELESS_MODE,
            "akcipher-stateless" => wire::F_AKCIPHER_STATELESS_MODE,
            "none" => continue,
            other => return Err(format!("unknown feature '{other}'")),
        };
        bits |= 1 << bit;
    }
    Ok(bits)
}

fn settings(a: &Args) -> Result<DeviceSettings, String> {
    Ok(DeviceSettings {
        max_dataqueues: a.max_dataqueues,
        queue_size: a.queue_size,
        services: services_mask(&a.services)?,
        cipher_algos: mask_of(wire::SERVICE_CIPHER, &a.cipher_algos)?,
        hash_algos: mask_of(wire::SERVICE_HASH, &a.hash_algos)? as u32,
        mac_algos: mask_of(wire::SERVICE_MAC, &a.mac_algos)?,
        aead_algos: mask_of(wire::SERVICE_AEAD, &a.aead_algos)? as u32,
        akcipher_algos: mask_of(wire::SERVICE_AKCIPHER, &a.akcipher_algos)? as u32,
        max_cipher_key_len: a.max_cipher_key_len,
        max_auth_key_len: a.max_auth_key_len,
        max_size: a.max_size,
        max_sessions: a.max_sessions,
        features: feature_bits(&a.features)?,
    })
}

/// Serves one vhost-user connection after another.
fn serve(args: &Args, device: &Arc<Device>) -> Result<(), String> {
    loop {
        let backend = Arc::new(VhuCrypto::new(device.clone()).map_err(|e| e.to_string())?);
        let weak: Weak<VhuCrypto> = Arc::downgrade(&backend);
        device.faults.set_hook(Box::new(move |ev| {
            if let Some(b) = weak.upgrade() {
                b.on_fault_event(ev);
            }
        }));
        let mut daemon = VhostUserDaemon::new(
            "vhost-user-crypto".to_string(),
            backend.clone(),
            GuestMemoryAtomic::new(GuestMemoryMmap::new()),
        )
        .map_err(|e| format!("cannot create daemon: {e}"))?;
        backend
            .register_listeners(&daemon.get_epoll_handlers())
            .map_err(|e| format!("cannot register listeners: {e}"))?;
        info!("listening on {}", args.socket_path.display());
        daemon
            .serve(&args.socket_path)
            .map_err(|e| format!("vhost-user: {e}"))?;
        device.reset();
        info!("front-end disconnected");
        if args.once {
            return Ok(());
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let faults = Arc::new(FaultState::new());
    for cmd in &args.faults {
        faults.apply(cmd).map_err(|e| format!("--fault '{cmd}': {e}"))?;
    }
    let device = Arc::new(Device::new(settings(&args)?, faults.clone()));
    if let Some(path) = &args.fault_socket {
        fault_socket::spawn(path, faults).map_err(|e| format!("fault socket {}: {e}", path.display()))?;
    }
    serve(&args, &device)
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            error!("{e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_advertise_what_is_implemented() {
        let a = Args::parse_from(["x", "-s", "/tmp/s"]);
        let s = settings(&a).unwrap();
        let d = DeviceSettings::default();
        assert_eq!(s.cipher_algos, d.cipher_algos);
        assert_eq!(s.hash_algos, d.hash_algos);
        assert_eq!(s.mac_algos, d.mac_algos);
        assert_eq!(s.aead_algos, d.aead_algos);
        assert_eq!(s.services, d.services);
        assert_eq!(s.features, (1 << 32) | 0x1f);
    }

    #[test]
    fn bad_names_are_rejected() {
        let a = Args::parse_from(["x", "-s", "/s", "--features", "version-2"]);
        assert!(settings(&a).is_err());
        assert!(Args::try_parse_from(["x", "-s", "/s", "--max-dataqueues", "0"]).is_err());
    }
}
