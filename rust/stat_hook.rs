// SPDX-License-Identifier: GPL-2.0

//! A hook through which the module's C test code (the KUnit suites of
//! `virtio_crypto_rs_kunit.ko`) reads named values of the driver, such as its request
//! counters: `vcrs_stat()` in `include/virtio_crypto_rs_helpers.c`, exported.

use crate::abstractions::bindings;
use kernel::{
    ffi::{c_char, c_longlong},
    prelude::*,
};

/// Where the values come from.
pub trait ValueSource: 'static {
    /// The value named `key`: summed over instances, or their minimum with `min`.
    fn value(key: &[u8], min: bool) -> Option<i64>;
}

extern "C" fn reader<S: ValueSource>(key: *const c_char, min: bool) -> c_longlong {
    if key.is_null() {
        return -1;
    }
    // SAFETY: The C callers pass a NUL-terminated string, valid for the call.
    let key = unsafe { CStr::from_char_ptr(key) };
    S::value(key.to_bytes(), min).unwrap_or(-1)
}

/// Installs `S` as the source of the values; `uninstall` before the module goes.
pub fn install<S: ValueSource>() {
    // SAFETY: `reader::<S>` is a valid function for as long as the module is loaded, and
    // the hook is cleared in `uninstall` at module exit; the only user, the KUnit module,
    // holds a reference to this module while it may call it.
    unsafe { bindings::vcrs_set_stat_reader(Some(reader::<S>)) }
}

/// Removes the source.
pub fn uninstall() {
    // SAFETY: Clearing the hook is always allowed.
    unsafe { bindings::vcrs_set_stat_reader(None) }
}
