//! ocf:mamori:pcheck — one `pcheck -f PFILE`. Ready when every PENT of
//! the pfile is AVAIL; failed when one is RETRY_OVER or pcheck is gone.

use std::time::{Duration, Instant};

use super::params::{FAIL_FAST, Param};
use super::state::Recorded;
use super::{Agent, Ctx, Failure, Ops, Status, Timeouts, launch};
use crate::pcheck::state::{self as pstate, ProcSts, Snapshot};

pub static AGENT: Agent = Agent {
    name: "pcheck",
    shortdesc: "mamori pcheck: restart the processes a pfile names",
    longdesc: "Runs mamori's pcheck -f PFILE, which watches every process the pfile \
               names (PENT) and restarts it when it dies. monitor reads pcheck's shared \
               memory: running while pcheck runs, failed when a PENT is RETRY_OVER or \
               pcheck died. reload is padmin -c reload.",
    params: &PARAMS,
    timeouts: Timeouts {
        start: 60,
        stop: 30,
        monitor: 20,
        interval: 10,
    },
    reload: true,
    ops: &PcheckOps,
};

static PARAMS: [Param; 2] = [
    Param::string(
        "pfile",
        "The pfile",
        "Absolute path of the pcheck pfile (PENT entries, IPCKEY).",
    )
    .required()
    .unique(),
    FAIL_FAST,
];

struct PcheckOps;

fn pfile(ctx: &Ctx) -> Result<String, Failure> {
    let p = ctx.params.must("pfile");
    std::fs::canonicalize(p)
        .map(|a| a.display().to_string())
        .map_err(|e| Failure::configured(format!("pfile {p}: {e}")))
}

/// The live pcheck of `pfile`, if any (a segment whose owner is gone is
/// `Err` with its pid).
fn find(pfile: &str) -> Result<Option<Result<Snapshot, i32>>, Failure> {
    let all =
        pstate::find_all().map_err(|e| Failure::generic(format!("/proc/sysvipc/shm: {e}")))?;
    let mut dead = None;
    for (_, snap) in all {
        let Ok(s) = snap else { continue };
        if s.pfile != pfile {
            continue;
        }
        if s.owner_alive() {
            return Ok(Some(Ok(s)));
        }
        dead = Some(Err(s.owner.pid));
    }
    Ok(dead)
}

fn retry_over(s: &Snapshot) -> Option<String> {
    s.entries
        .iter()
        .find(|e| e.proc_sts == ProcSts::RetryOver)
        .map(|e| format!("PENT {} is RETRY_OVER (pcheck {})", e.pname, s.pfile))
}

impl Ops for PcheckOps {
    fn validate(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = pfile(ctx)?;
        crate::pcheck::pfile::load(std::path::Path::new(&p), crate::sys::is_root())
            .map(|_| ())
            .map_err(|e| Failure::configured(e.to_string()))
    }

    fn start(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = pfile(ctx)?;
        if let Some(Ok(s)) = find(&p)?
            && retry_over(&s).is_none()
        {
            return ctx.state.set_running().map_err(Failure::generic);
        }
        let mut child = launch::applet(ctx, "pcheck", &["-f".into(), p.clone()], &[])?;
        let pid = child.id() as i32;
        launch::wait_ready(
            ctx,
            &mut child,
            "pcheck",
            launch::budget(ctx),
            || match find(&p) {
                Ok(Some(Ok(s))) if s.owner.pid == pid => {
                    if let Some(why) = retry_over(&s) {
                        Some(Err(Failure::generic(why)))
                    } else if s.entries.iter().all(|e| e.proc_sts == ProcSts::Avail) {
                        Some(Ok(()))
                    } else {
                        None
                    }
                }
                Err(e) => Some(Err(e)),
                _ => None,
            },
        )
        .inspect_err(|_| {
            let _ = child.kill();
            let _ = child.wait();
        })?;
        ctx.state.set_running().map_err(Failure::generic)
    }

    fn stop(&self, ctx: &Ctx) -> Result<(), Failure> {
        let Ok(p) = pfile(ctx) else {
            ctx.state.remove();
            return Ok(());
        };
        if let Some(Ok(s)) = find(&p)? {
            let _ = launch::run_applet("padmin", &["-f", &p, "-c", "shutdown"]);
            let deadline = Instant::now() + launch::budget(ctx);
            while s.owner.alive() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if s.owner.alive() {
                let _ = crate::sys::signals::kill(s.owner.pid, libc::SIGKILL);
            }
        }
        ctx.state.remove();
        Ok(())
    }

    fn monitor(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = match pfile(ctx) {
            Ok(p) => p,
            Err(f) if ctx.state.read() == Recorded::Absent => {
                let _ = f;
                return Err(Failure::not_running());
            }
            Err(f) => return Err(f),
        };
        match find(&p)? {
            Some(Ok(s)) => match retry_over(&s) {
                Some(why) => {
                    ctx.state.set_failed(&why);
                    Err(Failure::generic(why))
                }
                None => Ok(()),
            },
            other => match ctx.state.read() {
                Recorded::Absent => Err(Failure::not_running()),
                Recorded::Failed(why) => Err(Failure::generic(why)),
                Recorded::Running => {
                    let why = match other {
                        Some(Err(pid)) => format!("pcheck[{pid}] of {p} died"),
                        _ => format!("pcheck of {p} is gone"),
                    };
                    ctx.state.set_failed(&why);
                    Err(Failure::generic(why))
                }
            },
        }
    }

    fn reload(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = pfile(ctx)?;
        match find(&p)? {
            Some(Ok(_)) => {}
            _ => {
                return Err(Failure::new(
                    Status::NotRunning,
                    format!("pcheck of {p} is not running"),
                ));
            }
        }
        let st = launch::run_applet("padmin", &["-f", &p, "-c", "reload"])?;
        if st.success() {
            Ok(())
        } else {
            Err(Failure::generic(format!("padmin -f {p} -c reload: {st}")))
        }
    }
}
