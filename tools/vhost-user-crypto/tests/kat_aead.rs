// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! AEAD known answers through the request parser, in every request layout:
//! AES-GCM (the GCM specification's test cases, which SP 800-38D refers to),
//! AES-CCM (SP 800-38C appendix C, RFC 3610), ChaCha20-Poly1305 (RFC 8439).
//! Every value is copied from the cited text; none is computed by the code
//! under test. A changed tag, ciphertext or AAD answers BADMSG and leaves the
//! output area untouched.

mod common;

use common::driver::{each_mode, Aead, Dir};
use common::{hex, BADMSG, OK};
use vhost_user_crypto::wire;

#[derive(Clone, Copy)]
struct Vector<'a> {
    /// Where the values come from.
    source: &'a str,
    algo: u32,
    key: &'a str,
    iv: &'a str,
    aad: &'a [u8],
    pt: &'a str,
    ct: &'a str,
    tag: &'a str,
}

/// The poison the harness fills output areas with.
const UNTOUCHED: u8 = 0xa5;

/// Seals and opens as guest requests in every layout; then one bit changed
/// in the tag, the ciphertext and the AAD must each answer BADMSG.
fn check(v: &Vector) {
    let (key, iv, pt, tag) = (hex(v.key), hex(v.iv), hex(v.pt), hex(v.tag));
    let sealed = [hex(v.ct), tag.clone()].concat();
    let a = Aead {
        algo: v.algo,
        key: &key,
        tag_len: tag.len() as u32,
    };
    each_mode(|d| {
        let what = format!("{}, {:?}", v.source, d.mode);
        assert_eq!(
            d.aead(&a, Dir::Encrypt, &iv, v.aad, &pt),
            (OK, sealed.clone()),
            "seal {what}"
        );
        assert_eq!(
            d.aead(&a, Dir::Decrypt, &iv, v.aad, &sealed),
            (OK, pt.clone()),
            "open {what}"
        );
        let flip = |mut b: Vec<u8>, i: usize| {
            b[i] ^= 0x01;
            b
        };
        let mut forgeries = vec![("tag", flip(sealed.clone(), sealed.len() - 1), v.aad.to_vec())];
        if !pt.is_empty() {
            forgeries.push(("ciphertext", flip(sealed.clone(), 0), v.aad.to_vec()));
        }
        if !v.aad.is_empty() {
            forgeries.push(("aad", sealed.clone(), flip(v.aad.to_vec(), 0)));
        }
        for (changed, src, aad) in forgeries {
            let (st, out) = d.aead(&a, Dir::Decrypt, &iv, &aad, &src);
            assert_eq!(st, BADMSG, "{changed} changed, {what}");
            assert!(
                out.iter().all(|&b| b == UNTOUCHED),
                "plaintext written on BADMSG, {what}"
            );
        }
    });
}

// The GCM specification (McGrew and Viega, revised), appendix B.
const GCM_K: &str = "feffe9928665731c6d6a8f9467308308";
const GCM_IV: &str = "cafebabefacedbaddecaf888";
const GCM_P: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                     1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";
/// The 60-byte plaintext of test cases 4, 10 and 16.
const GCM_P60: &str = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72
                       1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
const GCM_A: &str = "feedfacedeadbeeffeedfacedeadbeefabaddad2";

#[test]
fn gcm_aes128_test_cases() {
    let zero_key = "00".repeat(16);
    let zero_iv = "00".repeat(12);
    let aad = hex(GCM_A);
    let tc4 = Vector {
        source: "GCM test case 4",
        algo: wire::AEAD_GCM,
        key: GCM_K,
        iv: GCM_IV,
        aad: &aad,
        pt: GCM_P60,
        ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
             21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
        tag: "5bc94fbc3221a5db94fae95ae7121a47",
    };
    for v in [
        Vector {
            source: "GCM test case 1",
            algo: wire::AEAD_GCM,
            key: &zero_key,
            iv: &zero_iv,
            aad: b"",
            pt: "",
            ct: "",
            tag: "58e2fccefa7e3061367f1d57a4e7455a",
        },
        Vector {
            source: "GCM test case 2",
            algo: wire::AEAD_GCM,
            key: &zero_key,
            iv: &zero_iv,
            aad: b"",
            pt: "00000000000000000000000000000000",
            ct: "0388dace60b6a392f328c2b971b2fe78",
            tag: "ab6e47d42cec13bdf53a67b21257bddf",
        },
        Vector {
            source: "GCM test case 3",
            algo: wire::AEAD_GCM,
            key: GCM_K,
            iv: GCM_IV,
            aad: b"",
            pt: GCM_P,
            ct: "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e
                 21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            tag: "4d5c2af327cd64a62cf35abd2ba6fab4",
        },
        tc4,
        Vector {
            // SP 800-38D 5.2.1.2: a t-bit tag is the leading t bits.
            source: "GCM test case 4, tag truncated to 64 bits",
            tag: "5bc94fbc3221a5db",
            ..tc4
        },
    ] {
        check(&v);
    }
}

#[test]
fn gcm_aes192_aes256_test_cases() {
    let aad = hex(GCM_A);
    let k192 = format!("{GCM_K}feffe9928665731c");
    let k256 = format!("{GCM_K}{GCM_K}");
    let (zero192, zero256, zero_iv) = ("00".repeat(24), "00".repeat(32), "00".repeat(12));
    for v in [
        Vector {
            source: "GCM test case 7",
            algo: wire::AEAD_GCM,
            key: &zero192,
            iv: &zero_iv,
            aad: b"",
            pt: "",
            ct: "",
            tag: "cd33b28ac773f74ba00ed1f312572435",
        },
        Vector {
            source: "GCM test case 8",
            algo: wire::AEAD_GCM,
            key: &zero192,
            iv: &zero_iv,
            aad: b"",
            pt: "00000000000000000000000000000000",
            ct: "98e7247c07f0fe411c267e4384b0f600",
            tag: "2ff58d80033927ab8ef4d4587514f0fb",
        },
        Vector {
            source: "GCM test case 10",
            algo: wire::AEAD_GCM,
            key: &k192,
            iv: GCM_IV,
            aad: &aad,
            pt: GCM_P60,
            ct: "3980ca0b3c00e841eb06fac4872a2757859e1ceaa6efd984628593b40ca1e19c
                 7d773d00c144c525ac619d18c84a3f4718e2448b2fe324d9ccda2710",
            tag: "2519498e80f1478f37ba55bd6d27618c",
        },
        Vector {
            source: "GCM test case 13",
            algo: wire::AEAD_GCM,
            key: &zero256,
            iv: &zero_iv,
            aad: b"",
            pt: "",
            ct: "",
            tag: "530f8afbc74536b9a963b4f1c4cb738b",
        },
        Vector {
            source: "GCM test case 14",
            algo: wire::AEAD_GCM,
            key: &zero256,
            iv: &zero_iv,
            aad: b"",
            pt: "00000000000000000000000000000000",
            ct: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919",
        },
        Vector {
            source: "GCM test case 15",
            algo: wire::AEAD_GCM,
            key: &k256,
            iv: GCM_IV,
            aad: b"",
            pt: GCM_P,
            ct: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
                 8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            tag: "b094dac5d93471bdec1a502270e3cc6c",
        },
        Vector {
            source: "GCM test case 16",
            algo: wire::AEAD_GCM,
            key: &k256,
            iv: GCM_IV,
            aad: &aad,
            pt: GCM_P60,
            ct: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa
                 8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b",
        },
    ] {
        check(&v);
    }
}

#[test]
fn gcm_16_byte_iv_is_j0() {
    // With a 16-byte IV the device takes it as J0 itself. For a 96-bit IV,
    // SP 800-38D 7.1 step 2 sets J0 = IV || 0^31 || 1, so that J0 must
    // reproduce test case 2.
    let j0 = format!("{}00000001", "00".repeat(12));
    check(&Vector {
        source: "GCM test case 2 with its J0 as IV",
        algo: wire::AEAD_GCM,
        key: &"00".repeat(16),
        iv: &j0,
        aad: b"",
        pt: "00000000000000000000000000000000",
        ct: "0388dace60b6a392f328c2b971b2fe78",
        tag: "ab6e47d42cec13bdf53a67b21257bddf",
    });
}

const CCM_KEY: &str = "404142434445464748494a4b4c4d4e4f";

#[test]
fn sp800_38c_ccm() {
    // SP 800-38C appendix C.1-C.3.
    check(&Vector {
        source: "SP 800-38C C.1",
        algo: wire::AEAD_CCM,
        key: CCM_KEY,
        iv: "10111213141516",
        aad: &hex("0001020304050607"),
        pt: "20212223",
        ct: "7162015b",
        tag: "4dac255d",
    });
    check(&Vector {
        source: "SP 800-38C C.2",
        algo: wire::AEAD_CCM,
        key: CCM_KEY,
        iv: "1011121314151617",
        aad: &hex("000102030405060708090a0b0c0d0e0f"),
        pt: "202122232425262728292a2b2c2d2e2f",
        ct: "d2a1f0e051ea5f62081a7792073d593d",
        tag: "1fc64fbfaccd",
    });
    check(&Vector {
        source: "SP 800-38C C.3",
        algo: wire::AEAD_CCM,
        key: CCM_KEY,
        iv: "101112131415161718191a1b",
        aad: &hex("000102030405060708090a0b0c0d0e0f10111213"),
        pt: "202122232425262728292a2b2c2d2e2f3031323334353637",
        ct: "e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5",
        tag: "484392fbc1b09951",
    });
}

#[test]
fn sp800_38c_ccm_long_aad() {
    // SP 800-38C C.4: 65536 bytes of associated data (0x00..0xff repeated
    // 256 times), so its length takes the 0xfffe || 32-bit encoding.
    let aad: Vec<u8> = (0..256).flat_map(|_| 0..=255u8).collect();
    check(&Vector {
        source: "SP 800-38C C.4",
        algo: wire::AEAD_CCM,
        key: CCM_KEY,
        iv: "101112131415161718191a1b1c",
        aad: &aad,
        pt: "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
        ct: "69915dad1e84c6376a68c2967e4dab615ae0fd1faec44cc484828529463ccf72",
        tag: "b4ac6bec93e8598e7f0dadbcea5b",
    });
}

#[test]
fn rfc3610_ccm() {
    // RFC 3610 section 8, packet vector #1: 8 header bytes as AAD, M = 8.
    check(&Vector {
        source: "RFC 3610 packet vector #1",
        algo: wire::AEAD_CCM,
        key: "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf",
        iv: "00000003020100a0a1a2a3a4a5",
        aad: &hex("0001020304050607"),
        pt: "08090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
        ct: "588c979a61c663d2f066d0c2c0f989806d5f6b61dac384",
        tag: "17e8d12cfdf926e0",
    });
}

#[test]
fn ccm_linux_counter_block_iv() {
    // 16-byte IV in Linux ccm(aes) form: iv[0] = L-1 = 7, then the 7-byte
    // nonce of SP 800-38C C.1.
    let iv = format!("07{}{}", "10111213141516", "00".repeat(8));
    check(&Vector {
        source: "SP 800-38C C.1, counter-block IV",
        algo: wire::AEAD_CCM,
        key: CCM_KEY,
        iv: &iv,
        aad: &hex("0001020304050607"),
        pt: "20212223",
        ct: "7162015b",
        tag: "4dac255d",
    });
}

#[test]
fn rfc8439_chacha20_poly1305() {
    // RFC 8439 2.8.2.
    let pt: String = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for \
the future, sunscreen would be it."
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    check(&Vector {
        source: "RFC 8439 2.8.2",
        algo: wire::AEAD_CHACHA20_POLY1305,
        key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
        iv: "070000004041424344454647",
        aad: &hex("50515253c0c1c2c3c4c5c6c7"),
        pt: &pt,
        ct: "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6
             3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36
             92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc
             3ff4def08e4b7a9de576d26586cec64b6116",
        tag: "1ae10b594f09e26a7e902ecbd0600691",
    });
    // RFC 8439 A.5, the decryption example (265 bytes).
    check(&Vector {
        source: "RFC 8439 A.5",
        algo: wire::AEAD_CHACHA20_POLY1305,
        key: "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0",
        iv: "000000000102030405060708",
        aad: &hex("f33388860000000000004e91"),
        pt: "496e7465726e65742d4472616674732061726520647261667420646f63756d65
             6e74732076616c696420666f722061206d6178696d756d206f6620736978206d
             6f6e74687320616e64206d617920626520757064617465642c207265706c6163
             65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65
             6e747320617420616e792074696d652e20497420697320696e617070726f7072
             6961746520746f2075736520496e7465726e65742d4472616674732061732072
             65666572656e6365206d6174657269616c206f7220746f206369746520746865
             6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67
             726573732e2fe2809d",
        ct: "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2
             4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf
             332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855
             9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4
             b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e
             af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a
             0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10
             49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29
             a6ad5cb4022b02709b",
        tag: "eead9d67890cbb22392336fea1851f38",
    });
}
