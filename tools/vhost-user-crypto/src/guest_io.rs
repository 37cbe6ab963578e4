// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! The bytes of one request in guest memory.
//!
//! A request is the concatenation of its device-readable descriptors
//! (header, fixed fields, input data) followed by its device-writable ones
//! (output data, then the status). Descriptor boundaries carry no meaning.
//! Every descriptor is checked against guest memory when the request is
//! opened (virtio-queue's `Reader`/`Writer` do that, with overflow-checked
//! length sums), and every read or write is bounds checked: a hostile
//! request can only earn an error status.

use std::io::{Read, Write};
use std::ops::Deref;

use virtio_queue::{DescriptorChain, Reader, Writer};
use vm_memory::{GuestMemory, GuestMemoryMmap};

use crate::wire::Status;

/// Reader and writer over one descriptor chain.
pub struct RequestIo<'a> {
    /// `None` when a readable descriptor lies outside guest memory.
    reader: Option<Reader<'a>>,
    writer: Writer<'a>,
    writable_len: usize,
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
        let reader = Reader::new(mem, chain.clone()).ok();
        let writer = Writer::new(mem, chain).ok()?;
        let writable_len = writer.available_bytes();
        if writable_len == 0 {
            return None;
        }
        Some(RequestIo {
            reader,
            writer,
            writable_len,
        })
    }

    /// Device-readable bytes not consumed yet.
    pub fn readable_left(&self) -> usize {
        self.reader.as_ref().map_or(0, Reader::available_bytes)
    }

    /// Total device-writable bytes.
    pub fn writable_len(&self) -> usize {
        self.writable_len
    }

    /// Reads the next `len` readable bytes.
    pub fn read(&mut self, len: usize) -> Result<Vec<u8>, Status> {
        let reader = self.reader.as_mut().ok_or(Status::Err)?;
        if len > reader.available_bytes() {
            return Err(Status::Err);
        }
        let mut buf = vec![0u8; len];
        reader.read_exact(&mut buf).map_err(|_| Status::Err)?;
        Ok(buf)
    }

    /// Writes `data` at `offset` of the writable area.
    pub fn write_at(&self, offset: usize, data: &[u8]) -> Result<(), Status> {
        let end = offset.checked_add(data.len()).ok_or(Status::Err)?;
        if end > self.writable_len {
            return Err(Status::Err);
        }
        let mut head = self.writer.clone();
        let mut tail = head.split_at(offset).map_err(|_| Status::Err)?;
        tail.write_all(data).map_err(|_| Status::Err)
    }
}
