// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Device throughput per queue next to the raw crypto library speed.
//!
//! `cargo run --release --example throughput`
//!
//! "device" = one data-queue worker's whole request path (descriptor chain
//! walk, header parse, copy in from guest memory, crypto, copy out, status)
//! on one thread; "raw" = the same crypto call on a buffer already in
//! place. The difference is the device's per-request overhead.

use std::sync::Arc;
use std::time::{Duration, Instant};

use vhost_user_crypto::config::DeviceSettings;
use vhost_user_crypto::crypto::{AeadKey, CipherKey, Direction, HashAlg};
use vhost_user_crypto::device::Device;
use vhost_user_crypto::fault::FaultState;
use vhost_user_crypto::wire;
use virtio_bindings::bindings::virtio_ring::VRING_DESC_F_WRITE;
use virtio_queue::desc::{split::Descriptor, RawDescriptor};
use virtio_queue::mock::MockSplitQueue;
use vm_memory::{Bytes, GuestAddress, GuestMemoryMmap};

const RUN: Duration = Duration::from_millis(400);
const BUF: u64 = 0x10_0000;

/// Runs `f` repeatedly for `RUN`; returns MiB/s over `bytes` per call.
fn rate(bytes: usize, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < RUN {
        f();
        n += 1;
    }
    (n as f64 * bytes as f64) / start.elapsed().as_secs_f64() / (1 << 20) as f64
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
    let w = BUF + req.len() as u64 + 64;
    mem.write_slice(req, GuestAddress(BUF)).unwrap();
    let descs = [
        RawDescriptor::from(Descriptor::new(BUF, req.len() as u32, 0, 0)),
        RawDescriptor::from(Descriptor::new(w, out_len, VRING_DESC_F_WRITE as u16, 0)),
    ];
    let q = MockSplitQueue::create(mem, GuestAddress(0), 16);
    let chain = q.build_desc_chain(&descs).unwrap();
    let c = if control {
        dev.handle_control(mem, chain)
    } else {
        dev.handle_data(mem, chain)
    };
    assert_eq!(c.used_len, out_len);
    w
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

/// One result line; the ratio is what the target (>= 0.8 at 64 KiB) is about.
fn row(name: &str, size: usize, raw: f64, device: f64) {
    println!("{name:<12} {size:>6} {raw:>12.0} {device:>12.0} {:>10.2}", device / raw);
}

fn main() {
    let mem = GuestMemoryMmap::from_ranges(&[(GuestAddress(0), 4 << 20)]).unwrap();
    let dev = Device::new(DeviceSettings::default(), Arc::new(FaultState::new()));
    dev.set_negotiated(1 << 32);
    let key32 = [0x11u8; 32];
    let key64 = [0x22u8; 64];
    println!(
        "{:<12} {:>6} {:>12} {:>12} {:>10}",
        "algorithm", "size", "raw MiB/s", "device MiB/s", "device/raw"
    );
    for size in [4096usize, 65536] {
        let data = vec![0x5au8; size];
        // AES-256-CBC and AES-256-XTS (two 256-bit keys) encryption.
        for (name, algo, key) in [
            ("aes-cbc-256", wire::CIPHER_AES_CBC, &key32[..]),
            ("aes-xts-256", wire::CIPHER_AES_XTS, &key64[..]),
        ] {
            let k = CipherKey::new(algo, key).unwrap();
            let mut buf = data.clone();
            let raw = rate(size, || k.apply(Direction::Encrypt, &[0; 16], &mut buf).unwrap());
            let id = session(&dev, &mem, cipher_session(algo, key));
            let mut flf = le(&[16, size as u32, size as u32]);
            flf.resize(40, 0);
            let req = [
                header(wire::CIPHER_ENCRYPT, id),
                flf,
                le(&[wire::SYM_OP_CIPHER, 0]),
                vec![0; 16],
                data.clone(),
            ]
            .concat();
            let devr = rate(size, || {
                submit(&dev, &mem, false, &req, size as u32 + 1);
            });
            row(name, size, raw, devr);
        }
        // AES-256-GCM seal with a 16-byte tag, no AAD.
        let k = AeadKey::new(wire::AEAD_GCM, &key32).unwrap();
        let mut buf = data.clone();
        let raw = rate(size, || {
            k.seal(&[0; 12], &[], &mut buf, 16).unwrap();
        });
        let mut flf = le(&[wire::AEAD_GCM, 32, 16, 0, wire::OP_ENCRYPT, 0]);
        flf.resize(56, 0);
        let id = session(
            &dev,
            &mem,
            [le(&[wire::AEAD_CREATE_SESSION, 1, 0, 0]), flf, key32.to_vec()].concat(),
        );
        let mut flf = le(&[12, 0, size as u32, size as u32 + 16]);
        flf.resize(48, 0);
        let req = [header(wire::AEAD_ENCRYPT, id), flf, vec![0; 12], data.clone()].concat();
        let devr = rate(size, || {
            submit(&dev, &mem, false, &req, size as u32 + 17);
        });
        row("aes-gcm-256", size, raw, devr);
        // SHA-256.
        let raw = rate(size, || {
            HashAlg::Sha256.digest(&[&data]);
        });
        let mut flf = le(&[wire::HASH_SHA_256, 32]);
        flf.resize(56, 0);
        let id = session(&dev, &mem, [le(&[wire::HASH_CREATE_SESSION, 4, 0, 0]), flf].concat());
        let mut flf = le(&[size as u32, 32]);
        flf.resize(48, 0);
        let req = [header(wire::HASH, id), flf, data.clone()].concat();
        let devr = rate(size, || {
            submit(&dev, &mem, false, &req, 33);
        });
        row("sha256", size, raw, devr);
    }
}
