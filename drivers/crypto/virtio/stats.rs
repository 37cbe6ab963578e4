// SPDX-License-Identifier: GPL-2.0

//! Per-device request counters, so that tests can see which device served what.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters of one device; relaxed atomics, read only for reporting.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) submitted: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) backlogged: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) sessions: AtomicU64,
}

impl Stats {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }
}

impl kernel::fmt::Display for Stats {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        writeln!(
            f,
            "submitted {}\ncompleted {}\nfailed {}\nbacklogged {}\nbytes {}\nsessions {}",
            self.submitted.load(Relaxed),
            self.completed.load(Relaxed),
            self.failed.load(Relaxed),
            self.backlogged.load(Relaxed),
            self.bytes.load(Relaxed),
            self.sessions.load(Relaxed),
        )
    }
}
