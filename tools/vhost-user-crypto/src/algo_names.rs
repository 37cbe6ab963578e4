// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Names of services and algorithms for the command line and fault commands.
//!
//! Every algorithm the spec defines has a name, implemented or not: the
//! device may be told to advertise one it does not implement, and then it
//! answers NOTSUPP at session creation (a device that lies).

use crate::wire::{self, parse_number};

const SERVICES: &[(&str, u32)] = &[
    ("cipher", wire::SERVICE_CIPHER),
    ("hash", wire::SERVICE_HASH),
    ("mac", wire::SERVICE_MAC),
    ("aead", wire::SERVICE_AEAD),
    ("akcipher", wire::SERVICE_AKCIPHER),
];

const CIPHERS: &[(&str, u32)] = &[
    ("arc4", 1),
    ("aes-ecb", 2),
    ("aes-cbc", 3),
    ("aes-ctr", 4),
    ("des-ecb", 5),
    ("des-cbc", 6),
    ("3des-ecb", 7),
    ("3des-cbc", 8),
    ("3des-ctr", 9),
    ("kasumi-f8", 10),
    ("snow3g-uea2", 11),
    ("aes-f8", 12),
    ("aes-xts", 13),
    ("zuc-eea3", 14),
];

const HASHES: &[(&str, u32)] = &[
    ("md5", 1),
    ("sha1", 2),
    ("sha224", 3),
    ("sha256", 4),
    ("sha384", 5),
    ("sha512", 6),
    ("sha3-224", 7),
    ("sha3-256", 8),
    ("sha3-384", 9),
    ("sha3-512", 10),
    ("shake128", 11),
    ("shake256", 12),
];

const MACS: &[(&str, u32)] = &[
    ("hmac-md5", 1),
    ("hmac-sha1", 2),
    ("hmac-sha224", 3),
    ("hmac-sha256", 4),
    ("hmac-sha384", 5),
    ("hmac-sha512", 6),
    ("cmac-3des", 25),
    ("cmac-aes", 26),
    ("kasumi-f9", 27),
    ("snow3g-uia2", 28),
    ("gmac-aes", 41),
    ("gmac-twofish", 42),
    ("cbcmac-aes", 49),
    ("cbcmac-kasumi-f9", 50),
    ("xcbc-aes", 53),
    ("zuc-eia3", 54),
];

const AEADS: &[(&str, u32)] = &[("gcm", 1), ("ccm", 2), ("chacha20-poly1305", 3)];

const AKCIPHERS: &[(&str, u32)] = &[("rsa", wire::AKCIPHER_RSA), ("ecdsa", wire::AKCIPHER_ECDSA)];

fn table(service: u32) -> &'static [(&'static str, u32)] {
    match service {
        wire::SERVICE_CIPHER => CIPHERS,
        wire::SERVICE_HASH => HASHES,
        wire::SERVICE_MAC => MACS,
        wire::SERVICE_AEAD => AEADS,
        wire::SERVICE_AKCIPHER => AKCIPHERS,
        _ => &[],
    }
}

fn lookup(t: &[(&str, u32)], name: &str) -> Option<u32> {
    let name = name.to_ascii_lowercase();
    t.iter().find(|(n, _)| *n == name).map(|&(_, v)| v)
}

/// Service number by name (`cipher`, `hash`, `mac`, `aead`, `akcipher`).
pub fn service_by_name(name: &str) -> Option<u32> {
    lookup(SERVICES, name)
}

/// Algorithm number by name or number, within a service; only ids the spec
/// defines are accepted (the device must not set undefined bits).
pub fn algo_by_name(service: u32, name: &str) -> Option<u32> {
    let t = table(service);
    lookup(t, name).or_else(|| {
        let n = u32::try_from(parse_number(name)?).ok()?;
        t.iter().any(|&(_, v)| v == n).then_some(n)
    })
}

/// Bit mask of a comma separated algorithm list; `all` = every defined id,
/// `none` or empty = 0.
pub fn mask_of(service: u32, list: &str) -> Result<u64, String> {
    let mut mask = 0u64;
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match item {
            "none" => {}
            "all" => mask |= table(service).iter().fold(0, |m, &(_, v)| m | 1 << v),
            _ => {
                let algo = algo_by_name(service, item).ok_or_else(|| format!("unknown algorithm '{item}'"))?;
                mask |= 1 << algo;
            }
        }
    }
    Ok(mask)
}

/// Bit mask of a comma separated service list.
pub fn services_mask(list: &str) -> Result<u32, String> {
    let mut mask = 0u32;
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let s = service_by_name(item).ok_or_else(|| format!("unknown service '{item}'"))?;
        mask |= 1 << s;
    }
    Ok(mask)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_masks() {
        assert_eq!(algo_by_name(wire::SERVICE_CIPHER, "AES-CBC"), Some(3));
        assert_eq!(algo_by_name(wire::SERVICE_MAC, "53"), Some(53));
        assert_eq!(algo_by_name(wire::SERVICE_MAC, "52"), None);
        assert_eq!(mask_of(wire::SERVICE_AEAD, "gcm,ccm").unwrap(), 0b110);
        assert!(mask_of(wire::SERVICE_HASH, "sha999").is_err());
        assert_eq!(services_mask("cipher,aead").unwrap(), 0b1001);
    }
}
