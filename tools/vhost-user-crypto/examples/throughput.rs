// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Device throughput per queue next to the raw crypto library speed.
//!
//! `cargo run --release --example throughput`
//!
//! "device" = one data-queue worker's whole request path (descriptor chain
//! walk, header parse, crypto on the request's source moved to its
//! destination in guest memory, status) on one thread, for a request the
//! guest placed once; "raw" = the same crypto call on a buffer already in
//! place. The difference is the device's per-request overhead.
//!
//! Each figure is the best of 4 windows of 100 ms, the two sides of a ratio
//! measured in turn.
//!
//! A second table runs the device path on one worker thread and on two at
//! once (two data queues, each with its own guest memory and session, one
//! device), and gives the sum of both next to one: how the device scales
//! with its queues on this host (at most its core count).

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use vhost_user_crypto::config::DeviceSettings;
use vhost_user_crypto::crypto::{AeadKey, CipherKey, Direction, HashAlg};
use vhost_user_crypto::device::Device;
use vhost_user_crypto::fault::FaultState;
use vhost_user_crypto::wire;
use virtio_bindings::bindings::virtio_ring::VRING_DESC_F_WRITE;
use virtio_queue::desc::{split::Descriptor, RawDescriptor};
use virtio_queue::mock::MockSplitQueue;
use virtio_queue::DescriptorChain;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

const WINDOW: Duration = Duration::from_millis(100);
const WINDOWS: usize = 4;
const BUF: u64 = 0x10_0000;

/// Runs `f` repeatedly for one `WINDOW`; returns MiB/s over `bytes` per call.
fn window(bytes: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < WINDOW {
        f();
        n += 1;
    }
    (n as f64 * bytes as f64) / start.elapsed().as_secs_f64() / (1 << 20) as f64
}

/// `WINDOWS` rounds of one window of `a` then one of `b`; the best window of
/// each. The best, not the mean: on a host shared with other work the slow
/// windows measure the other work; in turn, so that both see the same host.
fn best_of(mut a: impl FnMut() -> f64, mut b: impl FnMut() -> f64) -> (f64, f64) {
    let (mut best_a, mut best_b) = (0f64, 0f64);
    for _ in 0..WINDOWS {
        best_a = best_a.max(a());
        best_b = best_b.max(b());
    }
    (best_a, best_b)
}

fn le(v: &[u32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn header(opcode: u32, id: u64) -> Vec<u8> {
    [le(&[opcode, 0]), id.to_le_bytes().to_vec(), le(&[1, 0])].concat()
}

/// Creates a session through the control path; returns its id.
fn session(dev: &Device, mem: &GuestMemoryMmap, req: Vec<u8>) -> u64 {
    let w = submit(dev, mem, true, &req, 16);
    let mut out = [0u8; 16];
    mem.read_slice(&mut out, GuestAddress(w)).unwrap();
    assert_eq!(out[8], 0, "session creation failed");
    u64::from_le_bytes(out[..8].try_into().unwrap())
}

/// Places one request and runs the handler; returns the writable address.
fn submit(dev: &Device, mem: &GuestMemoryMmap, control: bool, req: &[u8], out_len: u32) -> u64 {
    mem.write_slice(req, GuestAddress(BUF)).unwrap();
    let (chain, w) = chain(mem, req.len(), out_len);
    let c = if control {
        dev.handle_control(mem, chain)
    } else {
        dev.handle_data(mem, chain)
    };
    assert_eq!(c.used_len, out_len);
    w
}

/// The descriptor chain of a request of `req_len` bytes placed at `BUF`,
/// and the address of its `out_len` writable bytes.
fn chain(mem: &GuestMemoryMmap, req_len: usize, out_len: u32) -> (DescriptorChain<&GuestMemoryMmap>, u64) {
    let w = BUF + req_len as u64 + 64;
    let descs = [
        RawDescriptor::from(Descriptor::new(BUF, req_len as u32, 0, 0)),
        RawDescriptor::from(Descriptor::new(w, out_len, VRING_DESC_F_WRITE as u16, 0)),
    ];
    // The chain borrows its mock queue: a few dozen bytes left behind per
    // chain, a handful per run.
    let q = Box::leak(Box::new(MockSplitQueue::create(mem, GuestAddress(0), 16)));
    (q.build_desc_chain(&descs).unwrap(), w)
}

/// A data request placed once, served as often as the caller likes: what
/// the device does for each request the guest queues (popping a chain is a
/// clone here; the guest's writing of the request is not the device's work).
struct Placed<'m> {
    chain: DescriptorChain<&'m GuestMemoryMmap>,
    out_len: u32,
}

impl<'m> Placed<'m> {
    fn new(dev: &Device, mem: &'m GuestMemoryMmap, req: &[u8], out_len: u32) -> Self {
        submit(dev, mem, false, req, out_len);
        Placed {
            chain: chain(mem, req.len(), out_len).0,
            out_len,
        }
    }

    fn serve(&self, dev: &Device, mem: &GuestMemoryMmap) {
        let c = dev.handle_data(mem, self.chain.clone());
        assert_eq!(c.used_len, self.out_len);
    }
}

fn cipher_session(algo: u32, key: &[u8]) -> Vec<u8> {
    let mut flf = le(&[algo, key.len() as u32, wire::OP_ENCRYPT, 0]);
    flf.resize(48, 0);
    [
        le(&[wire::CIPHER_CREATE_SESSION, algo, 0, 0]),
        flf,
        le(&[wire::SYM_OP_CIPHER, 0]),
        key.to_vec(),
    ]
    .concat()
}

/// One result line; the ratio is what the targets (>= 0.9 at 4 KiB,
/// >= 0.95 at 64 KiB) are about.
fn row(name: &str, size: usize, raw: f64, device: f64) {
    println!("{name:<12} {size:>6} {raw:>12.0} {device:>12.0} {:>10.2}", device / raw);
}

/// The algorithms measured, with their names in the tables.
#[derive(Clone, Copy)]
enum Alg {
    Cbc,
    Xts,
    Gcm,
    Sha256,
}

const ALGS: [(Alg, &str); 4] = [
    (Alg::Cbc, "aes-cbc-256"),
    (Alg::Xts, "aes-xts-256"),
    (Alg::Gcm, "aes-gcm-256"),
    (Alg::Sha256, "sha256"),
];

const KEY32: [u8; 32] = [0x11; 32];
const KEY64: [u8; 64] = [0x22; 64];

fn new_mem() -> GuestMemoryMmap {
    GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 4 << 20)]).unwrap()
}

/// The raw library's speed for `alg` on `size` bytes, one window.
fn raw_window(alg: Alg, size: usize, buf: &mut [u8]) -> f64 {
    match alg {
        Alg::Cbc | Alg::Xts => {
            let (algo, key) = match alg {
                Alg::Cbc => (wire::CIPHER_AES_CBC, &KEY32[..]),
                _ => (wire::CIPHER_AES_XTS, &KEY64[..]),
            };
            let k = CipherKey::new(algo, key).unwrap();
            window(size, || k.apply(Direction::Encrypt, &[0; 16], buf).unwrap())
        }
        Alg::Gcm => {
            let k = AeadKey::new(wire::AEAD_GCM, &KEY32).unwrap();
            window(size, || {
                k.seal(&[0; 12], &[], buf, 16).unwrap();
            })
        }
        Alg::Sha256 => window(size, || {
            HashAlg::Sha256.digest(&[buf]);
        }),
    }
}

/// Creates a session for `alg` and returns a data request on `size` bytes
/// with the length the device writes back.
fn device_request(dev: &Device, mem: &GuestMemoryMmap, alg: Alg, size: usize) -> (Vec<u8>, u32) {
    let data = vec![0x5au8; size];
    match alg {
        // AES-256-CBC and AES-256-XTS (two 256-bit keys) encryption.
        Alg::Cbc | Alg::Xts => {
            let (algo, key) = match alg {
                Alg::Cbc => (wire::CIPHER_AES_CBC, &KEY32[..]),
                _ => (wire::CIPHER_AES_XTS, &KEY64[..]),
            };
            let id = session(dev, mem, cipher_session(algo, key));
            let mut flf = le(&[16, size as u32, size as u32]);
            flf.resize(40, 0);
            let req = [
                header(wire::CIPHER_ENCRYPT, id),
                flf,
                le(&[wire::SYM_OP_CIPHER, 0]),
                vec![0; 16],
                data,
            ]
            .concat();
            (req, size as u32 + 1)
        }
        // AES-256-GCM seal with a 16-byte tag, no AAD.
        Alg::Gcm => {
            let mut flf = le(&[wire::AEAD_GCM, 32, 16, 0, wire::OP_ENCRYPT, 0]);
            flf.resize(56, 0);
            let id = session(
                dev,
                mem,
                [le(&[wire::AEAD_CREATE_SESSION, 1, 0, 0]), flf, KEY32.to_vec()].concat(),
            );
            let mut flf = le(&[12, 0, size as u32, size as u32 + 16]);
            flf.resize(48, 0);
            let req = [header(wire::AEAD_ENCRYPT, id), flf, vec![0; 12], data].concat();
            (req, size as u32 + 17)
        }
        Alg::Sha256 => {
            let mut flf = le(&[wire::HASH_SHA_256, 32]);
            flf.resize(56, 0);
            let id = session(dev, mem, [le(&[wire::HASH_CREATE_SESSION, 4, 0, 0]), flf].concat());
            let mut flf = le(&[size as u32, 32]);
            flf.resize(48, 0);
            ([header(wire::HASH, id), flf, data].concat(), 33)
        }
    }
}

/// `queues` workers at once on one device, each with its own memory and
/// session, started together; the sum of one window each.
fn queues_window(dev: &Device, alg: Alg, size: usize, queues: usize) -> f64 {
    let start = Barrier::new(queues);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..queues)
            .map(|_| {
                let start = &start;
                s.spawn(move || {
                    let mem = new_mem();
                    let (req, out_len) = device_request(dev, &mem, alg, size);
                    let placed = Placed::new(dev, &mem, &req, out_len);
                    start.wait();
                    window(size, || placed.serve(dev, &mem))
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    })
}

fn main() {
    let mem = new_mem();
    let dev = Device::new(DeviceSettings::default(), Arc::new(FaultState::new()));
    dev.set_negotiated(1 << 32);
    println!(
        "{:<12} {:>6} {:>12} {:>12} {:>10}",
        "algorithm", "size", "raw MiB/s", "device MiB/s", "device/raw"
    );
    for size in [4096usize, 65536] {
        for (alg, name) in ALGS {
            let mut buf = vec![0x5au8; size];
            let (req, out_len) = device_request(&dev, &mem, alg, size);
            let placed = Placed::new(&dev, &mem, &req, out_len);
            let (raw, device) = best_of(
                || raw_window(alg, size, &mut buf),
                || window(size, || placed.serve(&dev, &mem)),
            );
            row(name, size, raw, device);
        }
    }
    println!();
    println!(
        "{:<12} {:>6} {:>12} {:>12} {:>10}",
        "algorithm", "size", "1 queue", "2 queues", "2q/1q"
    );
    for size in [4096usize, 65536] {
        for (alg, name) in ALGS {
            let (one, two) = best_of(
                || queues_window(&dev, alg, size, 1),
                || queues_window(&dev, alg, size, 2),
            );
            println!("{name:<12} {size:>6} {one:>12.0} {two:>12.0} {:>10.2}", two / one);
        }
    }
}
