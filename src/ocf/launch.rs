//! Starting an applet for an agent and waiting for a state: the applet
//! runs detached (its own process group, stdin and stdout on /dev/null,
//! stderr into a file beside the state file, so that a start that fails
//! can say why), with the fail-fast environment.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::fail_fast::{FAIL_FAST_ENV, NODE_ENV, RESOURCE_ENV};
use super::state::STATE_ENV;
use super::{Ctx, Failure};

/// How often a waiting agent looks at the registry again.
const POLL: Duration = Duration::from_millis(20);

/// This binary (the agent runs as `mamori ocf …` or through a symlink).
pub fn exe() -> Result<std::path::PathBuf, Failure> {
    std::fs::read_link("/proc/self/exe")
        .map_err(|e| Failure::new(super::Status::NotInstalled, format!("/proc/self/exe: {e}")))
}

/// The node's name: Pacemaker's `OCF_RESKEY_CRM_meta_on_node`, else
/// `crm_node -n`, else empty.
pub fn node_name() -> String {
    if let Ok(n) = std::env::var("OCF_RESKEY_CRM_meta_on_node")
        && !n.is_empty()
    {
        return n;
    }
    Command::new("crm_node")
        .arg("-n")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

/// Starts `mamori APPLET ARGS…` detached.
pub fn applet(
    ctx: &Ctx,
    applet: &str,
    args: &[String],
    env: &[(&str, &str)],
) -> Result<Child, Failure> {
    ctx.state.ensure_dir();
    let log = std::fs::File::create(ctx.state.log_path())
        .map_err(|e| Failure::generic(format!("{}: {e}", ctx.state.log_path().display())))?;
    let mut cmd = Command::new(exe()?);
    cmd.arg(applet)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .process_group(0)
        .env(
            RESOURCE_ENV,
            ctx.instance.split(':').next().unwrap_or(&ctx.instance),
        )
        .env(STATE_ENV, &ctx.state.path);
    if ctx.params.flag("fail_fast") {
        cmd.env(FAIL_FAST_ENV, "1").env(NODE_ENV, node_name());
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn()
        .map_err(|e| Failure::generic(format!("cannot start mamori {applet}: {e}")))
}

/// What the applet wrote on stderr, as one line.
pub fn stderr_of(ctx: &Ctx) -> String {
    std::fs::read_to_string(ctx.state.log_path())
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Calls `ready` every 20 ms until it answers, the child exits, or
/// `limit` passes. `ready` answers `Some(Ok)` ready, `Some(Err)` failed.
pub fn wait_ready(
    ctx: &Ctx,
    child: &mut Child,
    what: &str,
    limit: Duration,
    mut ready: impl FnMut() -> Option<Result<(), Failure>>,
) -> Result<(), Failure> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(r) = ready() {
            return r;
        }
        if let Ok(Some(status)) = child.try_wait() {
            // pmfadm -c exits 0 once its supervisor runs: keep looking.
            if !status.success() {
                let err = stderr_of(ctx);
                return Err(Failure::generic(format!(
                    "{what} exited ({status}) before it was ready{}{err}",
                    if err.is_empty() { "" } else { ": " }
                )));
            }
        }
        if Instant::now() >= deadline {
            return Err(Failure::generic(format!(
                "{what} was not ready within {} ms",
                limit.as_millis()
            )));
        }
        std::thread::sleep(POLL);
    }
}

/// Runs `mamori APPLET ARGS…` to its end; its stderr goes to ours.
pub fn run_applet(applet: &str, args: &[&str]) -> Result<std::process::ExitStatus, Failure> {
    Command::new(exe()?)
        .arg(applet)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .map_err(|e| Failure::generic(format!("cannot run mamori {applet}: {e}")))
}

/// The part of an action's time limit a start may wait (leaving time to
/// clean up and answer).
pub fn budget(ctx: &Ctx) -> Duration {
    ctx.timeout
        .mul_f64(0.9)
        .saturating_sub(Duration::from_millis(200))
}
