// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Fault injection state and its text command language.
//!
//! The same one-line commands come from `--fault` on the command line and
//! from the control socket (see README), so a test can script a device that
//! lies or misbehaves and change it while the guest runs.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use crate::wire::{self, parse_number, Status};

/// Which requests a status rule matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpSelector {
    Any,
    AnyData,
    AnyControl,
    CreateSession,
    DestroySession,
    Opcode(u32),
}

impl OpSelector {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "any" => OpSelector::Any,
            "data" => OpSelector::AnyData,
            "control" => OpSelector::AnyControl,
            "create-session" => OpSelector::CreateSession,
            "destroy-session" => OpSelector::DestroySession,
            "cipher-encrypt" => OpSelector::Opcode(wire::CIPHER_ENCRYPT),
            "cipher-decrypt" => OpSelector::Opcode(wire::CIPHER_DECRYPT),
            "hash" => OpSelector::Opcode(wire::HASH),
            "mac" => OpSelector::Opcode(wire::MAC),
            "aead-encrypt" => OpSelector::Opcode(wire::AEAD_ENCRYPT),
            "aead-decrypt" => OpSelector::Opcode(wire::AEAD_DECRYPT),
            other => OpSelector::Opcode(u32::try_from(parse_number(other)?).ok()?),
        })
    }

    fn matches(self, control: bool, opcode: u32) -> bool {
        let op = opcode & 0xff;
        match self {
            OpSelector::Any => true,
            OpSelector::AnyData => !control,
            OpSelector::AnyControl => control,
            // Create is op 2 for CIPHER..AEAD and 4 for AKCIPHER; destroy 3 or 5.
            OpSelector::CreateSession => control && (op == 2 || op == 4),
            OpSelector::DestroySession => control && (op == 3 || op == 5),
            OpSelector::Opcode(o) => o == opcode,
        }
    }
}

/// Fires on every `every`-th call (1 = always).
#[derive(Clone, Debug)]
struct EveryNth {
    every: u64,
    seen: u64,
}

impl EveryNth {
    fn new(every: u64) -> Self {
        EveryNth {
            every: every.max(1),
            seen: 0,
        }
    }

    fn fire(&mut self) -> bool {
        self.seen += 1;
        self.seen % self.every == 0
    }
}

#[derive(Clone, Debug)]
struct StatusRule {
    selector: OpSelector,
    status: u8,
    every: EveryNth,
}

/// How the used length is falsified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsedLenMode {
    Add(u32),
    Sub(u32),
    Set(u32),
}

#[derive(Clone, Debug, Default)]
struct Faults {
    status_rules: Vec<StatusRule>,
    delay_ms: u64,
    reorder: bool,
    used_len: Option<(UsedLenMode, EveryNth)>,
    corrupt: Option<EveryNth>,
    stalled: HashSet<u16>,
    stall_all: bool,
    refused: HashSet<(u32, u32)>,
    needs_reset: bool,
}

/// Something the backend must act on after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEvent {
    /// Queues may have become serviceable again (un-stall, fault removed).
    Kick,
    /// The device entered the needs-reset state: announce a config change.
    NeedsReset,
}

type Hook = Box<dyn Fn(FaultEvent) + Send + Sync>;
/// Reads the device's number of live sessions (for the `sessions` command).
type SessionCounter = Box<dyn Fn() -> usize + Send + Sync>;

/// Shared, mutable fault configuration of one device.
#[derive(Default)]
pub struct FaultState {
    faults: Mutex<Faults>,
    hook: Mutex<Option<Hook>>,
    sessions: Mutex<Option<SessionCounter>>,
}

impl FaultState {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Installs the callback for [`FaultEvent`]s (the vhost-user backend).
    pub fn set_hook(&self, hook: Hook) {
        *self.hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// Installs what the `sessions` command reports (the device's session table).
    pub fn set_session_counter(&self, counter: SessionCounter) {
        *self.sessions.lock().unwrap_or_else(|e| e.into_inner()) = Some(counter);
    }

    fn session_count(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map_or(0, |c| c())
    }

    fn notify(&self, ev: FaultEvent) {
        if let Some(h) = self.hook.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            h(ev);
        }
    }

    /// The status to answer instead of doing the work, if a rule fires.
    pub fn injected_status(&self, control: bool, opcode: u32) -> Option<u8> {
        let mut f = self.lock();
        f.status_rules
            .iter_mut()
            .filter(|r| r.selector.matches(control, opcode))
            .find_map(|r| r.every.fire().then_some(r.status))
    }

    /// Whether this successful output should be corrupted.
    pub fn corrupt_now(&self) -> bool {
        self.lock().corrupt.as_mut().is_some_and(|e| e.fire())
    }

    /// The used length to report instead of `len`.
    pub fn used_len(&self, len: u32) -> u32 {
        let mut f = self.lock();
        let Some((mode, every)) = f.used_len.as_mut() else {
            return len;
        };
        if !every.fire() {
            return len;
        }
        match *mode {
            UsedLenMode::Add(n) => len.wrapping_add(n),
            UsedLenMode::Sub(n) => len.wrapping_sub(n),
            UsedLenMode::Set(n) => n,
        }
    }

    /// Extra time before a completion is made visible.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.lock().delay_ms)
    }

    /// Whether completions are released in reverse order.
    pub fn reorder(&self) -> bool {
        self.lock().reorder
    }

    /// Whether queue `q` is not being serviced.
    pub fn stalled(&self, q: u16) -> bool {
        let f = self.lock();
        f.stall_all || f.stalled.contains(&q)
    }

    /// Whether session creation for this advertised algorithm is refused.
    pub fn refuses(&self, service: u32, algo: u32) -> bool {
        let f = self.lock();
        f.refused.contains(&(service, algo)) || f.refused.contains(&(service, u32::MAX))
    }

    /// Whether the device is in the needs-reset state.
    pub fn needs_reset(&self) -> bool {
        self.lock().needs_reset
    }

    /// Leaves the needs-reset state (called on device reset).
    pub fn clear_needs_reset(&self) {
        self.lock().needs_reset = false;
    }

    /// Runs one command line; returns the reply text.
    pub fn apply(&self, line: &str) -> Result<String, String> {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&cmd, args)) = words.split_first() else {
            return Err("empty command".into());
        };
        // Not a fault: what a test compares before and after to find leaked sessions.
        if cmd == "sessions" {
            return Ok(format!("sessions={}", self.session_count()));
        }
        let event = {
            let mut f = self.lock();
            apply_command(&mut f, cmd, args)?
        };
        if let Some(ev) = event {
            self.notify(ev);
        }
        Ok(if cmd == "show" { self.describe() } else { "ok".into() })
    }

    /// One line describing the active faults.
    pub fn describe(&self) -> String {
        let f = self.lock();
        let rules: Vec<String> = f
            .status_rules
            .iter()
            .map(|r| format!("{:?}->{}/every{}", r.selector, r.status, r.every.every))
            .collect();
        let mut stalled: Vec<u16> = f.stalled.iter().copied().collect();
        stalled.sort_unstable();
        format!(
            "status=[{}] delay_ms={} reorder={} used_len={:?} corrupt={} stalled={}{:?} refused={} needs_reset={}",
            rules.join(","),
            f.delay_ms,
            f.reorder,
            f.used_len.as_ref().map(|(m, e)| (*m, e.every)),
            f.corrupt.as_ref().map_or(0, |e| e.every),
            if f.stall_all { "all" } else { "" },
            stalled,
            f.refused.len(),
            f.needs_reset
        )
    }
}

/// Parses `every=N` if present (default 1).
fn every_arg(args: &[&str]) -> Result<u64, String> {
    match args.iter().find_map(|a| a.strip_prefix("every=")) {
        Some(n) => parse_number(n)
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("bad every={n}")),
        None => Ok(1),
    }
}

fn arg<'a>(args: &[&'a str], i: usize, what: &str) -> Result<&'a str, String> {
    args.get(i).copied().ok_or_else(|| format!("missing {what}"))
}

fn num_arg(args: &[&str], i: usize, what: &str) -> Result<u64, String> {
    let a = arg(args, i, what)?;
    parse_number(a).ok_or_else(|| format!("bad {what}: {a}"))
}

fn on_off(args: &[&str]) -> Result<bool, String> {
    match arg(args, 0, "on|off")? {
        "on" => Ok(true),
        "off" => Ok(false),
        other => Err(format!("expected on|off, got {other}")),
    }
}

fn apply_command(f: &mut Faults, cmd: &str, args: &[&str]) -> Result<Option<FaultEvent>, String> {
    match cmd {
        "status" => {
            let sel = arg(args, 0, "opcode")?;
            let selector = OpSelector::parse(sel).ok_or_else(|| format!("bad opcode {sel}"))?;
            let st = arg(args, 1, "status")?;
            if st == "off" {
                f.status_rules.retain(|r| r.selector != selector);
                return Ok(Some(FaultEvent::Kick));
            }
            let status = Status::parse(st).ok_or_else(|| format!("bad status {st}"))?;
            let every = EveryNth::new(every_arg(args)?);
            f.status_rules.push(StatusRule {
                selector,
                status,
                every,
            });
        }
        "delay" => f.delay_ms = num_arg(args, 0, "milliseconds")?,
        "reorder" => f.reorder = on_off(args)?,
        "used-len" => f.used_len = parse_used_len(args)?,
        "corrupt" => {
            f.corrupt = if on_off(args)? {
                Some(EveryNth::new(every_arg(args)?))
            } else {
                None
            }
        }
        "stall" | "unstall" => return stall(f, cmd == "stall", arg(args, 0, "queue|all")?),
        "refuse" | "unrefuse" => refuse(f, cmd == "refuse", arg(args, 0, "service:algo")?)?,
        "needs-reset" => {
            f.needs_reset = true;
            return Ok(Some(FaultEvent::NeedsReset));
        }
        "clear" => {
            *f = Faults::default();
            return Ok(Some(FaultEvent::Kick));
        }
        "show" => {}
        other => return Err(format!("unknown command {other}")),
    }
    Ok(None)
}

fn parse_used_len(args: &[&str]) -> Result<Option<(UsedLenMode, EveryNth)>, String> {
    let mode = match arg(args, 0, "add|sub|set|off")? {
        "off" => return Ok(None),
        "add" => UsedLenMode::Add(num_arg(args, 1, "bytes")? as u32),
        "sub" => UsedLenMode::Sub(num_arg(args, 1, "bytes")? as u32),
        "set" => UsedLenMode::Set(num_arg(args, 1, "bytes")? as u32),
        other => return Err(format!("bad used-len mode {other}")),
    };
    Ok(Some((mode, EveryNth::new(every_arg(args)?))))
}

fn stall(f: &mut Faults, on: bool, which: &str) -> Result<Option<FaultEvent>, String> {
    if which == "all" {
        f.stall_all = on;
        if !on {
            f.stalled.clear();
        }
    } else {
        let q = parse_number(which)
            .and_then(|q| u16::try_from(q).ok())
            .ok_or_else(|| format!("bad queue {which}"))?;
        if on {
            f.stalled.insert(q);
        } else {
            f.stalled.remove(&q);
        }
    }
    Ok((!on).then_some(FaultEvent::Kick))
}

/// `service:algo`, e.g. `cipher:aes-cbc`, `aead:3`, `mac:*`.
fn refuse(f: &mut Faults, on: bool, spec: &str) -> Result<(), String> {
    let (svc, algo) = spec
        .split_once(':')
        .ok_or_else(|| format!("expected service:algo, got {spec}"))?;
    let service = crate::algo_names::service_by_name(svc).ok_or_else(|| format!("bad service {svc}"))?;
    let algo = if algo == "*" {
        u32::MAX
    } else {
        crate::algo_names::algo_by_name(service, algo).ok_or_else(|| format!("bad algorithm {algo}"))?
    };
    if on {
        f.refused.insert((service, algo));
    } else {
        f.refused.remove(&(service, algo));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_rule_every_nth() {
        let s = FaultState::new();
        s.apply("status hash badmsg every=2").unwrap();
        assert_eq!(s.injected_status(false, wire::HASH), None);
        assert_eq!(s.injected_status(false, wire::HASH), Some(2));
        assert_eq!(s.injected_status(false, wire::MAC), None);
        s.apply("status hash off").unwrap();
        assert_eq!(s.injected_status(false, wire::HASH), None);
    }

    #[test]
    fn control_selectors() {
        let s = FaultState::new();
        s.apply("status create-session nospc").unwrap();
        assert_eq!(s.injected_status(true, wire::AEAD_CREATE_SESSION), Some(5));
        assert_eq!(s.injected_status(true, wire::AEAD_DESTROY_SESSION), None);
        assert_eq!(s.injected_status(false, wire::CIPHER_ENCRYPT), None);
    }

    #[test]
    fn session_count() {
        let s = FaultState::new();
        assert_eq!(s.apply("sessions").unwrap(), "sessions=0");
        s.set_session_counter(Box::new(|| 3));
        assert_eq!(s.apply("sessions").unwrap(), "sessions=3");
    }

    #[test]
    fn other_faults() {
        let s = FaultState::new();
        s.apply("used-len add 7").unwrap();
        assert_eq!(s.used_len(10), 17);
        s.apply("stall 2").unwrap();
        assert!(s.stalled(2) && !s.stalled(1));
        s.apply("unstall all").unwrap();
        assert!(!s.stalled(2));
        s.apply("refuse cipher:aes-cbc").unwrap();
        assert!(s.refuses(wire::SERVICE_CIPHER, wire::CIPHER_AES_CBC));
        s.apply("corrupt on every=3").unwrap();
        assert!(!s.corrupt_now() && !s.corrupt_now() && s.corrupt_now());
        s.apply("needs-reset").unwrap();
        assert!(s.needs_reset());
        s.apply("clear").unwrap();
        assert!(!s.needs_reset() && s.used_len(10) == 10);
        assert!(s.apply("bogus").is_err());
        assert!(s.apply("status nothing ok").is_err());
        assert!(s.apply("show").unwrap().contains("delay_ms=0"));
    }
}
