// SPDX-License-Identifier: GPL-2.0

//! Abstractions for implementing algorithms of the Linux crypto API.
//!
//! C headers: [`include/crypto/skcipher.h`](srctree/include/crypto/skcipher.h),
//! [`include/crypto/internal/skcipher.h`](srctree/include/crypto/internal/skcipher.h).

pub mod backlog;
pub mod skcipher;
