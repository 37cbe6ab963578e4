// SPDX-License-Identifier: GPL-2.0

//! Scatterlists handed to a device: single entries over driver buffers, and borrowed chains
//! that belong to a crypto request.

use crate::abstractions::bindings;
use core::{marker::PhantomData, ptr::NonNull, sync::atomic::AtomicU8};
use kernel::{prelude::*, types::Opaque};

/// A one-entry scatterlist over a buffer of the kernel's linear map (heap memory, not the
/// stack or vmalloc space, which a device cannot reach through a page address).
///
/// The entry itself may live anywhere (the virtqueue copies it into descriptors); the
/// buffer is borrowed for `'a`.
pub struct SgBuf<'a> {
    sg: Opaque<bindings::scatterlist>,
    _buf: PhantomData<&'a [u8]>,
}

impl<'a> SgBuf<'a> {
    /// An entry the device reads. Fails with `EINVAL` for an empty buffer or one outside the
    /// linear map.
    pub fn new(buf: &'a [u8]) -> Result<Self> {
        Self::describe(buf.as_ptr(), buf.len())
    }

    /// An entry the device reads from memory others may write meanwhile (bytes that are
    /// atomics, such as a [`crate::abstractions::secret::DeviceKey`]'s).
    pub fn new_shared(buf: &'a [AtomicU8]) -> Result<Self> {
        Self::describe(buf.as_ptr().cast::<u8>(), buf.len())
    }

    /// An entry the device writes.
    pub fn new_mut(buf: &'a mut [u8]) -> Result<Self> {
        Self::describe(buf.as_ptr(), buf.len())
    }

    fn describe(ptr: *const u8, len: usize) -> Result<Self> {
        let len = u32::try_from(len).map_err(|_| EINVAL)?;
        if len == 0 {
            return Err(EINVAL);
        }
        // SAFETY: `virt_addr_valid` only computes on the address; both ends are checked so
        // the whole buffer is in the linear map.
        let valid = unsafe {
            bindings::vcrs_virt_addr_valid(ptr.cast())
                && bindings::vcrs_virt_addr_valid(ptr.add(len as usize - 1).cast())
        };
        if !valid {
            return Err(EINVAL);
        }
        let this = Self {
            sg: Opaque::uninit(),
            _buf: PhantomData,
        };
        // SAFETY: `this.sg` is writable memory for one `struct scatterlist`; the buffer is
        // `len` bytes of the linear map, borrowed for `'a`.
        unsafe { bindings::sg_init_one(this.sg.get(), ptr.cast(), len) };
        Ok(this)
    }
}

/// A scatterlist chain owned by somebody else (a crypto request's `src` or `dst`), borrowed
/// for `'a`.
///
/// # Invariants
///
/// `ptr` is a valid, terminated scatterlist for `'a`.
#[derive(Clone, Copy)]
pub struct SgList<'a> {
    ptr: NonNull<bindings::scatterlist>,
    _p: PhantomData<&'a bindings::scatterlist>,
}

impl<'a> SgList<'a> {
    /// # Safety
    ///
    /// `ptr` must be a valid, terminated scatterlist, whose pages stay valid, for `'a`.
    pub(crate) unsafe fn from_raw(ptr: NonNull<bindings::scatterlist>) -> Self {
        Self {
            ptr,
            _p: PhantomData,
        }
    }

    /// The number of entries of the chain.
    pub fn nents(&self) -> usize {
        // SAFETY: By the type invariant the list is valid and terminated.
        let n = unsafe { bindings::sg_nents(self.ptr.as_ptr()) };
        usize::try_from(n).unwrap_or(0)
    }
}

/// Something that is, or starts, a scatterlist for a device.
pub trait AsSgList {
    /// The first entry.
    fn sg_ptr(&self) -> *mut bindings::scatterlist;
    /// The number of entries.
    fn sg_count(&self) -> usize;
}

impl AsSgList for SgBuf<'_> {
    fn sg_ptr(&self) -> *mut bindings::scatterlist {
        self.sg.get()
    }
    fn sg_count(&self) -> usize {
        1
    }
}

impl AsSgList for SgList<'_> {
    fn sg_ptr(&self) -> *mut bindings::scatterlist {
        self.ptr.as_ptr()
    }
    fn sg_count(&self) -> usize {
        self.nents()
    }
}
