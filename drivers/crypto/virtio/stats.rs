// SPDX-License-Identifier: GPL-2.0

//! Per-device request counters, so that tests can see which device served what: totals,
//! and per algorithm type.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// The algorithm types the driver serves.
#[derive(Clone, Copy)]
pub(crate) enum Kind {
    Skcipher,
    Ahash,
    Aead,
}

impl Kind {
    /// Every kind, in the order of [`Stats::types`].
    const ALL: [Kind; 3] = [Kind::Skcipher, Kind::Ahash, Kind::Aead];

    /// The prefix of its counters' names.
    fn name(self) -> &'static str {
        match self {
            Kind::Skcipher => "skcipher",
            Kind::Ahash => "ahash",
            Kind::Aead => "aead",
        }
    }
}

/// Counters of one algorithm type.
#[derive(Default)]
pub(crate) struct TypeStats {
    /// Requests the device finished.
    requests: AtomicU64,
    /// Bytes of data of those that succeeded.
    bytes: AtomicU64,
    /// Requests that failed (device errors, no device).
    failures: AtomicU64,
    /// Operations done in software by the fallback instead of the device.
    fallbacks: AtomicU64,
}

/// Counters of one device; relaxed atomics, read only for reporting.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) submitted: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) failed: AtomicU64,
    pub(crate) backlogged: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) sessions: AtomicU64,
    /// Device recoveries (resets by the driver, with every request kept).
    pub(crate) recoveries: AtomicU64,
    /// Resumes after a system suspend (`restore`), with every request kept.
    pub(crate) resumes: AtomicU64,
    /// Per algorithm type, indexed by `Kind as usize`.
    types: [TypeStats; Kind::ALL.len()],
}

impl Stats {
    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    fn of(&self, kind: Kind) -> &TypeStats {
        &self.types[kind as usize]
    }

    /// A request of `kind` over `bytes` bytes finished, successfully or not.
    pub(crate) fn finished(&self, kind: Kind, bytes: usize, ok: bool) {
        let t = self.of(kind);
        Self::add(&t.requests, 1);
        if ok {
            Self::add(&self.completed, 1);
            Self::add(&self.bytes, bytes as u64);
            Self::add(&t.bytes, bytes as u64);
        } else {
            Self::add(&self.failed, 1);
            Self::add(&t.failures, 1);
        }
    }

    /// The counter named `key` (as the debugfs file names it).
    pub(crate) fn value(&self, key: &[u8]) -> Option<u64> {
        let c = match key {
            b"submitted" => &self.submitted,
            b"completed" => &self.completed,
            b"failed" => &self.failed,
            b"backlogged" => &self.backlogged,
            b"bytes" => &self.bytes,
            b"sessions" => &self.sessions,
            b"recoveries" => &self.recoveries,
            b"resumes" => &self.resumes,
            _ => {
                let (t, field) = Kind::ALL.iter().find_map(|&k| {
                    let rest = key.strip_prefix(k.name().as_bytes())?;
                    Some((self.of(k), rest.strip_prefix(b"_")?))
                })?;
                match field {
                    b"requests" => &t.requests,
                    b"bytes" => &t.bytes,
                    b"failures" => &t.failures,
                    b"fallbacks" => &t.fallbacks,
                    _ => return None,
                }
            }
        };
        Some(c.load(Relaxed))
    }

    /// An operation of `kind` ran in software instead.
    pub(crate) fn fallback(&self, kind: Kind) {
        Self::add(&self.of(kind).fallbacks, 1);
    }
}

impl kernel::fmt::Display for Stats {
    fn fmt(&self, f: &mut kernel::fmt::Formatter<'_>) -> kernel::fmt::Result {
        writeln!(
            f,
            "submitted {}\ncompleted {}\nfailed {}\nbacklogged {}\nbytes {}\nsessions {}\nrecoveries {}\nresumes {}",
            self.submitted.load(Relaxed),
            self.completed.load(Relaxed),
            self.failed.load(Relaxed),
            self.backlogged.load(Relaxed),
            self.bytes.load(Relaxed),
            self.sessions.load(Relaxed),
            self.recoveries.load(Relaxed),
            self.resumes.load(Relaxed),
        )?;
        for kind in Kind::ALL {
            let (name, t) = (kind.name(), self.of(kind));
            writeln!(
                f,
                "{name}_requests {}\n{name}_bytes {}\n{name}_failures {}\n{name}_fallbacks {}",
                t.requests.load(Relaxed),
                t.bytes.load(Relaxed),
                t.failures.load(Relaxed),
                t.fallbacks.load(Relaxed),
            )?;
        }
        Ok(())
    }
}
