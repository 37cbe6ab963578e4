// SPDX-License-Identifier: Apache-2.0 OR BSD-3-Clause
//! Fault injection state and its text command language.
//!
//! The same one-line commands come from `--fault` on the command line and
//! from the control socket (see README), so a test can script a device that
//! lies or misbehaves and change it while the guest runs.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};
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
    /// Stateless data requests (REVISION_1, `flag` without SESSION_MODE) of one service
    /// (`VIRTIO_CRYPTO_SERVICE_*`), or of every one.
    Stateless(Option<u32>),
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
            "stateless" => OpSelector::Stateless(None),
            "stateless-cipher" => OpSelector::Stateless(Some(wire::SERVICE_CIPHER)),
            "stateless-hash" => OpSelector::Stateless(Some(wire::SERVICE_HASH)),
            "stateless-mac" => OpSelector::Stateless(Some(wire::SERVICE_MAC)),
            "stateless-aead" => OpSelector::Stateless(Some(wire::SERVICE_AEAD)),
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
            OpSelector::Stateless(_) => false,
        }
    }

    fn matches_stateless(self, opcode: u32) -> bool {
        match self {
            OpSelector::Stateless(service) => service.is_none_or(|s| s == opcode >> 8),
            _ => false,
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

/// How a completion's used-ring id is falsified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UsedIdMode {
    /// Publish the completed id a second time, right behind the first.
    Dup,
    /// Also publish an id the driver never made available (in range if the
    /// queue has one the device never saw as a head, else the queue size).
    Unknown,
}

/// A `struct virtio_crypto_config` field the `config` command overrides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigField {
    Status,
    MaxDataqueues,
    Services,
    CipherAlgos,
    HashAlgos,
    MacAlgos,
    AeadAlgos,
    MaxCipherKeyLen,
    MaxAuthKeyLen,
    AkcipherAlgos,
    MaxSize,
}

impl ConfigField {
    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "status" => ConfigField::Status,
            "max-dataqueues" => ConfigField::MaxDataqueues,
            "services" => ConfigField::Services,
            "cipher" => ConfigField::CipherAlgos,
            "hash" => ConfigField::HashAlgos,
            "mac" => ConfigField::MacAlgos,
            "aead" => ConfigField::AeadAlgos,
            "max-cipher-key-len" => ConfigField::MaxCipherKeyLen,
            "max-auth-key-len" => ConfigField::MaxAuthKeyLen,
            "akcipher" => ConfigField::AkcipherAlgos,
            "max-size" => ConfigField::MaxSize,
            _ => return None,
        })
    }

    /// Byte offset and width in the config space (`include/uapi/linux/virtio_crypto.h`);
    /// the 64-bit algorithm masks are the `_l`/`_h` pairs.
    pub fn layout(self) -> (usize, usize) {
        match self {
            ConfigField::Status => (0, 4),
            ConfigField::MaxDataqueues => (4, 4),
            ConfigField::Services => (8, 4),
            ConfigField::CipherAlgos => (12, 8),
            ConfigField::HashAlgos => (20, 4),
            ConfigField::MacAlgos => (24, 8),
            ConfigField::AeadAlgos => (32, 4),
            ConfigField::MaxCipherKeyLen => (36, 4),
            ConfigField::MaxAuthKeyLen => (40, 4),
            ConfigField::AkcipherAlgos => (44, 4),
            ConfigField::MaxSize => (48, 8),
        }
    }
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
    used_id: Option<(UsedIdMode, EveryNth)>,
    config: BTreeMap<ConfigField, u64>,
}

/// Something the backend must act on after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultEvent {
    /// Queues may have become serviceable again (un-stall, fault removed).
    Kick,
    /// The device entered the needs-reset state: announce a config change.
    NeedsReset,
    /// The configuration space changed (or a test asks for the notification
    /// alone): announce a config change.
    ConfigChange,
}

type Hook = Box<dyn Fn(FaultEvent) + Send + Sync>;

/// What the fault channel reaches of the device's session table: its size (the `sessions`
/// command) and losing it without a reset (`forget-sessions`).
pub trait SessionControl: Send + Sync {
    /// The number of live sessions.
    fn count(&self) -> usize;
    /// Drops every session; the driver's live ones get INVSESS from now on.
    fn forget(&self);
}

impl Faults {
    /// No fault is set (every field named, so that a new one is not forgotten).
    fn is_idle(&self) -> bool {
        let Faults {
            status_rules,
            delay_ms,
            reorder,
            used_len,
            corrupt,
            stalled,
            stall_all,
            refused,
            needs_reset,
            used_id,
            config,
        } = self;
        status_rules.is_empty()
            && *delay_ms == 0
            && !reorder
            && used_len.is_none()
            && corrupt.is_none()
            && stalled.is_empty()
            && !stall_all
            && refused.is_empty()
            && !needs_reset
            && used_id.is_none()
            && config.is_empty()
    }
}

/// What the fault channel reads of the device's queue workers (the
/// `queue-stats` command).
pub trait QueueReport: Send + Sync {
    /// One line: each queue's requests, wake-ups and busy time.
    fn report(&self) -> String;
}

/// Shared, mutable fault configuration of one device.
#[derive(Default)]
pub struct FaultState {
    faults: Mutex<Faults>,
    /// Whether any fault is set. Every queue asks several questions per
    /// request; while no fault is set they read this flag alone instead of
    /// taking the lock all queues share.
    armed: AtomicBool,
    hook: Mutex<Option<Hook>>,
    sessions: Mutex<Option<Box<dyn SessionControl>>>,
    queue_report: Mutex<Option<Box<dyn QueueReport>>>,
}

impl FaultState {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Faults> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The faults, when any is set.
    fn active(&self) -> Option<MutexGuard<'_, Faults>> {
        self.armed.load(Ordering::Acquire).then(|| self.lock())
    }

    /// Changes the faults; the flag follows under the lock.
    fn change<R>(&self, f: impl FnOnce(&mut Faults) -> R) -> R {
        let mut faults = self.lock();
        let r = f(&mut faults);
        self.armed.store(!faults.is_idle(), Ordering::Release);
        r
    }

    /// Installs the callback for [`FaultEvent`]s (the vhost-user backend).
    pub fn set_hook(&self, hook: Hook) {
        *self.hook.lock().unwrap_or_else(|e| e.into_inner()) = Some(hook);
    }

    /// Installs the device's session table for the `sessions` and `forget-sessions`
    /// commands.
    pub fn set_sessions(&self, sessions: Box<dyn SessionControl>) {
        *self.sessions.lock().unwrap_or_else(|e| e.into_inner()) = Some(sessions);
    }

    /// Installs the device's queue counters for the `queue-stats` command.
    pub fn set_queue_report(&self, report: Box<dyn QueueReport>) {
        *self.queue_report.lock().unwrap_or_else(|e| e.into_inner()) = Some(report);
    }

    fn session_count(&self) -> usize {
        self.sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map_or(0, |s| s.count())
    }

    fn forget_sessions(&self) {
        if let Some(s) = self.sessions.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            s.forget();
        }
    }

    fn notify(&self, ev: FaultEvent) {
        if let Some(h) = self.hook.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
            h(ev);
        }
    }

    /// The status to answer instead of doing the work, if a rule fires.
    pub fn injected_status(&self, control: bool, opcode: u32) -> Option<u8> {
        let mut f = self.active()?;
        f.status_rules
            .iter_mut()
            .filter(|r| r.selector.matches(control, opcode))
            .find_map(|r| r.every.fire().then_some(r.status))
    }

    /// The status to answer a stateless data request instead of doing the work, if a
    /// `stateless` rule fires.
    pub fn injected_stateless_status(&self, opcode: u32) -> Option<u8> {
        let mut f = self.active()?;
        f.status_rules
            .iter_mut()
            .filter(|r| r.selector.matches_stateless(opcode))
            .find_map(|r| r.every.fire().then_some(r.status))
    }

    /// Whether this successful output should be corrupted.
    pub fn corrupt_now(&self) -> bool {
        self.active()
            .is_some_and(|mut f| f.corrupt.as_mut().is_some_and(|e| e.fire()))
    }

    /// The used length to report instead of `len`.
    pub fn used_len(&self, len: u32) -> u32 {
        let Some(mut f) = self.active() else {
            return len;
        };
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

    /// The falsified id to publish with this completion, if the rule fires.
    pub fn used_id(&self) -> Option<UsedIdMode> {
        let mut f = self.active()?;
        let (mode, every) = f.used_id.as_mut()?;
        every.fire().then_some(*mode)
    }

    /// Writes the `config` overrides over the configuration space `cfg`.
    pub fn override_config(&self, cfg: &mut [u8]) {
        for (field, value) in &self.lock().config {
            let (off, width) = field.layout();
            if let Some(dst) = cfg.get_mut(off..off + width) {
                dst.copy_from_slice(&value.to_le_bytes()[..width]);
            }
        }
    }

    /// Extra time before a completion is made visible.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.active().map_or(0, |f| f.delay_ms))
    }

    /// Whether completions are released in reverse order.
    pub fn reorder(&self) -> bool {
        self.active().is_some_and(|f| f.reorder)
    }

    /// Whether queue `q` is not being serviced.
    pub fn stalled(&self, q: u16) -> bool {
        self.active().is_some_and(|f| f.stall_all || f.stalled.contains(&q))
    }

    /// Whether session creation for this advertised algorithm is refused.
    pub fn refuses(&self, service: u32, algo: u32) -> bool {
        let f = self.lock();
        f.refused.contains(&(service, algo)) || f.refused.contains(&(service, u32::MAX))
    }

    /// Whether the device is in the needs-reset state.
    pub fn needs_reset(&self) -> bool {
        self.active().is_some_and(|f| f.needs_reset)
    }

    /// Leaves the needs-reset state (called on device reset).
    pub fn clear_needs_reset(&self) {
        self.change(|f| f.needs_reset = false);
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
        // Not a fault either: what the benchmark reads around a load.
        if cmd == "queue-stats" {
            let report = self.queue_report.lock().unwrap_or_else(|e| e.into_inner());
            return Ok(report.as_ref().map_or_else(String::new, |r| r.report()));
        }
        // An event, not a standing fault: the device loses its sessions without a reset.
        if cmd == "forget-sessions" {
            self.forget_sessions();
            return Ok("ok".into());
        }
        let event = self.change(|f| apply_command(f, cmd, args))?;
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
        let config: Vec<String> = f.config.iter().map(|(k, v)| format!("{k:?}={v:#x}")).collect();
        format!(
            "status=[{}] delay_ms={} reorder={} used_len={:?} corrupt={} stalled={}{:?} refused={} needs_reset={} \
             used_id={:?} config=[{}]",
            rules.join(","),
            f.delay_ms,
            f.reorder,
            f.used_len.as_ref().map(|(m, e)| (*m, e.every)),
            f.corrupt.as_ref().map_or(0, |e| e.every),
            if f.stall_all { "all" } else { "" },
            stalled,
            f.refused.len(),
            f.needs_reset,
            f.used_id.as_ref().map(|(m, e)| (*m, e.every)),
            config.join(",")
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
        "used-id" => f.used_id = parse_used_id(args)?,
        "config" => return config(f, args),
        "config-change" => return Ok(Some(FaultEvent::ConfigChange)),
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

fn parse_used_id(args: &[&str]) -> Result<Option<(UsedIdMode, EveryNth)>, String> {
    let mode = match arg(args, 0, "dup|unknown|off")? {
        "off" => return Ok(None),
        "dup" => UsedIdMode::Dup,
        "unknown" => UsedIdMode::Unknown,
        other => return Err(format!("bad used-id mode {other}")),
    };
    Ok(Some((mode, EveryNth::new(every_arg(args)?))))
}

/// `config FIELD VALUE [notify]`, `config FIELD off`, `config off`.
fn config(f: &mut Faults, args: &[&str]) -> Result<Option<FaultEvent>, String> {
    let name = arg(args, 0, "field|off")?;
    if name == "off" {
        f.config.clear();
        return Ok(None);
    }
    let field = ConfigField::parse(name).ok_or_else(|| format!("bad config field {name}"))?;
    let value = arg(args, 1, "value|off")?;
    if value == "off" {
        f.config.remove(&field);
    } else {
        let v = parse_number(value).ok_or_else(|| format!("bad value {value}"))?;
        if field.layout().1 == 4 && v > u64::from(u32::MAX) {
            return Err(format!("{name} is 32 bits wide: {value}"));
        }
        f.config.insert(field, v);
    }
    Ok(args
        .get(2)
        .is_some_and(|&a| a == "notify")
        .then_some(FaultEvent::ConfigChange))
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
    fn stateless_rule_matches_only_stateless_requests_of_its_service() {
        let s = FaultState::new();
        s.apply("status stateless-mac notsupp").unwrap();
        assert_eq!(s.injected_status(false, wire::MAC), None);
        assert_eq!(s.injected_stateless_status(wire::MAC), Some(3));
        assert_eq!(s.injected_stateless_status(wire::HASH), None);
        s.apply("status stateless-mac off").unwrap();
        assert_eq!(s.injected_stateless_status(wire::MAC), None);
        s.apply("status stateless err").unwrap();
        assert_eq!(s.injected_stateless_status(wire::CIPHER_ENCRYPT), Some(1));
    }

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

    struct FakeTable(std::sync::atomic::AtomicUsize);

    impl SessionControl for std::sync::Arc<FakeTable> {
        fn count(&self) -> usize {
            self.0.load(std::sync::atomic::Ordering::Relaxed)
        }
        fn forget(&self) {
            self.0.store(0, std::sync::atomic::Ordering::Relaxed);
        }
    }

    #[test]
    fn sessions_counted_and_forgotten() {
        let s = FaultState::new();
        assert_eq!(s.apply("sessions").unwrap(), "sessions=0");
        let table = std::sync::Arc::new(FakeTable(3.into()));
        s.set_sessions(Box::new(table.clone()));
        assert_eq!(s.apply("sessions").unwrap(), "sessions=3");
        assert_eq!(s.apply("forget-sessions").unwrap(), "ok");
        assert_eq!(s.apply("sessions").unwrap(), "sessions=0");
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

    #[test]
    fn queue_stats_read_from_the_device() {
        let s = FaultState::new();
        assert_eq!(s.apply("queue-stats").unwrap(), "");
        let stats = std::sync::Arc::new(crate::queue_stats::QueueStats::new(1));
        s.set_queue_report(Box::new(std::sync::Arc::downgrade(&stats)));
        stats.record(0, 2, Duration::from_micros(3));
        assert_eq!(s.apply("queue-stats").unwrap(), "q0 requests=2 wakeups=1 busy_us=3");
        assert!(!s.armed.load(Ordering::Acquire));
    }

    #[test]
    fn the_lock_free_flag_follows_every_fault() {
        let s = FaultState::new();
        assert!(!s.armed.load(Ordering::Acquire));
        for cmd in [
            "status hash err",
            "delay 5",
            "reorder on",
            "used-len add 1",
            "corrupt on",
            "stall 1",
            "refuse cipher:aes-cbc",
            "needs-reset",
            "used-id dup",
            "config services 0x1",
        ] {
            s.apply(cmd).unwrap();
            assert!(s.armed.load(Ordering::Acquire), "{cmd}");
            s.apply("clear").unwrap();
            assert!(!s.armed.load(Ordering::Acquire), "{cmd} cleared");
        }
        s.apply("needs-reset").unwrap();
        s.clear_needs_reset();
        assert!(!s.armed.load(Ordering::Acquire));
        s.apply("stall 1").unwrap();
        s.apply("unstall all").unwrap();
        assert!(!s.armed.load(Ordering::Acquire));
    }

    #[test]
    fn used_id_every_nth() {
        let s = FaultState::new();
        assert_eq!(s.used_id(), None);
        s.apply("used-id dup every=2").unwrap();
        assert_eq!((s.used_id(), s.used_id()), (None, Some(UsedIdMode::Dup)));
        s.apply("used-id unknown").unwrap();
        assert_eq!(s.used_id(), Some(UsedIdMode::Unknown));
        assert!(s.apply("show").unwrap().contains("used_id=Some((Unknown, 1))"));
        s.apply("used-id off").unwrap();
        assert_eq!(s.used_id(), None);
        assert!(s.apply("used-id twice").is_err());
    }

    #[test]
    fn config_overrides() {
        let s = FaultState::new();
        let events = std::sync::Arc::new(Mutex::new(Vec::new()));
        let seen = events.clone();
        s.set_hook(Box::new(move |ev| seen.lock().unwrap().push(ev)));
        s.apply("config services 0x1").unwrap();
        s.apply("config cipher 0x100000004 notify").unwrap();
        s.apply("config max-size 0x123456789").unwrap();
        assert_eq!(*events.lock().unwrap(), [FaultEvent::ConfigChange]);
        let mut cfg = [0xaau8; wire::CONFIG_LEN];
        s.override_config(&mut cfg);
        assert_eq!(wire::le32(&cfg, 8), 1);
        assert_eq!((wire::le32(&cfg, 12), wire::le32(&cfg, 16)), (4, 1));
        assert_eq!(wire::le64(&cfg, 48), 0x123456789);
        assert_eq!(wire::le32(&cfg, 4), 0xaaaaaaaa);
        s.apply("config services off").unwrap();
        let mut cfg = [0u8; wire::CONFIG_LEN];
        s.override_config(&mut cfg);
        assert_eq!(wire::le32(&cfg, 8), 0);
        assert!(s.apply("config max-dataqueues 0x100000000").is_err());
        assert!(s.apply("config colour 1").is_err());
        s.apply("config-change").unwrap();
        assert_eq!(events.lock().unwrap().last(), Some(&FaultEvent::ConfigChange));
        s.apply("config off").unwrap();
        assert!(s.apply("show").unwrap().contains("config=[]"));
        s.apply("config status 0").unwrap();
        s.apply("clear").unwrap();
        assert!(s.apply("show").unwrap().contains("config=[]"));
    }
}
