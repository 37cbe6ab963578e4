// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! The fault control socket: one text command per line, one reply per line.
//!
//! Replies are `ok`, `ok <state>` for `show`, or `err <reason>`. Any number
//! of clients may connect; each gets its own thread.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Arc;
use std::thread;

use log::{info, warn};

use crate::fault::FaultState;

/// Binds `path` (replacing a stale socket) and serves it on a thread.
pub fn spawn(path: &Path, faults: Arc<FaultState>) -> std::io::Result<()> {
    let _ = std::fs::remove_file(path);
    let listener = UnixListener::bind(path)?;
    info!("fault control socket at {}", path.display());
    thread::Builder::new().name("fault-socket".into()).spawn(move || {
        for conn in listener.incoming() {
            match conn {
                Ok(stream) => {
                    let faults = faults.clone();
                    let _ = thread::Builder::new()
                        .name("fault-client".into())
                        .spawn(move || serve_client(stream, &faults));
                }
                Err(e) => warn!("fault socket accept: {e}"),
            }
        }
    })?;
    Ok(())
}

fn serve_client(stream: UnixStream, faults: &FaultState) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    for line in BufReader::new(stream).lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        let reply = match faults.apply(&line) {
            Ok(text) if text == "ok" => "ok".to_string(),
            Ok(text) => format!("ok {text}"),
            Err(e) => format!("err {e}"),
        };
        info!("fault command '{}': {reply}", line.trim());
        if writeln!(out, "{reply}").is_err() {
            break;
        }
    }
}
