// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! HASH and MAC known answers through the request parser: FIPS 180-4,
//! FIPS 202, RFC 1321 (MD5), RFC 2202 / RFC 4231 (HMAC), SP 800-38B (CMAC),
//! RFC 3566 (XCBC).

mod common;

use common::build::{digest_data, hash_session, mac_session};
use common::{hex, Harness, LEGACY, REV1};
use vhost_user_crypto::wire;

fn hash_check(algo: u32, msg: &[u8], digest: &str) {
    let want = hex(digest);
    // Revision 0 layout (flf padded to 56/48) ...
    let h = Harness::new(LEGACY);
    let id = h.create(hash_session(algo, want.len() as u32, 56));
    let (st, out) = h.data(
        digest_data(wire::HASH, id, msg, want.len() as u32, 48),
        want.len() as u32,
    );
    assert_eq!((st, out), (0, want.clone()), "hash algo {algo}");
    // ... and the REVISION_1 layout (exact struct sizes).
    let h = Harness::new(REV1);
    let id = h.create(hash_session(algo, want.len() as u32, 8));
    let (st, out) = h.data(
        digest_data(wire::HASH, id, msg, want.len() as u32, 8),
        want.len() as u32,
    );
    assert_eq!((st, out), (0, want), "hash algo {algo} (rev 1)");
}

fn mac_check(algo: u32, key: &[u8], msg: &[u8], mac: &str) {
    let want = hex(mac);
    let h = Harness::new(LEGACY);
    let id = h.create(mac_session(algo, want.len() as u32, key, 56));
    let (st, out) = h.data(
        digest_data(wire::MAC, id, msg, want.len() as u32, 48),
        want.len() as u32,
    );
    assert_eq!((st, out), (0, want.clone()), "mac algo {algo}");
    let h = Harness::new(REV1);
    let id = h.create(mac_session(algo, want.len() as u32, key, 16));
    let (st, out) = h.data(digest_data(wire::MAC, id, msg, want.len() as u32, 8), want.len() as u32);
    assert_eq!((st, out), (0, want), "mac algo {algo} (rev 1)");
}

#[test]
fn fips180_4_and_md5_abc() {
    hash_check(wire::HASH_MD5, b"abc", "900150983cd24fb0d6963f7d28e17f72");
    hash_check(wire::HASH_SHA1, b"abc", "a9993e364706816aba3e25717850c26c9cd0d89d");
    hash_check(
        wire::HASH_SHA_224,
        b"abc",
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    );
    hash_check(
        wire::HASH_SHA_256,
        b"abc",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    hash_check(
        wire::HASH_SHA_384,
        b"abc",
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7",
    );
    hash_check(wire::HASH_SHA_512, b"abc", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

#[test]
fn fips180_4_empty_and_two_block() {
    hash_check(
        wire::HASH_SHA_256,
        b"",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    hash_check(
        wire::HASH_SHA_256,
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
}

#[test]
fn fips202_abc() {
    hash_check(
        wire::HASH_SHA3_224,
        b"abc",
        "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
    );
    hash_check(
        wire::HASH_SHA3_256,
        b"abc",
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    );
    hash_check(
        wire::HASH_SHA3_384,
        b"abc",
        "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25",
    );
    hash_check(wire::HASH_SHA3_512, b"abc", "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0");
}

#[test]
fn truncated_hash_result() {
    hash_check(wire::HASH_SHA_256, b"abc", "ba7816bf8f01cfea414140de5dae2223");
}

#[test]
fn rfc4231_hmac_sha2() {
    let key = [0x0b; 20];
    mac_check(
        wire::MAC_HMAC_SHA_224,
        &key,
        b"Hi There",
        "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
    );
    mac_check(
        wire::MAC_HMAC_SHA_256,
        &key,
        b"Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    );
    mac_check(
        wire::MAC_HMAC_SHA_384,
        &key,
        b"Hi There",
        "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
    );
    mac_check(wire::MAC_HMAC_SHA_512, &key, b"Hi There", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854");
    mac_check(
        wire::MAC_HMAC_SHA_256,
        b"Jefe",
        b"what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
    // Test case 6: a 131-byte key (longer than the block) is hashed first.
    mac_check(
        wire::MAC_HMAC_SHA_256,
        &[0xaa; 131],
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    );
}

#[test]
fn rfc2202_hmac_md5_sha1() {
    mac_check(
        wire::MAC_HMAC_MD5,
        &[0x0b; 16],
        b"Hi There",
        "9294727a3638bb1c13f48ef8158bfc9d",
    );
    mac_check(
        wire::MAC_HMAC_SHA1,
        &[0x0b; 20],
        b"Hi There",
        "b617318655057264e28bc0b6fb378c8ef146be00",
    );
}

#[test]
fn sp800_38b_cmac_aes128() {
    let key = hex("2b7e151628aed2a6abf7158809cf4f3c");
    let m = hex("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
    mac_check(wire::MAC_CMAC_AES, &key, b"", "bb1d6929e95937287fa37d129b756746");
    mac_check(wire::MAC_CMAC_AES, &key, &m[..16], "070a16b46b4d4144f79bdd9dd04a287c");
    mac_check(wire::MAC_CMAC_AES, &key, &m[..40], "dfa66747de9ae63030ca32611497c827");
    mac_check(wire::MAC_CMAC_AES, &key, &m, "51f0bebf7e3b9d92fc49741779363cfe");
}

#[test]
fn rfc3566_xcbc() {
    let key = hex("000102030405060708090a0b0c0d0e0f");
    let m: Vec<u8> = (0u8..34).collect();
    mac_check(wire::MAC_XCBC_AES, &key, b"", "75f0251d528ac01c4573dfd584d79f29");
    mac_check(wire::MAC_XCBC_AES, &key, &m[..3], "5b376580ae2f19afe7219ceef172756f");
    mac_check(wire::MAC_XCBC_AES, &key, &m[..16], "d2a246fa349b68a79998a4394ff7a263");
    mac_check(wire::MAC_XCBC_AES, &key, &m[..20], "47f51b4564966215b8985c63055ed308");
    mac_check(wire::MAC_XCBC_AES, &key, &m[..32], "f54f0ec8d2b9f3d36807734bd5283fd4");
    mac_check(wire::MAC_XCBC_AES, &key, &m[..34], "becbb3bccdb518a30677d5481fb6b4d8");
}
