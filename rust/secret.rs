// SPDX-License-Identifier: GPL-2.0

//! Buffers for key material, wiped when they go.
//!
//! A key copied into a buffer outlives its use unless someone clears it, and zeroes stored
//! into memory about to be freed (or into a stack frame about to return) are dead stores
//! the compiler may drop. [`Secret`] clears itself when dropped with volatile writes, as the
//! kernel's `memzero_explicit()` does, so no copy of a key is left behind by accident.

use core::{
    ops::{Deref, DerefMut},
    sync::atomic::{compiler_fence, Ordering},
};

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
