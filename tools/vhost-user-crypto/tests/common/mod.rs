// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Test harness: requests as descriptor chains in test guest memory.
#![allow(dead_code)]

pub mod build;
pub mod driver;

use std::sync::Arc;

use vhost_user_crypto::config::DeviceSettings;
use vhost_user_crypto::device::{Completion, Device};
use vhost_user_crypto::fault::FaultState;
use vhost_user_crypto::wire::Status;
use virtio_bindings::bindings::virtio_ring::VRING_DESC_F_WRITE;
use virtio_queue::desc::{split::Descriptor as SplitDescriptor, RawDescriptor};
use virtio_queue::mock::MockSplitQueue;
use virtio_queue::DescriptorChain;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

/// Size of the test guest's RAM.
pub const MEM_SIZE: u64 = 8 << 20;
/// Where request buffers start (the mock queue lives below).
pub const BUF_BASE: u64 = 0x10_0000;
/// Descriptors in the mock queue: the longest chain a test can build.
pub const QUEUE_SIZE: u16 = 16;

/// One descriptor of a request.
#[derive(Clone, Debug)]
pub enum Seg {
    /// Device-readable bytes.
    R(Vec<u8>),
    /// Device-writable buffer of this many bytes.
    W(u32),
    /// Raw descriptor with any address and length (hostile requests).
    RawR(u64, u32),
    RawW(u64, u32),
}

/// What came back.
#[derive(Debug)]
pub struct Reply {
    pub used_len: u32,
    /// The writable area after the device ran, all `W` segments in order.
    pub written: Vec<u8>,
}

impl Reply {
    /// Status byte of a data request (last writable byte).
    pub fn data_status(&self) -> u8 {
        *self.written.last().expect("no writable bytes")
    }

    /// Status of a create-session outcome (le32 at 8).
    pub fn create_status(&self) -> u32 {
        u32::from_le_bytes(self.written[8..12].try_into().unwrap())
    }

    pub fn session_id(&self) -> u64 {
        u64::from_le_bytes(self.written[..8].try_into().unwrap())
    }
}

pub struct Harness {
    pub mem: GuestMemoryMmap,
    pub dev: Device,
}

impl Harness {
    /// A device with every implemented algorithm and the given features.
    pub fn new(features: u64) -> Self {
        Self::with_settings(DeviceSettings::default(), features)
    }

    pub fn with_settings(settings: DeviceSettings, features: u64) -> Self {
        let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), MEM_SIZE as usize)]).unwrap();
        let dev = Device::new(settings, Arc::new(FaultState::new()));
        dev.set_negotiated(features);
        Harness { mem, dev }
    }

    pub fn fault(&self, cmd: &str) {
        self.dev.faults.apply(cmd).unwrap();
    }

    /// Lays out `segs` in memory, builds the chain and runs the handler.
    pub fn submit(&self, control: bool, segs: &[Seg]) -> Reply {
        let mut addr = BUF_BASE;
        let mut descs = Vec::new();
        let mut writable = Vec::new();
        for seg in segs {
            let (a, len, flags) = match seg {
                Seg::R(bytes) => {
                    self.mem.write_slice(bytes, GuestAddress(addr)).unwrap();
                    (addr, bytes.len() as u32, 0)
                }
                Seg::W(len) => {
                    // Poison, so tests see what the device did not write.
                    self.mem
                        .write_slice(&vec![0xa5; *len as usize], GuestAddress(addr))
                        .unwrap();
                    writable.push((addr, *len));
                    (addr, *len, VRING_DESC_F_WRITE as u16)
                }
                Seg::RawR(a, l) => (*a, *l, 0),
                Seg::RawW(a, l) => (*a, *l, VRING_DESC_F_WRITE as u16),
            };
            descs.push(RawDescriptor::from(SplitDescriptor::new(a, len, flags, 0)));
            if matches!(seg, Seg::R(_) | Seg::W(_)) {
                addr += u64::from(len) + 64;
            }
        }
        let queue = MockSplitQueue::create(&self.mem, GuestAddress(0), QUEUE_SIZE);
        let c = self.handle(control, queue.build_desc_chain(&descs).unwrap());
        let mut written = Vec::new();
        for (a, len) in writable {
            let mut buf = vec![0u8; len as usize];
            self.mem.read_slice(&mut buf, GuestAddress(a)).unwrap();
            written.extend_from_slice(&buf);
        }
        Reply {
            used_len: c.used_len,
            written,
        }
    }

    /// Puts `descs` in the descriptor table exactly as given (flags, `next`
    /// and all), offers descriptor 0 and runs the handler: chains no
    /// well-behaved driver builds (loops, indirect tables, anything).
    /// Returns the used length.
    pub fn submit_table(&self, control: bool, descs: &[RawDescriptor]) -> u32 {
        let queue = MockSplitQueue::create(&self.mem, GuestAddress(0), QUEUE_SIZE);
        self.handle(control, queue.build_multiple_desc_chains(descs).unwrap())
            .used_len
    }

    fn handle(&self, control: bool, chain: DescriptorChain<&GuestMemoryMmap>) -> Completion {
        if control {
            self.dev.handle_control(&self.mem, chain)
        } else {
            self.dev.handle_data(&self.mem, chain)
        }
    }

    /// Control request: readable bytes, then a writable outcome area.
    pub fn control(&self, readable: Vec<u8>, outcome_len: u32) -> Reply {
        self.submit(true, &[Seg::R(readable), Seg::W(outcome_len)])
    }

    /// Creates a session; panics unless the device says OK.
    pub fn create(&self, readable: Vec<u8>) -> u64 {
        let r = self.control(readable, 16);
        assert_eq!(r.create_status(), 0, "session creation failed");
        r.session_id()
    }

    /// Data request: readable bytes, then `out_len` output bytes + status.
    /// Returns (status, output).
    pub fn data(&self, readable: Vec<u8>, out_len: u32) -> (u8, Vec<u8>) {
        let r = self.submit(false, &[Seg::R(readable), Seg::W(out_len), Seg::W(1)]);
        assert_eq!(r.used_len, out_len + 1);
        let status = r.data_status();
        let mut out = r.written;
        out.truncate(out_len as usize);
        (status, out)
    }
}

/// Default settings changed by `f`.
pub fn settings(f: impl FnOnce(&mut DeviceSettings)) -> DeviceSettings {
    let mut s = DeviceSettings::default();
    f(&mut s);
    s
}

/// Hex string to bytes (whitespace ignored).
pub fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Status bytes, for short assertions.
pub const OK: u8 = Status::Ok as u8;
pub const ERR: u8 = Status::Err as u8;
pub const BADMSG: u8 = Status::BadMsg as u8;
pub const NOTSUPP: u8 = Status::NotSupp as u8;
pub const INVSESS: u8 = Status::InvSess as u8;
pub const NOSPC: u8 = Status::NoSpc as u8;

/// Features: VERSION_1 only (revision 0 wire layout, like Linux's C driver).
pub const LEGACY: u64 = 1 << 32;
/// VERSION_1 + REVISION_1 (session mode only).
pub const REV1: u64 = (1 << 32) | 1;
/// VERSION_1 + REVISION_1 + all four implemented stateless services.
pub const STATELESS: u64 = (1 << 32) | 0x1f;
