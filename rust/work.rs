// SPDX-License-Identifier: GPL-2.0

//! Cancelling work items that live in an [`Arc`] (`kernel::workqueue` can enqueue them, but
//! has no way to cancel one and wait for it).
//!
//! A driver that schedules work on behalf of a device must make sure none runs after the
//! device is unbound or the module is gone: it stops scheduling (its own flag), then calls
//! [`cancel_sync`] or [`cancel_delayed_sync`], which wait for a running item and give back
//! the reference a pending one held.

use kernel::{
    bindings,
    sync::Arc,
    workqueue::{HasDelayedWork, HasWork, Work, WorkItem},
};

/// Cancels the work item `ID` of `this` if it is pending, and waits until it is not running.
pub fn cancel_sync<T, const ID: u64>(this: &Arc<T>)
where
    T: HasWork<T, ID> + WorkItem<ID, Pointer = Arc<T>> + Send + Sync + 'static,
{
    // SAFETY: `this` points to a live `T`, whose work item `ID` is initialised.
    let work = unsafe { T::raw_get_work(Arc::as_ptr(this).cast_mut()) };
    // SAFETY: `work` is a valid, initialised `Work`.
    let raw = unsafe { Work::<T, ID>::raw_get(work) };
    // SAFETY: `raw` is the initialised `work_struct` of a live object.
    if unsafe { bindings::cancel_work_sync(raw) } {
        // SAFETY: A pending work item held one reference from `Arc::into_raw` (the
        // `RawWorkItem` implementation of `Arc`), which its cancelled run would have dropped.
        drop(unsafe { Arc::from_raw(Arc::as_ptr(this)) });
    }
}

/// Cancels the delayed work item `ID` of `this` if it is pending (its timer too), and waits
/// until it is not running.
pub fn cancel_delayed_sync<T, const ID: u64>(this: &Arc<T>)
where
    T: HasDelayedWork<T, ID> + WorkItem<ID, Pointer = Arc<T>> + Send + Sync + 'static,
{
    // SAFETY: `this` points to a live `T`, whose delayed work item `ID` is initialised.
    let work = unsafe { T::raw_get_work(Arc::as_ptr(this).cast_mut()) };
    // SAFETY: `work` is a valid, initialised `Work`.
    let raw = unsafe { Work::<T, ID>::raw_get(work) };
    // SAFETY: By `HasDelayedWork`, the `work_struct` is the `work` field of a `delayed_work`.
    let dwork = unsafe { kernel::container_of!(raw, bindings::delayed_work, work) };
    // SAFETY: `dwork` is the initialised `delayed_work` of a live object.
    if unsafe { bindings::cancel_delayed_work_sync(dwork) } {
        // SAFETY: As for `cancel_sync`.
        drop(unsafe { Arc::from_raw(Arc::as_ptr(this)) });
    }
}
