//! `mamori ocf AGENT ACTION`: Pacemaker OCF resource agents
//! (ocf:mamori:pcheck, sambamon, nfsmon, pmf) for mamori's monitors.
//! The agent starts the applet as it is started by hand, then answers
//! `monitor` by reading the applet's registry (no process is started);
//! `${HA_RSCTMP}` keeps what the registry cannot say: that the resource
//! was started and, when its monitor ended, why.
//!
//! Files: `status` (the OCF exit codes), `params` (OCF_RESKEY_*),
//! `metadata` (the XML), `state` (the state file), `launch` (starting an
//! applet and waiting for it), `fail_fast` (telling the cluster at once),
//! and one file per agent.

pub mod fail_fast;
pub mod fsmon;
pub mod launch;
pub mod metadata;
pub mod params;
pub mod pcheck;
pub mod pmf;
pub mod state;
pub mod status;

use std::process::ExitCode;

use params::{Param, Params};
pub use status::Status;

/// One resource agent.
pub struct Agent {
    pub name: &'static str,
    pub shortdesc: &'static str,
    pub longdesc: &'static str,
    pub params: &'static [Param],
    /// Timeouts (s) of start, stop and monitor in `<actions>`.
    pub timeouts: Timeouts,
    /// Whether `reload` does something (pcheck).
    pub reload: bool,
    pub ops: &'static dyn Ops,
}

/// Default timeouts and the monitor interval advertised in meta-data.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub start: u32,
    pub stop: u32,
    pub monitor: u32,
    pub interval: u32,
}

/// What an agent does for each action; params are validated before.
pub trait Ops: Sync {
    /// Further checks beyond the parameter types (files, ranges).
    fn validate(&self, ctx: &Ctx) -> Result<(), Failure>;
    fn start(&self, ctx: &Ctx) -> Result<(), Failure>;
    fn stop(&self, ctx: &Ctx) -> Result<(), Failure>;
    /// `Ok(())` running, `Err(NotRunning)` cleanly stopped, else failed.
    fn monitor(&self, ctx: &Ctx) -> Result<(), Failure>;
    fn reload(&self, _ctx: &Ctx) -> Result<(), Failure> {
        Err(Failure::new(
            Status::Unimplemented,
            "reload is not supported",
        ))
    }
}

/// An action's outcome other than success, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Status,
    pub reason: String,
}

impl Failure {
    pub fn new(status: Status, reason: impl Into<String>) -> Failure {
        Failure {
            status,
            reason: reason.into(),
        }
    }

    /// Cleanly stopped (7); no reason is printed for it.
    pub fn not_running() -> Failure {
        Failure::new(Status::NotRunning, "")
    }

    pub fn generic(reason: impl Into<String>) -> Failure {
        Failure::new(Status::Generic, reason)
    }

    pub fn configured(reason: impl Into<String>) -> Failure {
        Failure::new(Status::NotConfigured, reason)
    }
}

/// What every action of one resource instance knows.
pub struct Ctx {
    pub agent: &'static Agent,
    pub params: Params,
    /// `OCF_RESOURCE_INSTANCE` (a clone's `:N` suffix kept).
    pub instance: String,
    /// The state file of this instance.
    pub state: state::StateFile,
    /// The action's time limit (`OCF_RESKEY_CRM_meta_timeout`, else the
    /// meta-data default of the action).
    pub timeout: std::time::Duration,
    /// `OCF_CHECK_LEVEL` (0 unless set).
    pub check_level: u32,
}

/// The four agents.
pub static AGENTS: [&Agent; 4] = [
    &pcheck::AGENT,
    &fsmon::SAMBAMON,
    &fsmon::NFSMON,
    &pmf::AGENT,
];

/// Finds an agent by name.
pub fn find(name: &str) -> Option<&'static Agent> {
    AGENTS.iter().copied().find(|a| a.name == name)
}

const USAGE: &str = "usage: mamori ocf AGENT {start|stop|monitor|status|meta-data|validate-all|reload}\n\
       agents: pcheck sambamon nfsmon pmf";

/// `mamori ocf AGENT ACTION` (or an agent symlink: `AGENT ACTION`).
pub fn main(agent: Option<&str>, action: Option<&str>) -> ExitCode {
    let Some(agent) = agent.and_then(find) else {
        eprintln!(
            "mamori ocf: unknown agent {:?}\n{USAGE}",
            agent.unwrap_or("")
        );
        return Status::Args.into();
    };
    // Pacemaker passes the action as the only argument; __OCF_ACTION is
    // what ocf-tester also sets.
    let action = action
        .map(str::to_string)
        .or_else(|| std::env::var("__OCF_ACTION").ok())
        .unwrap_or_default();
    run(agent, &action).into()
}

/// Runs one action and returns its OCF status, printing the reason of a
/// failure as Pacemaker's `ocf-exit-reason:` line and to syslog.
pub fn run(agent: &'static Agent, action: &str) -> Status {
    match action {
        "meta-data" => {
            print!("{}", metadata::xml(agent));
            return Status::Success;
        }
        "start" | "stop" | "monitor" | "status" | "validate-all" | "reload" => {}
        "usage" | "help" | "-h" | "--help" => {
            println!("{USAGE}");
            return Status::Success;
        }
        "" => {
            eprintln!("{USAGE}");
            return Status::Args;
        }
        // notify, promote, demote, migrate_*: not for these agents.
        _ => {
            eprintln!(
                "mamori ocf {}: action {action:?} is not implemented",
                agent.name
            );
            return Status::Unimplemented;
        }
    }
    let outcome = context(agent, action).and_then(|ctx| act(&ctx, action));
    match outcome {
        Ok(()) => Status::Success,
        Err(f) => {
            if !f.reason.is_empty() {
                report(agent, action, &f.reason);
            }
            f.status
        }
    }
}

fn act(ctx: &Ctx, action: &str) -> Result<(), Failure> {
    let ops = ctx.agent.ops;
    match action {
        "validate-all" => ops.validate(ctx),
        "start" => {
            ops.validate(ctx)?;
            ops.start(ctx)
        }
        // A stop with a broken configuration must still succeed when
        // nothing runs: the agents' stop reads only what it needs.
        "stop" => ops.stop(ctx),
        "reload" if ctx.agent.reload => {
            ops.validate(ctx)?;
            ops.reload(ctx)
        }
        "reload" => Err(Failure::new(
            Status::Unimplemented,
            format!("{} has no reload", ctx.agent.name),
        )),
        _ => ops.monitor(ctx),
    }
}

fn context(agent: &'static Agent, action: &str) -> Result<Ctx, Failure> {
    let instance = std::env::var("OCF_RESOURCE_INSTANCE").unwrap_or_else(|_| "default".into());
    let params = Params::from_env(agent.params, &instance);
    // Probes and stops of an unconfigured resource must not fail on the
    // parameters: nothing of it can be running.
    let params = match params {
        Ok(p) => p,
        Err(reason) => {
            return match action {
                "monitor" | "status" | "stop"
                    if !state::StateFile::for_instance(agent, &instance).exists() =>
                {
                    Err(if action == "stop" {
                        Failure::new(Status::Success, "")
                    } else {
                        Failure::not_running()
                    })
                }
                _ => Err(Failure::configured(reason)),
            };
        }
    };
    let default = match action {
        "start" => agent.timeouts.start,
        "stop" => agent.timeouts.stop,
        _ => agent.timeouts.monitor,
    };
    let timeout = std::env::var("OCF_RESKEY_CRM_meta_timeout")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(std::time::Duration::from_secs(default.into()));
    let check_level = std::env::var("OCF_CHECK_LEVEL")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Ok(Ctx {
        agent,
        state: state::StateFile::for_instance(agent, &instance),
        params,
        instance,
        timeout,
        check_level,
    })
}

/// The reason of a failed action: `ocf-exit-reason:` on stderr (Pacemaker
/// shows it in crm_mon) and the same line in syslog.
pub fn report(agent: &Agent, action: &str, reason: &str) {
    eprintln!("ocf-exit-reason:{reason}");
    let mut log = crate::sys::syslog::Syslog::new("mamori-ocf");
    log.log(
        crate::sys::syslog::Severity::Err,
        format_args!("{} {action}: {reason}", agent.name),
    );
}
