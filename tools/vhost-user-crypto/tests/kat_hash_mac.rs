// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! HASH and MAC known answers through the request parser, in every request
//! layout: RFC 1321 (MD5), the FIPS 180 examples (SHA-1, SHA-2), the FIPS 202
//! examples (SHA-3), RFC 2202 (HMAC-MD5, HMAC-SHA1), RFC 4231 (HMAC-SHA2),
//! SP 800-38B / RFC 4493 (CMAC-AES), RFC 3566 (XCBC-AES). Every value is
//! copied from the cited text; none is computed by the code under test.

mod common;

use common::driver::each_mode;
use common::{hex, OK};
use vhost_user_crypto::wire;

/// Hashes `msg` as a guest request in every layout.
fn hash(source: &str, algo: u32, msg: &[u8], digest: &str) {
    let want = hex(digest);
    each_mode(|d| {
        let got = d.hash(algo, msg, want.len() as u32);
        assert_eq!(got, (OK, want.clone()), "{source}, {:?}", d.mode);
    });
}

/// MACs `msg` as a guest request in every layout.
fn mac(source: &str, algo: u32, key: &[u8], msg: &[u8], tag: &str) {
    let want = hex(tag);
    each_mode(|d| {
        let got = d.mac(algo, key, msg, want.len() as u32);
        assert_eq!(got, (OK, want.clone()), "{source}, {:?}", d.mode);
    });
}

#[test]
fn rfc1321_md5() {
    // RFC 1321 A.5, the whole test suite.
    for (msg, digest) in [
        ("", "d41d8cd98f00b204e9800998ecf8427e"),
        ("a", "0cc175b9c0f1b6a831c399e269772661"),
        ("abc", "900150983cd24fb0d6963f7d28e17f72"),
        ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
        (
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f",
        ),
        (
            "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ] {
        hash(
            &format!("RFC 1321 A.5 MD5 {msg:?}"),
            wire::HASH_MD5,
            msg.as_bytes(),
            digest,
        );
    }
}

/// The FIPS 180-2 one-block and two-block (448-bit) example messages.
const ABC: &[u8] = b"abc";
const TWO_BLOCK: &[u8] = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
/// The two-block (896-bit) example message of SHA-384 and SHA-512.
const TWO_BLOCK_1024: &[u8] = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn\
hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

#[test]
fn fips180_sha1() {
    // FIPS 180-2 appendix A.1 and A.2 (the same values as NIST's FIPS 180-4
    // examples).
    hash(
        "FIPS 180-2 A.1 SHA-1 abc",
        wire::HASH_SHA1,
        ABC,
        "a9993e364706816aba3e25717850c26c9cd0d89d",
    );
    hash(
        "FIPS 180-2 A.2 SHA-1 two-block",
        wire::HASH_SHA1,
        TWO_BLOCK,
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
    );
}

#[test]
fn fips180_sha224_sha256() {
    // FIPS 180-2 appendix B, and Change Notice 1 (CN1) for SHA-224.
    hash(
        "FIPS 180-2 CN1 SHA-224 abc",
        wire::HASH_SHA_224,
        ABC,
        "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7",
    );
    hash(
        "FIPS 180-2 CN1 SHA-224 two-block",
        wire::HASH_SHA_224,
        TWO_BLOCK,
        "75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525",
    );
    hash(
        "FIPS 180-2 B.1 SHA-256 abc",
        wire::HASH_SHA_256,
        ABC,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    hash(
        "FIPS 180-2 B.2 SHA-256 two-block",
        wire::HASH_SHA_256,
        TWO_BLOCK,
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    );
    // CAVP SHA256ShortMsg.rsp, Len = 0.
    hash(
        "CAVP SHA-256 Len = 0",
        wire::HASH_SHA_256,
        b"",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
}

#[test]
fn fips180_sha256_one_million_a() {
    // FIPS 180-2 B.3, the long message: a 1 MB request.
    hash(
        "FIPS 180-2 B.3 SHA-256 one million 'a'",
        wire::HASH_SHA_256,
        &[b'a'; 1_000_000],
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
    );
}

#[test]
fn fips180_sha384_sha512() {
    // The FIPS 180-2 SHA-384 and SHA-512 examples.
    hash(
        "FIPS 180-2 SHA-384 one-block example (abc)",
        wire::HASH_SHA_384,
        ABC,
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed
         8086072ba1e7cc2358baeca134c825a7",
    );
    hash(
        "FIPS 180-2 SHA-384 two-block example",
        wire::HASH_SHA_384,
        TWO_BLOCK_1024,
        "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712
         fcc7c71a557e2db966c3e9fa91746039",
    );
    hash(
        "FIPS 180-2 SHA-512 one-block example (abc)",
        wire::HASH_SHA_512,
        ABC,
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a
         2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
    );
    hash(
        "FIPS 180-2 SHA-512 two-block example",
        wire::HASH_SHA_512,
        TWO_BLOCK_1024,
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018
         501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
    );
}

#[test]
fn truncated_hash_result() {
    // hash_result_len 16: the leading bytes of FIPS 180 B.1.
    hash(
        "FIPS 180-2 B.1 SHA-256 abc, 16-byte result",
        wire::HASH_SHA_256,
        ABC,
        "ba7816bf8f01cfea414140de5dae2223",
    );
}

#[test]
fn fips202_sha3() {
    // The byte-aligned FIPS 202 examples (NIST "Examples with Intermediate
    // Values": SHA3-*_Msg0 and SHA3-*_Msg1600, 200 bytes of 0xa3).
    let a3 = [0xa3u8; 200];
    for (algo, name, msg0, msg1600) in [
        (
            wire::HASH_SHA3_224,
            "SHA3-224",
            "6b4e03423667dbb73b6e15454f0eb1abd4597f9a1b078e3f5b5a6bc7",
            "9376816aba503f72f96ce7eb65ac095deee3be4bf9bbc2a1cb7e11e0",
        ),
        (
            wire::HASH_SHA3_256,
            "SHA3-256",
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a",
            "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787",
        ),
        (
            wire::HASH_SHA3_384,
            "SHA3-384",
            "0c63a75b845e4f7d01107d852e4c2485c51a50aaaa94fc61995e71bbee983a2a
             c3713831264adb47fb6bd1e058d5f004",
            "1881de2ca7e41ef95dc4732b8f5f002b189cc1e42b74168ed1732649ce1dbcdd
             76197a31fd55ee989f2d7050dd473e8f",
        ),
        (
            wire::HASH_SHA3_512,
            "SHA3-512",
            "a69f73cca23a9ac5c8b567dc185a756e97c982164fe25859e0d1dcc1475c80a6
             15b2123af1f5f94c11e3e9402c3ac558f500199d95b6d3e301758586281dcd26",
            "e76dfad22084a8b1467fcf2ffa58361bec7628edf5f3fdc0e4805dc48caeeca8
             1b7c13c30adf52a3659584739a2df46be589c51ca1a4a8416df6545a1ce8ba00",
        ),
    ] {
        hash(&format!("FIPS 202 {name} Msg0"), algo, b"", msg0);
        hash(&format!("FIPS 202 {name} Msg1600"), algo, &a3, msg1600);
    }
}

#[test]
fn sha3_abc() {
    // The common "abc" digests (widely published; not in FIPS 202 itself).
    hash(
        "SHA3-224 abc",
        wire::HASH_SHA3_224,
        ABC,
        "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf",
    );
    hash(
        "SHA3-256 abc",
        wire::HASH_SHA3_256,
        ABC,
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
    );
    hash(
        "SHA3-384 abc",
        wire::HASH_SHA3_384,
        ABC,
        "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b2
         98d88cea927ac7f539f1edf228376d25",
    );
    hash(
        "SHA3-512 abc",
        wire::HASH_SHA3_512,
        ABC,
        "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e
         10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0",
    );
}

// RFC 2202 / RFC 4231 test case inputs.
const HI_THERE: &[u8] = b"Hi There";
const JEFE: &[u8] = b"Jefe";
const WHAT_DO_YA: &[u8] = b"what do ya want for nothing?";
const LARGER_KEY_MSG: &[u8] = b"Test Using Larger Than Block-Size Key - Hash Key First";

#[test]
fn rfc2202_hmac_md5() {
    let algo = wire::MAC_HMAC_MD5;
    mac(
        "RFC 2202 HMAC-MD5 test 1",
        algo,
        &[0x0b; 16],
        HI_THERE,
        "9294727a3638bb1c13f48ef8158bfc9d",
    );
    mac(
        "RFC 2202 HMAC-MD5 test 2",
        algo,
        JEFE,
        WHAT_DO_YA,
        "750c783e6ab0b503eaa86e310a5db738",
    );
    mac(
        "RFC 2202 HMAC-MD5 test 3",
        algo,
        &[0xaa; 16],
        &[0xdd; 50],
        "56be34521d144c88dbb8c733f0e8b3f6",
    );
    mac(
        "RFC 2202 HMAC-MD5 test 6",
        algo,
        &[0xaa; 80],
        LARGER_KEY_MSG,
        "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
    );
}

#[test]
fn rfc2202_hmac_sha1() {
    let algo = wire::MAC_HMAC_SHA1;
    mac(
        "RFC 2202 HMAC-SHA1 test 1",
        algo,
        &[0x0b; 20],
        HI_THERE,
        "b617318655057264e28bc0b6fb378c8ef146be00",
    );
    mac(
        "RFC 2202 HMAC-SHA1 test 2",
        algo,
        JEFE,
        WHAT_DO_YA,
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
    );
    mac(
        "RFC 2202 HMAC-SHA1 test 3",
        algo,
        &[0xaa; 20],
        &[0xdd; 50],
        "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
    );
    mac(
        "RFC 2202 HMAC-SHA1 test 6",
        algo,
        &[0xaa; 80],
        LARGER_KEY_MSG,
        "aa4ae5e15272d00e95705637ce8a3b55ed402112",
    );
}

#[test]
fn rfc4231_hmac_sha2() {
    // RFC 4231 section 4: test cases 1, 2, 5 (truncated to 128 bits) and 6.
    for (algo, name, tc1, tc2, tc5, tc6) in [
        (
            wire::MAC_HMAC_SHA_224,
            "HMAC-SHA-224",
            "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
            "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
            "0e2aea68a90c8d37c988bcdb9fca6fa8",
            "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
        ),
        (
            wire::MAC_HMAC_SHA_256,
            "HMAC-SHA-256",
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            "a3b6167473100ee06e0c796c2955552b",
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
        ),
        (
            wire::MAC_HMAC_SHA_384,
            "HMAC-SHA-384",
            "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c
             faea9ea9076ede7f4af152e8b2fa9cb6",
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e
             8e2240ca5e69e2c78b3239ecfab21649",
            "3abf34c3503b2a23a46efc619baef897",
            "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6
             0c2ef6ab4030fe8296248df163f44952",
        ),
        (
            wire::MAC_HMAC_SHA_512,
            "HMAC-SHA-512",
            "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde
             daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554
             9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            "415fad6271580a531d4179bc891d87a6",
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352
             6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
        ),
    ] {
        mac(&format!("RFC 4231 {name} test 1"), algo, &[0x0b; 20], HI_THERE, tc1);
        mac(&format!("RFC 4231 {name} test 2"), algo, JEFE, WHAT_DO_YA, tc2);
        mac(
            &format!("RFC 4231 {name} test 5"),
            algo,
            &[0x0c; 20],
            b"Test With Truncation",
            tc5,
        );
        mac(
            &format!("RFC 4231 {name} test 6"),
            algo,
            &[0xaa; 131],
            LARGER_KEY_MSG,
            tc6,
        );
    }
}

#[test]
fn sp800_38b_rfc4493_cmac_aes() {
    // SP 800-38B appendix D.1-D.3 (D.1 = RFC 4493 section 4): messages of
    // 0, 16, 40 and 64 bytes of the SP 800-38A plaintext.
    let m = hex("6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51
                 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710");
    for (name, key, tags) in [
        (
            "D.1 AES-128 / RFC 4493",
            "2b7e151628aed2a6abf7158809cf4f3c",
            [
                "bb1d6929e95937287fa37d129b756746",
                "070a16b46b4d4144f79bdd9dd04a287c",
                "dfa66747de9ae63030ca32611497c827",
                "51f0bebf7e3b9d92fc49741779363cfe",
            ],
        ),
        (
            "D.2 AES-192",
            "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
            [
                "d17ddf46adaacde531cac483de7a9367",
                "9e99a7bf31e710900662f65e617c5184",
                "8a1de5be2eb31aad089a82e6ee908b0e",
                "a1d5df0eed790f794d77589659f39a11",
            ],
        ),
        (
            "D.3 AES-256",
            "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
            [
                "028962f61b7bf89efc6b551f4667d983",
                "28a7023f452e8f82bd4bf28d8c37c35c",
                "aaf3d8f1de5640c232f5b169b9c911e6",
                "e1992190549f6ed5696a2c056c315410",
            ],
        ),
    ] {
        for (len, tag) in [0, 16, 40, 64].into_iter().zip(tags) {
            let source = format!("SP 800-38B {name} Mlen {}", len * 8);
            mac(&source, wire::MAC_CMAC_AES, &hex(key), &m[..len], tag);
        }
    }
}

#[test]
fn rfc3566_xcbc() {
    // RFC 3566 section 4, test cases 1-7.
    let key = hex("000102030405060708090a0b0c0d0e0f");
    let m: Vec<u8> = (0u8..34).collect();
    for (case, msg, tag) in [
        (1, &m[..0], "75f0251d528ac01c4573dfd584d79f29"),
        (2, &m[..3], "5b376580ae2f19afe7219ceef172756f"),
        (3, &m[..16], "d2a246fa349b68a79998a4394ff7a263"),
        (4, &m[..20], "47f51b4564966215b8985c63055ed308"),
        (5, &m[..32], "f54f0ec8d2b9f3d36807734bd5283fd4"),
        (6, &m[..34], "becbb3bccdb518a30677d5481fb6b4d8"),
        (7, &[0u8; 1000][..], "f0dafee895db30253761103b5d84528f"),
    ] {
        mac(
            &format!("RFC 3566 test case {case}"),
            wire::MAC_XCBC_AES,
            &key,
            msg,
            tag,
        );
    }
}
