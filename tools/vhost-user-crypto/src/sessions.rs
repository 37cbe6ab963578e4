// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! The session table: bounded, ids never reused.
//!
//! Ids come from a 64-bit counter starting at 1, so a destroyed id is not
//! handed out again (a driver using a stale id gets INVSESS, not someone
//! else's key). Data queue workers only take the read lock.

use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};

use crate::fault::SessionControl;
use crate::session::Session;

/// All live sessions of one device.
pub struct SessionTable {
    limit: usize,
    inner: RwLock<Inner>,
}

struct Inner {
    map: HashMap<u64, Arc<Session>>,
    next_id: u64,
}

impl SessionTable {
    /// A table holding at most `limit` sessions.
    pub fn new(limit: usize) -> Self {
        SessionTable {
            limit,
            inner: RwLock::new(Inner {
                map: HashMap::new(),
                next_id: 1,
            }),
        }
    }

    /// Stores `session`; `None` when the table is full.
    pub fn insert(&self, session: Session) -> Option<u64> {
        let mut t = self.inner.write().unwrap_or_else(|e| e.into_inner());
        if t.map.len() >= self.limit {
            return None;
        }
        let id = t.next_id;
        t.next_id = t.next_id.wrapping_add(1).max(1);
        t.map.insert(id, Arc::new(session));
        Some(id)
    }

    /// The session with this id.
    pub fn get(&self, id: u64) -> Option<Arc<Session>> {
        let t = self.inner.read().unwrap_or_else(|e| e.into_inner());
        t.map.get(&id).cloned()
    }

    /// Removes and returns the session; in-flight requests keep their `Arc`.
    pub fn remove(&self, id: u64) -> Option<Arc<Session>> {
        let mut t = self.inner.write().unwrap_or_else(|e| e.into_inner());
        t.map.remove(&id)
    }

    /// Drops every session (device reset). Ids keep counting up.
    pub fn clear(&self) {
        let mut t = self.inner.write().unwrap_or_else(|e| e.into_inner());
        t.map.clear();
    }

    /// Number of live sessions.
    pub fn len(&self) -> usize {
        self.inner.read().unwrap_or_else(|e| e.into_inner()).map.len()
    }

    /// Whether no session is live.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The fault channel's view of the table; it does not keep a table of a gone device.
impl SessionControl for Weak<SessionTable> {
    fn count(&self) -> usize {
        self.upgrade().map_or(0, |t| t.len())
    }

    fn forget(&self) {
        if let Some(t) = self.upgrade() {
            t.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashAlg;
    use crate::session::HashSession;

    fn hash_session() -> Session {
        Session::Hash(HashSession {
            alg: HashAlg::Sha256,
            result_len: 32,
        })
    }

    #[test]
    fn limit_and_no_reuse() {
        let t = SessionTable::new(2);
        let a = t.insert(hash_session()).unwrap();
        let b = t.insert(hash_session()).unwrap();
        assert!(t.insert(hash_session()).is_none());
        assert!(t.remove(a).is_some());
        let c = t.insert(hash_session()).unwrap();
        assert!(c != a && c != b);
        assert!(t.get(a).is_none());
        t.clear();
        assert!(t.is_empty());
        assert!(t.insert(hash_session()).unwrap() > c);
    }
}
