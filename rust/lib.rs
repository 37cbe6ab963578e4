// SPDX-License-Identifier: GPL-2.0

//! Safe abstractions that virtio-crypto-rs builds on.
//!
//! Everything here is written as if it were to go upstream into `rust/kernel/`:
//! it is the only place of the project with `unsafe` code, and every `unsafe`
//! block says why it is sound. The driver under `drivers/` is safe Rust on top
//! of these modules.
//!
//! The files are compiled into the driver's crate through `#[path]` modules,
//! because an out-of-tree module is a single crate.

pub mod bindings;
pub mod crypto;
pub mod irq_spinlock;
pub mod module_global;
pub mod scatterlist;
pub mod secret;
pub mod stat_hook;
pub mod virtio;
pub mod work;
