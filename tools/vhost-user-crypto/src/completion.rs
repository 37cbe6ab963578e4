// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Completions waiting to be put in the used ring.
//!
//! Normally a completion is due at once. The delay fault makes it due
//! later; the reorder fault releases everything waiting, newest first, as
//! soon as anything is due, so a driver with several requests in flight
//! sees them complete out of order.

use std::time::Instant;

use crate::device::Completion;

/// Per-queue list of completions not yet made visible.
#[derive(Default)]
pub struct PendingCompletions {
    items: Vec<(Instant, Completion)>,
}

impl PendingCompletions {
    pub fn push(&mut self, due: Instant, c: Completion) {
        self.items.push((due, c));
    }

    /// Takes the completions to publish at `now`, in publishing order.
    pub fn take_ready(&mut self, now: Instant, reorder: bool) -> Vec<Completion> {
        if reorder {
            if !self.items.iter().any(|(due, _)| *due <= now) {
                return Vec::new();
            }
            return self.items.drain(..).rev().map(|(_, c)| c).collect();
        }
        let (ready, later): (Vec<_>, Vec<_>) = self.items.drain(..).partition(|(due, _)| *due <= now);
        self.items = later;
        ready.into_iter().map(|(_, c)| c).collect()
    }

    /// Everything, in arrival order (queue stop: nothing may stay behind).
    pub fn take_all(&mut self) -> Vec<Completion> {
        self.items.drain(..).map(|(_, c)| c).collect()
    }

    /// When the next completion becomes due.
    pub fn next_due(&self) -> Option<Instant> {
        self.items.iter().map(|(due, _)| *due).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn c(head: u16) -> Completion {
        Completion { head, used_len: 1 }
    }

    #[test]
    fn in_order_and_delayed() {
        let now = Instant::now();
        let mut p = PendingCompletions::default();
        p.push(now, c(1));
        p.push(now + Duration::from_secs(5), c(2));
        p.push(now, c(3));
        assert_eq!(p.take_ready(now, false), vec![c(1), c(3)]);
        assert_eq!(p.next_due(), Some(now + Duration::from_secs(5)));
        assert_eq!(p.take_all(), vec![c(2)]);
    }

    #[test]
    fn reorder_releases_all_reversed() {
        let now = Instant::now();
        let mut p = PendingCompletions::default();
        p.push(now, c(1));
        p.push(now + Duration::from_secs(5), c(2));
        assert_eq!(p.take_ready(now, true), vec![c(2), c(1)]);
        assert!(p.next_due().is_none());
    }
}
