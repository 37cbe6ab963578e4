// SPDX-License-Identifier: GPL-2.0

//! Probe-time check that the device really creates sessions for the ciphers it advertises.
//!
//! A device may advertise an algorithm in `cipher_algo_l/h` and then refuse every session
//! for it (the specification does not forbid it, and QEMU's builtin backend did it for
//! years). Registered anyway, that algorithm would fail its self-tests and every user that
//! picks it by priority. So before registering, the driver creates and destroys one session
//! per advertised cipher, and leaves out those the device refuses, with one line each.

use crate::{
    abstractions::virtio::Virtqueues, algs::CIPHERS, control::ControlChannel, queues::QueueEvents,
    wire::Direction,
};
use kernel::{devres::Devres, prelude::*};

/// Key bytes that no sanity check rejects: the halves (XTS) and thirds (3DES) of every
/// prefix used here differ.
fn probe_key() -> [u8; 64] {
    core::array::from_fn(|i| (i as u8).wrapping_mul(0x1d).wrapping_add(1))
}

/// The subset of `offered` (a `cipher_algo` mask) for which the device creates a session.
pub(crate) fn usable_ciphers(
    dev: &kernel::device::Device,
    control: &ControlChannel,
    queues: &Devres<Virtqueues<QueueEvents>>,
    control_index: usize,
    offered: u64,
) -> u64 {
    let mut usable = offered;
    let key = probe_key();
    for cipher in CIPHERS.iter().filter(|c| c.offered_by(offered)) {
        let len = cipher.key_sizes.iter().copied().min().unwrap_or(0) as usize;
        let created = match key.get(..len) {
            Some(k) => control.create_cipher_session(
                queues,
                control_index,
                cipher.algo,
                k,
                Direction::Encrypt,
            ),
            None => Err(EINVAL),
        };
        match created {
            Ok(id) => {
                // A failed destroy leaks one device session; the algorithm itself works.
                if let Err(e) =
                    control.destroy_cipher_session(queues, control_index, cipher.algo, id)
                {
                    dev_warn!(
                        dev,
                        "probe session for {:?} not destroyed: {:?}\n",
                        cipher.name,
                        e
                    );
                }
            }
            Err(e) => {
                dev_info!(
                    dev,
                    "device advertises {:?} but refuses a session for it ({:?}): not registered\n",
                    cipher.name,
                    e
                );
                usable &= !(1u64 << cipher.algo);
            }
        }
    }
    usable
}
