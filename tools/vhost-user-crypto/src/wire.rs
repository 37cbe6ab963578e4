// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Wire constants of the virtio crypto device.
//!
//! Values come from the virtio specification (crypto device chapter) and the
//! Linux uapi header `include/uapi/linux/virtio_crypto.h` (revision 0 layout).
//! Everything on the wire is little endian; the helpers at the bottom read
//! fields out of byte buffers without any `unsafe` casting.

/// Virtio device ID of the crypto device.
pub const VIRTIO_ID_CRYPTO: u32 = 20;

// Services (bit numbers in `crypto_services`, high byte of an opcode).
pub const SERVICE_CIPHER: u32 = 0;
pub const SERVICE_HASH: u32 = 1;
pub const SERVICE_MAC: u32 = 2;
pub const SERVICE_AEAD: u32 = 3;
pub const SERVICE_AKCIPHER: u32 = 4;

/// `VIRTIO_CRYPTO_OPCODE(service, op)`.
pub const fn opcode(service: u32, op: u32) -> u32 {
    (service << 8) | op
}

// Control queue opcodes.
pub const CIPHER_CREATE_SESSION: u32 = opcode(SERVICE_CIPHER, 0x02);
pub const CIPHER_DESTROY_SESSION: u32 = opcode(SERVICE_CIPHER, 0x03);
pub const HASH_CREATE_SESSION: u32 = opcode(SERVICE_HASH, 0x02);
pub const HASH_DESTROY_SESSION: u32 = opcode(SERVICE_HASH, 0x03);
pub const MAC_CREATE_SESSION: u32 = opcode(SERVICE_MAC, 0x02);
pub const MAC_DESTROY_SESSION: u32 = opcode(SERVICE_MAC, 0x03);
pub const AEAD_CREATE_SESSION: u32 = opcode(SERVICE_AEAD, 0x02);
pub const AEAD_DESTROY_SESSION: u32 = opcode(SERVICE_AEAD, 0x03);
pub const AKCIPHER_CREATE_SESSION: u32 = opcode(SERVICE_AKCIPHER, 0x04);
pub const AKCIPHER_DESTROY_SESSION: u32 = opcode(SERVICE_AKCIPHER, 0x05);

// Data queue opcodes.
pub const CIPHER_ENCRYPT: u32 = opcode(SERVICE_CIPHER, 0x00);
pub const CIPHER_DECRYPT: u32 = opcode(SERVICE_CIPHER, 0x01);
pub const HASH: u32 = opcode(SERVICE_HASH, 0x00);
pub const MAC: u32 = opcode(SERVICE_MAC, 0x00);
pub const AEAD_ENCRYPT: u32 = opcode(SERVICE_AEAD, 0x00);
pub const AEAD_DECRYPT: u32 = opcode(SERVICE_AEAD, 0x01);
pub const AKCIPHER_ENCRYPT: u32 = opcode(SERVICE_AKCIPHER, 0x00);
pub const AKCIPHER_DECRYPT: u32 = opcode(SERVICE_AKCIPHER, 0x01);
pub const AKCIPHER_SIGN: u32 = opcode(SERVICE_AKCIPHER, 0x02);
pub const AKCIPHER_VERIFY: u32 = opcode(SERVICE_AKCIPHER, 0x03);

// CIPHER algorithms.
pub const CIPHER_AES_ECB: u32 = 2;
pub const CIPHER_AES_CBC: u32 = 3;
pub const CIPHER_AES_CTR: u32 = 4;
pub const CIPHER_3DES_ECB: u32 = 7;
pub const CIPHER_3DES_CBC: u32 = 8;
pub const CIPHER_AES_XTS: u32 = 13;

// HASH algorithms.
pub const HASH_MD5: u32 = 1;
pub const HASH_SHA1: u32 = 2;
pub const HASH_SHA_224: u32 = 3;
pub const HASH_SHA_256: u32 = 4;
pub const HASH_SHA_384: u32 = 5;
pub const HASH_SHA_512: u32 = 6;
pub const HASH_SHA3_224: u32 = 7;
pub const HASH_SHA3_256: u32 = 8;
pub const HASH_SHA3_384: u32 = 9;
pub const HASH_SHA3_512: u32 = 10;

// MAC algorithms.
pub const MAC_HMAC_MD5: u32 = 1;
pub const MAC_HMAC_SHA1: u32 = 2;
pub const MAC_HMAC_SHA_224: u32 = 3;
pub const MAC_HMAC_SHA_256: u32 = 4;
pub const MAC_HMAC_SHA_384: u32 = 5;
pub const MAC_HMAC_SHA_512: u32 = 6;
pub const MAC_CMAC_AES: u32 = 26;
pub const MAC_XCBC_AES: u32 = 53;

// AEAD algorithms.
pub const AEAD_GCM: u32 = 1;
pub const AEAD_CCM: u32 = 2;
pub const AEAD_CHACHA20_POLY1305: u32 = 3;

// AKCIPHER algorithms (only named for the configuration mask).
pub const AKCIPHER_RSA: u32 = 1;
pub const AKCIPHER_ECDSA: u32 = 2;

// Cipher direction in session parameters.
pub const OP_ENCRYPT: u32 = 1;
pub const OP_DECRYPT: u32 = 2;

// Symmetric session/request op_type.
pub const SYM_OP_NONE: u32 = 0;
pub const SYM_OP_CIPHER: u32 = 1;
pub const SYM_OP_ALGORITHM_CHAINING: u32 = 2;

// Algorithm chaining.
pub const CHAIN_ORDER_HASH_THEN_CIPHER: u32 = 1;
pub const CHAIN_ORDER_CIPHER_THEN_HASH: u32 = 2;
pub const HASH_MODE_PLAIN: u32 = 1;
pub const HASH_MODE_AUTH: u32 = 2;
pub const HASH_MODE_NESTED: u32 = 3;

/// `flag` bit of the data request header selecting session mode.
pub const FLAG_SESSION_MODE: u32 = 1;

/// Bit of `virtio_crypto_config.status`.
pub const S_HW_READY: u32 = 1;

// Device feature bits (crypto specific).
pub const F_REVISION_1: u32 = 0;
pub const F_CIPHER_STATELESS_MODE: u32 = 1;
pub const F_HASH_STATELESS_MODE: u32 = 2;
pub const F_MAC_STATELESS_MODE: u32 = 3;
pub const F_AEAD_STATELESS_MODE: u32 = 4;
pub const F_AKCIPHER_STATELESS_MODE: u32 = 5;

// Fixed sizes.
/// `struct virtio_crypto_ctrl_header`.
pub const CTRL_HEADER_LEN: usize = 16;
/// Legacy (revision 0) size of every control `op_flf`.
pub const CTRL_FLF_LEGACY_LEN: usize = 56;
/// `struct virtio_crypto_op_header`.
pub const DATA_HEADER_LEN: usize = 24;
/// Legacy (revision 0) size of every data `op_flf`.
pub const DATA_FLF_LEGACY_LEN: usize = 48;
/// `struct virtio_crypto_create_session_input` (session id, status, padding).
pub const CREATE_SESSION_INPUT_LEN: usize = 16;
/// `struct virtio_crypto_config`: twelve le32 and one le64.
pub const CONFIG_LEN: usize = 56;

/// Operation status codes (`enum VIRTIO_CRYPTO_STATUS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    Ok = 0,
    Err = 1,
    BadMsg = 2,
    NotSupp = 3,
    InvSess = 4,
    NoSpc = 5,
    KeyRejected = 6,
}

impl Status {
    /// Parses a status name or number as used on the command line.
    pub fn parse(text: &str) -> Option<u8> {
        let named = match text.to_ascii_lowercase().as_str() {
            "ok" => Some(Status::Ok),
            "err" => Some(Status::Err),
            "badmsg" => Some(Status::BadMsg),
            "notsupp" => Some(Status::NotSupp),
            "invsess" => Some(Status::InvSess),
            "nospc" => Some(Status::NoSpc),
            "key-rejected" | "key_rejected" => Some(Status::KeyRejected),
            _ => None,
        };
        named
            .map(|s| s as u8)
            .or_else(|| parse_number(text).and_then(|n| u8::try_from(n).ok()))
    }
}

/// Parses a decimal or `0x` hexadecimal number.
pub fn parse_number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// Little-endian `u32` at `off`; zero past the end (fields past a short,
/// already length-checked buffer are padding by construction).
pub fn le32(buf: &[u8], off: usize) -> u32 {
    buf.get(off..off + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .unwrap_or(0)
}

/// Little-endian `u64` at `off`; zero past the end.
pub fn le64(buf: &[u8], off: usize) -> u64 {
    buf.get(off..off + 8)
        .map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_le_bytes(a)
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcodes_match_uapi() {
        assert_eq!(CIPHER_CREATE_SESSION, 0x02);
        assert_eq!(AEAD_DESTROY_SESSION, 0x303);
        assert_eq!(AKCIPHER_CREATE_SESSION, 0x404);
        assert_eq!(AEAD_DECRYPT, 0x301);
    }

    #[test]
    fn status_names_and_numbers() {
        assert_eq!(Status::parse("badmsg"), Some(2));
        assert_eq!(Status::parse("0x5"), Some(5));
        assert_eq!(Status::parse("300"), None);
        assert_eq!(Status::parse("bogus"), None);
    }

    #[test]
    fn field_readers_stop_at_end() {
        let b = [1, 0, 0, 0, 2, 0, 0];
        assert_eq!(le32(&b, 0), 1);
        assert_eq!(le32(&b, 4), 0);
        assert_eq!(le64(&b, 0), 0);
    }
}
