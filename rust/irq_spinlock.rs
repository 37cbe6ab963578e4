// SPDX-License-Identifier: GPL-2.0

//! A spinlock that also disables local interrupts while held (`spin_lock_irqsave`).
//!
//! Virtqueue callbacks run in hard interrupt context; any lock they share with process or
//! softirq context must be taken with interrupts off, or an interrupt arriving on the CPU that
//! holds it deadlocks. `kernel::sync::SpinLock` does not disable interrupts, so this is the
//! same [`Lock`] with an irqsave backend.

use crate::abstractions::bindings;
use kernel::{ffi::c_ulong, sync::lock::Backend};

/// A [`Lock`] taken with `spin_lock_irqsave`.
///
/// [`Lock`]: kernel::sync::lock::Lock
pub type IrqSpinLock<T> = kernel::sync::lock::Lock<T, IrqSpinLockBackend>;

/// The guard of an [`IrqSpinLock`]; dropping it restores the interrupt state.
pub type IrqSpinLockGuard<'a, T> = kernel::sync::lock::Guard<'a, T, IrqSpinLockBackend>;

/// Creates an [`IrqSpinLock`] initialiser with a lock class of its own.
#[macro_export]
macro_rules! new_irq_spinlock {
    ($inner:expr $(, $name:literal)? $(,)?) => {
        $crate::abstractions::irq_spinlock::IrqSpinLock::new(
            $inner,
            ::kernel::optional_name!($($name)?),
            ::kernel::static_lock_class!(),
        )
    };
}

/// The `spinlock_t` backend with interrupts disabled while held.
pub struct IrqSpinLockBackend;

// SAFETY: `spin_lock_irqsave` gives mutual exclusion; the guard state is the saved interrupt
// flags, restored by the matching unlock on the same CPU.
unsafe impl Backend for IrqSpinLockBackend {
    type State = bindings::spinlock_t;
    type GuardState = c_ulong;

    unsafe fn init(
        ptr: *mut Self::State,
        name: *const kernel::ffi::c_char,
        key: *mut bindings::lock_class_key,
    ) {
        // SAFETY: By the trait's requirements `ptr` is valid for writes and `name` and `key`
        // live forever.
        unsafe { bindings::__spin_lock_init(ptr, name, key) }
    }

    unsafe fn lock(ptr: *mut Self::State) -> Self::GuardState {
        // SAFETY: By the trait's requirements `ptr` is an initialised lock.
        unsafe { bindings::vcrs_spin_lock_irqsave(ptr) }
    }

    unsafe fn try_lock(ptr: *mut Self::State) -> Option<Self::GuardState> {
        let mut flags: c_ulong = 0;
        // SAFETY: By the trait's requirements `ptr` is an initialised lock; `flags` is valid.
        unsafe { bindings::vcrs_spin_trylock_irqsave(ptr, &mut flags) }.then_some(flags)
    }

    unsafe fn unlock(ptr: *mut Self::State, guard_state: &Self::GuardState) {
        // SAFETY: By the trait's requirements the caller holds the lock, taken by `lock` or
        // `try_lock` on this CPU, which returned `guard_state`.
        unsafe { bindings::vcrs_spin_unlock_irqrestore(ptr, *guard_state) }
    }

    unsafe fn assert_is_held(ptr: *mut Self::State) {
        // SAFETY: By the trait's requirements `ptr` is an initialised lock.
        unsafe { bindings::vcrs_assert_spin_locked(ptr) }
    }
}
