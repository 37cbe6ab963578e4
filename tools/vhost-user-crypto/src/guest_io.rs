// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! The bytes of one request in guest memory.
//!
//! A request is the concatenation of its device-readable descriptors
//! (header, fixed fields, input data) followed by its device-writable ones
//! (output data, then the status). Descriptor boundaries carry no meaning.
//! Every descriptor is checked against guest memory when the request is
//! opened, with overflow-checked length sums, and every read or write is
//! bounds checked: a hostile request can only earn an error status.
//!
//! Bulk data is served in place where it can be: when an input lies in one
//! piece of guest memory the crypto code reads it there ([`Input::Guest`]),
//! and when an output does it works there ([`RequestIo::with_output`]),
//! instead of copying through a buffer of its own. Those two functions hold
//! this crate's only `unsafe` blocks; their comments say what a guest that
//! breaks virtio's ownership rules can and cannot do.

use std::ops::Deref;

use virtio_queue::desc::split::Descriptor;
use virtio_queue::DescriptorChain;
use vm_memory::{GuestMemory, GuestMemoryMmap, Permissions, VolatileSlice};

use crate::wire::Status;

/// The guest memory of one direction of a request, in descriptor order.
struct Areas<'a> {
    slices: Vec<VolatileSlice<'a>>,
    len: usize,
}

impl<'a> Areas<'a> {
    /// The areas of `descs`; `None` if one lies outside guest memory or
    /// their lengths add up past `usize`.
    fn new(mem: &'a GuestMemoryMmap, descs: impl Iterator<Item = Descriptor>, access: Permissions) -> Option<Self> {
        let mut areas = Areas {
            slices: Vec::new(),
            len: 0,
        };
        for desc in descs {
            areas.len = areas.len.checked_add(desc.len() as usize)?;
            for slice in mem.get_slices(desc.addr(), desc.len() as usize, access).ok()? {
                areas.slices.push(slice.ok()?);
            }
        }
        Some(areas)
    }

    /// Calls `f` with each piece of `[offset, offset + len)` and where it
    /// starts inside that range; false if the range is not all inside.
    fn pieces(&self, offset: usize, len: usize, mut f: impl FnMut(usize, VolatileSlice<'a>)) -> bool {
        let Some(end) = offset.checked_add(len) else {
            return false;
        };
        if end > self.len {
            return false;
        }
        let mut start = 0usize;
        for s in &self.slices {
            let (lo, hi) = (start.max(offset), (start + s.len()).min(end));
            if lo < hi {
                let Ok(piece) = s.subslice(lo - start, hi - lo) else {
                    return false;
                };
                f(lo - offset, piece);
            }
            start += s.len();
            if start >= end {
                break;
            }
        }
        true
    }

    /// `[offset, offset + len)` as one slice, if one piece of memory holds it.
    fn contiguous(&self, offset: usize, len: usize) -> Option<VolatileSlice<'a>> {
        let (mut found, mut pieces) = (None, 0);
        if !self.pieces(offset, len, |_, p| {
            pieces += 1;
            found = Some(p);
        }) || pieces != 1
        {
            return None;
        }
        found
    }

    fn copy_out(&self, offset: usize, buf: &mut [u8]) -> bool {
        self.pieces(offset, buf.len(), |at, p| {
            p.copy_to(&mut buf[at..at + p.len()]);
        })
    }

    fn copy_in(&self, offset: usize, data: &[u8]) -> bool {
        self.pieces(offset, data.len(), |at, p| p.copy_from(&data[at..at + p.len()]))
    }
}

/// An input of a request: in guest memory when it lies in one piece there,
/// else a copy.
pub enum Input<'a> {
    Guest(VolatileSlice<'a>),
    Copied(Vec<u8>),
}

impl Input<'_> {
    pub fn len(&self) -> usize {
        match self {
            Input::Guest(s) => s.len(),
            Input::Copied(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` over the input's bytes.
    pub fn with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self {
            Input::Copied(v) => f(v),
            Input::Guest(s) => {
                let guard = s.ptr_guard();
                // SAFETY: `guard` points at `s.len()` bytes of guest memory
                // that `get_slices` checked to be mapped, and the mapping
                // lives as long as the `GuestMemoryMmap` that `'a` borrows,
                // which outlives this call; `u8` needs no alignment and has
                // no invalid values. This process writes those bytes only
                // through `RequestIo`'s writes and `with_output`, neither of
                // which runs while `f` does: the request is served by one
                // thread, and its outputs are written after `f` returns.
                // The guest may still write them meanwhile (its vCPUs, or a
                // request on another queue that names the same memory),
                // against virtio's rule that a driver leaves a buffer alone
                // while the device owns it. What `f` computes is then over
                // whichever bytes it read: a wrong answer for that guest's
                // own request, as on a device that computes in guest memory
                // in hardware; `f` is crypto code that reads each byte as
                // data and makes no decision that a changing byte could turn
                // into an out-of-bounds access.
                let bytes = unsafe { std::slice::from_raw_parts(guard.as_ptr(), s.len()) };
                f(bytes)
            }
        }
    }

    /// The input's bytes as an owned buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        self.with(<[u8]>::to_vec)
    }

    fn guest(&self) -> Option<&VolatileSlice<'_>> {
        match self {
            Input::Guest(s) => Some(s),
            Input::Copied(_) => None,
        }
    }
}

/// Readable and writable guest memory of one descriptor chain.
pub struct RequestIo<'a> {
    /// `None` when a readable descriptor lies outside guest memory.
    readable: Option<Areas<'a>>,
    /// Readable bytes consumed so far.
    read_pos: usize,
    writable: Areas<'a>,
}

impl<'a> RequestIo<'a> {
    /// Opens a request; `None` if nothing can be written back (no writable
    /// byte, or a writable descriptor outside guest memory), in which case
    /// the request can only be returned with a used length of 0.
    pub fn new<T>(mem: &'a GuestMemoryMmap, chain: DescriptorChain<T>) -> Option<Self>
    where
        T: Deref + Clone,
        T::Target: GuestMemory + Sized,
    {
        let readable = Areas::new(mem, chain.clone().readable(), Permissions::Read);
        let writable = Areas::new(mem, chain.writable(), Permissions::Write)?;
        if writable.len == 0 {
            return None;
        }
        Some(RequestIo {
            readable,
            read_pos: 0,
            writable,
        })
    }

    /// Device-readable bytes not consumed yet.
    pub fn readable_left(&self) -> usize {
        self.readable.as_ref().map_or(0, |r| r.len - self.read_pos)
    }

    /// Total device-writable bytes.
    pub fn writable_len(&self) -> usize {
        self.writable.len
    }

    /// Fills `buf` with the next readable bytes.
    pub fn read_into(&mut self, buf: &mut [u8]) -> Result<(), Status> {
        let r = self.readable.as_ref().ok_or(Status::Err)?;
        if !r.copy_out(self.read_pos, buf) {
            return Err(Status::Err);
        }
        self.read_pos += buf.len();
        Ok(())
    }

    /// Reads the next `len` readable bytes into a buffer of their own.
    pub fn read(&mut self, len: usize) -> Result<Vec<u8>, Status> {
        if len > self.readable_left() {
            return Err(Status::Err);
        }
        let mut buf = vec![0u8; len];
        self.read_into(&mut buf)?;
        Ok(buf)
    }

    /// Takes the next `len` readable bytes where they are if they lie in one
    /// piece of guest memory, else as a copy.
    pub fn take(&mut self, len: usize) -> Result<Input<'a>, Status> {
        let r = self.readable.as_ref().ok_or(Status::Err)?;
        match r.contiguous(self.read_pos, len) {
            Some(s) => {
                self.read_pos += len;
                Ok(Input::Guest(s))
            }
            None => self.read(len).map(Input::Copied),
        }
    }

    /// Writes `data` at `offset` of the writable area.
    pub fn write_at(&self, offset: usize, data: &[u8]) -> Result<(), Status> {
        if self.writable.copy_in(offset, data) {
            Ok(())
        } else {
            Err(Status::Err)
        }
    }

    /// Serves an output in place: when `input` lies in guest memory and
    /// `[offset, offset + input.len())` of the writable area in one piece,
    /// moves the input there (nothing to move when the request names the
    /// same bytes for both, as in-place requests do) and runs `f` over the
    /// output's bytes. `None` when either is not in one piece: the caller
    /// copies then.
    pub fn with_output<R>(&self, offset: usize, input: &Input, f: impl FnOnce(&mut [u8]) -> R) -> Option<R> {
        let src = input.guest()?;
        let dst = self.writable.contiguous(offset, input.len())?;
        if src.ptr_guard().as_ptr() != dst.ptr_guard().as_ptr() {
            src.copy_to_volatile_slice(dst);
        }
        let guard = dst.ptr_guard_mut();
        // SAFETY: `guard` points at `dst.len()` bytes of guest memory that
        // `get_slices` checked to be mapped for writing, and the mapping
        // lives as long as the `GuestMemoryMmap` that `'a` borrows, which
        // outlives this call; `u8` needs no alignment and has no invalid
        // values. No other reference into guest memory exists in this
        // thread while `f` runs: the input's bytes were moved before, and
        // `f` gets no `Input`. As for `Input::with`, the guest itself may
        // write these bytes meanwhile against virtio's rules (its vCPUs,
        // or a request on another queue naming the same memory); `f` is
        // crypto code that treats every byte as data, so such a guest gets
        // a wrong answer to its own request and nothing else.
        let bytes = unsafe { std::slice::from_raw_parts_mut(guard.as_ptr(), dst.len()) };
        Some(f(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use virtio_bindings::bindings::virtio_ring::VRING_DESC_F_WRITE;
    use virtio_queue::desc::RawDescriptor;
    use virtio_queue::mock::MockSplitQueue;
    use vm_memory::{Bytes, GuestAddress};

    fn mem() -> GuestMemoryMmap {
        GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 0x10000)]).unwrap()
    }

    /// Opens a chain of (address, length, writable) descriptors.
    fn open<'a>(mem: &'a GuestMemoryMmap, descs: &[(u64, u32, bool)]) -> Option<RequestIo<'a>> {
        let raw: Vec<RawDescriptor> = descs
            .iter()
            .map(|&(a, l, w)| {
                RawDescriptor::from(Descriptor::new(a, l, if w { VRING_DESC_F_WRITE as u16 } else { 0 }, 0))
            })
            .collect();
        let q = MockSplitQueue::create(mem, GuestAddress(0), 16);
        let chain = q.build_desc_chain(&raw).unwrap();
        RequestIo::new(mem, chain)
    }

    #[test]
    fn reads_across_descriptors_and_takes_in_place_only_in_one_piece() {
        let m = mem();
        m.write_slice(&[1, 2, 3, 4], GuestAddress(0x1000)).unwrap();
        m.write_slice(&[5, 6, 7, 8], GuestAddress(0x2000)).unwrap();
        let mut io = open(&m, &[(0x1000, 4, false), (0x2000, 4, false), (0x3000, 8, true)]).unwrap();
        assert_eq!(io.read(1).unwrap(), [1]);
        // 2, 3, 4 lie in one descriptor: in place.
        let a = io.take(3).unwrap();
        assert!(matches!(a, Input::Guest(_)));
        assert_eq!(a.to_vec(), [2, 3, 4]);
        // Back to the first readable byte: split over two, copied.
        io.read_pos = 2;
        let b = io.take(4).unwrap();
        assert!(matches!(b, Input::Copied(_)));
        assert_eq!(b.to_vec(), [3, 4, 5, 6]);
        assert_eq!(io.readable_left(), 2);
        assert!(io.take(3).is_err());
        assert_eq!(io.readable_left(), 2);
    }

    #[test]
    fn serves_outputs_in_place_moving_the_input_and_in_pieces_by_copy() {
        let m = mem();
        m.write_slice(&[9; 16], GuestAddress(0x1000)).unwrap();
        let mut io = open(&m, &[(0x1000, 16, false), (0x3000, 10, true), (0x4000, 10, true)]).unwrap();
        let input = io.take(8).unwrap();
        let r = io.with_output(2, &input, |out| {
            assert_eq!(out, [9; 8]);
            out[0] = 1;
            out.len()
        });
        assert_eq!(r, Some(8));
        let mut got = [0u8; 10];
        m.read_slice(&mut got, GuestAddress(0x3000)).unwrap();
        assert_eq!(got, [0, 0, 1, 9, 9, 9, 9, 9, 9, 9]);
        // Writable bytes 6..14 span both areas: the caller copies.
        assert!(io.with_output(6, &input, |_| ()).is_none());
        io.write_at(6, &[7; 8]).unwrap();
        m.read_slice(&mut got, GuestAddress(0x4000)).unwrap();
        assert_eq!(got[..4], [7; 4]);
        assert!(io.write_at(15, &[0; 6]).is_err());
        assert!(io.write_at(usize::MAX, &[0; 2]).is_err());
    }

    #[test]
    fn in_place_request_naming_the_same_bytes_for_both() {
        let m = mem();
        m.write_slice(&[3; 8], GuestAddress(0x1000)).unwrap();
        let mut io = open(&m, &[(0x1000, 8, false), (0x1000, 8, true)]).unwrap();
        let input = io.take(8).unwrap();
        io.with_output(0, &input, |out| out.iter_mut().for_each(|b| *b += 1))
            .unwrap();
        let mut got = [0u8; 8];
        m.read_slice(&mut got, GuestAddress(0x1000)).unwrap();
        assert_eq!(got, [4; 8]);
    }

    #[test]
    fn rejects_chains_outside_memory_and_without_writable_bytes() {
        let m = mem();
        assert!(open(&m, &[(0x1000, 8, false)]).is_none());
        assert!(open(&m, &[(0x1000, 8, false), (0xfff0, 0x20, true)]).is_none());
        let mut io = open(&m, &[(0xfff0, 0x20, false), (0x1000, 8, true)]).unwrap();
        assert_eq!(io.readable_left(), 0);
        assert!(io.read(1).is_err());
    }
}
