// SPDX-License-Identifier: GPL-2.0

//! Buffers for key material, wiped when they go.
//!
//! A key copied into a buffer outlives its use unless someone clears it, and zeroes stored
//! into memory about to be freed (or into a stack frame about to return) are dead stores
//! the compiler may drop. [`Secret`] clears itself when dropped with volatile writes, as the
//! kernel's `memzero_explicit()` does, so no copy of a key is left behind by accident.
//! [`DeviceKey`] is the same for a key a device reads from a transform while it is shared.

use core::{
    ops::{Deref, DerefMut},
    sync::atomic::{compiler_fence, AtomicU8, AtomicUsize, Ordering},
};
use kernel::prelude::*;

/// `N` bytes of key material, zeroed when dropped.
pub struct Secret<const N: usize>([u8; N]);

impl<const N: usize> Secret<N> {
    /// A zeroed buffer.
    pub const fn new() -> Self {
        Self([0; N])
    }

    /// Zeroes the buffer now (a shorter key must not leave the end of a longer one).
    pub fn wipe(&mut self) {
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned and exclusive reference to one byte.
            unsafe { core::ptr::write_volatile(b, 0) };
        }
        // The zeroes are written before anything that follows (a free, a return).
        compiler_fence(Ordering::SeqCst);
    }
}

impl<const N: usize> Default for Secret<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deref for Secret<N> {
    type Target = [u8; N];

    fn deref(&self) -> &[u8; N] {
        &self.0
    }
}

impl<const N: usize> DerefMut for Secret<N> {
    fn deref_mut(&mut self) -> &mut [u8; N] {
        &mut self.0
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.wipe();
    }
}

/// Key material of a transform that a device reads while the transform's requests are in
/// flight (a stateless request carries its key), `N` bytes at most, zeroed when dropped.
///
/// A setkey rewrites it through a shared reference while other CPUs may describe it to a
/// device, so every byte is an atomic: the crypto API forbids a setkey while requests of
/// the transform are in flight, and a caller that breaks that rule gets a request with a
/// mix of both keys, never undefined behaviour. Rust code never reads the bytes; devices
/// do, through [`DeviceKey::bytes`].
pub struct DeviceKey<const N: usize> {
    bytes: [AtomicU8; N],
    len: AtomicUsize,
}

impl<const N: usize> DeviceKey<N> {
    /// No key.
    pub const fn new() -> Self {
        Self {
            bytes: [const { AtomicU8::new(0) }; N],
            len: AtomicUsize::new(0),
        }
    }

    /// Stores `key` (the end of a longer earlier key is zeroed); `EINVAL` if it is longer
    /// than `N` bytes, and then no key is kept.
    pub fn set(&self, key: &[u8]) -> Result {
        self.wipe();
        if key.len() > N {
            return Err(EINVAL);
        }
        for (b, &k) in self.bytes.iter().zip(key) {
            b.store(k, Ordering::Relaxed);
        }
        // Published with the length: a reader that sees the length sees the bytes.
        self.len.store(key.len(), Ordering::Release);
        Ok(())
    }

    /// Zeroes the key now.
    pub fn wipe(&self) {
        self.len.store(0, Ordering::Release);
        for b in self.bytes.iter() {
            b.store(0, Ordering::Relaxed);
        }
    }

    /// The key's length.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The key's bytes, for a device to read.
    pub fn bytes(&self) -> &[AtomicU8] {
        self.bytes.get(..self.len()).unwrap_or(&[])
    }
}

impl<const N: usize> Default for DeviceKey<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Drop for DeviceKey<N> {
    fn drop(&mut self) {
        for b in self.bytes.iter_mut() {
            // SAFETY: `b.get_mut()` is a valid, aligned and exclusive reference to one byte.
            unsafe { core::ptr::write_volatile(b.get_mut(), 0) };
        }
        compiler_fence(Ordering::SeqCst);
    }
}
