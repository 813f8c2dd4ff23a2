//! ocf:mamori:pmf — one `pmfadm -c NAMETAG … COMMAND`. Ready when the
//! command runs under its supervisor; failed when pmf gave up (retries
//! exhausted, the nametag removed) or the supervisor died.

use std::time::{Duration, Instant};

use super::params::{Default, FAIL_FAST, Param};
use super::state::Recorded;
use super::{Agent, Ctx, Failure, Ops, Timeouts, launch};
use crate::pmf::registry::{self as reg, Entry};

pub static AGENT: Agent = Agent {
    name: "pmf",
    shortdesc: "mamori pmf: run a command and restart it when it dies",
    longdesc: "Runs command under mamori's process monitor facility (pmfadm -c): \
               the command and its descendants are watched, and restarted up to \
               retries times within period minutes. monitor reads pmf's registry: \
               running while the supervisor runs, failed once it gave up.",
    params: &PARAMS,
    timeouts: Timeouts {
        start: 30,
        stop: 30,
        monitor: 20,
        interval: 10,
    },
    reload: false,
    ops: &PmfOps,
};

static PARAMS: [Param; 9] = [
    Param::string(
        "command",
        "Command",
        "The command and its arguments, split at blanks (no shell).",
    )
    .required(),
    Param::string(
        "nametag",
        "Nametag",
        "pmf's name of the command; default: the resource's name without other characters.",
    )
    .default(Default::Instance)
    .unique(),
    Param::integer(
        "retries",
        "0",
        (-1, 1_000_000),
        "Restarts",
        "How often pmf restarts the command (-n; -1 without limit).",
    ),
    Param::integer(
        "period",
        "-1",
        (-1, 1_000_000),
        "Period (minutes)",
        "The window retries count in (-t; -1 unlimited).",
    ),
    Param::integer(
        "child_level",
        "-1",
        (-1, 1000),
        "Fork depth watched",
        "How deep descendants are watched (-C; -1 all).",
    ),
    Param::string(
        "action",
        "Action",
        "Program run as `ACTION failed NAMETAG` when retries run out (-a).",
    ),
    Param::string(
        "stop_signal",
        "Stop signal",
        "The signal stop sends (name or number).",
    )
    .default(Default::Value("TERM")),
    Param::integer(
        "stop_timeout",
        "20",
        (1, 10000),
        "Stop wait (s)",
        "How long stop waits before SIGKILL (pmfadm -s -w).",
    ),
    FAIL_FAST,
];

struct PmfOps;

fn find(ctx: &Ctx) -> Result<Option<Entry>, Failure> {
    let key = reg::key_from_env().map_err(Failure::configured)?;
    reg::Registry::new(key)
        .find(ctx.params.must("nametag"))
        .map(|e| e.filter(Entry::is_live))
        .map_err(|e| Failure::generic(format!("pmf registry: {e}")))
}

impl Ops for PmfOps {
    fn validate(&self, ctx: &Ctx) -> Result<(), Failure> {
        let p = &ctx.params;
        let cmd = p.must("command");
        let Some(program) = cmd.split_whitespace().next() else {
            return Err(Failure::configured("parameter command is empty"));
        };
        if program.contains('/') && !std::path::Path::new(program).exists() {
            return Err(Failure::new(
                super::Status::NotInstalled,
                format!("{program}: not found"),
            ));
        }
        if p.must("nametag").is_empty() {
            return Err(Failure::configured("parameter nametag is empty"));
        }
        let sig = p.must("stop_signal");
        if crate::sys::signals::parse(sig).is_none() {
            return Err(Failure::configured(format!(
                "parameter stop_signal={sig:?}: not a signal"
            )));
        }
        Ok(())
    }

    fn start(&self, ctx: &Ctx) -> Result<(), Failure> {
        if find(ctx)?.is_some() {
            return ctx.state.set_running().map_err(Failure::generic);
        }
        let p = &ctx.params;
        let mut args = vec!["-c".to_string(), p.must("nametag").to_string()];
        if let Some(a) = p.get("action") {
            args.extend(["-a".into(), a.into()]);
        }
        args.extend(["-n".into(), p.must("retries").into()]);
        if p.int("period").is_some_and(|n| n > 0) {
            args.extend(["-t".into(), p.must("period").into()]);
        }
        if p.int("child_level").is_some_and(|n| n >= 0) {
            args.extend(["-C".into(), p.must("child_level").into()]);
        }
        args.extend(p.must("command").split_whitespace().map(str::to_string));
        let mut child = launch::applet(ctx, "pmfadm", &args, &[])?;
        launch::wait_ready(
            ctx,
            &mut child,
            "pmfadm",
            launch::budget(ctx),
            || match find(ctx) {
                Ok(Some(e)) if e.state == reg::state::RUNNING && !e.pids.is_empty() => Some(Ok(())),
                Ok(_) => None,
                Err(e) => Some(Err(e)),
            },
        )?;
        let _ = child.wait();
        ctx.state.set_running().map_err(Failure::generic)
    }

    fn stop(&self, ctx: &Ctx) -> Result<(), Failure> {
        if let Some(e) = find(ctx)? {
            let p = &ctx.params;
            let wait = p.must("stop_timeout").to_string();
            let _ = launch::run_applet(
                "pmfadm",
                &["-s", p.must("nametag"), "-w", &wait, p.must("stop_signal")],
            );
            let deadline = Instant::now() + launch::budget(ctx);
            while e.sup.alive() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        ctx.state.remove();
        Ok(())
    }

    fn monitor(&self, ctx: &Ctx) -> Result<(), Failure> {
        if find(ctx)?.is_some() {
            return Ok(());
        }
        match ctx.state.read() {
            Recorded::Absent => Err(Failure::not_running()),
            Recorded::Failed(why) => Err(Failure::generic(why)),
            Recorded::Running => {
                let why = format!("pmf nametag {} is gone", ctx.params.must("nametag"));
                ctx.state.set_failed(&why);
                Err(Failure::generic(why))
            }
        }
    }
}
