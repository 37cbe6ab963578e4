// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Fuzzing the whole request parser with proptest.
//!
//! A case is a device (any request layout, stray stateless feature bits,
//! small limits) with a session of each kind, then a few requests on the
//! control and data queues: requests a driver would build, for every
//! service, with lengths, algorithms, keys, regions and session ids drawn
//! from typical and hostile values; the same mangled (bits flipped, fields
//! overwritten with boundary values, truncated, extended); headers with
//! random fields; random bytes; all split over random descriptors, with
//! writable areas of the right size, too short or random, and now and then a
//! descriptor pointing anywhere (queue rings, end of RAM, wrapping 2^64), or a
//! raw descriptor table (loops, `next` out of range, indirect tables).
//!
//! Checked: no panic; a chain of harness-placed descriptors is answered
//! with the whole writable length (0 when there is nothing to write to);
//! a data request's status is one the spec defines for data requests; and
//! after the requests the device still serves SHA-256("abc") correctly
//! through a new session.
//!
//! Bounds: `fuzz_request_parser` runs until `VCRYPTO_FUZZ_SECS` seconds
//! (default 5) or `VCRYPTO_FUZZ_CASES` cases (default unlimited) are used
//! up, from the seed `VCRYPTO_FUZZ_SEED` (default: the clock; it is printed
//! so that a failure can be replayed). A failing case is shrunk to a
//! minimal one. `fuzz_fixed_seed` runs the same 300 cases on every
//! `cargo test`.

mod common;

use std::str::FromStr;
use std::time::{Duration, Instant, SystemTime};

use common::build::{
    aead_session, chain_session, cipher_session, ctrl_header, data_header, destroy, hash_session, mac_session, Chain,
    Fields,
};
use common::driver::{Aead, ChainData, Cipher, Dir, Driver, Mode};
use common::{hex, Harness, Seg, BADMSG, BUF_BASE, ERR, INVSESS, MEM_SIZE, NOTSUPP, OK, QUEUE_SIZE};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, RngSeed, TestRunner};
use vhost_user_crypto::config::{DeviceSettings, Features};
use vhost_user_crypto::wire;
use virtio_queue::desc::{split::Descriptor as SplitDescriptor, RawDescriptor};

/// Statuses a data request may be answered with.
const DATA_STATUSES: [u8; 5] = [OK, ERR, BADMSG, NOTSUPP, INVSESS];

/// Field values at the edges of what the parser checks.
const EDGES: [u32; 22] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    12,
    13,
    15,
    16,
    17,
    24,
    32,
    48,
    56,
    64,
    76,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_fff0,
    u32::MAX,
];

#[derive(Clone, Copy, Debug)]
enum Service {
    Cipher,
    Chain,
    Hash,
    Mac,
    Aead,
}

impl Service {
    fn wire(self) -> u32 {
        match self {
            Service::Cipher | Service::Chain => wire::SERVICE_CIPHER,
            Service::Hash => wire::SERVICE_HASH,
            Service::Mac => wire::SERVICE_MAC,
            Service::Aead => wire::SERVICE_AEAD,
        }
    }
}

/// Which session a request names.
#[derive(Clone, Copy, Debug)]
enum Sess {
    /// One of the sessions created for the case.
    Live(usize),
    /// No session: a stateless request.
    Stateless,
    /// Any id.
    Id(u64),
}

/// The parameters of one crypto operation.
#[derive(Clone, Debug)]
struct Op {
    service: Service,
    algo: u32,
    /// HASH or MAC algorithm of a chain.
    auth_algo: u32,
    hash_mode: u32,
    order: u32,
    dir: Dir,
    key_len: usize,
    iv_len: usize,
    src_len: usize,
    aad_len: usize,
    /// Hash result length, or AEAD tag length.
    result: u32,
    /// Chain regions (cipher offset, length, hash offset, length); `None`
    /// is the whole source for both.
    regions: Option<[u32; 4]>,
    session: Sess,
}

#[derive(Clone, Debug)]
enum Body {
    /// The data request a driver would send for the operation.
    Data(Op),
    /// The create-session request for the same parameters.
    Create(Op),
    Destroy(Service, Sess),
    /// A header with any opcode, then any fields and bytes.
    Header(RandomHeader),
    Bytes {
        control: bool,
        bytes: Vec<u8>,
    },
    /// Descriptors put in the table exactly as generated.
    Table {
        control: bool,
        descs: Vec<(u64, u32, u16, u16)>,
    },
}

#[derive(Clone, Debug)]
struct RandomHeader {
    control: bool,
    opcode: u32,
    session: Sess,
    flag: u32,
    fields: Vec<u32>,
    tail: Vec<u8>,
}

#[derive(Clone, Debug)]
enum Mangle {
    Flip { at: usize, bit: u8 },
    Set32 { at: usize, value: u32 },
    Truncate(usize),
    Extend(Vec<u8>),
}

#[derive(Clone, Copy, Debug)]
enum Writable {
    /// Output plus status byte, as a driver would give.
    Exact,
    /// One byte less.
    Short,
    Any(u32),
}

/// How the request is laid out in descriptors.
#[derive(Clone, Debug)]
struct Shape {
    /// Where the readable bytes are split into descriptors.
    cuts: Vec<usize>,
    writable: Writable,
    /// Where the writable area is split.
    writable_cuts: Vec<usize>,
    /// A descriptor anywhere: position in the chain, address, length, writable.
    stray: Option<(usize, u64, u32, bool)>,
}

#[derive(Clone, Debug)]
struct Request {
    body: Body,
    mangles: Vec<Mangle>,
    shape: Shape,
}

#[derive(Clone, Debug)]
struct Case {
    mode: Mode,
    /// Stateless feature bits flipped against the mode's.
    flip: u64,
    max_size: u64,
    max_cipher_key_len: u32,
    max_auth_key_len: u32,
    requests: Vec<Request>,
}

fn len(typical: &'static [usize], max: usize) -> impl Strategy<Value = usize> {
    prop_oneof![3 => select(typical), 1 => 0..=max]
}

fn field() -> impl Strategy<Value = u32> {
    prop_oneof![3 => select(&EDGES[..]), 1 => any::<u32>()]
}

fn address() -> impl Strategy<Value = u64> {
    prop_oneof![
        (0..64u64).prop_map(|b| MEM_SIZE - b),
        0..BUF_BASE,
        (0..0x1_0000u64).prop_map(|o| BUF_BASE + o),
        (0..64u64).prop_map(|b| u64::MAX - b),
        any::<u64>(),
    ]
}

fn raw_len() -> impl Strategy<Value = u32> {
    prop_oneof![3 => 0..300u32, 1 => select(vec![4096, 0x8000_0000, u32::MAX])]
}

fn session() -> impl Strategy<Value = Sess> {
    prop_oneof![
        4 => (0..PRECREATED).prop_map(Sess::Live),
        1 => Just(Sess::Stateless),
        1 => select(vec![0, 999, u64::MAX]).prop_map(Sess::Id),
    ]
}

fn service() -> impl Strategy<Value = Service> {
    select(vec![
        Service::Cipher,
        Service::Chain,
        Service::Hash,
        Service::Mac,
        Service::Aead,
    ])
}

fn op() -> impl Strategy<Value = Op> {
    let algos = (service(), any::<u8>(), any::<u8>());
    let chain = (
        select(vec![
            wire::HASH_MODE_PLAIN,
            wire::HASH_MODE_AUTH,
            wire::HASH_MODE_NESTED,
        ]),
        select(vec![
            wire::CHAIN_ORDER_HASH_THEN_CIPHER,
            wire::CHAIN_ORDER_CIPHER_THEN_HASH,
            0,
        ]),
        option::weighted(0.25, [field(), field(), field(), field()]),
    );
    let lens = (
        len(&[0, 16, 24, 32, 48, 64], 80),
        len(&[0, 8, 12, 16], 24),
        len(&[0, 1, 15, 16, 17, 32, 64, 100], 300),
        len(&[0, 3, 16, 20], 64),
    );
    let rest = (
        any::<bool>(),
        prop_oneof![3 => select(vec![0u32, 4, 8, 12, 16, 20, 28, 32, 48, 64, 65]), 1 => 0..100u32],
        session(),
    );
    let op = (algos, chain, lens, rest).prop_map(
        |(
            (service, a, b),
            (hash_mode, order, regions),
            (key_len, iv_len, src_len, aad_len),
            (enc, result, session),
        )| {
            let auth_table = if hash_mode == wire::HASH_MODE_PLAIN {
                HASHES
            } else {
                MACS
            };
            let table = match service {
                Service::Cipher | Service::Chain => CIPHERS,
                Service::Hash => HASHES,
                Service::Mac => MACS,
                Service::Aead => AEADS,
            };
            Op {
                service,
                algo: table[a as usize % table.len()],
                auth_algo: auth_table[b as usize % auth_table.len()],
                hash_mode,
                order,
                dir: if enc { Dir::Encrypt } else { Dir::Decrypt },
                key_len,
                iv_len,
                src_len,
                aad_len,
                result,
                regions,
                session,
            }
        },
    );
    (op, any::<bool>()).prop_map(|(op, keep)| if keep { op } else { coherent(op) })
}

/// Turns an operation into one the device can carry out: an implemented
/// algorithm with a key, IV, lengths and regions it accepts, and a session
/// of the right kind and direction (or none). The random values still
/// choose among the valid ones.
fn coherent(mut op: Op) -> Op {
    let pick = |n: usize, from: &[usize]| from[n % from.len()];
    let stateless = matches!(op.session, Sess::Stateless);
    let live = |i| if stateless { Sess::Stateless } else { Sess::Live(i) };
    match op.service {
        Service::Cipher | Service::Chain => {
            op.algo = CIPHERS[op.key_len % 6];
            let (keys, iv, block): (&[usize], usize, usize) = match op.algo {
                wire::CIPHER_AES_ECB => (&[16, 24, 32], 0, 16),
                wire::CIPHER_AES_CBC => (&[16, 24, 32], 16, 16),
                wire::CIPHER_AES_CTR => (&[16, 24, 32], 16, 1),
                wire::CIPHER_AES_XTS => (&[32, 64], 16, 1),
                wire::CIPHER_3DES_ECB => (&[24], 0, 8),
                _ => (&[24], 8, 8),
            };
            op.key_len = pick(op.iv_len, keys);
            op.iv_len = iv;
            op.src_len -= op.src_len % block;
            if op.algo == wire::CIPHER_AES_XTS && op.src_len < 16 {
                op.src_len = 0;
            }
            if let Service::Cipher = op.service {
                // Sessions 0 (CBC, encrypt) and 1 (CTR, decrypt).
                if !stateless {
                    op.dir = if op.src_len % 16 == 0 {
                        Dir::Encrypt
                    } else {
                        Dir::Decrypt
                    };
                    op.iv_len = 16;
                }
                op.session = live(if op.dir == Dir::Encrypt { 0 } else { 1 });
            } else {
                // Session 2: CBC + HMAC-SHA-256, cipher then hash, encrypt.
                op.hash_mode = [wire::HASH_MODE_PLAIN, wire::HASH_MODE_AUTH][op.aad_len % 2];
                op.order = [wire::CHAIN_ORDER_HASH_THEN_CIPHER, wire::CHAIN_ORDER_CIPHER_THEN_HASH][op.key_len % 2];
                op.auth_algo = if op.hash_mode == wire::HASH_MODE_PLAIN {
                    HASHES[op.aad_len % 10]
                } else {
                    MACS[op.aad_len % 6]
                };
                if !stateless {
                    op.dir = Dir::Encrypt;
                    op.iv_len = 16;
                    op.src_len -= op.src_len % 16;
                }
                let n = op.src_len as u32;
                let half = n / 2 / 16 * 16;
                op.regions = op.regions.map(|_| [half, n - half, 0, n]);
                op.result %= 33;
                op.session = live(2);
            }
        }
        Service::Hash => {
            op.algo = HASHES[op.key_len % 10];
            op.result %= 29;
            op.session = live(3);
        }
        Service::Mac => {
            // Session 4: HMAC-SHA-256, result 32. Session 5: CMAC-AES.
            let (session, algo) = if op.key_len % 2 == 0 {
                (5, wire::MAC_CMAC_AES)
            } else {
                (4, wire::MAC_HMAC_SHA_256)
            };
            op.algo = if stateless { MACS[op.iv_len % 8] } else { algo };
            if matches!(op.algo, wire::MAC_CMAC_AES | wire::MAC_XCBC_AES) {
                op.key_len = 16;
            }
            op.result %= 17;
            op.session = live(session);
        }
        Service::Aead => {
            // Session 6: GCM, encrypt, tag 16. Session 7: CCM, decrypt, tag 8.
            let (session, algo, dir) = if stateless || op.dir == Dir::Encrypt {
                (6, wire::AEAD_GCM, Dir::Encrypt)
            } else {
                (7, wire::AEAD_CCM, Dir::Decrypt)
            };
            op.algo = if stateless { AEADS[op.key_len % 3] } else { algo };
            (op.key_len, op.iv_len, op.result) = match op.algo {
                wire::AEAD_GCM => (16, 12, 16),
                wire::AEAD_CCM => (16, 7 + op.iv_len % 7, 8),
                _ => (32, 12, 16),
            };
            if !stateless {
                op.dir = dir;
            }
            op.session = live(session);
        }
    }
    op
}

// Implemented algorithms first, then ones the device does not have.
const CIPHERS: &[u32] = &[
    wire::CIPHER_AES_ECB,
    wire::CIPHER_AES_CBC,
    wire::CIPHER_AES_CTR,
    wire::CIPHER_AES_XTS,
    wire::CIPHER_3DES_ECB,
    wire::CIPHER_3DES_CBC,
    0,
    1,
    5,
    14,
    99,
];
const HASHES: &[u32] = &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0, 11, 12, 200];
const MACS: &[u32] = &[1, 2, 3, 4, 5, 6, 26, 53, 0, 25, 41, 49, 54];
const AEADS: &[u32] = &[1, 2, 3, 0, 4];

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        6 => op().prop_map(Body::Data),
        2 => op().prop_map(Body::Create),
        1 => (service(), session()).prop_map(|(s, id)| Body::Destroy(s, id)),
        2 => (
            any::<bool>(),
            prop_oneof![select(vec![0u32, 1, 2, 3, 0x100, 0x102, 0x200, 0x202, 0x300, 0x301, 0x303, 0x400, 0x404]), any::<u32>()],
            session(),
            0..4u32,
            vec(field(), 0..20),
            vec(any::<u8>(), 0..128),
        )
            .prop_map(|(control, opcode, session, flag, fields, tail)| {
                Body::Header(RandomHeader {
                    control,
                    opcode,
                    session,
                    flag,
                    fields,
                    tail,
                })
            }),
        1 => (any::<bool>(), vec(any::<u8>(), 0..256)).prop_map(|(control, bytes)| Body::Bytes { control, bytes }),
        1 => (any::<bool>(), vec((address(), raw_len(), 0..8u16, 0..20u16), 1..=QUEUE_SIZE as usize))
            .prop_map(|(control, descs)| Body::Table { control, descs }),
    ]
}

fn mangle() -> impl Strategy<Value = Mangle> {
    prop_oneof![
        (any::<usize>(), 0..8u8).prop_map(|(at, bit)| Mangle::Flip { at, bit }),
        (any::<usize>(), field()).prop_map(|(at, value)| Mangle::Set32 { at, value }),
        any::<usize>().prop_map(Mangle::Truncate),
        vec(any::<u8>(), 1..32).prop_map(Mangle::Extend),
    ]
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        vec(any::<usize>(), 0..4),
        prop_oneof![4 => Just(Writable::Exact), 1 => Just(Writable::Short), 1 => (0..600u32).prop_map(Writable::Any)],
        vec(any::<usize>(), 0..3),
        option::weighted(0.1, (any::<usize>(), address(), raw_len(), any::<bool>())),
    )
        .prop_map(|(cuts, writable, writable_cuts, stray)| Shape {
            cuts,
            writable,
            writable_cuts,
            stray,
        })
}

fn case() -> impl Strategy<Value = Case> {
    (
        select(Mode::ALL.to_vec()),
        prop_oneof![3 => Just(0u64), 1 => (1..16u64).prop_map(|b| b << 1)],
        select(vec![16 << 20, 1000, 200, 64]),
        select(vec![64, 32]),
        select(vec![512, 64, 32]),
        vec((body(), vec(mangle(), 0..3), shape()), 1..8),
    )
        .prop_map(
            |(mode, flip, max_size, max_cipher_key_len, max_auth_key_len, requests)| Case {
                mode,
                flip,
                max_size,
                max_cipher_key_len,
                max_auth_key_len,
                requests: requests
                    .into_iter()
                    .map(|(body, mangles, shape)| Request { body, mangles, shape })
                    .collect(),
            },
        )
}

/// Key, IV and data bytes of a given length.
fn bytes(n: usize, seed: u8) -> Vec<u8> {
    (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect()
}

/// Sessions every case starts with: one of each kind, keys within the
/// smallest limits a case sets.
const PRECREATED: usize = 8;

fn precreate(d: &Driver) -> Vec<u64> {
    let (k16, k20) = (bytes(16, 1), bytes(20, 2));
    let chain = Chain::authenc(&k16, &k20);
    let f = |rev1_len| d.mode.ctrl_flf(rev1_len);
    let sessions = [
        cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &k16),
        cipher_session(wire::CIPHER_AES_CTR, wire::OP_DECRYPT, &k16),
        chain_session(&chain, wire::OP_ENCRYPT),
        hash_session(wire::HASH_SHA_256, 0, f(8)),
        mac_session(wire::MAC_HMAC_SHA_256, 32, &k20, f(16)),
        mac_session(wire::MAC_CMAC_AES, 16, &k16, f(16)),
        aead_session(wire::AEAD_GCM, wire::OP_ENCRYPT, 16, &k16, f(24)),
        aead_session(wire::AEAD_CCM, wire::OP_DECRYPT, 8, &k16, f(24)),
    ];
    sessions.into_iter().map(|req| d.h.create(req)).collect()
}

/// The readable bytes of a request and the output length a driver would
/// give it (without the status byte).
fn build(d: &Driver, live: &[u64], body: &Body) -> (bool, Vec<u8>, u32) {
    let id = |s: Sess| match s {
        Sess::Live(i) => Some(live[i % live.len()]),
        Sess::Stateless => None,
        Sess::Id(id) => Some(id),
    };
    match body {
        Body::Data(op) => {
            let (key, iv, src, aad) = (
                bytes(op.key_len, 3),
                bytes(op.iv_len, 4),
                bytes(op.src_len, 5),
                bytes(op.aad_len, 6),
            );
            let session = id(op.session);
            let n = src.len() as u32;
            match op.service {
                Service::Cipher => {
                    let c = Cipher {
                        algo: op.algo,
                        key: &key,
                    };
                    (false, d.cipher_request(&c, op.dir, session, &iv, &src), n)
                }
                Service::Hash => (false, d.hash_request(op.algo, session, &src, op.result), op.result),
                Service::Mac => (false, d.mac_request(op.algo, &key, session, &src, op.result), op.result),
                Service::Aead => {
                    let a = Aead {
                        algo: op.algo,
                        key: &key,
                        tag_len: op.result,
                    };
                    let out = Driver::aead_dst_len(&a, op.dir, &src);
                    (false, d.aead_request(&a, op.dir, session, &iv, &aad, &src), out)
                }
                Service::Chain => {
                    let auth_key = bytes(op.aad_len, 7);
                    let chain = chain_of(op, &key, &auth_key);
                    let [c_off, c_len, h_off, h_len] = op.regions.unwrap_or([0, n, 0, n]);
                    let data = ChainData {
                        iv: &iv,
                        src: &src,
                        aad: &aad,
                        cipher: (c_off, c_len),
                        hash: (h_off, h_len),
                    };
                    let out = n.saturating_add(op.result);
                    (false, d.chain_request(&chain, op.dir, session, &data), out)
                }
            }
        }
        Body::Create(op) => {
            let key = bytes(op.key_len, 3);
            let f = |rev1_len| d.mode.ctrl_flf(rev1_len);
            let req = match op.service {
                Service::Cipher => cipher_session(op.algo, op.dir.op(), &key),
                Service::Chain => {
                    let auth_key = bytes(op.aad_len, 7);
                    chain_session(&chain_of(op, &key, &auth_key), op.dir.op())
                }
                Service::Hash => hash_session(op.algo, op.result, f(8)),
                Service::Mac => mac_session(op.algo, op.result, &key, f(16)),
                Service::Aead => aead_session(op.algo, op.dir.op(), op.result, &key, f(24)),
            };
            (true, req, wire::CREATE_SESSION_INPUT_LEN as u32 - 1)
        }
        Body::Destroy(service, s) => {
            let opcode = wire::opcode(service.wire(), 3);
            (true, destroy(opcode, id(*s).unwrap_or(0), d.mode.ctrl_flf(8)), 0)
        }
        Body::Header(h) => {
            let head = if h.control {
                ctrl_header(h.opcode, h.fields.first().copied().unwrap_or(0))
            } else {
                data_header(h.opcode, id(h.session).unwrap_or(0), h.flag)
            };
            let req = head.bytes(&Fields::default().u32s(&h.fields).0).bytes(&h.tail).done();
            (h.control, req, 32)
        }
        Body::Bytes { control, bytes } => (*control, bytes.clone(), 32),
        Body::Table { .. } => unreachable!("tables are not built from bytes"),
    }
}

fn chain_of<'a>(op: &Op, key: &'a [u8], auth_key: &'a [u8]) -> Chain<'a> {
    Chain {
        order: op.order,
        hash_mode: op.hash_mode,
        cipher_algo: op.algo,
        cipher_key: key,
        auth_algo: op.auth_algo,
        auth_key,
        result_len: op.result,
    }
}

fn mangle_bytes(req: &mut Vec<u8>, mangles: &[Mangle]) {
    for m in mangles {
        let n = req.len();
        match m {
            Mangle::Flip { at, bit } if n > 0 => req[at % n] ^= 1 << bit,
            Mangle::Set32 { at, value } if n > 0 => {
                let at = at % n;
                let end = (at + 4).min(n);
                req[at..end].copy_from_slice(&value.to_le_bytes()[..end - at]);
            }
            Mangle::Truncate(at) => req.truncate(at % (n + 1)),
            Mangle::Extend(more) => req.extend_from_slice(more),
            _ => {}
        }
    }
}

/// Cuts `total` into pieces at the given points (each taken modulo total + 1).
fn split(total: usize, cuts: &[usize]) -> Vec<(usize, usize)> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (total + 1)).collect();
    points.sort_unstable();
    let mut start = 0;
    let mut pieces = Vec::new();
    for p in points.into_iter().chain([total]) {
        pieces.push((start, p));
        start = p;
    }
    pieces
}

fn send(d: &Driver, live: &[u64], r: &Request) {
    if let Body::Table { control, descs } = &r.body {
        let table: Vec<RawDescriptor> = descs
            .iter()
            .map(|&(addr, len, flags, next)| RawDescriptor::from(SplitDescriptor::new(addr, len, flags, next)))
            .collect();
        d.h.submit_table(*control, &table);
        return;
    }
    let (control, mut req, out) = build(d, live, &r.body);
    mangle_bytes(&mut req, &r.mangles);
    let writable = match r.shape.writable {
        Writable::Exact => out.saturating_add(1),
        Writable::Short => out,
        Writable::Any(n) => n,
    }
    .min(1 << 20);
    let mut segs: Vec<Seg> = split(req.len(), &r.shape.cuts)
        .into_iter()
        .map(|(a, b)| Seg::R(req[a..b].to_vec()))
        .collect();
    segs.extend(
        split(writable as usize, &r.shape.writable_cuts)
            .into_iter()
            .map(|(a, b)| Seg::W((b - a) as u32)),
    );
    if let Some((at, addr, len, write)) = r.shape.stray {
        let seg = if write {
            Seg::RawW(addr, len)
        } else {
            Seg::RawR(addr, len)
        };
        segs.insert(at % (segs.len() + 1), seg);
    }
    let reply = d.h.submit(control, &segs);
    if r.shape.stray.is_none() {
        assert_eq!(reply.used_len, writable, "used length");
        if !control && writable > 0 {
            let st = reply.data_status();
            assert!(DATA_STATUSES.contains(&st), "data status {st}");
        }
    }
}

fn run_case(case: &Case) {
    let settings = DeviceSettings {
        max_size: case.max_size,
        max_cipher_key_len: case.max_cipher_key_len,
        max_auth_key_len: case.max_auth_key_len,
        ..DeviceSettings::default()
    };
    let features = case.mode.features() ^ case.flip;
    let mut d = Driver {
        h: Harness::with_settings(settings, features),
        mode: case.mode,
    };
    let live = precreate(&d);
    for r in &case.requests {
        send(&d, &live, r);
    }
    // Still serving: a new session and FIPS 180-2 B.1, in the layout the
    // negotiated features give HASH requests.
    let f = Features(features);
    d.mode = match (f.rev1(), f.stateless(wire::SERVICE_HASH)) {
        (false, _) => Mode::Legacy,
        (true, false) => Mode::Rev1,
        (true, true) => Mode::SessionStatelessLayout,
    };
    let abc = hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_eq!(d.hash(wire::HASH_SHA_256, b"abc", 32), (OK, abc), "after the requests");
}

fn env<T: FromStr>(name: &str) -> Option<T> {
    let value = std::env::var(name).ok()?;
    Some(
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value:?} is not a number")),
    )
}

/// Runs cases from `seed` until `budget` or `max_cases` is used up;
/// returns how many ran. A failure is shrunk and reported with the seed.
fn fuzz(seed: u64, budget: Duration, max_cases: u64) -> u64 {
    let config = Config {
        failure_persistence: None,
        rng_seed: RngSeed::Fixed(seed),
        max_shrink_time: 60_000,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = case();
    let start = Instant::now();
    let mut cases = 0;
    while cases < max_cases && start.elapsed() < budget {
        let tree = strategy.new_tree(&mut runner).expect("generate a case");
        if let Err(e) = runner.run_one(tree, |case| {
            run_case(&case);
            Ok(())
        }) {
            panic!("fuzz case {cases} failed (VCRYPTO_FUZZ_SEED={seed}): {e}");
        }
        cases += 1;
    }
    cases
}

#[test]
fn fuzz_request_parser() {
    let secs: f64 = env("VCRYPTO_FUZZ_SECS").unwrap_or(5.0);
    let max_cases: u64 = env("VCRYPTO_FUZZ_CASES").unwrap_or(u64::MAX);
    let seed: u64 = env("VCRYPTO_FUZZ_SEED").unwrap_or_else(|| {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap();
        now.as_nanos() as u64
    });
    let start = Instant::now();
    let cases = fuzz(seed, Duration::from_secs_f64(secs), max_cases);
    let took = start.elapsed().as_secs_f64();
    println!("fuzz_request_parser: {cases} cases in {took:.1} s (VCRYPTO_FUZZ_SEED={seed})");
    assert!(cases > 0, "no case ran");
}

#[test]
fn fuzz_fixed_seed() {
    assert_eq!(fuzz(0, Duration::MAX, 300), 300);
}
