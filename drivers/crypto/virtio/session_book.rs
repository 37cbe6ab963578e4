// SPDX-License-Identifier: GPL-2.0

//! The session book: every live session of one device, by a handle that survives a device
//! reset.
//!
//! A device reset destroys every session, and the device may then hand out other ids, even
//! reuse an old number for another session. So transforms and requests never keep a device
//! session id: they keep a *handle* (the index of the session's slot here), and the data
//! queue writes the session's current id into a request's header each time it puts the
//! request on a ring, under the queue's lock. A request built before a reset and resubmitted
//! after it uses its own transform's new session, never another's.
//!
//! Each slot keeps what is needed to create its session again (kind, algorithm, key): the key
//! lives in a [`Secret`] in its own box (so growing the table never leaves a copy behind),
//! wiped when the session is destroyed.
//!
//! A slot may also hold a *stateless* session: the device has none, and its requests carry
//! the key (revision 1's stateless mode, where the device offers it for the service). Which
//! one a request uses is decided at each submission too ([`SessionBook::stamp`]): a
//! stateless session becomes a device session if the device refuses its requests.
//!
//! Locking: the table is an interrupt-safe spinlock (the data path reads ids from softirq
//! context with a queue lock held); it is a leaf lock, never held across a control request.

use crate::{
    abstractions::{irq_spinlock::IrqSpinLock, secret::Secret},
    requests::MAX_KEY,
    wire::{self, DataHdr, Format, Keying, SessionKind},
};
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use kernel::prelude::*;

/// A handle of the book: stable across device resets. Stored as `u64` by transforms.
pub(crate) type Handle = u64;

/// What is needed to create a session again.
pub(crate) struct Recipe {
    pub(crate) kind: SessionKind,
    pub(crate) algo: u32,
    pub(crate) key: Secret<MAX_KEY>,
    pub(crate) key_len: usize,
}

impl Recipe {
    pub(crate) fn new(kind: SessionKind, algo: u32, key: &[u8]) -> Result<KBox<Self>> {
        let mut recipe = KBox::new(
            Self {
                kind,
                algo,
                key: Secret::new(),
                key_len: 0,
            },
            GFP_KERNEL,
        )?;
        recipe
            .key
            .get_mut(..key.len())
            .ok_or(EINVAL)?
            .copy_from_slice(key);
        recipe.key_len = key.len();
        Ok(recipe)
    }

    pub(crate) fn key(&self) -> &[u8] {
        self.key.get(..self.key_len).unwrap_or(&[])
    }
}

/// One session of the book.
struct Entry {
    recipe: KBox<Recipe>,
    /// The session's id on the device; `None` while the device has none for it (after a
    /// reset, until it is created again, or if the device refused to create it again), and
    /// for a stateless session.
    id: Option<u64>,
    /// Its requests carry the key: the device has no session for it.
    stateless: bool,
}

/// When sessions are stateless, where the device offers it for their service (module
/// parameter `stateless`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Policy {
    /// Never: the stateless features are not even negotiated.
    Never,
    /// When the device has no room for another session (`NOSPC`).
    WhenFull,
    /// Always.
    Always,
}

/// How a request named its key at a submission.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// A device session of this id.
    Session(u64),
    /// The key, of this many bytes (0 for a hash).
    Stateless(usize),
}

/// The book of one device.
#[pin_data]
pub(crate) struct SessionBook {
    #[pin]
    slots: IrqSpinLock<KVec<Option<Entry>>>,
    /// Counts device resets: an id obtained before one is worthless after it.
    epoch: AtomicU64,
    /// The request format the device agreed to.
    format: Format,
    policy: Policy,
    /// The services (bit `VIRTIO_CRYPTO_SERVICE_*`) whose stateless requests the device
    /// refused although it offered them: their new sessions are device sessions.
    refused: AtomicU32,
}

impl SessionBook {
    pub(crate) fn new(format: Format, policy: Policy) -> impl PinInit<Self> {
        pin_init!(Self {
            slots <- crate::new_irq_spinlock!(KVec::new(), "virtio_crypto_rs:book"),
            epoch: AtomicU64::new(0),
            format,
            policy,
            refused: AtomicU32::new(0),
        })
    }

    /// The request format the device agreed to.
    pub(crate) fn format(&self) -> Format {
        self.format
    }

    /// Whether a new session of `service` is stateless from the start (`nospc`: or after
    /// the device had no room for it): the policy says so, the device offers the mode and
    /// has not refused such a request.
    pub(crate) fn wants_stateless(&self, service: u32, nospc: bool) -> bool {
        let when = match self.policy {
            Policy::Never => false,
            Policy::WhenFull => nospc,
            Policy::Always => true,
        };
        let refused = self.refused.load(Ordering::Relaxed) & 1u32.checked_shl(service).unwrap_or(0);
        when && self.format.stateless(service) && refused == 0
    }

    /// The device refused a stateless request of `service`: later sessions of the service
    /// are device sessions. Whether this is news.
    pub(crate) fn refuse_stateless(&self, service: u32) -> bool {
        let bit = 1u32.checked_shl(service).unwrap_or(0);
        self.refused.fetch_or(bit, Ordering::Relaxed) & bit == 0
    }

    /// The number of device resets so far.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Records a session the device created as `id` in `epoch` (read before the session was
    /// requested); its handle. After a reset since, the entry has no id yet.
    pub(crate) fn insert(&self, recipe: KBox<Recipe>, id: u64, epoch: u64) -> Result<Handle> {
        self.insert_entry(
            Entry {
                recipe,
                id: Some(id),
                stateless: false,
            },
            epoch,
        )
    }

    /// Records a stateless session (its requests carry the key); its handle.
    pub(crate) fn insert_stateless(&self, recipe: KBox<Recipe>) -> Result<Handle> {
        let entry = Entry {
            recipe,
            id: None,
            stateless: true,
        };
        self.insert_entry(entry, self.epoch())
    }

    fn insert_entry(&self, entry: Entry, epoch: u64) -> Result<Handle> {
        let mut entry = Some(entry);
        // Room is made without the lock held (allocation may sleep); another insert may take
        // it meanwhile, so try again.
        loop {
            let need = {
                let mut slots = self.slots.lock();
                // Under the lock that `forget_ids` takes: either it sees the entry, or the
                // epoch has changed already.
                if self.epoch() != epoch {
                    if let Some(e) = entry.as_mut() {
                        e.id = None;
                    }
                }
                if let Some(i) = slots.iter().position(|s| s.is_none()) {
                    slots[i] = entry.take();
                    return Ok(i as Handle);
                }
                if slots.len() < slots.capacity() {
                    let i = slots.len();
                    if let Err(e) = slots.push_within_capacity(entry.take()) {
                        entry = e.0;
                    } else {
                        return Ok(i as Handle);
                    }
                }
                slots.len() + 1
            };
            let mut bigger: KVec<Option<Entry>> =
                KVec::with_capacity(need.max(8).next_power_of_two(), GFP_KERNEL)?;
            let mut slots = self.slots.lock();
            if bigger.capacity() > slots.capacity() {
                // Moving entries moves their boxes' pointers only: keys stay where they are.
                for s in slots.drain_all() {
                    // Cannot fail: `bigger` has room for all of them.
                    let _ = bigger.push_within_capacity(s);
                }
                core::mem::swap(&mut *slots, &mut bigger);
            }
        }
    }

    /// Frees the slot of `handle`: its current device id (to destroy) and its recipe, whose
    /// key is wiped when it drops.
    pub(crate) fn remove(&self, handle: Handle) -> Option<(Option<u64>, KBox<Recipe>)> {
        let entry = {
            let mut slots = self.slots.lock();
            slots.get_mut(handle as usize).and_then(|s| s.take())
        };
        entry.map(|e| (e.id, e.recipe))
    }

    /// Writes into a data request header how it names the key of `handle` now: the current
    /// device id of its session, or the key's parameters (stateless). `None` if the device
    /// has no session for it.
    pub(crate) fn stamp(&self, handle: Handle, hdr: &mut DataHdr) -> Option<Sent> {
        let slots = self.slots.lock();
        let e = slots.get(handle as usize)?.as_ref()?;
        let (keying, sent) = match (e.stateless, e.id) {
            (true, _) => (Keying::Stateless, Sent::Stateless(e.recipe.key_len)),
            (false, Some(id)) => (Keying::Session(id), Sent::Session(id)),
            (false, None) => return None,
        };
        let r = &e.recipe;
        wire::set_keying(hdr, self.format, r.kind, r.algo, r.key_len as u32, keying);
        Some(sent)
    }

    /// After a device reset: no session has a device id any more.
    pub(crate) fn forget_ids(&self) {
        let mut slots = self.slots.lock();
        self.epoch.fetch_add(1, Ordering::AcqRel);
        for e in slots.iter_mut().flatten() {
            e.id = None;
        }
    }

    /// Creates every session of the book again with `create` (which may sleep: it is called
    /// without the lock, with a copy of the recipe that is wiped after). The caller keeps
    /// sessions from being created or destroyed meanwhile. Returns how many the device
    /// refused (those stay without an id, and their requests fail with `EIO`); fails on the
    /// first that finds no device or no answer.
    pub(crate) fn recreate(
        &self,
        mut create: impl FnMut(SessionKind, u32, &[u8]) -> Result<u64>,
    ) -> Result<usize> {
        let mut refused = 0;
        let mut i = 0usize;
        while i < self.slots.lock().len() {
            let Some(copy) = self.copy_if(i, |e| e.id.is_none() && !e.stateless) else {
                i += 1;
                continue;
            };
            match create(copy.kind, copy.algo, copy.key()) {
                Ok(id) => {
                    let mut slots = self.slots.lock();
                    if let Some(Some(e)) = slots.get_mut(i) {
                        e.id = Some(id);
                    }
                }
                Err(e) if e == ETIMEDOUT || e == ENODEV || e == EINTR => return Err(e),
                Err(_) => refused += 1,
            }
            i += 1;
        }
        Ok(refused)
    }

    /// Creates the session of `handle` again, the device having answered INVSESS for
    /// `stale`, the id a request carried; unless it was created again since (another request
    /// of the same session came first). `create` may sleep; the caller keeps sessions from
    /// being created or destroyed meanwhile, and reads `epoch` before. Returns the replaced
    /// session (kind, algorithm, id), for the caller to destroy on the device, or `None` if
    /// there was nothing to do.
    pub(crate) fn renew(
        &self,
        handle: Handle,
        stale: u64,
        epoch: u64,
        create: impl FnOnce(SessionKind, u32, &[u8]) -> Result<u64>,
    ) -> Result<Option<(SessionKind, u32, u64)>> {
        let i = handle as usize;
        let Some(copy) = self.copy_if(i, |e| e.id == Some(stale)) else {
            return Ok(None);
        };
        let id = create(copy.kind, copy.algo, copy.key())?;
        let mut slots = self.slots.lock();
        // Under the lock that `forget_ids` takes: after a reset since, the id is worthless,
        // and the recovery creates the session again.
        if self.epoch() != epoch {
            return Err(EAGAIN);
        }
        if let Some(Some(e)) = slots.get_mut(i) {
            e.id = Some(id);
        }
        Ok(Some((copy.kind, copy.algo, stale)))
    }

    /// Makes the stateless session of `handle` a device session, created by `create` (which
    /// may sleep; the caller keeps sessions from being created or destroyed meanwhile, and
    /// reads `epoch` before): the device refused its requests. Returns its kind, or `None` if
    /// it is a device session already (another request of it came first).
    pub(crate) fn to_device(
        &self,
        handle: Handle,
        epoch: u64,
        create: impl FnOnce(SessionKind, u32, &[u8]) -> Result<u64>,
    ) -> Result<Option<SessionKind>> {
        let i = handle as usize;
        let Some(copy) = self.copy_if(i, |e| e.stateless) else {
            return Ok(None);
        };
        let id = create(copy.kind, copy.algo, copy.key())?;
        let mut slots = self.slots.lock();
        if let Some(Some(e)) = slots.get_mut(i) {
            e.stateless = false;
            // After a reset since, the recovery creates it again.
            e.id = (self.epoch() == epoch).then_some(id);
        }
        Ok(Some(copy.kind))
    }

    /// A copy of slot `i`'s recipe (wiped when it drops), if the slot holds a session that
    /// passes `want`.
    fn copy_if(&self, i: usize, want: impl FnOnce(&Entry) -> bool) -> Option<Recipe> {
        let mut copy = Recipe {
            kind: SessionKind::Hash,
            algo: 0,
            key: Secret::new(),
            key_len: 0,
        };
        let slots = self.slots.lock();
        let e = slots.get(i)?.as_ref()?;
        if !want(e) {
            return None;
        }
        copy.kind = e.recipe.kind;
        copy.algo = e.recipe.algo;
        copy.key_len = e.recipe.key_len;
        copy.key.copy_from_slice(&e.recipe.key[..]);
        Some(copy)
    }
}
