// SPDX-License-Identifier: GPL-2.0

//! One value shared by the whole module (e.g. the list of bound devices), reachable from
//! callbacks that get no context of their own (bus probe, crypto transform init).
//!
//! The value is an `Arc<T>` set at module init and cleared at exit; readers get a clone.
//! Access is serialised by a global mutex, so it may only be used where sleeping is allowed.

use core::{
    any::TypeId,
    sync::atomic::{AtomicU8, Ordering},
};
use kernel::{prelude::*, sync::Arc};

kernel::sync::global_lock! {
    // SAFETY: `setup` initialises it exactly once, and every other use checks `STATE` first.
    unsafe(uninit) static SLOT: Mutex<Option<(TypeId, usize)>> = None;
}

const UNINIT: u8 = 0;
const BUSY: u8 = 1;
const READY: u8 = 2;
static STATE: AtomicU8 = AtomicU8::new(UNINIT);

/// Prepares the slot; call from module init. Later calls do nothing.
pub fn setup() {
    if STATE
        .compare_exchange(UNINIT, BUSY, Ordering::Acquire, Ordering::Acquire)
        .is_ok()
    {
        // SAFETY: The state machine lets exactly one caller get here, before `READY` is
        // published, so no other use of `SLOT` can run concurrently or earlier.
        unsafe { SLOT.init() };
        STATE.store(READY, Ordering::Release);
    }
}

fn ready() -> bool {
    STATE.load(Ordering::Acquire) == READY
}

/// Stores `value` (or clears the slot with `None`); the previous value is dropped.
pub fn set<T: Send + Sync + 'static>(value: Option<Arc<T>>) -> Result {
    if !ready() {
        return Err(ENODEV);
    }
    let new = value.map(|v| (TypeId::of::<T>(), Arc::into_raw(v) as usize));
    let old = core::mem::replace(&mut *SLOT.lock(), new);
    if let Some((id, ptr)) = old {
        if id == TypeId::of::<T>() {
            // SAFETY: `ptr` came from `Arc::<T>::into_raw` (same `TypeId`) in a previous `set`.
            drop(unsafe { Arc::<T>::from_raw(ptr as *const T) });
        }
        // A value of another type can only come from another `set::<U>`; it is leaked rather
        // than dropped with the wrong type. The module only ever stores one type.
    }
    Ok(())
}

/// A clone of the stored value, if one of type `T` is stored.
pub fn get<T: Send + Sync + 'static>() -> Option<Arc<T>> {
    if !ready() {
        return None;
    }
    let guard = SLOT.lock();
    let (id, ptr) = (*guard)?;
    if id != TypeId::of::<T>() {
        return None;
    }
    // SAFETY: `ptr` came from `Arc::<T>::into_raw` and the slot keeps that reference alive
    // while the lock is held, so taking another reference is sound.
    let borrowed = unsafe { kernel::sync::ArcBorrow::<T>::from_raw(ptr as *const T) };
    Some(borrowed.into())
}
