// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! HASH and MAC service requests: one whole message in, a digest out.

use std::sync::Arc;

use super::Req;
use crate::session::{check_auth_key_len, HashSession, MacSession, Session};
use crate::wire::Status;

/// Result length: the request's, or the session's when the request says 0;
/// never more than the algorithm produces.
fn result_len(requested: u32, session_len: usize, full: usize) -> Result<usize, Status> {
    let n = if requested == 0 {
        session_len
    } else {
        requested as usize
    };
    if n > full {
        return Err(Status::Err);
    }
    Ok(n)
}

pub(super) fn hash(req: &mut Req) -> Result<(), Status> {
    let p = if req.stateless_layout { 4 } else { 0 };
    let (src_len, res_len) = (req.field(p), req.field(p + 4));
    let session = if req.session_mode {
        req.session()?
    } else {
        Arc::new(Session::Hash(HashSession::new(req.dev, req.field(0), 0)?))
    };
    let Session::Hash(hs) = &*session else {
        return Err(Status::InvSess);
    };
    let n = result_len(res_len, hs.result_len, hs.alg.digest_len())?;
    req.budget(&[src_len], &[n as u32])?;
    let data = req.take(src_len)?;
    let d = data.with(|d| hs.alg.digest(&[d]));
    req.write_outputs(&[(0, &d[..n])])
}

pub(super) fn mac(req: &mut Req) -> Result<(), Status> {
    let p = if req.stateless_layout { 8 } else { 0 };
    let (src_len, res_len) = (req.field(p), req.field(p + 4));
    let key_len = if req.session_mode { 0 } else { req.field(4) };
    let session = if req.session_mode { Some(req.session()?) } else { None };
    req.budget(&[key_len, src_len], &[])?;
    let session = match session {
        Some(s) => s,
        None => {
            check_auth_key_len(req.dev, key_len)?;
            let key = req.read(key_len)?;
            Arc::new(Session::Mac(MacSession::new(req.dev, req.field(0), 0, &key)?))
        }
    };
    let Session::Mac(ms) = &*session else {
        return Err(Status::InvSess);
    };
    let n = result_len(res_len, ms.result_len, ms.key.mac_len())?;
    req.budget(&[], &[n as u32])?;
    let data = req.take(src_len)?;
    let m = data.with(|d| ms.key.compute(&[d]));
    req.write_outputs(&[(0, &m[..n])])
}
