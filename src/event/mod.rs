//! Event notification (SPEC §5, seed 004: LifeKeeper's `sendevent`). An
//! event is `CLASS/EVENT` with a monitor name, an object instance and a
//! severity; its handlers are the executables registered under
//! `$EVENTS/CLASS/EVENT/` and `$EVENTS/allclass/`. The `sendevent` command
//! and every monitor (pcheck, clp_sambamon, clp_nfsmon, the pmfadm
//! supervisor) raise events through this module:
//!
//! - [`registry`]: where the registry is; whether an event directory exists
//! - [`validate`]: the seed's limits on the values
//! - [`id`]: unique event ids
//! - [`handlers`]: which files are run, and root's safety checks
//! - [`launch`]: the detached runner, time limits, outcome logging
//!
//! [`raise`] is the monitors' entry: no allocation, and nothing at all but
//! one `stat` when the event has no directory.

pub mod handlers;
pub mod id;
pub mod launch;
pub mod registry;
pub mod validate;

pub use id::EventId;

/// An event a monitor raises (the event table of the README).
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    pub class: &'a str,
    pub event: &'a str,
    /// The applet: MONITOR is `mamori:APPLET` (cut to 16 characters).
    pub applet: &'a str,
    /// The object instance (process name, monitor ID, nametag); cut to 64
    /// characters, characters that are not printable ASCII become `?`.
    pub instance: &'a str,
    /// 0 CLEARED … 5 CRITICAL.
    pub severity: u8,
    /// The alarm a CLEARED event clears (`-i`); `None`: a new id.
    pub clears: Option<&'a str>,
}

/// Raises `ev` when its directory exists: starts the detached runner of
/// its handlers and returns the event's id without waiting for any of
/// them. `None`: no such event directory (or the fork failed). Allocates
/// nothing in the calling process; only for single-threaded callers.
pub fn raise(ev: &Event<'_>) -> Option<EventId> {
    // The built-in handler: a monitor started by a Pacemaker agent that
    // declares its service failed (a CRITICAL event) tells the cluster at
    // once. Outside an agent it does nothing and allocates nothing.
    if ev.severity >= 5 {
        let i = ev.instance;
        match (ev.class, ev.event) {
            ("pcheck", "retry_over") => {
                crate::ocf::fail_fast::declared(format_args!("PENT {i} is RETRY_OVER"))
            }
            ("pmf", "gave_up") => crate::ocf::fail_fast::declared(format_args!("pmf {i}: gave up")),
            (class, "failed") => crate::ocf::fail_fast::declared(format_args!(
                "{class} {i}: the server failed RETRIES checks in a row"
            )),
            (class, event) => crate::ocf::fail_fast::declared(format_args!("{class}/{event} {i}")),
        }
    }
    if !registry::event_dir_exists(ev.class, ev.event) {
        return None;
    }
    let id = match ev.clears {
        Some(given) => {
            let mut id = EventId::new();
            id.push_str(&given[..given.len().min(id.capacity())]).ok()?;
            id
        }
        None => id::new_id(),
    };
    launch::detached(|| launch::Launch {
        class: ev.class.to_string(),
        event: ev.event.to_string(),
        id: id.to_string(),
        words: words(ev, &id),
    })
    .ok()?;
    Some(id)
}

/// The options a monitor's event passes to its handlers, as sendevent
/// would be called: `-C -E -m -n -s -i`.
fn words(ev: &Event<'_>, id: &str) -> Vec<String> {
    let clean = |s: &str, max: usize| -> String {
        s.chars()
            .map(|c| if (' '..='~').contains(&c) { c } else { '?' })
            .take(max)
            .collect()
    };
    let monitor = format!("mamori:{}", clean(ev.applet, validate::COMPONENT_MAX));
    let instance = clean(ev.instance, validate::INSTANCE_MAX);
    let instance = if instance.is_empty() {
        "?".into()
    } else {
        instance
    };
    [
        "-C",
        ev.class,
        "-E",
        ev.event,
        "-m",
        &monitor,
        "-n",
        &instance,
        "-s",
        &ev.severity.min(5).to_string(),
        "-i",
        id,
    ]
    .iter()
    .map(|w| w.to_string())
    .collect()
}
