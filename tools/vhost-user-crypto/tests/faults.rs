// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Fault injection as seen through the request handlers.

mod common;

use common::build::{cipher_data, cipher_session, digest_data, hash_session};
use common::{Harness, LEGACY};
use vhost_user_crypto::config::DeviceSettings;
use vhost_user_crypto::wire::{self, le32, Status};

fn sha1_session(h: &Harness) -> u64 {
    h.create(hash_session(wire::HASH_SHA1, 20, 56))
}

#[test]
fn injected_status_every_nth() {
    let h = Harness::new(LEGACY);
    let id = sha1_session(&h);
    h.fault("status hash 0x1 every=3");
    let statuses: Vec<u8> = (0..6)
        .map(|_| h.data(digest_data(wire::HASH, id, b"abc", 20, 48), 20).0)
        .collect();
    assert_eq!(statuses, [0, 0, 1, 0, 0, 1]);
    h.fault("status create-session nospc");
    assert_eq!(h.control(hash_session(wire::HASH_SHA1, 20, 56), 16).create_status(), 5);
}

#[test]
fn corrupt_output_and_wrong_used_len() {
    let h = Harness::new(LEGACY);
    let id = sha1_session(&h);
    let (_, good) = h.data(digest_data(wire::HASH, id, b"abc", 20, 48), 20);
    h.fault("corrupt on");
    let (st, bad) = h.data(digest_data(wire::HASH, id, b"abc", 20, 48), 20);
    assert_eq!(st, 0);
    assert_ne!(good, bad);
    h.fault("corrupt off");
    h.fault("used-len add 100");
    let r = h.submit(
        false,
        &[
            common::Seg::R(digest_data(wire::HASH, id, b"abc", 20, 48)),
            common::Seg::W(21),
        ],
    );
    assert_eq!(r.used_len, 121);
}

#[test]
fn refuse_and_unimplemented_but_advertised() {
    let settings = DeviceSettings {
        cipher_algos: 0x3fff << 1,
        ..Default::default()
    };
    let h = Harness::with_settings(settings, LEGACY);
    h.fault("refuse cipher:aes-cbc");
    let st = h
        .control(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[0; 16]), 16)
        .create_status();
    assert_eq!(st, Status::NotSupp as u32);
    // ARC4 is advertised by this configuration but not implemented.
    let st = h
        .control(cipher_session(1, wire::OP_ENCRYPT, &[0; 16]), 16)
        .create_status();
    assert_eq!(st, Status::NotSupp as u32);
    h.fault("unrefuse cipher:aes-cbc");
    h.create(cipher_session(wire::CIPHER_AES_CBC, wire::OP_ENCRYPT, &[0; 16]));
}

#[test]
fn needs_reset_until_device_reset() {
    let h = Harness::new(LEGACY);
    let id = h.create(cipher_session(wire::CIPHER_AES_ECB, wire::OP_ENCRYPT, &[0; 16]));
    h.fault("needs-reset");
    assert_eq!(le32(&h.dev.config_space(), 0) & wire::S_HW_READY, 0);
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[], &[0; 16]), 16);
    assert_eq!(st, Status::Err as u8);
    h.dev.reset();
    assert_eq!(le32(&h.dev.config_space(), 0), wire::S_HW_READY);
    // Sessions did not survive the reset.
    let (st, _) = h.data(cipher_data(wire::CIPHER_ENCRYPT, id, &[], &[0; 16]), 16);
    assert_eq!(st, Status::InvSess as u8);
}

/// `config` overrides change what the driver reads, needs-reset and all, but
/// not what the device serves; `clear` restores the true config.
#[test]
fn config_overrides_reach_the_config_space_only() {
    let h = Harness::new(LEGACY);
    let truth = h.dev.config_space();
    h.fault("config services 0");
    h.fault("config max-dataqueues 65535");
    h.fault("config mac 0xffffffffffffffff");
    let cfg = h.dev.config_space();
    assert_eq!((le32(&cfg, 0), le32(&cfg, 4), le32(&cfg, 8)), (1, 65535, 0));
    assert_eq!((le32(&cfg, 24), le32(&cfg, 28)), (u32::MAX, u32::MAX));
    assert_eq!(cfg[32..], truth[32..]);
    // The device still serves what its settings say.
    sha1_session(&h);
    h.fault("needs-reset");
    assert_eq!(le32(&h.dev.config_space(), 0), 0);
    h.fault("config status 1");
    assert_eq!(le32(&h.dev.config_space(), 0), 1);
    h.fault("clear");
    assert_eq!(h.dev.config_space(), truth);
}
