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
//! Locking: the table is an interrupt-safe spinlock (the data path reads ids from softirq
//! context with a queue lock held); it is a leaf lock, never held across a control request.

use crate::{
    abstractions::{irq_spinlock::IrqSpinLock, secret::Secret},
    requests::MAX_KEY,
    wire::SessionKind,
};
use core::sync::atomic::{AtomicU64, Ordering};
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
    /// reset, until it is created again, or if the device refused to create it again).
    id: Option<u64>,
}

/// The book of one device.
#[pin_data]
pub(crate) struct SessionBook {
    #[pin]
    slots: IrqSpinLock<KVec<Option<Entry>>>,
    /// Counts device resets: an id obtained before one is worthless after it.
    epoch: AtomicU64,
}

impl SessionBook {
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Self {
            slots <- crate::new_irq_spinlock!(KVec::new(), "virtio_crypto_rs:book"),
            epoch: AtomicU64::new(0),
        })
    }

    /// The number of device resets so far.
    pub(crate) fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// Records a session the device created as `id` in `epoch` (read before the session was
    /// requested); its handle. After a reset since, the entry has no id yet.
    pub(crate) fn insert(&self, recipe: KBox<Recipe>, id: u64, epoch: u64) -> Result<Handle> {
        let mut entry = Some(Entry {
            recipe,
            id: Some(id),
        });
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

    /// The current device id of `handle`, if the device has a session for it.
    pub(crate) fn id(&self, handle: Handle) -> Option<u64> {
        let slots = self.slots.lock();
        slots.get(handle as usize)?.as_ref()?.id
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
            let Some(copy) = self.copy_if(i, |id| id.is_none()) else {
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
        let Some(copy) = self.copy_if(i, |id| id == Some(stale)) else {
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

    /// A copy of slot `i`'s recipe (wiped when it drops), if the slot holds a session whose
    /// device id passes `want`.
    fn copy_if(&self, i: usize, want: impl FnOnce(Option<u64>) -> bool) -> Option<Recipe> {
        let mut copy = Recipe {
            kind: SessionKind::Hash,
            algo: 0,
            key: Secret::new(),
            key_len: 0,
        };
        let slots = self.slots.lock();
        let e = slots.get(i)?.as_ref()?;
        if !want(e.id) {
            return None;
        }
        copy.kind = e.recipe.kind;
        copy.algo = e.recipe.algo;
        copy.key_len = e.recipe.key_len;
        copy.key.copy_from_slice(&e.recipe.key[..]);
        Some(copy)
    }
}
