//! The OCF resource agents through the tools Pacemaker users run:
//! meta-data against resource-agents' ra-api-1.dtd, `ocf-tester`, and
//! every action through `crm_resource --force-*`. crm_resource 2.1.5 only
//! finds agents under its built-in /usr/lib/ocf (OCF_ROOT and OCF_RA_PATH
//! are not honoured), so the agents are installed there; each test keeps
//! its own registry keys, HA_RSCTMP and resource names.

mod common;
#[path = "servers/ganesha.rs"]
mod ganesha;
#[path = "servers/smbd.rs"]
mod smbd;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{MAMORI, World};

const AGENTS: [&str; 4] = ["pcheck", "sambamon", "nfsmon", "pmf"];
const OCF_ROOT: &str = "/usr/lib/ocf";

fn install() {
    let st = Command::new(MAMORI)
        .args(["install", "--ocf", OCF_ROOT])
        .status()
        .unwrap();
    assert!(st.success());
}

fn agent_path(agent: &str) -> String {
    format!("{OCF_ROOT}/resource.d/mamori/{agent}")
}

/// The environment every agent call of one test gets.
fn env(w: &World, c: &mut Command) {
    c.env("HA_RSCTMP", w.path("rsctmp"))
        .env("MAMORI_SYSLOG_SOCKET", w.log_socket())
        .env(
            "MAMORI_PMF_IPCKEY",
            format!("0x{:08x}", w.key ^ 0x0100_0000),
        )
        .env(
            "MAMORI_FSMON_IPCKEY",
            format!("0x{:08x}", w.key ^ 0x0200_0000),
        );
}

fn ocf_tester(w: &World, agent: &str, opts: &[String]) -> Output {
    let mut c = Command::new("ocf-tester");
    c.args(["-n", &w.name]);
    for o in opts {
        c.args(["-o", o]);
    }
    c.arg(agent_path(agent));
    env(w, &mut c);
    c.stdin(Stdio::null()).output().unwrap()
}

fn crm(w: &World, op: &str, agent: &str, opts: &[String]) -> (i32, String) {
    let mut c = Command::new("crm_resource");
    c.args([
        op,
        "--class",
        "ocf",
        "--provider",
        "mamori",
        "--agent",
        agent,
    ]);
    for o in opts {
        c.args(["--option", o]);
    }
    env(w, &mut c);
    let out = c.stdin(Stdio::null()).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// start, check (0), start again (0), stop, check (7), stop again (0).
fn crm_cycle(w: &World, agent: &str, opts: &[String]) {
    let expect = |op: &str, want: i32| {
        let (rc, out) = crm(w, op, agent, opts);
        assert_eq!(rc, want, "{agent} {op}: {out}");
    };
    expect("--force-check", 7);
    expect("--force-start", 0);
    expect("--force-check", 0);
    expect("--force-start", 0);
    expect("--force-check", 0);
    expect("--force-stop", 0);
    expect("--force-check", 7);
    expect("--force-stop", 0);
    let (rc, out) = crm(w, "--validate", agent, opts);
    assert_eq!(rc, 0, "{agent} validate: {out}");
}

fn tester_passes(w: &World, agent: &str, opts: &[String]) {
    let out = ocf_tester(w, agent, opts);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ocf-tester {agent}: {text}");
    assert!(text.contains("passed all tests"), "{text}");
}

#[test]
fn meta_data_validates_against_the_dtd() {
    for agent in AGENTS {
        let out = Command::new(MAMORI)
            .args(["ocf", agent, "meta-data"])
            .output()
            .unwrap();
        assert!(out.status.success());
        let xml = String::from_utf8(out.stdout).unwrap();
        let mut lint = Command::new("xmllint")
            .args([
                "--noout",
                "--dtdvalid",
                "/usr/share/resource-agents/ra-api-1.dtd",
                "-",
            ])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        lint.stdin
            .take()
            .unwrap()
            .write_all(xml.as_bytes())
            .unwrap();
        let lint = lint.wait_with_output().unwrap();
        assert!(
            lint.status.success(),
            "{agent}: {}",
            String::from_utf8_lossy(&lint.stderr)
        );
        assert!(xml.contains(&format!("<resource-agent name=\"{agent}\"")));
        assert!(xml.contains("<action name=\"start\" timeout="), "{xml}");
        assert!(xml.contains("name=\"fail_fast\""), "{xml}");
    }
    let md = |a| {
        String::from_utf8(
            Command::new(MAMORI)
                .args(["ocf", a, "meta-data"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap()
    };
    assert!(md("pcheck").contains("<parameter name=\"pfile\" unique=\"1\" required=\"1\">"));
    assert!(md("sambamon").contains("<parameter name=\"share\" unique=\"0\" required=\"1\">"));
    assert!(md("sambamon").contains("<content type=\"integer\" default=\"5\"/>"));
    assert!(md("nfsmon").contains("<parameter name=\"dir\" unique=\"0\" required=\"1\">"));
    assert!(md("pmf").contains("<parameter name=\"command\" unique=\"0\" required=\"1\">"));
    assert!(md("pcheck").contains("<action name=\"reload\""));
    assert!(md("sambamon").contains("depth=\"10\""));
}

#[test]
fn exit_codes_without_a_cluster() {
    let w = World::new("ocfcodes");
    let run = |agent: &str, action: &str, vars: &[(&str, &str)]| {
        let mut c = Command::new(MAMORI);
        c.args(["ocf", agent, action])
            .env("OCF_RESOURCE_INSTANCE", &w.name);
        env(&w, &mut c);
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    // Unknown action: 3; missing required parameter: 6 on start and
    // validate-all, 7 on a probe where nothing runs; a bad integer: 6.
    assert_eq!(run("pmf", "notify", &[]).status.code(), Some(3));
    assert_eq!(
        run("pmf", "reload", &[("OCF_RESKEY_command", "sleep 1")])
            .status
            .code(),
        Some(3)
    );
    let out = run("pmf", "start", &[]);
    assert_eq!(out.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("ocf-exit-reason:parameter command is required")
    );
    assert_eq!(run("pmf", "validate-all", &[]).status.code(), Some(6));
    assert_eq!(
        run("pmf", "monitor", &[("OCF_RESKEY_CRM_meta_interval", "0")])
            .status
            .code(),
        Some(7)
    );
    assert_eq!(run("pmf", "stop", &[]).status.code(), Some(0));
    let out = run(
        "sambamon",
        "validate-all",
        &[("OCF_RESKEY_share", "pub"), ("OCF_RESKEY_retries", "x")],
    );
    assert_eq!(out.status.code(), Some(6));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("retries=\"x\": not an integer"),
        "{out:?}"
    );
    let out = run(
        "pcheck",
        "validate-all",
        &[("OCF_RESKEY_pfile", "/nonexistent/pfile")],
    );
    assert_eq!(out.status.code(), Some(6));
    assert_eq!(
        run(
            "pcheck",
            "monitor",
            &[("OCF_RESKEY_pfile", "/nonexistent/pfile")]
        )
        .status
        .code(),
        Some(7)
    );
    let out = Command::new(MAMORI)
        .args(["ocf", "nosuch", "start"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn pmf_agent_passes_ocf_tester_and_crm_resource() {
    install();
    let w = World::new("ocfpmf");
    let cmd = "command=/bin/sleep 100000".to_string();
    tester_passes(&w, "pmf", std::slice::from_ref(&cmd));
    crm_cycle(&w, "pmf", &[cmd]);
}

#[test]
fn pmf_agent_monitor_fails_once_pmf_gave_up() {
    install();
    let w = World::new("ocfpmfgive");
    let mut c = Command::new(MAMORI);
    c.args(["ocf", "pmf", "start"])
        .env("OCF_RESOURCE_INSTANCE", &w.name)
        .env("OCF_RESKEY_command", "/bin/sleep 100000")
        .env("OCF_RESKEY_fail_fast", "false")
        .env("OCF_RESKEY_retries", "0");
    env(&w, &mut c);
    assert_eq!(c.status().unwrap().code(), Some(0));
    let monitor = || {
        let mut c = Command::new(MAMORI);
        c.args(["ocf", "pmf", "monitor"])
            .env("OCF_RESOURCE_INSTANCE", &w.name)
            .env("OCF_RESKEY_command", "/bin/sleep 100000");
        env(&w, &mut c);
        c.output().unwrap()
    };
    assert_eq!(monitor().status.code(), Some(0));
    // Kill the sleep pmf watches (pmfadm -l names its pid).
    let key = w.key ^ 0x0100_0000;
    let out = Command::new(MAMORI)
        .args(["pmfadm", "-l", &w.name])
        .env("MAMORI_PMF_IPCKEY", format!("0x{key:08x}"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let pid: i32 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("pids:"))
        .and_then(|p| p.split_whitespace().next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {text}"));
    kill_pid(pid);
    let out = common::wait_until(std::time::Duration::from_secs(5), || {
        let o = monitor();
        (o.status.code() == Some(1)).then_some(o)
    })
    .expect("monitor says failed");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("gave up"),
        "{out:?}"
    );
}

fn kill_pid(pid: i32) {
    assert!(
        Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

#[test]
fn pcheck_agent_passes_ocf_tester_and_crm_resource() {
    install();
    let w = World::new("ocfpc");
    let name = format!("ocfd{}", std::process::id());
    let script = w.restart_script("restart.sh", &name, 0);
    let pfile = w.pfile("", &[format!("{name}:{}:60:3:continue", script.display())]);
    let _d = w.start_daemon(&name);
    let opt = format!("pfile={}", pfile.display());
    tester_passes(&w, "pcheck", std::slice::from_ref(&opt));
    crm_cycle(&w, "pcheck", &[opt]);
    for p in common::pids_named(&name) {
        kill_pid(p);
    }
}

#[test]
fn sambamon_agent_passes_ocf_tester_and_crm_resource() {
    install();
    let s = smbd::Smbd::start("ocfsmb", 25493, &[]);
    let w = World::new("ocfsmb");
    let opts = [
        "share=pub".to_string(),
        format!("address=127.0.0.1:{}", s.port),
        "interval=1".to_string(),
        "timeout=2".to_string(),
    ];
    tester_passes(&w, "sambamon", &opts);
    crm_cycle(&w, "sambamon", &opts);
    // A wrong share: start fails with the reason.
    let (rc, out) = crm(
        &w,
        "--force-start",
        "sambamon",
        &["share=nosuch".into(), opts[1].clone()],
    );
    assert_eq!(rc, 1, "{out}");
    assert!(out.contains("nosuch"), "{out}");
    let (rc, _) = crm(
        &w,
        "--force-stop",
        "sambamon",
        &["share=nosuch".into(), opts[1].clone()],
    );
    assert_eq!(rc, 0);
    // Level 10: a live check; after SIGSTOP the registry still says
    // watching but the live check fails.
    let mut c = Command::new(MAMORI);
    c.args(["ocf", "sambamon", "start"])
        .env("OCF_RESOURCE_INSTANCE", &w.name)
        .env("OCF_RESKEY_share", "pub")
        .env("OCF_RESKEY_address", &opts[1][8..])
        .env("OCF_RESKEY_timeout", "1")
        .env("OCF_RESKEY_interval", "300");
    env(&w, &mut c);
    assert_eq!(c.status().unwrap().code(), Some(0));
    let level = |lvl: &str| {
        let mut c = Command::new(MAMORI);
        c.args(["ocf", "sambamon", "monitor"])
            .env("OCF_RESOURCE_INSTANCE", &w.name)
            .env("OCF_RESKEY_share", "pub")
            .env("OCF_RESKEY_address", &opts[1][8..])
            .env("OCF_RESKEY_timeout", "1")
            .env("OCF_CHECK_LEVEL", lvl);
        env(&w, &mut c);
        c.output().unwrap().status.code()
    };
    assert_eq!(level("10"), Some(0));
    let pg = s.pgid() as i32;
    Command::new("kill")
        .args(["-STOP", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    assert_eq!(level("0"), Some(0));
    assert_eq!(level("10"), Some(1));
    Command::new("kill")
        .args(["-CONT", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    assert_eq!(level("10"), Some(0));
    let mut c = Command::new(MAMORI);
    c.args(["ocf", "sambamon", "stop"])
        .env("OCF_RESOURCE_INSTANCE", &w.name)
        .env("OCF_RESKEY_share", "pub");
    env(&w, &mut c);
    assert_eq!(c.status().unwrap().code(), Some(0));
    assert!(
        !Path::new(&w.path("rsctmp"))
            .join(format!("mamori-sambamon-{}.state", w.name))
            .exists()
    );
}

#[test]
fn nfsmon_agent_passes_ocf_tester_and_crm_resource() {
    install();
    let p = ganesha::Peers::start(ganesha::Protocols::V3V4);
    p.enter();
    let w = World::new("ocfnfs");
    let opts = [
        format!("dir={}", p.export()),
        format!("address={}", ganesha::lo()),
        "interval=1".to_string(),
        "timeout=2".to_string(),
    ];
    tester_passes(&w, "nfsmon", &opts);
    crm_cycle(&w, "nfsmon", &opts);
}
