//! `mamori status`: everything mamori watches on this node, read straight
//! from the registries (pcheck segments, the fsmon and pmf registries)
//! without disturbing their owners: a table, `--json`, or `--prometheus`
//! (node_exporter textfile format). Exit 0 when all is healthy, 1 when
//! anything is down, failing, in RETRY_OVER or its monitor is gone, 2 on
//! a usage error.

use std::fmt::Write as _;
use std::process::ExitCode;

use crate::args::Cursor;
use crate::fsmon::registry::{self as fsmon, Applet};
use crate::pcheck::state::{self as pstate, ProcSts};
use crate::pmf::registry::{self as pmf, state as pmf_state};

use super::fail;

const USAGE: &str = "usage: mamori status [--json | --prometheus]";

const HELP: &str = "
Shows one line per pcheck PENT, clp_sambamon / clp_nfsmon ID and pmf
nametag on this node: kind, name, state, pids, restarts, last change and
the pid of the monitor that owns it.

  --json        one JSON document (keys in the README)
  --prometheus  metrics in the node_exporter textfile format

Exit status: 0 all healthy, 1 something is down, failing, in RETRY_OVER,
or its monitor is gone (or a registry cannot be read), 2 usage error.

Environment: MAMORI_FSMON_IPCKEY, MAMORI_PMF_IPCKEY (the registry keys,
as for the applets); pcheck segments are found by scanning
/proc/sysvipc/shm.";

crate::exit_statuses! {
    /// Exit statuses.
    pub enum Status {
        Healthy = 0,
        Unhealthy = 1,
        Usage = 2,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
    Prometheus,
}

/// One watched thing.
#[derive(Debug, Clone)]
struct Item {
    kind: &'static str,
    name: String,
    state: &'static str,
    /// "failing 2 of 3" and the like; empty when the state says it all.
    detail: String,
    healthy: bool,
    pids: Vec<i32>,
    restarts: u64,
    check_failures: u32,
    /// Unix time; 0 when unknown.
    last_change: i64,
    owner: i32,
    /// The pfile, share, export or command.
    target: String,
}

pub fn main(mut args: Cursor) -> ExitCode {
    let mut format = Format::Table;
    while let Some(word) = args.next() {
        match word.as_str() {
            "--json" => format = Format::Json,
            "--prometheus" => format = Format::Prometheus,
            "-h" | "--help" => {
                println!("{USAGE}\n{HELP}");
                return Status::Healthy.into();
            }
            other => {
                return fail(
                    "mamori status",
                    format_args!("unexpected argument {other:?} ({USAGE})"),
                    Status::Usage,
                );
            }
        }
    }
    let mut errors = Vec::new();
    let mut items = Vec::new();
    collect_pcheck(&mut items, &mut errors);
    collect_fsmon(&mut items, &mut errors);
    collect_pmf(&mut items, &mut errors);
    for e in &errors {
        eprintln!("mamori status: {e}");
    }
    let out = match format {
        Format::Table => table(&items),
        Format::Json => json(&items, errors.is_empty()),
        Format::Prometheus => prometheus(&items, errors.is_empty()),
    };
    print!("{out}");
    if errors.is_empty() && items.iter().all(|i| i.healthy) {
        Status::Healthy.into()
    } else {
        Status::Unhealthy.into()
    }
}

fn collect_pcheck(items: &mut Vec<Item>, errors: &mut Vec<String>) {
    let found = match pstate::find_all() {
        Ok(f) => f,
        Err(e) => {
            errors.push(format!("/proc/sysvipc/shm: {e}"));
            return;
        }
    };
    for (_, snap) in found {
        let snap = match snap {
            Ok(s) => s,
            Err(e) => {
                errors.push(e.to_string());
                continue;
            }
        };
        let alive = snap.owner_alive();
        for e in &snap.entries {
            let (state, healthy) = match (alive, e.proc_sts) {
                (false, _) => ("stale", false),
                (true, ProcSts::Avail) => ("AVAIL", true),
                (true, s) => (s.name(), false),
            };
            items.push(Item {
                kind: "pcheck",
                name: e.pname.clone(),
                state,
                detail: if alive {
                    String::new()
                } else {
                    format!("pcheck[{}] is gone", snap.owner.pid)
                },
                healthy,
                pids: e.pids.clone(),
                restarts: e.restarts_total.into(),
                check_failures: e.retry_count,
                last_change: e.last_change,
                owner: snap.owner.pid,
                target: snap.pfile.clone(),
            });
        }
    }
}

fn collect_fsmon(items: &mut Vec<Item>, errors: &mut Vec<String>) {
    let key = match fsmon::key_from_env() {
        Ok(k) => k,
        Err(e) => return errors.push(e),
    };
    let list = match fsmon::Registry::new(key).list() {
        Ok(l) => l,
        Err(e) => return errors.push(e.to_string()),
    };
    for (e, id, target) in list {
        let (state, detail, healthy) = if !e.alive() {
            ("dead", format!("pid {} is gone", e.owner.pid), false)
        } else if e.paused {
            ("paused", String::new(), true)
        } else if e.failures > 0 {
            (
                "failing",
                format!("failing {} of {}", e.failures, e.retries),
                false,
            )
        } else {
            ("watching", String::new(), true)
        };
        items.push(Item {
            kind: match e.applet {
                Applet::Samba => "clp_sambamon",
                Applet::Nfs => "clp_nfsmon",
            },
            name: id,
            state,
            detail,
            healthy,
            pids: vec![e.owner.pid],
            restarts: 0,
            check_failures: e.failures,
            last_change: e.last_change,
            owner: e.owner.pid,
            target,
        });
    }
}

fn collect_pmf(items: &mut Vec<Item>, errors: &mut Vec<String>) {
    let key = match pmf::key_from_env() {
        Ok(k) => k,
        Err(e) => return errors.push(e),
    };
    let entries = match pmf::Registry::new(key).entries() {
        Ok(l) => l,
        Err(e) => return errors.push(e.to_string()),
    };
    for e in entries {
        let (state, healthy) = match e.state {
            pmf_state::ACTION => ("action", false),
            pmf_state::STOPPING => ("stopping", true),
            _ if e.pids.is_empty() => ("restarting", false),
            _ => ("running", true),
        };
        items.push(Item {
            kind: "pmf",
            name: e.tag.clone(),
            state,
            detail: String::new(),
            healthy,
            pids: e.pids.clone(),
            restarts: e.restarts.into(),
            check_failures: 0,
            last_change: if e.last_restart > 0 {
                e.last_restart
            } else {
                e.started
            },
            owner: e.sup.pid,
            target: e.command.clone(),
        });
    }
}

fn table(items: &[Item]) -> String {
    let mut out = String::new();
    let name_w = items.iter().map(|i| i.name.len()).max().unwrap_or(4).max(4);
    let state_w = items
        .iter()
        .map(|i| state_text(i).len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:<12}  {:<name_w$}  {:<state_w$}  {:<12}  {:>8}  {:<19}  OWNER",
        "KIND", "NAME", "STATE", "PIDS", "RESTARTS", "LAST CHANGE"
    );
    for i in items {
        let pids = if i.pids.is_empty() {
            "-".to_string()
        } else {
            i.pids
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut when = String::new();
        if i.last_change > 0 {
            let t = crate::sys::clock::local(i.last_change);
            let _ = write!(
                when,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                t.year,
                t.month + 1,
                t.mday,
                t.hour,
                t.min,
                t.sec
            );
        } else {
            when.push('-');
        }
        let _ = writeln!(
            out,
            "{:<12}  {:<name_w$}  {:<state_w$}  {:<12}  {:>8}  {:<19}  {}",
            i.kind,
            i.name,
            state_text(i),
            pids,
            i.restarts,
            when,
            i.owner
        );
    }
    out
}

fn state_text(i: &Item) -> String {
    if i.detail.is_empty() || i.state == "failing" {
        if i.state == "failing" {
            return i.detail.clone();
        }
        i.state.to_string()
    } else {
        format!("{} ({})", i.state, i.detail)
    }
}

/// A JSON string literal (RFC 8259 §7).
fn json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json(items: &[Item], readable: bool) -> String {
    let mut out = String::new();
    let healthy = readable && items.iter().all(|i| i.healthy);
    let _ = write!(
        out,
        "{{\"version\":1,\"time\":{},\"healthy\":{healthy},\"items\":[",
        crate::sys::clock::now_unix()
    );
    for (n, i) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str("{\"kind\":");
        json_str(&mut out, i.kind);
        out.push_str(",\"name\":");
        json_str(&mut out, &i.name);
        out.push_str(",\"state\":");
        json_str(&mut out, i.state);
        out.push_str(",\"detail\":");
        json_str(&mut out, &i.detail);
        let pids: Vec<String> = i.pids.iter().map(i32::to_string).collect();
        let _ = write!(
            out,
            ",\"healthy\":{},\"pids\":[{}],\"restarts\":{},\"check_failures\":{},\
             \"last_change\":{},\"owner\":{},\"target\":",
            i.healthy,
            pids.join(","),
            i.restarts,
            i.check_failures,
            i.last_change,
            i.owner
        );
        json_str(&mut out, &i.target);
        out.push('}');
    }
    out.push_str("]}\n");
    out
}

/// A Prometheus label value (exposition format: `\`, `"`, newline).
fn label(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A metric: name, type, help text and its value for an item.
type Metric = (
    &'static str,
    &'static str,
    &'static str,
    fn(&Item) -> String,
);

fn prometheus(items: &[Item], readable: bool) -> String {
    let mut out = String::new();
    let metrics: [Metric; 4] = [
        (
            "mamori_up",
            "gauge",
            "1 when the watched process, share, export or nametag is healthy.",
            |i| u8::from(i.healthy).to_string(),
        ),
        (
            "mamori_restarts_total",
            "counter",
            "Restarts since its monitor started.",
            |i| i.restarts.to_string(),
        ),
        (
            "mamori_check_failures",
            "gauge",
            "Consecutive failed checks or look-ups now.",
            |i| i.check_failures.to_string(),
        ),
        (
            "mamori_last_change_seconds",
            "gauge",
            "Unix time of the last change of state (0: none yet).",
            |i| i.last_change.to_string(),
        ),
    ];
    for (name, kind, help, value) in metrics {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} {kind}");
        for i in items {
            let _ = write!(out, "{name}{{kind=\"");
            label(&mut out, i.kind);
            out.push_str("\",name=\"");
            label(&mut out, &i.name);
            out.push_str("\",state=\"");
            label(&mut out, i.state);
            let _ = writeln!(out, "\"}} {}", value(i));
        }
    }
    let _ = writeln!(
        out,
        "# HELP mamori_status_ok 1 when every registry could be read.\n\
         # TYPE mamori_status_ok gauge\nmamori_status_ok {}",
        u8::from(readable)
    );
    out
}

#[cfg(test)]
mod test {
    use super::*;

    fn item(name: &str, healthy: bool) -> Item {
        Item {
            kind: "pmf",
            name: name.into(),
            state: if healthy { "running" } else { "action" },
            detail: String::new(),
            healthy,
            pids: vec![1, 2],
            restarts: 3,
            check_failures: 0,
            last_change: 1700000000,
            owner: 9,
            target: "/bin/x \"a\"\n".into(),
        }
    }

    #[test]
    fn formats_escape_what_they_must() {
        let items = [item("a\"b", true), item("c\\d", false)];
        let j = json(&items, true);
        assert!(j.contains(r#""name":"a\"b""#), "{j}");
        assert!(j.contains(r#""target":"/bin/x \"a\"\n""#), "{j}");
        assert!(j.contains(r#""healthy":false,"items""#), "{j}");
        let p = prometheus(&items, true);
        assert!(
            p.contains(r#"mamori_up{kind="pmf",name="a\"b",state="running"} 1"#),
            "{p}"
        );
        assert!(
            p.contains(r#"mamori_up{kind="pmf",name="c\\d",state="action"} 0"#),
            "{p}"
        );
        assert!(
            p.contains("mamori_restarts_total{kind=\"pmf\",name=\"a\\\"b\",state=\"running\"} 3")
        );
        let t = table(&items);
        assert_eq!(t.lines().count(), 3, "{t}");
        assert!(t.lines().nth(1).unwrap().contains("1,2"), "{t}");
    }
}
