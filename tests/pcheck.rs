//! pcheck and padmin end to end: the seed 001 tutorial and everything
//! around it, with real processes, real signals and real shared memory.

mod common;

use std::time::Duration;

use common::*;

const SEC: Duration = Duration::from_secs(1);
const FAST: &str = "MSG_CHECK_INTERVAL    5\nMONITOR_INTERVAL      0.2\nMONITOR_TRY_COUNT     2\n";

/// The pid in the last `(NAME ,pid=N) Up` line.
fn up_pid(line: &str) -> i32 {
    let (_, rest) = line.rsplit_once("pid=").unwrap();
    rest.trim_end_matches(") Up").parse().unwrap()
}

fn field<'a>(block: &'a str, key: &str) -> &'a str {
    block
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)
                .and_then(|r| r.trim_start().strip_prefix("= "))
        })
        .unwrap_or_else(|| panic!("no {key} in\n{block}"))
}

/// Kills the running instance of `name` and waits for its replacement.
fn kill_and_wait_up(w: &World, name: &str, ups_before: usize) -> i32 {
    let pid = pids_named(name)[0];
    kill(pid, "-TERM");
    w.wait_log(&format!("Process [{name}, pid={pid}] Down"), 5 * SEC);
    let line = w.wait_log_count(&format!("({name} ,pid="), ups_before + 1, 5 * SEC);
    up_pid(&line)
}

#[test]
fn seed_tutorial_start_show_restart_retry_over_reload_shutdown() {
    let mut w = World::new("tut");
    let d = w.name.clone();
    let script = w.restart_script("restart_crond.sh", &d, 0);
    let pfile = w.pfile(
        FAST,
        &[format!("{d}:{}:86400:3:continue", script.display())],
    );
    let pfile_s = pfile.display().to_string();
    let first = w.start_daemon(&d);

    // §3.3 start
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);

    // §3.4 padmin -l, show param, show pent: the seed's formats exactly.
    let list = stdout(&w.run("padmin", &["-l"]));
    let block = format!(
        "ipckey   = 0x{:08x}\nmypid    = {pc}\nmyname   = pcheck\npfile    = {pfile_s}\nmessage  = start\n",
        w.key
    );
    assert!(list.contains(&block), "padmin -l:\n{list}");
    let out = w.run("padmin", &["-f", &pfile_s, "-c", "show", "param"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        format!(
            "MSG_CHECK_INTERVAL = 5\nMONITOR_INTERVAL   = 0.2\nMONITOR_TRY_COUNT  = 2\n\
             SHM_DUMP_FILE      = {}/pcheck_dump_0x{:08x}\nPFILE              = {pfile_s}\n\
             MESSAGE_BOX        = start\nMONITOR_STOP_COUNT = 0\nFAIL_PROC_COUNT    = 0\nALL_PROC_COUNT     = 1\n",
            w.dir.display(),
            w.key
        )
    );
    let pent = stdout(&w.run("padmin", &["-f", &pfile_s, "-c", "show", "pent"]));
    assert_eq!(
        pent,
        format!(
            "pname          = {d}\npid            = {first}\nretry_count    = 0\nrestart_count  = 0\n\
             proc_sts       = AVAIL\nretry_over_act = continue\nrerun_time     = -----\npent_id        = 1\nmonitor_sts    = on\n"
        )
    );

    // §3.5 kill → Down, Try to restart, Up with a new pid, in that order.
    kill(first, "-TERM");
    let second = {
        let line = w.wait_log_count(&format!("({d} ,pid="), 2, 5 * SEC);
        up_pid(&line)
    };
    assert_ne!(second, first);
    assert_eq!(pids_named(&d), vec![second]);
    let log = w.log_lines();
    let at = |needle: &str| log.iter().position(|l| l.contains(needle)).unwrap();
    let down = at(&format!("pcheck[{pc}]: Process [{d}, pid={first}] Down"));
    let try_ = at(&format!("pcheck[{pc}]: Try to restart ({d})"));
    let up = at(&format!("pcheck[{pc}]: ({d} ,pid={second}) Up"));
    assert!(down < try_ && try_ < up, "{log:#?}");
    let pent = stdout(&w.run("padmin", &["-f", &pfile_s, "-c", "show", "pent"]));
    assert_eq!(field(&pent, "restart_count"), "1");
    assert_eq!(field(&pent, "pid"), second.to_string());
    let rerun = field(&pent, "rerun_time");
    assert_eq!(rerun.len(), "Thu Jan 18 13:34:43 2007".len(), "{rerun}");

    // §3.6 two more restarts, then the fourth death within GRACE is a retry over.
    for ups in 2..4 {
        kill_and_wait_up(&w, &d, ups);
    }
    let last = pids_named(&d)[0];
    kill(last, "-TERM");
    w.wait_log(&format!("({d}) RETRY_OVER:CONTINUE"), 5 * SEC);
    std::thread::sleep(Duration::from_millis(300));
    assert!(pids_named(&d).is_empty(), "restarted after retry over");
    let pent = stdout(&w.run("padmin", &["-f", &pfile_s, "-c", "show", "pent"]));
    assert_eq!(field(&pent, "proc_sts"), "RETRY_OVER");
    assert_eq!(field(&pent, "restart_count"), "3");
    assert_eq!(field(&pent, "pid"), last.to_string());
    let param = stdout(&w.run("padmin", &["-f", &pfile_s, "-c", "show", "param"]));
    assert_eq!(field(&param, "FAIL_PROC_COUNT"), "1");

    // §3.7 start it by hand, reload: monitoring resumes from zero.
    let manual = w.start_daemon(&d);
    let out = w.run("padmin", &["-f", &pfile_s, "-c", "reload"]);
    assert!(out.status.success(), "{}", stderr(&out));
    w.wait_log(
        &format!("Command execute. [reload] pfile={pfile_s}"),
        5 * SEC,
    );
    w.wait_log(&format!("({d} ,pid={manual}) Up"), 5 * SEC);
    let pent = stdout(&w.run("padmin", &["-f", &pfile_s, "-c", "show", "pent"]));
    assert_eq!(field(&pent, "proc_sts"), "AVAIL");
    assert_eq!(field(&pent, "restart_count"), "0");
    assert_eq!(field(&pent, "rerun_time"), "-----");
    assert_eq!(field(&pent, "pid"), manual.to_string());

    // §3.8 shutdown: pcheck ends, -l no longer lists it, the segment is gone,
    // the dump holds the state, the watched process keeps running.
    let out = w.run("padmin", &["-f", &pfile_s, "-c", "shutdown"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let st = w.wait_pcheck(pc, 5 * SEC).expect("pcheck did not end");
    assert_eq!(st.code(), Some(0));
    w.wait_log(&format!("pcheck[{pc}]: Shutdown pcheck"), SEC);
    w.wait_log(&format!("Command execute. [shutdown] pfile={pfile_s}"), SEC);
    assert!(!stdout(&w.run("padmin", &["-l"])).contains(&pfile_s));
    assert!(!segment_exists(w.key));
    let dump = std::fs::read_to_string(w.dir.join(format!("pcheck_dump_0x{:08x}", w.key))).unwrap();
    assert!(dump.contains(&format!("pname          = {d}")), "{dump}");
    assert!(
        dump.contains(&format!("pid            = {manual}")),
        "{dump}"
    );
    assert_eq!(pids_named(&d), vec![manual]);
}

#[test]
fn retry_over_exit_ends_pcheck_with_failure() {
    let mut w = World::new("rexit");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:1:exit", script.display())]);
    let first = w.start_daemon(&d);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill_and_wait_up(&w, &d, 1);
    kill(pids_named(&d)[0], "-KILL");
    w.wait_log(&format!("({d}) RETRY_OVER:EXIT"), 5 * SEC);
    let st = w.wait_pcheck(pc, 5 * SEC).expect("pcheck did not exit");
    assert_eq!(
        st.code(),
        Some(1),
        "exit action must fail so the cluster fails over"
    );
    assert!(!segment_exists(w.key));
}

#[test]
fn retry_over_shutdown_ends_pcheck_cleanly() {
    let mut w = World::new("rshut");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:0:shutdown", script.display())]);
    let first = w.start_daemon(&d);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(first, "-KILL");
    w.wait_log(&format!("({d}) RETRY_OVER:SHUTDOWN"), 5 * SEC);
    let st = w.wait_pcheck(pc, 5 * SEC).expect("pcheck did not exit");
    assert_eq!(st.code(), Some(0));
    w.wait_log("Shutdown pcheck", SEC);
    assert_eq!(w.count_log("Try to restart"), 0);
}

#[test]
fn dash_restart_only_logs_and_finds_the_process_again() {
    let mut w = World::new("dash");
    let d = w.name.clone();
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let first = w.start_daemon(&d);
    w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(first, "-TERM");
    w.wait_log(&format!("Process [{d}, pid={first}] Down"), 5 * SEC);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(w.count_log("Try to restart"), 0);
    assert!(pids_named(&d).is_empty());
    let again = w.start_daemon(&d);
    w.wait_log(&format!("({d} ,pid={again}) Up"), 5 * SEC);
}

#[test]
fn failed_restart_script_is_logged_with_its_status_and_counted() {
    let mut w = World::new("rfail");
    let d = w.name.clone();
    let script = w.script("r.sh", "#!/bin/sh\nexit 3\n");
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:2:continue", script.display())]);
    let first = w.start_daemon(&d);
    w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(first, "-TERM");
    w.wait_log_count(&format!("Restart failed ({d}): exit status 3"), 2, 5 * SEC);
    w.wait_log(&format!("({d}) RETRY_OVER:CONTINUE"), 5 * SEC);
    assert_eq!(w.count_log("Try to restart"), 2);
}

#[test]
fn restart_that_starts_nothing_counts_after_monitor_try_count_lookups() {
    let mut w = World::new("nofind");
    let d = w.name.clone();
    let script = w.script("r.sh", "#!/bin/sh\nexit 0\n");
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:1:continue", script.display())]);
    let first = w.start_daemon(&d);
    w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(first, "-TERM");
    w.wait_log(
        &format!("Process [{d}] not found after 2 look-ups"),
        5 * SEC,
    );
    w.wait_log(&format!("({d}) RETRY_OVER:CONTINUE"), 5 * SEC);
}

#[test]
fn missing_at_start_is_restarted_after_the_lookups() {
    let mut w = World::new("absent");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:3:continue", script.display())]);
    w.spawn_pcheck(&pfile, &[]);
    w.wait_log(
        &format!("Process [{d}] not found after 2 look-ups"),
        5 * SEC,
    );
    w.wait_log(&format!("Try to restart ({d})"), SEC);
    let line = w.wait_log(&format!("({d} ,pid="), 5 * SEC);
    assert_eq!(pids_named(&d), vec![up_pid(&line)]);
}

#[test]
fn every_process_with_the_name_is_watched() {
    let mut w = World::new("same");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:5:continue", script.display())]);
    let pids: Vec<i32> = (0..3).map(|_| w.start_daemon(&d)).collect();
    w.spawn_pcheck(&pfile, &[]);
    w.wait_log_count(&format!("({d} ,pid="), 3, 5 * SEC);
    let pent = stdout(&w.run(
        "padmin",
        &[
            "-f",
            w.path("pfile").to_str().unwrap(),
            "-c",
            "show",
            "pent",
        ],
    ));
    let mut shown: Vec<i32> = field(&pent, "pid")
        .split(' ')
        .map(|p| p.parse().unwrap())
        .collect();
    shown.sort();
    let mut want = pids.clone();
    want.sort();
    assert_eq!(shown, want);
    kill(pids[1], "-TERM");
    w.wait_log(&format!("Process [{d}, pid={}] Down", pids[1]), 5 * SEC);
    w.wait_log_count(&format!("({d} ,pid="), 4, 5 * SEC);
    assert_eq!(pids_named(&d).len(), 3);
}

#[test]
fn proc_fallback_mode_detects_and_restarts() {
    let mut w = World::new("nopidfd");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:3:continue", script.display())]);
    let first = w.start_daemon(&d);
    w.spawn_pcheck(&pfile, &[("MAMORI_NO_PIDFD", "1")]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(first, "-KILL");
    w.wait_log(&format!("Process [{d}, pid={first}] Down"), 5 * SEC);
    let line = w.wait_log_count(&format!("({d} ,pid="), 2, 5 * SEC);
    assert_ne!(up_pid(&line), first);
}

#[test]
fn sigterm_shuts_down_like_padmin() {
    let mut w = World::new("term");
    let d = w.name.clone();
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let first = w.start_daemon(&d);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(pc as i32, "-TERM");
    let st = w.wait_pcheck(pc, 5 * SEC).unwrap();
    assert_eq!(st.code(), Some(0));
    w.wait_log("Shutdown pcheck", SEC);
    assert!(!segment_exists(w.key));
    assert!(w.dir.join(format!("pcheck_dump_0x{:08x}", w.key)).exists());
    assert_eq!(
        pids_named(&d),
        vec![first],
        "watched processes stay running"
    );
}

#[test]
fn a_second_pcheck_on_a_live_key_is_refused() {
    let mut w = World::new("dupkey");
    let d = w.name.clone();
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let pc = w.spawn_pcheck(&pfile, &[]);
    wait_until(5 * SEC, || segment_exists(w.key).then_some(())).unwrap();
    let other = w.path("pfile2");
    std::fs::copy(&pfile, &other).unwrap();
    let out = w.run("pcheck", &["-f", other.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("IPCKEY is in use by pcheck[{pc}]")),
        "{err}"
    );
    assert!(
        w.wait_pcheck(pc, Duration::from_millis(100)).is_none(),
        "first pcheck must keep running"
    );
}

#[test]
fn a_segment_left_by_kill_9_is_taken_over() {
    let mut w = World::new("takeover");
    let d = w.name.clone();
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let first = w.start_daemon(&d);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    kill(pc as i32, "-KILL");
    w.wait_pcheck(pc, 5 * SEC).unwrap();
    assert!(segment_exists(w.key), "kill -9 leaves the segment behind");
    let pc2 = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("pcheck[{pc2}]: ({d} ,pid={first}) Up"), 5 * SEC);
    let list = stdout(&w.run("padmin", &["-l"]));
    assert!(list.contains(&format!("mypid    = {pc2}")), "{list}");
}

#[test]
fn malformed_pfiles_are_refused_with_file_and_line() {
    let w = World::new("bad");
    let d = w.name.clone();
    let cases: &[(&str, &str)] = &[
        ("x:-:60:3:explode", ":7: action \"explode\""),
        ("x:-:sixty:3:continue", ":7: GRACE \"sixty\""),
        ("x:-:60:many:continue", ":7: retries \"many\""),
        (
            "x:/no/such/script:60:3:continue",
            ":7: restart program /no/such/script",
        ),
        ("x:-:60:3", ":7: PENT needs 5 fields"),
    ];
    for (pent, want) in cases {
        let pfile = w.pfile(FAST, &[pent.to_string()]);
        let out = w.run("pcheck", &["-f", pfile.to_str().unwrap()]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{pent}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("pcheck: {}{want}", pfile.display())),
            "{pent}: {err}"
        );
        assert!(!segment_exists(w.key), "nothing may be created");
    }
    let pfile = w.pfile("MONITOR_INTERVAL 0\n", &[format!("{d}:-:60:3:continue")]);
    let err = stderr(&w.run("pcheck", &["-f", pfile.to_str().unwrap()]));
    assert!(err.contains(":3: MONITOR_INTERVAL \"0\""), "{err}");
    let out = w.run("pcheck", &["-f", "/no/such/pfile"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "pcheck: /no/such/pfile: No such file or directory\n"
    );
    let out = w.run("pcheck", &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn as_root_a_restart_script_others_can_write_is_refused() {
    let w = World::new("perm");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&script).unwrap().permissions(),
        0o777,
    );
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let pfile = w.pfile(FAST, &[format!("{d}:{}:60:3:continue", script.display())]);
    let out = w.run("pcheck", &["-f", pfile.to_str().unwrap()]);
    let root = rustix_is_root();
    if root {
        assert_eq!(out.status.code(), Some(2));
        let err = stderr(&out);
        assert!(
            err.contains("writable by group or others (mode 0777)"),
            "{err}"
        );
        std::fs::set_permissions(&pfile, std::os::unix::fs::PermissionsExt::from_mode(0o666))
            .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let err = stderr(&w.run("pcheck", &["-f", pfile.to_str().unwrap()]));
        assert!(
            err.contains("pfile: writable by group or others (mode 0666)"),
            "{err}"
        );
    } else {
        // Only root's pcheck runs scripts with root's power; others may.
        assert_ne!(out.status.code(), Some(2));
    }
}

fn rustix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"))
}

#[test]
fn padmin_errors_are_one_line_and_non_zero() {
    let w = World::new("padm");
    let d = w.name.clone();
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let p = pfile.to_str().unwrap();
    let out = w.run("padmin", &["-f", p, "-c", "show", "param"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!("padmin: no pcheck is running with pfile {p}\n")
    );
    let out = w.run("padmin", &["-f", p, "-c", "explode"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).starts_with("padmin: unknown command \"explode\""));
    let out = w.run("padmin", &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn reload_with_a_broken_pfile_is_refused_and_monitoring_goes_on() {
    let mut w = World::new("badreload");
    let d = w.name.clone();
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let first = w.start_daemon(&d);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    w.pfile(FAST, &[format!("{d}:-:60:3:bogus")]);
    let out = w.run("padmin", &["-f", pfile.to_str().unwrap(), "-c", "reload"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(":7: action \"bogus\""),
        "{}",
        stderr(&out)
    );
    assert!(w.wait_pcheck(pc, Duration::from_millis(50)).is_none());
    kill(first, "-TERM");
    w.wait_log(&format!("Process [{d}, pid={first}] Down"), 5 * SEC);
}

#[test]
fn a_hundred_restarts_leave_no_zombie_and_no_fd_growth() {
    let mut w = World::new("hundred");
    let d = w.name.clone();
    let script = w.restart_script("r.sh", &d, 0);
    let pfile = w.pfile(
        FAST,
        &[format!("{d}:{}:1:100000:continue", script.display())],
    );
    w.start_daemon(&d);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid="), 5 * SEC);
    kill_and_wait_up(&w, &d, 1);
    // `Up` is logged during the /proc scan, whose directory and file fds
    // are open for a moment more: count once pcheck is idle again.
    std::thread::sleep(Duration::from_millis(200));
    let fds = fd_count(pc);
    for n in 2..=100 {
        kill_and_wait_up(&w, &d, n);
    }
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(w.count_log("Try to restart"), 100);
    assert_eq!(fd_count(pc), fds, "fd count grew");
    assert_eq!(zombie_children(pc), 0, "zombies left");
    assert_eq!(pids_named(&d).len(), 1);
}

#[test]
fn sighup_reloads_new_pents_and_sigint_shuts_down() {
    let mut w = World::new("hup");
    let d = w.name.clone();
    let second = format!("{d}b");
    let pfile = w.pfile(FAST, &[format!("{d}:-:60:3:continue")]);
    let first = w.start_daemon(&d);
    let other = w.start_daemon(&second);
    let pc = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({d} ,pid={first}) Up"), 5 * SEC);
    assert_eq!(w.count_log(&format!("({second} ,pid=")), 0);
    w.pfile(
        FAST,
        &[
            format!("{d}:-:60:3:continue"),
            format!("{second}:-:60:3:continue"),
        ],
    );
    kill(pc as i32, "-HUP");
    w.wait_log(&format!("({second} ,pid={other}) Up"), 5 * SEC);
    // The Up line is logged before the turn publishes its counts.
    let counted = common::wait_until(5 * SEC, || {
        let param = stdout(&w.run(
            "padmin",
            &["-f", pfile.to_str().unwrap(), "-c", "show", "param"],
        ));
        (field(&param, "ALL_PROC_COUNT") == "2").then_some(())
    });
    assert!(counted.is_some(), "ALL_PROC_COUNT = 2 after the reload");
    kill(pc as i32, "-INT");
    assert_eq!(w.wait_pcheck(pc, 5 * SEC).unwrap().code(), Some(0));
    w.wait_log("Shutdown pcheck", SEC);
}
