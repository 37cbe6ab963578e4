// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Control queue: create and destroy sessions.
//!
//! Request = header (16) | op_flf | op_vlf (keys) || outcome (writable).
//! `op_flf` is 56 bytes without REVISION_1 (Linux uapi unions), and the
//! exact struct size with it. The outcome is written at the start of the
//! writable area: `virtio_crypto_session_input` (le64 id, le32 status,
//! le32 pad) for create, one status byte for destroy.

use crate::device::Device;
use crate::guest_io::RequestIo;
use crate::session::{
    check_auth_key_len, check_cipher_key_len, AeadSession, Auth, ChainSession, CipherSession, HashSession, MacSession,
    Session,
};
use crate::wire::{self, le32, le64, Status, CREATE_SESSION_INPUT_LEN};

/// What kind of outcome the driver expects.
enum Outcome {
    Created(u64),
    Destroyed,
}

/// Answers one control request: the outcome at writable offset 0.
pub fn handle(dev: &Device, head: u16, io: &mut RequestIo) {
    let result = execute(dev, io);
    match &result {
        Ok(Outcome::Created(id)) => log::debug!("control request {head}: session {id} created"),
        Ok(Outcome::Destroyed) => log::debug!("control request {head}: session destroyed"),
        Err((_, st)) => log::debug!("control request {head}: status {st}"),
    }
    match result {
        Ok(Outcome::Created(id)) => write_created(io, id, Status::Ok as u8),
        Ok(Outcome::Destroyed) => write_byte(io, 0, Status::Ok as u8),
        Err((Some(Outcome::Destroyed), st)) => write_byte(io, 0, st),
        Err((Some(Outcome::Created(_)), st)) => write_created(io, 0, st),
        Err((None, st)) => write_unknown(io, st),
    }
}

type Failure = (Option<Outcome>, u8);

fn execute(dev: &Device, io: &mut RequestIo) -> Result<Outcome, Failure> {
    let hdr = io.read(wire::CTRL_HEADER_LEN).map_err(|s| (None, s as u8))?;
    let opcode = le32(&hdr, 0);
    let kind = match opcode & 0xff {
        2 | 4 => Outcome::Created(0),
        3 | 5 => Outcome::Destroyed,
        _ => return Err((None, Status::NotSupp as u8)),
    };
    let fail = |st: u8| -> Failure {
        (
            Some(match kind {
                Outcome::Created(_) => Outcome::Created(0),
                Outcome::Destroyed => Outcome::Destroyed,
            }),
            st,
        )
    };
    if let Some(st) = dev.faults.injected_status(true, opcode) {
        return Err(fail(st));
    }
    if dev.faults.needs_reset() {
        return Err(fail(Status::Err as u8));
    }
    // A create outcome that does not fit would leave a session the driver
    // cannot name: refuse before creating anything.
    if matches!(kind, Outcome::Created(_)) && io.writable_len() < CREATE_SESSION_INPUT_LEN {
        return Err(fail(Status::Err as u8));
    }
    let flf_len = flf_len(opcode, dev.features().rev1()).ok_or(fail(Status::NotSupp as u8))?;
    let flf = io.read(flf_len).map_err(|s| fail(s as u8))?;
    match kind {
        Outcome::Destroyed => destroy(dev, opcode, &flf).map_err(|s| fail(s as u8)),
        Outcome::Created(_) => create(dev, opcode, &flf, io).map_err(|s| fail(s as u8)),
    }
}

/// Size of `op_flf` for `opcode`.
fn flf_len(opcode: u32, rev1: bool) -> Option<usize> {
    let rev1_len = match opcode {
        wire::CIPHER_CREATE_SESSION | wire::AKCIPHER_CREATE_SESSION => 56,
        wire::HASH_CREATE_SESSION => 8,
        wire::MAC_CREATE_SESSION => 16,
        wire::AEAD_CREATE_SESSION => 24,
        wire::CIPHER_DESTROY_SESSION
        | wire::HASH_DESTROY_SESSION
        | wire::MAC_DESTROY_SESSION
        | wire::AEAD_DESTROY_SESSION
        | wire::AKCIPHER_DESTROY_SESSION => 8,
        _ => return None,
    };
    Some(if rev1 { rev1_len } else { wire::CTRL_FLF_LEGACY_LEN })
}

fn destroy(dev: &Device, opcode: u32, flf: &[u8]) -> Result<Outcome, Status> {
    let id = le64(flf, 0);
    // The opcode names the service; a session of another service is not
    // destroyed (catches a driver mixing up its session ids).
    match dev.sessions.get(id) {
        Some(s) if s.service() == opcode >> 8 => {
            dev.sessions.remove(id);
            Ok(Outcome::Destroyed)
        }
        _ => Err(Status::Err),
    }
}

fn create(dev: &Device, opcode: u32, flf: &[u8], io: &mut RequestIo) -> Result<Outcome, Status> {
    let session = match opcode {
        wire::CIPHER_CREATE_SESSION => create_sym(dev, flf, io)?,
        wire::HASH_CREATE_SESSION => Session::Hash(HashSession::new(dev, le32(flf, 0), le32(flf, 4))?),
        wire::MAC_CREATE_SESSION => create_mac(dev, flf, io)?,
        wire::AEAD_CREATE_SESSION => create_aead(dev, flf, io)?,
        _ => return Err(Status::NotSupp),
    };
    match dev.sessions.insert(session) {
        Some(id) => Ok(Outcome::Created(id)),
        // NOSPC exists only with REVISION_1; before it, "any other failure".
        None if dev.features().rev1() => Err(Status::NoSpc),
        None => Err(Status::Err),
    }
}

/// `virtio_crypto_sym_create_session_flf`: 48 bytes of cipher or chain
/// parameters, then `op_type` at offset 48.
fn create_sym(dev: &Device, flf: &[u8], io: &mut RequestIo) -> Result<Session, Status> {
    match le32(flf, 48) {
        wire::SYM_OP_CIPHER => {
            let (algo, key_len, op) = (le32(flf, 0), le32(flf, 4), le32(flf, 8));
            check_cipher_key_len(dev, key_len)?;
            let key = io.read(key_len as usize)?;
            Ok(Session::Cipher(CipherSession::new(dev, algo, op, &key)?))
        }
        wire::SYM_OP_ALGORITHM_CHAINING => create_chain(dev, flf, io),
        _ => Err(Status::NotSupp),
    }
}

/// `virtio_crypto_alg_chain_session_flf`: order, hash_mode, cipher_hdr at 8,
/// hash or mac parameters at 24, aad_len at 40.
fn create_chain(dev: &Device, flf: &[u8], io: &mut RequestIo) -> Result<Session, Status> {
    let (order, hash_mode) = (le32(flf, 0), le32(flf, 4));
    let (algo, key_len, op) = (le32(flf, 8), le32(flf, 12), le32(flf, 16));
    let auth_algo = le32(flf, 24);
    let auth_key_len = if hash_mode == wire::HASH_MODE_AUTH {
        le32(flf, 32)
    } else {
        0
    };
    check_cipher_key_len(dev, key_len)?;
    check_auth_key_len(dev, auth_key_len)?;
    let cipher_key = io.read(key_len as usize)?;
    let auth_key = io.read(auth_key_len as usize)?;
    let cipher = CipherSession::new(dev, algo, op, &cipher_key)?;
    let auth = Auth::new(dev, hash_mode, auth_algo, &auth_key)?;
    Ok(Session::Chain(Box::new(ChainSession::new(cipher, auth, order)?)))
}

fn create_mac(dev: &Device, flf: &[u8], io: &mut RequestIo) -> Result<Session, Status> {
    let (algo, result_len, key_len) = (le32(flf, 0), le32(flf, 4), le32(flf, 8));
    check_auth_key_len(dev, key_len)?;
    let key = io.read(key_len as usize)?;
    Ok(Session::Mac(MacSession::new(dev, algo, result_len, &key)?))
}

fn create_aead(dev: &Device, flf: &[u8], io: &mut RequestIo) -> Result<Session, Status> {
    let (algo, key_len, tag_len, op) = (le32(flf, 0), le32(flf, 4), le32(flf, 8), le32(flf, 16));
    check_cipher_key_len(dev, key_len)?;
    let key = io.read(key_len as usize)?;
    Ok(Session::Aead(AeadSession::new(dev, algo, op, tag_len, &key)?))
}

fn write_created(io: &RequestIo, id: u64, status: u8) {
    let mut out = [0u8; CREATE_SESSION_INPUT_LEN];
    out[..8].copy_from_slice(&id.to_le_bytes());
    out[8..12].copy_from_slice(&u32::from(status).to_le_bytes());
    if io.write_at(0, &out).is_err() {
        // Too small for the create outcome: say it in the first byte.
        write_byte(io, 0, status);
    }
}

fn write_byte(io: &RequestIo, offset: usize, status: u8) {
    let _ = io.write_at(offset, &[status]);
}

/// Unknown request shape: the status goes where a destroy outcome (byte 0)
/// and a create outcome (byte 8) would have it, so neither reads OK.
fn write_unknown(io: &RequestIo, status: u8) {
    write_byte(io, 0, status);
    write_byte(io, 8, status);
}
