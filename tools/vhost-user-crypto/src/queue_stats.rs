// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! What each queue's worker did: the requests it served, the wake-ups that
//! found work, and the time it spent serving them.
//!
//! Read over the fault channel (`queue-stats`) by `make bench`: next to the
//! driver's kicks per request they show whether the device keeps up with the
//! guest. A device that empties its queue and waits is woken by a kick for
//! the next request; one that is still busy finds it without.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Weak;
use std::time::Duration;

use crate::fault::QueueReport;

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    wakeups: AtomicU64,
    busy_ns: AtomicU64,
}

/// The counters of every queue of one device (data queues, then control).
pub struct QueueStats {
    queues: Vec<Counters>,
}

impl QueueStats {
    pub fn new(queues: usize) -> Self {
        QueueStats {
            queues: (0..queues).map(|_| Counters::default()).collect(),
        }
    }

    /// One wake-up of queue `q` that served `requests` requests in `busy`.
    pub fn record(&self, q: usize, requests: u64, busy: Duration) {
        let Some(c) = self.queues.get(q) else { return };
        c.requests.fetch_add(requests, Ordering::Relaxed);
        c.wakeups.fetch_add(1, Ordering::Relaxed);
        let ns = u64::try_from(busy.as_nanos()).unwrap_or(u64::MAX);
        c.busy_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// `q<i> requests=<n> wakeups=<n> busy_us=<n>` for every queue, on one line.
    pub fn report(&self) -> String {
        let mut out = String::new();
        for (i, c) in self.queues.iter().enumerate() {
            let _ = write!(
                out,
                "{}q{i} requests={} wakeups={} busy_us={}",
                if i == 0 { "" } else { " " },
                c.requests.load(Ordering::Relaxed),
                c.wakeups.load(Ordering::Relaxed),
                c.busy_ns.load(Ordering::Relaxed) / 1000
            );
        }
        out
    }
}

impl QueueReport for Weak<QueueStats> {
    fn report(&self) -> String {
        self.upgrade().map_or_else(String::new, |s| s.report())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_queue() {
        let s = QueueStats::new(2);
        s.record(0, 3, Duration::from_micros(5));
        s.record(0, 1, Duration::from_micros(2));
        s.record(1, 2, Duration::from_nanos(1500));
        s.record(7, 9, Duration::from_secs(1));
        assert_eq!(
            s.report(),
            "q0 requests=4 wakeups=2 busy_us=7 q1 requests=2 wakeups=1 busy_us=1"
        );
    }
}
