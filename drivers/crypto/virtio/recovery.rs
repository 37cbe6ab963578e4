// SPDX-License-Identifier: GPL-2.0

//! Reset and recover: the device work and the stall watchdog (see `device_work.rs`), on top
//! of the driver, since giving a device up unregisters what only it served.
//!
//! One path serves every trigger: the device's `reset_prepare` ([`CryptoDevice::quiesce`])
//! and `reset_done` ([`CryptoDevice::resume`]), reached through the virtio core's reset
//! (`virtio_device_reset_prepare()`/`virtio_device_reset_done()`) with the device lock
//! held, which also serialises recovery with unbind, suspend and resume. The triggers:
//! - a config change, or a data request answered `VIRTIO_CRYPTO_ERR` (config interrupts do
//!   not always reach the guest): the work reads the status. `DEVICE_NEEDS_RESET` →
//!   recover. `HW_READY` clear → hold the requests and poll; back within
//!   [`READY_WAIT_MS`] → go on without a reset (the ERR'd requests are resubmitted), else
//!   recover. `HW_READY` set → the ERR was real: the requests complete with it;
//! - a queue on which the device has not answered for `stall_timeout_ms` → recover.
//!
//! A reset that fails (the device does not come back, or does not answer the session
//! re-creation) is tried again every [`RETRY_PAUSE_MS`], without the device lock in between,
//! with every request still held. A device that needs recovery too often, or does not come
//! back within [`RECOVER_BOUND_MS`], is given up: what it held fails with `EIO`, and what
//! only it served is unregistered.
//!
//! [`CryptoDevice::quiesce`]: crate::device::CryptoDevice::quiesce
//! [`CryptoDevice::resume`]: crate::device::CryptoDevice::resume

use crate::{
    abstractions::{
        bindings, module_global,
        virtio::{self, BoundReset},
    },
    config::RawConfig,
    device::VirtioCrypto,
    device_work::{self, DeviceWork, WorkOps},
    registry::Registry,
    VirtioCryptoDriver,
};
use kernel::{
    device::Core,
    prelude::*,
    sync::Arc,
    time::{delay::fsleep, Delta, Instant, Monotonic},
};

/// What the device work items do.
pub(crate) static OPS: WorkOps = WorkOps {
    run: run_check,
    watchdog: run_watchdog,
};

/// `VIRTIO_CRYPTO_S_HW_READY` in the config `status`.
const HW_READY: u32 = bindings::VIRTIO_CRYPTO_S_HW_READY;
/// `VIRTIO_CONFIG_S_NEEDS_RESET` in the device status.
const NEEDS_RESET: u8 = 0x40;
/// How long a device that cleared HW_READY may take to set it again before it is reset.
const READY_WAIT_MS: i64 = 1000;
const READY_POLL_MS: i64 = 20;
/// How long a recovery may keep failing (the device does not come back) before the device
/// is given up and what it held fails with `EIO`.
const RECOVER_BOUND_MS: i64 = 30_000;
/// The pause between two tries.
const RETRY_PAUSE_MS: i64 = 500;

/// What the device work does next.
#[derive(PartialEq, Eq)]
enum Next {
    Done,
    /// The reset failed: try again (without the device lock meanwhile), within the bound.
    Retry,
}

fn run_check(w: &Arc<DeviceWork>, why: u32) {
    let started = Instant::<Monotonic>::now();
    let mut next = w
        .vdev
        .with_bound::<VirtioCryptoDriver, _>(&w.cancel, |dev, this, reset| {
            if !Arc::ptr_eq(&this.device.work, w) {
                return Next::Done;
            }
            if why & device_work::STALL != 0 {
                // The watchdog logged it.
                recover(dev, &this, reset, || {})
            } else {
                check(dev, &this, reset)
            }
        })
        .unwrap_or(Next::Done);
    while next == Next::Retry {
        let over = started.elapsed().as_millis() > RECOVER_BOUND_MS;
        if !over {
            fsleep(Delta::from_millis(RETRY_PAUSE_MS));
        }
        next = w
            .vdev
            .with_bound::<VirtioCryptoDriver, _>(&w.cancel, |dev, this, reset| {
                let device = &this.device;
                if !Arc::ptr_eq(&device.work, w) || device.is_dead() {
                    return Next::Done;
                }
                if over {
                    dev_err!(
                        dev.as_ref(),
                        "device did not come back within {RECOVER_BOUND_MS} ms: giving it up, its requests fail\n"
                    );
                    give_up(dev, &this);
                    return Next::Done;
                }
                match reset.reset() {
                    Ok(()) => Next::Done,
                    Err(_) => Next::Retry,
                }
            })
            .unwrap_or(Next::Done);
    }
}

fn run_watchdog(w: &Arc<DeviceWork>) {
    let ms = crate::stall_timeout_ms();
    if ms == 0 {
        return;
    }
    let _ = w
        .vdev
        .with_bound::<VirtioCryptoDriver, _>(&w.cancel, |dev, this, _| {
            let device = &this.device;
            if !Arc::ptr_eq(&device.work, w) || device.is_dead() || device.is_suspended() {
                return;
            }
            match device.stalled(Delta::from_millis(i64::from(ms))) {
                Some((queue, age)) => {
                    dev_warn!(
                        dev.as_ref(),
                        "dataq.{queue}: no answer for {} ms: resetting the device, requests are kept\n",
                        age.as_millis()
                    );
                    // The recovery runs in the device work, which may retry it.
                    device.hold_requests();
                    w.schedule(device_work::STALL);
                }
                None if device.busy() => w.arm_watchdog(ms / 2),
                None => {}
            }
        });
}

/// The device check: why did the device answer ERR, or change its config?
fn check(dev: &virtio::Device<Core<'_>>, this: &VirtioCrypto, reset: &BoundReset<'_>) -> Next {
    let device = &this.device;
    if device.is_dead() || device.is_suspended() {
        return Next::Done;
    }
    if dev.status() & NEEDS_RESET != 0 {
        return recover(dev, this, reset, || {
            dev_warn!(
                dev.as_ref(),
                "device needs a reset: resetting it, requests are kept\n"
            )
        });
    }
    let ready = || RawConfig::read_status(dev).is_ok_and(|s| s & HW_READY != 0);
    if ready() {
        // The ERR answers were real.
        device.release_requests(dev, false);
        return Next::Done;
    }
    device.hold_requests();
    let mut waited = 0;
    while waited < READY_WAIT_MS {
        fsleep(Delta::from_millis(READY_POLL_MS));
        waited += READY_POLL_MS;
        if ready() {
            // Back without a reset: its sessions survived; what it refused goes again.
            device.release_requests(dev, true);
            return Next::Done;
        }
    }
    recover(dev, this, reset, || {
        dev_warn!(
            dev.as_ref(),
            "device not ready for {READY_WAIT_MS} ms: resetting it, requests are kept\n"
        )
    })
}

/// Resets the device through its `reset_prepare`/`reset_done`, after one log line; gives it
/// up if that happens too often. A failed reset is tried again by the caller.
fn recover(
    dev: &virtio::Device<Core<'_>>,
    this: &VirtioCrypto,
    reset: &BoundReset<'_>,
    log: impl FnOnce(),
) -> Next {
    if this.device.is_dead() || this.device.is_suspended() {
        return Next::Done;
    }
    if !this.device.note_recovery() {
        dev_err!(
            dev.as_ref(),
            "device needed recovery too often: giving it up, its requests fail\n"
        );
        give_up(dev, this);
        return Next::Done;
    }
    log();
    match reset.reset() {
        Ok(()) => Next::Done,
        Err(_) => Next::Retry,
    }
}

/// Fails what the device holds and unregisters what only it served, as unbind does.
pub(crate) fn give_up(dev: &virtio::Device<Core<'_>>, this: &VirtioCrypto) {
    if let Some(registry) = module_global::get::<Registry>() {
        registry.remove(&this.device);
    }
    this.device.give_up(dev);
}
