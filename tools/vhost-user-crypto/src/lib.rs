// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! vhost-user virtio crypto device (virtio ID 20).
//!
//! The crate is a library plus the `vhost-user-crypto` binary so that the
//! request handling can be driven by unit tests and the throughput example
//! without a VM. Layers, bottom up:
//! - [`wire`]: constants of the virtio crypto wire format;
//! - [`crypto`]: the algorithms over byte slices;
//! - [`session`], [`sessions`]: session parameters and the session table;
//! - [`guest_io`]: a request's readable/writable bytes in guest memory;
//! - [`control`], [`data`]: control and data queue request handlers;
//! - [`device`]: configuration and shared state of one device;
//! - [`fault`], [`fault_socket`], [`completion`]: fault injection;
//! - [`queue_stats`]: what each queue's worker did (read by the benchmark);
//! - [`vhu_crypto`]: the vhost-user backend tying it to virtqueues.

#![deny(unsafe_code)]

pub mod algo_names;
pub mod completion;
pub mod config;
pub mod control;
pub mod crypto;
pub mod data;
pub mod device;
pub mod fault;
pub mod fault_socket;
// The crate's only `unsafe`: computing in guest memory (see the module).
#[allow(unsafe_code)]
pub mod guest_io;
pub mod queue_stats;
pub mod session;
pub mod sessions;
pub mod vhu_crypto;
pub mod wire;
