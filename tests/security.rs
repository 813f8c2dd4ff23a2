//! Issue 9's classes that need a real adversary or a real administrator's
//! habit, one test each.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{World, pids_named, stderr, wait_until};

const S: Duration = Duration::from_secs(1);

/// `pkill -f httpd` (an administrator cleaning up) must not end the
/// monitoring of httpd: the supervisor is `pmfd NAMETAG` in argv and comm.
#[test]
fn pkill_of_the_command_spares_its_supervisor() {
    let w = World::new("pmfdname");
    let key = format!("0x{:08x}", w.key);
    let daemon = format!("{}httpd", w.name);
    let pmfadm = |args: &[&str]| {
        w.cmd("pmfadm")
            .env("MAMORI_PMF_IPCKEY", &key)
            .args(args)
            .output()
            .unwrap()
    };
    let script = format!("exec -a {daemon} sleep 100000");
    let o = pmfadm(&["-c", "web", "-n", "-1", "/bin/bash", "-c", &script]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first = wait_until(5 * S, || pids_named(&daemon).first().copied()).unwrap();
    let st = Command::new("pkill")
        .args(["-f", &daemon])
        .status()
        .unwrap();
    assert!(st.success());
    let second = wait_until(5 * S, || {
        pids_named(&daemon).into_iter().find(|p| *p != first)
    });
    assert!(
        second.is_some(),
        "restarted: the supervisor survived pkill -f"
    );
    let sup = pmfadm(&["-l", "web"]);
    let text = common::stdout(&sup);
    let sup_pid: i32 = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("supervisor: "))
        .unwrap()
        .parse()
        .unwrap();
    let cmdline = std::fs::read(format!("/proc/{sup_pid}/cmdline")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&cmdline).trim_end_matches('\0'),
        "pmfd\0web"
    );
    let comm = std::fs::read_to_string(format!("/proc/{sup_pid}/comm")).unwrap();
    assert_eq!(comm.trim(), "pmfd");
    assert!(pmfadm(&["-s", "web", "KILL"]).status.success());
}

fn as_nobody(args: &[&str]) {
    let st = Command::new("setpriv")
        .args(["--reuid", "65534", "--regid", "65534", "--clear-groups"])
        .args(args)
        .status()
        .unwrap();
    assert!(st.success(), "{args:?} as uid 65534");
}

/// SHM_DUMP_FILE in a world-writable sticky directory: a symlink planted
/// as `.new` does not make root overwrite its target, and a FIFO planted
/// there does not hang the shutdown.
#[test]
fn a_planted_dump_symlink_or_fifo_is_not_followed() {
    use std::os::unix::fs::PermissionsExt;
    let mut w = World::new("dumpplant");
    let shared = w.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let victim = w.path("victim");
    std::fs::write(&victim, b"root's file\n").unwrap();
    let dump = shared.join("pcheck.dump");
    let name = w.name.clone();
    let pfile = w.pfile(
        &format!("SHM_DUMP_FILE {}\n", dump.display()),
        &[format!("{name}:-:60:3:continue")],
    );
    let new = format!("{}.new", dump.display());
    w.start_daemon(&name);
    for (round, plant) in [
        vec!["ln", "-s", victim.to_str().unwrap(), &new],
        vec!["mkfifo", &new],
    ]
    .into_iter()
    .enumerate()
    {
        as_nobody(&plant);
        let pc = w.spawn_pcheck(&pfile, &[]);
        w.wait_log_count(") Up", round + 1, 5 * S);
        common::kill(pc as i32, "-TERM");
        let st = w.wait_pcheck(pc, 5 * S);
        assert!(st.is_some(), "{plant:?}: shutdown did not hang");
        assert_eq!(std::fs::read(&victim).unwrap(), b"root's file\n");
        // pcheck has exited; its last lines may still be in the reader's queue.
        w.wait_log_count("exists and is not our file", round + 1, S);
        std::fs::remove_file(&new).unwrap();
    }
    common::kill_named(&name);
}

/// A process named like a PENT but owned by another user is not adopted:
/// its death runs no restart and drives no retry over.
#[test]
fn pcheck_does_not_adopt_another_users_process() {
    let mut w = World::new("adopt");
    let name = w.name.clone();
    let root_daemon = w.start_daemon(&name);
    let daemon = format!("exec -a {name} sleep 100000");
    as_nobody(&["setsid", "-f", "/bin/bash", "-c", &daemon]);
    let theirs = wait_until(5 * S, || {
        pids_named(&name).into_iter().find(|p| *p != root_daemon)
    })
    .unwrap();
    let script = w.restart_script("restart.sh", &name, 0);
    let pfile = w.pfile(
        "MONITOR_INTERVAL 0.2\n",
        &[format!("{name}:{}:60:1:exit", script.display())],
    );
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({name} ,pid={root_daemon}) Up"), 5 * S);
    w.wait_log(
        &format!("({name} ,pid={theirs}) owned by uid 65534: not adopted"),
        5 * S,
    );
    // Their process dies: nothing happens to root's monitoring.
    common::kill(theirs, "-KILL");
    std::thread::sleep(S / 2);
    assert_eq!(w.count_log("Down"), 0, "{:?}", w.log_lines());
    assert_eq!(w.count_log(&format!("({name} ,pid={theirs}) Up")), 0);
    assert!(w.wait_pcheck(pc, Duration::ZERO).is_none(), "no failover");
    // Named in ALLOWED_USERS, such a process is adopted.
    as_nobody(&["setsid", "-f", "/bin/bash", "-c", &daemon]);
    common::kill(pc as i32, "-TERM");
    w.wait_pcheck(pc, 5 * S);
    let pfile = w.pfile(
        "ALLOWED_USERS nobody\n",
        &[format!("{name}:-:60:1:continue")],
    );
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log_count(") Up", 3, 5 * S);
    common::kill(pc as i32, "-TERM");
    w.wait_pcheck(pc, 5 * S);
    common::kill_named(&name);
}

/// A restart program that never ends is killed, children and all, at
/// RESTART_TIMEOUT and counts as a failed restart: retry over follows
/// instead of a PENT left DOWN for ever.
#[test]
fn a_hung_restart_program_is_killed_at_restart_timeout() {
    let mut w = World::new("hungrestart");
    let name = w.name.clone();
    let child_name = format!("{name}kid");
    let first = w.start_daemon(&name);
    let script = w.script(
        "hang.sh",
        &format!("#!/bin/bash\n(exec -a {child_name} sleep 100000) &\nexec sleep 100000\n"),
    );
    let pfile = w.pfile(
        "RESTART_TIMEOUT 0.5\nMONITOR_INTERVAL 0.2\n",
        &[format!("{name}:{}:60:1:exit", script.display())],
    );
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({name} ,pid={first}) Up"), 5 * S);
    common::kill(first, "-KILL");
    w.wait_log("Restart timed out (", 5 * S);
    w.wait_log(
        &format!("Restart failed ({name}): killed by signal 9"),
        5 * S,
    );
    assert!(
        wait_until(5 * S, || pids_named(&child_name).is_empty().then_some(())).is_some(),
        "the restart program's child was killed too"
    );
    // The failed restart counts: the next look-ups find nothing, retry over.
    let st = w.wait_pcheck(pc, 10 * S).expect("retry over ends pcheck");
    assert_eq!(st.code(), Some(1));
}

/// As root, a restart program or pmfadm action in a directory others can
/// write (so that it could be swapped between check and use), or found
/// through such a PATH directory, is refused, at load and at reload.
#[test]
fn a_program_others_could_swap_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let mut w = World::new("swap");
    let open = w.path("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let script = open.join("restart.sh");
    std::fs::write(&script, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let name = w.name.clone();
    let want = format!(
        "{}: writable by group or others (mode 0777)",
        open.display()
    );
    // By path, and by name through PATH.
    for (restart, path) in [
        (script.display().to_string(), None),
        (
            "restart.sh".to_string(),
            Some(format!("{}:/usr/bin:/bin", open.display())),
        ),
    ] {
        let pfile = w.pfile("", &[format!("{name}:{restart}:60:3:continue")]);
        let mut c = w.cmd("pcheck");
        c.arg("-f").arg(&pfile);
        if let Some(p) = &path {
            c.env("PATH", p);
        }
        let o = c.output().unwrap();
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    }
    // At reload: a running pcheck refuses the new pfile and goes on.
    let safe = w.restart_script("safe.sh", &name, 0);
    w.start_daemon(&name);
    let pfile = w.pfile("", &[format!("{name}:{}:60:3:continue", safe.display())]);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(") Up", 5 * S);
    w.pfile("", &[format!("{name}:{}:60:3:continue", script.display())]);
    let o = w.run("padmin", &["-f", pfile.to_str().unwrap(), "-c", "reload"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    common::kill(pc as i32, "-TERM");
    w.wait_pcheck(pc, 5 * S);
    common::kill_named(&name);
    // pmfadm -a.
    let o = w
        .cmd("pmfadm")
        .env("MAMORI_PMF_IPCKEY", format!("0x{:08x}", w.key))
        .args([
            "-c",
            "act",
            "-a",
            script.to_str().unwrap(),
            "/bin/sleep",
            "100",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
}
