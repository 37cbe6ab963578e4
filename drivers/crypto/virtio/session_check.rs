// SPDX-License-Identifier: GPL-2.0

//! Probe-time check that the device really creates sessions for the algorithms it
//! advertises.
//!
//! A device may advertise an algorithm and then refuse every session for it (the
//! specification does not forbid it, and QEMU's builtin backend advertises HASH and MAC and
//! refuses both). Registered anyway, that algorithm would fail its self-tests and every user
//! that picks it by priority. So before registering, the driver creates one session per
//! advertised algorithm, and leaves out those the device refuses, with one line each. Hash
//! sessions need no key: the one created here is kept and shared by every transform.

use crate::{
    algs::{Keying, AEADS, CIPHERS, HASHES},
    control::Sessions,
    wire::{Direction, SessionKind},
};
use kernel::prelude::*;

/// Key bytes that no sanity check rejects: the halves (XTS) and thirds (3DES) of every
/// prefix used here differ.
fn probe_key() -> [u8; 64] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(0x1d).wrapping_add(1))
}

/// What the device serves, as it proved by creating sessions.
#[derive(Clone, Copy, Default)]
pub(crate) struct Usable {
    pub(crate) ciphers: u64,
    pub(crate) hashes: u32,
    pub(crate) macs: u64,
    /// The aeads of [`AEADS`] it serves, by index there.
    pub(crate) aeads: u64,
    /// The handle of the kept hash session per `VIRTIO_CRYPTO_HASH_*` (valid where `hashes`
    /// has the bit).
    pub(crate) hash_handles: [u64; 16],
}

fn refused(dev: &kernel::device::Device, name: &CStr, e: Error) {
    dev_info!(
        dev,
        "device advertises {:?} but refuses a session for it ({:?}): not registered\n",
        name,
        e
    );
}

fn try_once(
    dev: &kernel::device::Device,
    s: &impl Sessions,
    kind: SessionKind,
    algo: u32,
    key: &[u8],
    name: &CStr,
) -> bool {
    match s.create_device_session(kind, algo, key) {
        Ok(handle) => {
            // A failed destroy leaks one device session; the algorithm itself works.
            if let Err(e) = s.destroy_session(handle) {
                dev_warn!(dev, "probe session for {:?} not destroyed: {:?}\n", name, e);
            }
            true
        }
        Err(e) => {
            refused(dev, name, e);
            false
        }
    }
}

/// The subset of the advertised masks for which the device creates a session.
pub(crate) fn usable(
    dev: &kernel::device::Device,
    s: &impl Sessions,
    ciphers: u64,
    hashes: u32,
    macs: u64,
    aeads: u32,
) -> Usable {
    let mut u = Usable::default();
    let key = probe_key();
    for cipher in CIPHERS.iter().filter(|c| c.offered_by(ciphers)) {
        let len = cipher.key_sizes.iter().copied().min().unwrap_or(0) as usize;
        let k = key.get(..len).unwrap_or(&[]);
        if try_once(
            dev,
            s,
            SessionKind::Cipher(Direction::Encrypt),
            cipher.algo,
            k,
            cipher.name,
        ) {
            u.ciphers |= 1u64 << cipher.algo;
        }
    }
    for hash in HASHES.iter().filter(|h| h.offered_by(hashes, macs)) {
        match hash.keying {
            Keying::None => match s.create_session(SessionKind::Hash, hash.algo, &[]) {
                Ok(handle) => {
                    if let Some(slot) = u.hash_handles.get_mut(hash.algo as usize) {
                        *slot = handle;
                        u.hashes |= 1u32 << hash.algo;
                    }
                }
                Err(e) => refused(dev, hash.name, e),
            },
            Keying::Hmac(_) | Keying::Aes(_) => {
                let k = key.get(..16).unwrap_or(&[]);
                if try_once(dev, s, SessionKind::Mac, hash.algo, k, hash.name) {
                    u.macs |= 1u64 << hash.algo;
                }
            }
        }
    }
    for aead in AEADS
        .iter()
        .filter(|a| a.advertised_by(ciphers, macs, aeads))
    {
        let len = aead.key_sizes.iter().copied().min().unwrap_or(0) as usize;
        let kind = match aead.hmac() {
            // The chained session authenc needs: cipher key, then a 16-byte HMAC key.
            Some(h) => SessionKind::Chain {
                dir: Direction::Encrypt,
                cipher_keylen: len as u32,
                mac_algo: h.algo,
                result_len: aead.maxauthsize,
            },
            None => SessionKind::Aead {
                dir: Direction::Encrypt,
                tag_len: aead.maxauthsize,
            },
        };
        let len = if aead.hmac().is_some() { len + 16 } else { len };
        let k = key.get(..len).unwrap_or(&[]);
        if try_once(dev, s, kind, aead.algo, k, aead.name) {
            u.aeads |= aead.bit();
        }
    }
    u
}
