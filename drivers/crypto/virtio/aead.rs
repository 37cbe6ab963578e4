// SPDX-License-Identifier: GPL-2.0

//! The aead algorithms: GCM, CCM and ChaCha20-Poly1305 on the device's AEAD service, and
//! `authenc(hmac(..),cbc(aes))` on one chained session of its CIPHER service.
//!
//! A device session fixes key, tag length and direction, so a transform holds an encrypt
//! and a decrypt session for its (key, tag length), made again on rekey and `setauthsize`
//! and destroyed at exit. Every transform also holds a synchronous software implementation
//! of its algorithm (the fallback), keyed alongside: it checks keys and tag lengths exactly
//! as the kernel does (a bad one is refused before anything reaches the device), and runs
//! the requests the device cannot take (over `max_size`, too many scatterlist pieces, a
//! full queue the caller cannot wait for, a key the device refuses, CCM's one length the
//! device cannot encode), with nothing allocated per request.
//!
//! The AEAD service verifies tags itself and answers BADMSG. A chained session does not:
//! on decryption it MACs the AAD and ciphertext and then decrypts, and the driver compares
//! the MAC with the request's tag (constant time). On a mismatch the plaintext the device
//! wrote is zeroed before the caller hears `-EBADMSG`: unverified data never reaches it.

use crate::{
    abstractions::{
        crypto::{
            aead::{self, Aead, AeadFallback, AeadType},
            Algorithm, Outcome, Request,
        },
        secret::{DeviceKey, Secret},
    },
    algs::{AeadAlg, AeadKind},
    control::Sessions,
    device::CryptoDevice,
    devices::Devices,
    requests::{DataCtx, MAX_DIGEST, MAX_IV, MAX_KEY},
    stats::Kind,
    wire::{self, Direction, SessionKind},
};
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};
use kernel::{new_mutex, prelude::*, sync::Arc, sync::Mutex};

/// The driver's implementation of the aead callbacks.
pub(crate) struct VirtioAead;

/// Which algorithm a registration is, and where its transforms find a device.
pub(crate) struct AlgData {
    pub(crate) aead: &'static AeadAlg,
    pub(crate) devices: Arc<Devices>,
}

/// The key as the device gets it, kept to make the sessions again on `setauthsize`.
struct KeyState {
    /// Cipher key, then (authenc) the HMAC key; wiped when the transform goes.
    key: Secret<MAX_KEY>,
    len: usize,
    /// The cipher key's length (authenc); `len` otherwise.
    cipher_len: usize,
    /// Whether a key was set.
    set: bool,
    authsize: u32,
}

/// A transform: its device, fallback and two sessions.
pub(crate) struct TfmCtx {
    aead: &'static AeadAlg,
    device: Arc<CryptoDevice>,
    fb: AeadFallback,
    /// Serialises key and tag length changes, which create and destroy sessions (sleeps).
    state: Pin<KBox<Mutex<KeyState>>>,
    /// Whether `enc` and `dec` are device sessions for the current key and tag length;
    /// without them the fallback serves every request.
    keyed: AtomicBool,
    enc_handle: AtomicU64,
    dec_handle: AtomicU64,
    /// ESP's salt (the last 4 bytes of an `rfc7539esp` key), the nonce's first bytes.
    salt: AtomicU32,
    /// The sessions' key, which stateless requests carry.
    key: DeviceKey<MAX_KEY>,
}

/// `DataCtx::flags`: the request encrypts.
const ENCRYPT: u32 = 1;

/// The session kinds of `aead` for a key whose cipher part has `cipher_len` bytes.
fn session_kind(aead: &AeadAlg, dir: Direction, cipher_len: usize, authsize: u32) -> SessionKind {
    match aead.hmac() {
        Some(h) => SessionKind::Chain {
            dir,
            cipher_keylen: cipher_len as u32,
            mac_algo: h.algo,
            result_len: authsize,
        },
        None => SessionKind::Aead {
            dir,
            tag_len: authsize,
        },
    }
}

impl TfmCtx {
    /// Destroys the device sessions (the state's lock held).
    fn destroy_sessions(&self, _st: &KeyState) {
        if self.keyed.swap(false, Ordering::AcqRel) {
            for handle in [&self.enc_handle, &self.dec_handle] {
                // A device that is gone has no session left to free.
                let _ = self.device.destroy_session(handle.load(Ordering::Relaxed));
            }
        }
    }

    /// Makes the two sessions for the state's key and tag length. A key the device
    /// refuses, or cannot take, leaves the transform to the fallback.
    fn make_sessions(&self, st: &KeyState) {
        let aead = self.aead;
        if !st.set {
            return;
        }
        let cfg = &self.device.config;
        let auth_len = st.len.saturating_sub(st.cipher_len);
        if st.cipher_len > cfg.max_cipher_key_len as usize
            || auth_len > cfg.max_auth_key_len as usize
        {
            self.device.stats().fallback(Kind::Aead);
            return;
        }
        let Some(key) = st.key.get(..st.len) else {
            return;
        };
        if self.key.set(key).is_err() {
            return;
        }
        let kind = |dir| session_kind(aead, dir, st.cipher_len, st.authsize);
        let dev = &self.device;
        let Ok(enc) = dev.create_session(kind(Direction::Encrypt), aead.algo, key) else {
            dev.stats().fallback(Kind::Aead);
            return;
        };
        let dec = match dev.create_session(kind(Direction::Decrypt), aead.algo, key) {
            Ok(handle) => handle,
            Err(_) => {
                let _ = dev.destroy_session(enc);
                dev.stats().fallback(Kind::Aead);
                return;
            }
        };
        self.enc_handle.store(enc, Ordering::Relaxed);
        self.dec_handle.store(dec, Ordering::Relaxed);
        self.keyed.store(true, Ordering::Release);
    }
}

impl Drop for TfmCtx {
    fn drop(&mut self) {
        let st = self.state.lock();
        self.destroy_sessions(&st);
    }
}

fn done(req: Request<VirtioAead>, result: Result) -> Outcome<VirtioAead> {
    match result {
        Ok(()) => Outcome::Done(req),
        Err(e) => Outcome::Failed(e, req),
    }
}

/// Runs the request on the fallback and finishes it with its result.
fn fallback(mut req: Request<VirtioAead>, encrypt: bool) -> Outcome<VirtioAead> {
    req.tfm_ctx().device.stats().fallback(Kind::Aead);
    let result = req.run_fallback(encrypt);
    done(req, result)
}

/// The device's view of a request: what goes in the header and what the driver checks
/// when it comes back.
struct Plan {
    iv: [u8; MAX_IV],
    iv_len: usize,
    /// AAD bytes the device authenticates (ESP leaves out the IV's copy at the end).
    aad: usize,
    src: usize,
    dst: usize,
    /// The MAC the device writes after `dst` (authenc).
    result: usize,
}

/// How the request maps to the device, or the errno the generic code gives it, or `None`
/// if only the fallback can do it.
fn plan(req: &Request<VirtioAead>, encrypt: bool) -> Result<Option<Plan>> {
    let aead = req.alg_data().aead;
    let (assoclen, cryptlen, authsize) = (req.assoclen(), req.aead_cryptlen(), req.authsize());
    // The API checks this before decrypt; a text shorter than its tag is no message.
    let textlen = if encrypt {
        cryptlen
    } else {
        cryptlen.checked_sub(authsize).ok_or(EINVAL)?
    };
    let iv = req.aead_iv();
    let mut p = Plan {
        iv: [0; MAX_IV],
        iv_len: 0,
        aad: assoclen,
        src: cryptlen,
        dst: if encrypt {
            cryptlen + authsize
        } else {
            textlen
        },
        result: 0,
    };
    let mut put_iv = |bytes: &[u8]| -> Result {
        p.iv.get_mut(..bytes.len())
            .ok_or(EINVAL)?
            .copy_from_slice(bytes);
        p.iv_len = bytes.len();
        Ok(())
    };
    match aead.kind {
        AeadKind::Gcm | AeadKind::ChaChaPoly => put_iv(iv.get(..12).ok_or(EINVAL)?)?,
        AeadKind::Ccm => {
            // iv[0] is L - 1 (crypto/ccm.c: crypto_ccm_check_iv), the nonce follows.
            let l1 = *iv.first().ok_or(EINVAL)? as usize;
            if !(1..=7).contains(&l1) {
                return Err(EINVAL);
            }
            let l = l1 + 1;
            // The length field has L bytes. ccm.c (set_msg_len) refuses a longer message
            // with EOVERFLOW but lets exactly 2^(8L) through (its encoding wraps to 0),
            // which the device rightly cannot encode: the fallback does that one.
            if l < 4 {
                let max = 1usize << (8 * l);
                if textlen > max {
                    return Err(EOVERFLOW);
                }
                if textlen == max {
                    return Ok(None);
                }
            }
            put_iv(iv.get(1..15 - l1).ok_or(EINVAL)?)?;
        }
        AeadKind::ChaChaPolyEsp => {
            // chacha20poly1305.c: the last 8 AAD bytes are the IV's copy, not authenticated.
            p.aad = assoclen.checked_sub(8).ok_or(EINVAL)?;
            let salt = req.tfm_ctx().salt.load(Ordering::Relaxed).to_le_bytes();
            let mut nonce = [0u8; 12];
            nonce[..4].copy_from_slice(&salt);
            nonce[4..].copy_from_slice(iv.get(..8).ok_or(EINVAL)?);
            put_iv(&nonce)?;
        }
        AeadKind::Authenc { .. } => {
            // CBC takes whole blocks only. The generic authenc checks the tag before it
            // decrypts, so which error a partial block gives depends on the tag: the
            // fallback answers exactly as it does.
            if textlen % 16 != 0 {
                return Ok(None);
            }
            put_iv(iv.get(..16).ok_or(EINVAL)?)?;
            p.src = textlen;
            p.dst = textlen;
            p.result = authsize;
        }
    }
    Ok(Some(p))
}

impl Algorithm for VirtioAead {
    type Type = AeadType;
    type AlgData = AlgData;
    type TfmCtx = TfmCtx;
    type ReqCtx = DataCtx;

    fn device_key(tfm: &TfmCtx) -> &[AtomicU8] {
        tfm.key.bytes()
    }

    /// The device finished the request; `used` is the length it says it wrote.
    fn resume(mut req: Request<Self>, used: u32) {
        let aead = req.alg_data().aead;
        let (assoclen, cryptlen) = (req.assoclen(), req.aead_cryptlen());
        let (status, encrypt, dst_len, result_len, mac) = {
            let ctx = req.ctx();
            (
                ctx.status[0],
                ctx.flags & ENCRYPT != 0,
                ctx.saved_len,
                ctx.result_len,
                ctx.result,
            )
        };
        // A failure status stands whatever the used length; success needs the output, the
        // MAC and the status byte all written: anything shorter is no answer.
        let mut result = wire::status_to_result(u32::from(status));
        if result.is_ok() && (used as usize) < dst_len + result_len + 1 {
            result = Err(EIO);
        }
        if result.is_ok() && aead.hmac().is_some() {
            let mac = &mac[..result_len.min(MAX_DIGEST)];
            result = if encrypt {
                // The tag follows the ciphertext in dst.
                req.copy_to_dst(assoclen + dst_len, mac)
            } else {
                check_tag(&req, assoclen, dst_len, mac)
            };
        }
        // A chained decryption writes the plaintext before anybody verified it: unless it
        // was verified, it does not stay where the caller would find it.
        if result.is_err() && aead.hmac().is_some() && !encrypt {
            let _ = req.zero_dst(assoclen, dst_len);
        }
        req.tfm_ctx()
            .device
            .stats()
            .finished(Kind::Aead, cryptlen, result.is_ok());
        req.complete(result);
    }
}

/// Compares the MAC the device computed over AAD and ciphertext with the request's tag
/// (after the `len` bytes of ciphertext), in constant time.
fn check_tag(req: &Request<VirtioAead>, assoclen: usize, len: usize, mac: &[u8]) -> Result {
    let mut tag = [0u8; MAX_DIGEST];
    let tag = tag.get_mut(..mac.len()).ok_or(EINVAL)?;
    req.read_src(assoclen + len, tag)?;
    if aead::memneq(tag, mac) {
        return Err(wire::errno(kernel::bindings::EBADMSG));
    }
    Ok(())
}

/// The device key of `aead` for the API key `key`, in `st`; sets the ESP salt. The key is
/// known good (the fallback took it).
fn device_key(aead: &AeadAlg, key: &[u8], st: &mut KeyState, salt: &AtomicU32) -> Result {
    st.key.wipe();
    let (cipher, auth): (&[u8], &[u8]) = match aead.kind {
        AeadKind::Authenc { .. } => {
            let ((eo, el), (ao, al)) = aead::authenc_extractkeys(key)?;
            let part = |o: usize, l: usize| key.get(o..o + l).ok_or(EINVAL);
            (part(eo, el)?, part(ao, al)?)
        }
        AeadKind::ChaChaPolyEsp => {
            let (k, s) = key.split_at_checked(32).ok_or(EINVAL)?;
            let s: [u8; 4] = s.try_into().map_err(|_| EINVAL)?;
            salt.store(u32::from_le_bytes(s), Ordering::Relaxed);
            (k, &[][..])
        }
        _ => (key, &[][..]),
    };
    if !aead.key_sizes.iter().any(|&k| k as usize == cipher.len()) {
        return Err(EINVAL);
    }
    let mut hbuf = Secret::<MAX_KEY>::new();
    let auth = match aead.hmac() {
        Some(h) => h.device_key(auth, &mut hbuf)?,
        None => auth,
    };
    let len = cipher.len() + auth.len();
    let dst = st.key.get_mut(..len).ok_or(EINVAL)?;
    dst[..cipher.len()].copy_from_slice(cipher);
    dst[cipher.len()..].copy_from_slice(auth);
    st.len = len;
    st.cipher_len = cipher.len();
    Ok(())
}

impl Aead for VirtioAead {
    fn init(alg: &AlgData) -> Result<TfmCtx> {
        let aead = alg.aead;
        let bit = aead.bit();
        let device = alg
            .devices
            .find(|d| d.usable.aeads & bit != 0)
            .ok_or(ENODEV)?;
        let fb = AeadFallback::new(aead.name)?;
        let state = KBox::pin_init(
            new_mutex!(KeyState {
                key: Secret::new(),
                len: 0,
                cipher_len: 0,
                set: false,
                authsize: aead.maxauthsize,
            }),
            GFP_KERNEL,
        )?;
        Ok(TfmCtx {
            aead,
            device,
            fb,
            state,
            keyed: AtomicBool::new(false),
            enc_handle: AtomicU64::new(0),
            dec_handle: AtomicU64::new(0),
            salt: AtomicU32::new(0),
            key: DeviceKey::new(),
        })
    }

    fn fallback(tfm: &TfmCtx) -> &AeadFallback {
        &tfm.fb
    }

    fn setkey(alg: &AlgData, tfm: &TfmCtx, key: &[u8], authsize: u32) -> Result {
        let mut st = tfm.state.lock();
        tfm.destroy_sessions(&st);
        st.set = false;
        // The fallback checks the key as the kernel does; a bad key stops here.
        tfm.fb.setkey(key)?;
        device_key(alg.aead, key, &mut st, &tfm.salt)?;
        st.authsize = authsize;
        st.set = true;
        tfm.make_sessions(&st);
        Ok(())
    }

    fn setauthsize(alg: &AlgData, tfm: &TfmCtx, authsize: u32) -> Result {
        if !alg.aead.authsize_ok(authsize) {
            return Err(EINVAL);
        }
        tfm.fb.setauthsize(authsize)?;
        let mut st = tfm.state.lock();
        if st.authsize == authsize && (tfm.keyed.load(Ordering::Acquire) || !st.set) {
            return Ok(());
        }
        tfm.destroy_sessions(&st);
        st.authsize = authsize;
        tfm.make_sessions(&st);
        Ok(())
    }

    fn crypt(mut req: Request<Self>, encrypt: bool) -> Outcome<Self> {
        let aead = req.alg_data().aead;
        let p = match plan(&req, encrypt) {
            Ok(Some(p)) => p,
            Ok(None) => return fallback(req, encrypt),
            Err(e) => return Outcome::Failed(e, req),
        };
        let (session, device) = {
            let tfm = req.tfm_ctx();
            if !tfm.keyed.load(Ordering::Acquire) {
                return fallback(req, encrypt);
            }
            let session = if encrypt {
                &tfm.enc_handle
            } else {
                &tfm.dec_handle
            };
            (session.load(Ordering::Relaxed), tfm.device.clone())
        };
        // `max_size` bounds the sum of a request's variable-length parts.
        let total = [p.iv_len, p.aad, p.src, p.dst, p.result]
            .iter()
            .fold(0u64, |a, &n| a.saturating_add(n as u64));
        let lens = (
            u32::try_from(p.aad),
            u32::try_from(p.src),
            u32::try_from(p.dst),
        );
        let (Ok(aad32), Ok(src32), Ok(dst32)) = lens else {
            return fallback(req, encrypt);
        };
        if total > device.config.max_size || p.result > MAX_DIGEST {
            return fallback(req, encrypt);
        }
        if req.set_device_layout(p.aad, p.src, p.dst).is_err() || !req.device_view_ok() {
            return fallback(req, encrypt);
        }
        // As the generic authenc and chacha20poly1305 do, a request out of place gets the
        // AAD in dst too (gcm.c and ccm.c leave it; nobody reads it there).
        if let Err(e) = req.copy_aad_to_dst(req.assoclen()) {
            return Outcome::Failed(e, req);
        }
        let iv_len = p.iv_len as u32;
        let format = device.format();
        let chain = matches!(aead.kind, AeadKind::Authenc { .. });
        let hdr = match aead.kind {
            AeadKind::Authenc { .. } => wire::chain_data_req(
                format,
                if encrypt {
                    wire::CIPHER_ENCRYPT
                } else {
                    wire::CIPHER_DECRYPT
                },
                aead.algo,
                iv_len,
                src32,
                aad32,
                p.result as u32,
            ),
            _ => wire::aead_data_req(
                format,
                if encrypt {
                    wire::AEAD_ENCRYPT
                } else {
                    wire::AEAD_DECRYPT
                },
                aead.algo,
                iv_len,
                aad32,
                src32,
                dst32,
            ),
        };
        {
            let ctx = req.ctx();
            // The queue writes how the request names its key at every submission.
            ctx.hdr = hdr;
            ctx.session = session;
            ctx.aad_first = u8::from(chain && wire::aad_first(format));
            ctx.iv = p.iv;
            ctx.iv_len = p.iv_len;
            ctx.result_len = p.result;
            ctx.saved_len = p.dst;
            ctx.status = [0xff];
            ctx.flags = if encrypt { ENCRYPT } else { 0 };
        }
        match req.submit_any(|any| device.submit(any)) {
            // Not taken by the device (full queue without backlog, no device): the fallback
            // does it.
            Outcome::Failed(_, req) => fallback(req, encrypt),
            other => other,
        }
    }
}
