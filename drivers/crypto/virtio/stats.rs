// SPDX-License-Identifier: GPL-2.0

//! Per-device request counters, so that tests can see which device served what: totals,
//! per algorithm type, and per data queue.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};
use kernel::prelude::*;

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

/// Counters of one data queue (`dataq<i>_<name>` in the file).
#[derive(Default)]
pub(crate) struct QueueStats {
    /// Requests put on the ring (again after a recovery: counted again).
    submitted: AtomicU64,
    /// Buffers the device gave back (answered, whatever the answer).
    completed: AtomicU64,
    /// Notifications sent to the device (fewer than submissions when batched, or when the
    /// device with `VIRTIO_RING_F_EVENT_IDX` said it was still working).
    kicks: AtomicU64,
    /// Calls of the queue's callback (its interrupts that found used buffers).
    interrupts: AtomicU64,
}

impl QueueStats {
    /// The names of the counters, in the file's order.
    const NAMES: [&'static str; 4] = ["submitted", "completed", "kicks", "interrupts"];

    fn get(&self, name: &[u8]) -> Option<&AtomicU64> {
        Some(match name {
            b"submitted" => &self.submitted,
            b"completed" => &self.completed,
            b"kicks" => &self.kicks,
            b"interrupts" => &self.interrupts,
            _ => return None,
        })
    }
}

/// Counters of one device; relaxed atomics, read only for reporting.
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
    /// Sessions created again because the device answered INVSESS for them while the driver
    /// held them (it lost them), their requests resubmitted.
    pub(crate) renewals: AtomicU64,
    /// Stateless sessions made (their requests carry the key), and how many of them because
    /// the device had no room for another session (`NOSPC`).
    pub(crate) stateless_sessions: AtomicU64,
    pub(crate) stateless_nospc: AtomicU64,
    /// Stateless sessions made device sessions because the device refused their requests.
    pub(crate) stateless_refused: AtomicU64,
    /// Requests submitted stateless.
    pub(crate) stateless_requests: AtomicU64,
    /// Per algorithm type, indexed by `Kind as usize`.
    types: [TypeStats; Kind::ALL.len()],
    /// Per data queue, by index (allocated at probe: nothing per request).
    queues: KVec<QueueStats>,
}

impl Stats {
    /// The counters of a device with `data_queues` data queues.
    pub(crate) fn new(data_queues: usize) -> Result<Self> {
        let mut queues = KVec::with_capacity(data_queues, GFP_KERNEL)?;
        for _ in 0..data_queues {
            queues.push(QueueStats::default(), GFP_KERNEL)?;
        }
        Ok(Self {
            submitted: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            backlogged: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            sessions: AtomicU64::new(0),
            recoveries: AtomicU64::new(0),
            resumes: AtomicU64::new(0),
            renewals: AtomicU64::new(0),
            stateless_sessions: AtomicU64::new(0),
            stateless_nospc: AtomicU64::new(0),
            stateless_refused: AtomicU64::new(0),
            stateless_requests: AtomicU64::new(0),
            types: Default::default(),
            queues,
        })
    }

    pub(crate) fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Relaxed);
    }

    /// Adds `n` to the counter of data queue `queue` that `which` picks.
    fn on_queue(&self, queue: usize, n: u64, which: fn(&QueueStats) -> &AtomicU64) {
        if let Some(q) = self.queues.get(queue) {
            Self::add(which(q), n);
        }
    }

    /// `n` requests went on the ring of data queue `queue`.
    pub(crate) fn note_submitted(&self, queue: usize, n: u64) {
        Self::add(&self.submitted, n);
        self.on_queue(queue, n, |q| &q.submitted);
    }

    /// The device gave a buffer of data queue `queue` back.
    pub(crate) fn note_completed(&self, queue: usize) {
        self.on_queue(queue, 1, |q| &q.completed);
    }

    /// The device was notified of new buffers on data queue `queue`.
    pub(crate) fn note_kick(&self, queue: usize) {
        self.on_queue(queue, 1, |q| &q.kicks);
    }

    /// The callback of data queue `queue` ran.
    pub(crate) fn note_interrupt(&self, queue: usize) {
        self.on_queue(queue, 1, |q| &q.interrupts);
    }

    /// The counter of a data queue named `rest` in `dataq<rest>` (`<i>_<name>`).
    fn queue_value(&self, rest: &[u8]) -> Option<&AtomicU64> {
        let sep = rest.iter().position(|&b| b == b'_')?;
        let (index, name) = (&rest[..sep], &rest[sep + 1..]);
        if index.is_empty() || index.len() > 4 || !index.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let i = index
            .iter()
            .fold(0usize, |n, &d| n * 10 + usize::from(d - b'0'));
        self.queues.get(i)?.get(name)
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
            b"renewals" => &self.renewals,
            b"stateless_sessions" => &self.stateless_sessions,
            b"stateless_nospc" => &self.stateless_nospc,
            b"stateless_refused" => &self.stateless_refused,
            b"stateless_requests" => &self.stateless_requests,
            _ if key.starts_with(b"dataq") => self.queue_value(&key[5..])?,
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
            "submitted {}\ncompleted {}\nfailed {}\nbacklogged {}\nbytes {}\nsessions {}\nrecoveries {}\nresumes {}\nrenewals {}\nstateless_sessions {}\nstateless_nospc {}\nstateless_refused {}\nstateless_requests {}",
            self.submitted.load(Relaxed),
            self.completed.load(Relaxed),
            self.failed.load(Relaxed),
            self.backlogged.load(Relaxed),
            self.bytes.load(Relaxed),
            self.sessions.load(Relaxed),
            self.recoveries.load(Relaxed),
            self.resumes.load(Relaxed),
            self.renewals.load(Relaxed),
            self.stateless_sessions.load(Relaxed),
            self.stateless_nospc.load(Relaxed),
            self.stateless_refused.load(Relaxed),
            self.stateless_requests.load(Relaxed),
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
        for (i, q) in self.queues.iter().enumerate() {
            for name in QueueStats::NAMES {
                let n = q.get(name.as_bytes()).map_or(0, |c| c.load(Relaxed));
                writeln!(f, "dataq{i}_{name} {n}")?;
            }
        }
        Ok(())
    }
}
