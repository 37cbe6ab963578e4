// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Data queue requests.
//!
//! Request = header (24) | op_flf | readable op_vlf || writable op_vlf | status.
//! The status is the last writable byte; outputs start at writable offset 0.
//! `op_flf` is 48 bytes without REVISION_1, the exact session-mode struct
//! with it, and the stateless struct for every request of a service whose
//! STATELESS_MODE bit was negotiated (the spec ties the layout to the
//! feature, the `flag` only to the mode; in session mode the stateless
//! `sess_para` is ignored and no keys are in the vlf).
//!
//! All lengths are checked, in 64-bit arithmetic, against `max_size` and the
//! bytes the descriptors really provide before anything is allocated.

mod aead;
mod digest;
mod sym;

use std::sync::Arc;

use crate::config::Features;
use crate::device::Device;
use crate::guest_io::{Input, RequestIo};
use crate::session::Session;
use crate::wire::{self, le32, le64, Status};

/// Answers one data request: outputs from writable offset 0, the status
/// in the last writable byte.
pub fn handle(dev: &Device, _head: u16, io: &mut RequestIo) {
    let status = execute(dev, io).err().unwrap_or(Status::Ok as u8);
    let _ = io.write_at(io.writable_len() - 1, &[status]);
}

fn execute(dev: &Device, io: &mut RequestIo) -> Result<(), u8> {
    let mut hdr = [0u8; wire::DATA_HEADER_LEN];
    io.read_into(&mut hdr).map_err(|s| s as u8)?;
    let opcode = le32(&hdr, 0);
    let service = opcode >> 8;
    if !known_opcode(opcode) {
        return Err(Status::NotSupp as u8);
    }
    if let Some(st) = dev.faults.injected_status(false, opcode) {
        return Err(st);
    }
    if dev.faults.needs_reset() {
        return Err(Status::Err as u8);
    }
    let features = dev.features();
    let stateless_layout = features.stateless(service);
    let session_mode = !features.rev1() || le32(&hdr, 16) & wire::FLAG_SESSION_MODE != 0;
    if !session_mode && !stateless_layout {
        return Err(Status::NotSupp as u8);
    }
    if !session_mode {
        if let Some(st) = dev.faults.injected_stateless_status(opcode) {
            return Err(st);
        }
    }
    let mut flf = [0u8; MAX_FLF_LEN];
    io.read_into(&mut flf[..flf_len(service, features)])
        .map_err(|s| s as u8)?;
    let mut req = Req {
        dev,
        io,
        opcode,
        session_id: le64(&hdr, 8),
        session_mode,
        stateless_layout,
        flf,
        budgeted: 0,
        budgeted_writable: 0,
    };
    let result = match service {
        wire::SERVICE_CIPHER => sym::run(&mut req),
        wire::SERVICE_HASH => digest::hash(&mut req),
        wire::SERVICE_MAC => digest::mac(&mut req),
        wire::SERVICE_AEAD => aead::run(&mut req),
        _ => Err(Status::NotSupp),
    };
    result.map_err(|s| s as u8)
}

fn known_opcode(opcode: u32) -> bool {
    matches!(
        opcode,
        wire::CIPHER_ENCRYPT
            | wire::CIPHER_DECRYPT
            | wire::HASH
            | wire::MAC
            | wire::AEAD_ENCRYPT
            | wire::AEAD_DECRYPT
            | wire::AKCIPHER_ENCRYPT
            | wire::AKCIPHER_DECRYPT
            | wire::AKCIPHER_SIGN
            | wire::AKCIPHER_VERIFY
    )
}

/// The longest `op_flf` (the stateless cipher one).
const MAX_FLF_LEN: usize = 76;

/// Size of `op_flf` for a service under the negotiated features.
/// Fields past it read as zero.
fn flf_len(service: u32, f: Features) -> usize {
    if f.stateless(service) {
        match service {
            wire::SERVICE_CIPHER => 76,
            wire::SERVICE_AEAD => 32,
            wire::SERVICE_AKCIPHER => 28,
            _ => 16,
        }
    } else if f.rev1() {
        match service {
            wire::SERVICE_CIPHER => 48,
            wire::SERVICE_AEAD => 24,
            _ => 8,
        }
    } else {
        wire::DATA_FLF_LEGACY_LEN
    }
}

/// One data request being served.
pub(crate) struct Req<'d, 'a, 'io> {
    dev: &'d Device,
    io: &'io mut RequestIo<'a>,
    opcode: u32,
    session_id: u64,
    /// Session mode (else stateless: parameters travel with the request).
    session_mode: bool,
    /// `op_flf` has the stateless layout.
    stateless_layout: bool,
    flf: [u8; MAX_FLF_LEN],
    /// Variable lengths checked so far, all of them and the writable ones.
    budgeted: u64,
    budgeted_writable: u64,
}

impl<'a> Req<'_, 'a, '_> {
    fn field(&self, off: usize) -> u32 {
        le32(&self.flf, off)
    }

    /// The session named in the header, if it exists.
    fn session(&self) -> Result<Arc<Session>, Status> {
        self.dev.sessions.get(self.session_id).ok_or(Status::InvSess)
    }

    /// Checks the request's variable lengths before anything is read:
    /// this call's readable part against the readable bytes left; and,
    /// adding up over the calls of one request, all lengths against
    /// `max_size` and the writable ones plus the status byte against the
    /// writable area.
    fn budget(&mut self, readable: &[u32], writable: &[u32]) -> Result<(), Status> {
        let sum = |lens: &[u32]| lens.iter().map(|&n| u64::from(n)).sum::<u64>();
        let (r, w) = (sum(readable), sum(writable));
        let total = self.budgeted + r + w;
        let total_writable = self.budgeted_writable + w;
        if total > self.dev.settings.max_size
            || r > self.io.readable_left() as u64
            || total_writable + 1 > self.io.writable_len() as u64
        {
            return Err(Status::Err);
        }
        self.budgeted = total;
        self.budgeted_writable = total_writable;
        Ok(())
    }

    fn read(&mut self, len: u32) -> Result<Vec<u8>, Status> {
        self.io.read(len as usize)
    }

    /// The next `len` readable bytes, in guest memory where they can be.
    fn take(&mut self, len: u32) -> Result<Input<'a>, Status> {
        self.io.take(len as usize)
    }

    /// Computes the first output in place from `input` (see
    /// [`RequestIo::with_output`]) with `f`, then applies the corrupt-output
    /// fault as [`Self::write_outputs`] does; `None` when it cannot be done
    /// in place, and the caller copies.
    fn in_place<R>(&self, input: &Input, f: impl FnOnce(&mut [u8]) -> Result<R, Status>) -> Option<Result<R, Status>> {
        let faults = &self.dev.faults;
        self.io.with_output(0, input, |out| {
            let r = f(out)?;
            if faults.corrupt_now() && !out.is_empty() {
                out[0] ^= 0x01;
            }
            Ok(r)
        })
    }

    /// Writes outputs at their writable offsets; the corrupt-output fault
    /// flips a bit of the first output byte here.
    fn write_outputs(&mut self, outputs: &[(usize, &[u8])]) -> Result<(), Status> {
        let corrupt = self.dev.faults.corrupt_now();
        for (i, &(offset, data)) in outputs.iter().enumerate() {
            if corrupt && i == 0 && !data.is_empty() {
                let mut bad = data.to_vec();
                bad[0] ^= 0x01;
                self.io.write_at(offset, &bad)?;
            } else {
                self.io.write_at(offset, data)?;
            }
        }
        Ok(())
    }
}
