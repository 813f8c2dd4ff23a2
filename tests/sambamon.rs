//! clp_sambamon end to end: the built binary against real smbd servers on
//! loopback (PEERS.md), each test with its own smbd port, registry key
//! and syslog socket.

mod common;
mod fsmon;
#[path = "servers/smbd.rs"]
mod smbd;

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use common::wait_until;
use fsmon::Fs;
use smbd::{PASSWORD, Smbd, USER};

const S: Duration = Duration::from_secs(1);
const WATCH: &str = "[2] The clp_sambamon is going to watch share resource";

fn addr(s: &Smbd) -> String {
    format!("127.0.0.1:{}", s.port)
}

fn cmdline(pid: u32) -> String {
    String::from_utf8_lossy(&std::fs::read(format!("/proc/{pid}/cmdline")).unwrap())
        .replace('\0', " ")
}

/// Guest share over SMB 3.1.1; a user share with the password from -p,
/// -p @FILE and MAMORI_SMB_PASSWORD, never visible in /proc or the log;
/// -disp, -del, -stop.
#[test]
fn guest_and_user_shares_and_password_sources() {
    let s = Smbd::start("monusers", 25451, &[]);
    let mut fs = Fs::new("sambausers");
    let a = addr(&s);

    let guest = fs.start(
        "clp_sambamon",
        &["g1", "-s", "pub", "-a", &a, "-i", "1", "-r", "2"],
    );
    fs.wait_line(
        guest,
        "[1] The clp_sambamon has started watching Samba.",
        5 * S,
    );
    fs.wait_line(guest, &format!("{WATCH} [pub]."), 5 * S);

    // -p on the command line: erased from argv.
    let user = fs.start(
        "clp_sambamon",
        &[
            "u1", "-s", "private", "-a", &a, "-u", USER, "-p", PASSWORD, "-i", "1", "-r", "2",
        ],
    );
    fs.wait_line(user, &format!("{WATCH} [private]."), 5 * S);
    let cl = cmdline(user);
    assert!(cl.contains(" -u smbtest -p ** -i 1"), "{cl}");
    // Glued -pPASSWORD too.
    let glued = fs.start(
        "clp_sambamon",
        &[
            "u2",
            "-s",
            "private",
            "-a",
            &a,
            "-u",
            USER,
            &format!("-p{PASSWORD}"),
            "-i",
            "1",
        ],
    );
    fs.wait_line(glued, &format!("{WATCH} [private]."), 5 * S);
    assert!(cmdline(glued).contains(" -p** -i 1"), "{}", cmdline(glued));

    // -p @FILE, mode 0600.
    let file = fs.w.path("secret");
    std::fs::write(&file, format!("{PASSWORD}\n")).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    let at = format!("@{}", file.display());
    let from_file = fs.start(
        "clp_sambamon",
        &[
            "u3", "-s", "private", "-a", &a, "-u", USER, "-p", &at, "-i", "1",
        ],
    );
    fs.wait_line(from_file, &format!("{WATCH} [private]."), 5 * S);

    // MAMORI_SMB_PASSWORD: erased from /proc/PID/environ as well.
    let mut c = fs.cmd(
        "clp_sambamon",
        &["u4", "-s", "private", "-a", &a, "-u", USER, "-i", "1"],
    );
    c.env("MAMORI_SMB_PASSWORD", PASSWORD);
    let from_env = fs.spawn(c);
    fs.wait_line(from_env, &format!("{WATCH} [private]."), 5 * S);
    let environ =
        String::from_utf8_lossy(&std::fs::read(format!("/proc/{from_env}/environ")).unwrap())
            .into_owned();
    assert!(environ.contains("MAMORI_SMB_PASSWORD=**\0"), "{environ:?}");

    for pid in [user, glued, from_file, from_env] {
        let cl = cmdline(pid);
        assert!(!cl.split(' ').any(|w| w.contains(PASSWORD)), "{cl}");
    }

    // -disp shows the registered pid; -del refuses a live monitor.
    assert_eq!(fs.disp("clp_sambamon", "u1"), (Some(user), 0));
    let o = fs.run("clp_sambamon", &["u1", "-del"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("end it with -stop"));
    assert_eq!(fs.disp("clp_sambamon", "u1"), (Some(user), 0));
    // IDs are case-sensitive.
    assert_eq!(fs.disp("clp_sambamon", "U1").1, 4);
    // The other applet does not control our IDs.
    assert_eq!(
        fs.run("clp_nfsmon", &["u1", "-pause"]).status.code(),
        Some(4)
    );

    // A few more checks pass: no failure while healthy.
    let ids = ["g1", "u1", "u2", "u3", "u4"];
    fs.wait_checks(&ids, 2, 5 * S);
    for (pid, id) in [guest, user, glued, from_file, from_env]
        .into_iter()
        .zip(ids)
    {
        assert!(fs.running(pid), "{pid} still watching");
        let o = fs.run("clp_sambamon", &[id, "-stop", "5"]);
        assert!(o.status.success(), "{o:?}");
        assert_eq!(fs.wait(pid, 5 * S).unwrap().code(), Some(0));
        fs.wait_line(pid, "[3] The clp_sambamon will stop watching Samba [", S);
        assert!(!fs.lines_of(pid).iter().any(|l| l.contains("[6]")));
    }
    // The password never reaches the log.
    let log = fs.w.log_lines().join("\n");
    assert!(!log.contains(PASSWORD), "{log}");
    assert!(fs.w.count_log(WATCH) >= 5);
    // The last monitor to leave removes the registry.
    assert!(!common::segment_exists(fs.w.key));
}

/// A wrong share (62), a wrong password (64), a password file readable by
/// others (11), a user-only share as guest (62 ACCESS_DENIED, which Samba
/// also answers a guest on a share that requires encryption: the text
/// says so).
#[test]
fn wrong_share_and_wrong_password_end_the_monitor() {
    let s = Smbd::start("monwrong", 25452, &[]);
    let mut fs = Fs::new("sambawrong");
    let a = addr(&s);
    let cases: [(&[&str], &str); 3] = [
        (
            &["w1", "-s", "nosuch", "-c", "2"],
            "[62] The clp_sambamon has detected an error in Samba [nosuch] (tree connect error[0xC00000CC]).",
        ),
        (
            &["w2", "-s", "private", "-u", USER, "-p", "wrong"],
            "[64] The clp_sambamon has detected an error in Samba [private] (connect error[0xC000006D]).",
        ),
        (
            &["w3", "-s", "private"],
            "[62] The clp_sambamon has detected an error in Samba [private] (tree connect error[0xC0000022]: \
             a guest session cannot use SMB3 encryption; if the share requires it, monitor with -u USER).",
        ),
    ];
    let mut pids = Vec::new();
    for (args, _) in &cases {
        let mut v = args.to_vec();
        v.extend_from_slice(&["-a", &a, "-i", "1", "-r", "2"]);
        pids.push(fs.start("clp_sambamon", &v));
    }
    for (pid, (args, text)) in pids.iter().zip(&cases) {
        let st = fs.wait(*pid, 10 * S).expect("ends after its retries");
        assert_eq!(st.code(), Some(1), "{args:?}");
        fs.wait_line(*pid, "[6] ", S);
        let lines = fs.lines_of(*pid);
        let k = lines
            .iter()
            .position(|l| l == text)
            .unwrap_or_else(|| panic!("{lines:?}"));
        assert_eq!(lines[k + 1], "[6] The clp_sambamon will terminate.");
        assert!(
            !lines.iter().any(|l| l.starts_with("[2]")),
            "never watched: {lines:?}"
        );
    }
    // -c 2: two checks an interval apart, so at least one second.
    let o = fs.run("clp_sambamon", &["w1", "-disp"]);
    assert_eq!(o.status.code(), Some(4), "the registration went with it");

    let file = fs.w.path("secret");
    std::fs::write(&file, PASSWORD).unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = fs.run(
        "clp_sambamon",
        &[
            "w4",
            "-s",
            "private",
            "-a",
            &a,
            "-u",
            USER,
            "-p",
            &format!("@{}", file.display()),
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("Invalid parameter in the clp_sambamon.") && err.contains("must be mode 0600"),
        "{err}"
    );
    // -p without -u.
    let o = fs.run("clp_sambamon", &["w5", "-s", "pub", "-p", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("-p needs -u"));
}

/// SMB3 encryption: a user share with `smb encrypt = required` is watched;
/// a guest share with it ends with the guest message; `-e` without `-u`
/// is refused at start; `-e` against a server with encryption off ends
/// with message 65 saying so.
#[test]
fn encrypted_shares_and_dash_e() {
    let req = "smb encrypt = required";
    let s = Smbd::start_with("monenc", 25459, &[], &[("private", req), ("pub", req)]);
    let off = Smbd::start("monencoff", 25460, &["server smb encrypt = off"]);
    let mut fs = Fs::new("sambaenc");
    let (a, a_off) = (addr(&s), addr(&off));
    let user = fs.start(
        "clp_sambamon",
        &[
            "e1", "-s", "private", "-a", &a, "-u", USER, "-p", PASSWORD, "-i", "1", "-r", "2",
        ],
    );
    let always = fs.start(
        "clp_sambamon",
        &[
            "e2", "-s", "private", "-a", &a, "-u", USER, "-p", PASSWORD, "-e", "-i", "1",
        ],
    );
    let guest = fs.start(
        "clp_sambamon",
        &["e3", "-s", "pub", "-a", &a, "-i", "1", "-c", "1", "-r", "2"],
    );
    let refused = fs.start(
        "clp_sambamon",
        &[
            "e4", "-s", "private", "-a", &a_off, "-u", USER, "-p", PASSWORD, "-e", "-i", "1", "-c",
            "1",
        ],
    );
    fs.wait_line(user, &format!("{WATCH} [private]."), 5 * S);
    fs.wait_line(always, &format!("{WATCH} [private]."), 5 * S);
    for (pid, text) in [
        (
            guest,
            "[62] The clp_sambamon has detected an error in Samba [pub] (tree connect error[0xC0000022]: \
             a guest session cannot use SMB3 encryption; if the share requires it, monitor with -u USER).",
        ),
        (
            refused,
            "[65] The clp_sambamon has detected an error in Samba [private] (negosiate error[0xC00000BB]: \
             SMB3 encryption is required but the server offers none).",
        ),
    ] {
        let st = fs.wait(pid, 10 * S).expect("ends after its retries");
        assert_eq!(st.code(), Some(1));
        fs.wait_line(pid, text, S);
    }
    let o = fs.run("clp_sambamon", &["e5", "-s", "pub", "-a", &a, "-e"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("-e needs -u USER"), "{err}");
    // Still watching after several encrypted checks.
    fs.wait_checks(&["e1", "e2"], 3, 10 * S);
    for (pid, id) in [(user, "e1"), (always, "e2")] {
        assert!(fs.running(pid), "{id}: {:?}", fs.lines_of(pid));
        assert!(fs.run("clp_sambamon", &[id, "-stop", "5"]).status.success());
        assert_eq!(fs.wait(pid, 5 * S).unwrap().code(), Some(0));
    }
}

/// `server signing = mandatory` (signed user session) and an SMB1-only
/// server (`server max protocol = NT1`).
#[test]
fn signing_mandatory_and_smb1_only() {
    let signed = Smbd::start("monsign", 25453, &["server signing = mandatory"]);
    let nt1 = Smbd::start(
        "monnt1",
        25454,
        &["server min protocol = NT1", "server max protocol = NT1"],
    );
    let mut fs = Fs::new("sambaproto");
    let (sa, na) = (addr(&signed), addr(&nt1));
    let pids = [
        fs.start(
            "clp_sambamon",
            &[
                "s1", "-s", "private", "-a", &sa, "-u", USER, "-p", PASSWORD, "-i", "1", "-c", "1",
            ],
        ),
        fs.start(
            "clp_sambamon",
            &["s2", "-s", "pub", "-a", &sa, "-i", "1", "-c", "1"],
        ),
        fs.start(
            "clp_sambamon",
            &["n1", "-s", "pub", "-a", &na, "-i", "1", "-c", "1"],
        ),
        fs.start(
            "clp_sambamon",
            &[
                "n2", "-s", "private", "-a", &na, "-u", USER, "-p", PASSWORD, "-i", "1", "-c", "1",
            ],
        ),
    ];
    for pid in pids {
        fs.wait_line(pid, WATCH, 5 * S);
    }
    // -c 1: a single failed check would have ended them.
    fs.wait_checks(&["s1", "s2", "n1", "n2"], 2, 5 * S);
    for (pid, id) in pids.iter().zip(["s1", "s2", "n1", "n2"]) {
        assert!(fs.running(*pid), "{id}: {:?}", fs.lines_of(*pid));
        assert!(fs.run("clp_sambamon", &[id, "-stop", "5"]).status.success());
        assert_eq!(fs.wait(*pid, 5 * S).unwrap().code(), Some(0));
    }
}

/// smbd stopped with SIGSTOP: declared dead within RETRIES × (INTERVAL +
/// TIMEOUT); meanwhile a `-stop` that cannot be served in time reports 15.
/// Then smbd killed: connection refused (72).
#[test]
fn stalled_then_killed_server() {
    let mut s = Smbd::start("monstall", 25455, &[]);
    let mut fs = Fs::new("sambastall");
    let a = addr(&s);
    let fast = fs.start(
        "clp_sambamon",
        &[
            "st1", "-s", "pub", "-a", &a, "-i", "1", "-c", "2", "-r", "1",
        ],
    );
    fs.wait_line(fast, WATCH, 5 * S);
    s.stop();
    let stalled = Instant::now();
    let st = fs.wait(fast, 10 * S).expect("a stall is detected");
    let took = stalled.elapsed();
    assert_eq!(st.code(), Some(1));
    // 2 × (1 s + 1 s), plus the part of an interval already slept.
    assert!(took <= Duration::from_millis(5500), "{took:?}");
    fs.wait_line(fast, "[6] ", S);
    let lines = fs.lines_of(fast);
    assert!(
        lines.contains(
            &"[74] The clp_sambamon has detected network error(select error[110]).".to_string()
        ),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().unwrap(),
        "[6] The clp_sambamon will terminate."
    );

    // st2's first check hangs for 4 s: `-stop 1` cannot be served in time.
    let slow = fs.start(
        "clp_sambamon",
        &[
            "st2", "-s", "pub", "-a", &a, "-i", "1", "-c", "100", "-r", "4",
        ],
    );
    fs.wait_line(slow, "[1] ", S);
    let o = fs.run("clp_sambamon", &["st2", "-stop", "1"]);
    assert_eq!(o.status.code(), Some(4), "{o:?} {:?}", fs.lines_of(slow));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("The clp_sambamon has not performed end processing."),
        "{err}"
    );
    // Logged by the -stop command, which has exited: the line may still be
    // in the reader's queue.
    fs.w.wait_log("[15] The clp_sambamon has not performed end processing.", S);
    // The request stands: the monitor ends once its check returns.
    assert_eq!(
        fs.wait(slow, 6 * S).expect("ends after the check").code(),
        Some(0)
    );
    fs.wait_line(
        slow,
        "[3] The clp_sambamon will stop watching Samba [pub].",
        S,
    );

    // Killed: connection refused at once.
    s.kill();
    let dead = fs.start(
        "clp_sambamon",
        &[
            "st3", "-s", "pub", "-a", &a, "-i", "1", "-c", "1", "-r", "1",
        ],
    );
    assert_eq!(fs.wait(dead, 5 * S).unwrap().code(), Some(1));
    fs.wait_line(dead, "[6] ", S);
    assert_eq!(
        fs.lines_of(dead)[1..],
        [
            "[72] The clp_sambamon has detected network error(connect error[111]).".to_string(),
            "[6] The clp_sambamon will terminate.".to_string()
        ]
    );
}

/// kill -9 of a monitor leaves a registration whose owner is dead: -disp
/// says so, a new start with the same ID takes it over, and -del removes
/// such a stale registration.
#[test]
fn killed_monitor_id_is_reclaimed() {
    let s = Smbd::start("monkill", 25456, &[]);
    let mut fs = Fs::new("sambakill");
    let a = addr(&s);
    let args = ["k1", "-s", "pub", "-a", &a, "-i", "1"];
    let first = fs.start("clp_sambamon", &args);
    fs.wait_line(first, WATCH, 5 * S);
    common::kill(first as i32, "-KILL");
    fs.wait(first, 5 * S).unwrap();
    assert!(
        common::segment_exists(fs.w.key),
        "kill -9 leaves the registration"
    );
    let (pid, code) = fs.disp("clp_sambamon", "k1");
    assert_eq!((pid, code), (Some(first), 4), "the stale pid, flagged");

    let second = fs.start("clp_sambamon", &args);
    fs.wait_line(second, WATCH, 5 * S);
    assert!(fs.running(second));
    assert_eq!(fs.disp("clp_sambamon", "k1"), (Some(second), 0));

    // -del of a stale registration.
    common::kill(second as i32, "-KILL");
    fs.wait(second, 5 * S).unwrap();
    assert!(fs.run("clp_sambamon", &["k1", "-del"]).status.success());
    assert_eq!(fs.disp("clp_sambamon", "k1").1, 4);
    assert!(
        !common::segment_exists(fs.w.key),
        "-del of the last entry tidies up"
    );
    // -stop of a dead registration succeeds (stop.sh after a kill).
    let third = fs.start("clp_sambamon", &args);
    fs.wait_line(third, WATCH, 5 * S);
    common::kill(third as i32, "-KILL");
    fs.wait(third, 5 * S).unwrap();
    assert_eq!(
        fs.run("clp_sambamon", &["k1", "-stop"]).status.code(),
        Some(0)
    );
    // Not registered at all: 15.
    let o = fs.run("clp_sambamon", &["k1", "-stop"]);
    assert_eq!(o.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&o.stderr).contains("has not performed end processing"));
    // SIGTERM ends a monitor like -stop.
    let fourth = fs.start("clp_sambamon", &args);
    fs.wait_line(fourth, WATCH, 5 * S);
    common::kill(fourth as i32, "-TERM");
    assert_eq!(fs.wait(fourth, 5 * S).unwrap().code(), Some(0));
    fs.wait_line(
        fourth,
        "[3] The clp_sambamon will stop watching Samba [pub].",
        S,
    );
    assert!(!common::segment_exists(fs.w.key));
    let _ = wait_until(S, || Some(()));
}

#[test]
fn pause_sends_no_traffic() {
    fsmon::pause_sends_nothing("clp_sambamon", &["-s", "pub"]);
}

#[test]
fn bad_parameters() {
    fsmon::bad_parameters(
        "clp_sambamon",
        &["-s", "pub"],
        "'-s' parameter is not specified at the clp_sambamon command.",
    );
}

/// conf/fsmon/sambamon/{start,stop}.sh as the cluster runs them: start.sh
/// runs the monitor until stop.sh ends it.
#[test]
fn conf_templates_start_and_stop() {
    let s = Smbd::start("monconf", 25457, &[]);
    let mut fs = Fs::new("sambaconf");
    let bin = fs.w.path("bin");
    std::fs::create_dir(&bin).unwrap();
    assert!(
        std::process::Command::new(common::MAMORI)
            .args(["install", bin.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/conf/fsmon/sambamon");
    let start = std::fs::read_to_string(format!("{dir}/start.sh"))
        .unwrap()
        .replace("-s XXXX", &format!("-s pub -a {} -i 1", addr(&s)));
    let start = fs.w.script("start.sh", &start);
    let stop = fs.w.script(
        "stop.sh",
        &std::fs::read_to_string(format!("{dir}/stop.sh")).unwrap(),
    );
    let key = fs.key();
    let sock = fs.w.log_socket().to_path_buf();
    let script = |path: &std::path::Path| {
        let mut sh = std::process::Command::new("sh");
        sh.arg(path)
            .stdin(std::process::Stdio::null())
            .env("CLP_EVENT", "START")
            .env("CLP_DISK", "SUCCESS")
            .env("CLP_SERVER", "HOME")
            .env("MAMORI_BIN", &bin)
            .env("MAMORI_FSMON_IPCKEY", &key)
            .env("MAMORI_SYSLOG_SOCKET", &sock);
        sh
    };
    let runner = fs.spawn(script(&start));
    let pid = wait_until(5 * S, || fs.disp("clp_sambamon", "sambawatch").0).expect("registered");
    fs.wait_line(pid, &format!("{WATCH} [pub]."), 5 * S);
    let o = script(&stop).output().unwrap();
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("clp_sambamon stop"));
    assert_eq!(
        fs.wait(runner, 5 * S).unwrap().code(),
        Some(0),
        "start.sh returns"
    );
    fs.wait_line(
        pid,
        "[3] The clp_sambamon will stop watching Samba [pub].",
        S,
    );
}

#[test]
fn foreign_segment_at_the_registry_key() {
    fsmon::foreign_registry("clp_sambamon", &["-s", "pub"]);
}

/// `-a [::1]:PORT`: Samba over IPv6.
#[test]
fn ipv6_address() {
    let s = Smbd::start("mon6", 25458, &["interfaces = 127.0.0.1 ::1"]);
    let mut fs = Fs::new("samba6");
    let a = format!("[::1]:{}", s.port);
    let pid = fs.start(
        "clp_sambamon",
        &["six", "-s", "pub", "-a", &a, "-i", "1", "-c", "1"],
    );
    fs.wait_line(pid, &format!("{WATCH} [pub]."), 5 * S);
    fs.wait_checks(&["six"], 2, 5 * S);
    assert!(fs.running(pid));
    assert!(
        fs.run("clp_sambamon", &["six", "-stop", "5"])
            .status
            .success()
    );
    assert_eq!(fs.wait(pid, 5 * S).unwrap().code(), Some(0));
}

/// Messages go to stderr too when stderr is a terminal (someone runs the
/// monitor by hand), and only to syslog otherwise.
#[test]
fn messages_echo_to_a_terminal_only() {
    let fs = Fs::new("sambatty");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = closed.local_addr().unwrap().to_string();
    drop(closed);
    let args = ["tty1", "-s", "pub", "-a", &a, "-c", "1", "-r", "1"];
    let o = fs.run("clp_sambamon", &args);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "", "not a terminal");
    // `script` gives the monitor a pseudo-terminal as stdin/stdout/stderr.
    let line = format!("{} clp_sambamon {}", common::MAMORI, args.join(" "));
    let o = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .env("MAMORI_FSMON_IPCKEY", fs.key())
        .env("MAMORI_SYSLOG_SOCKET", fs.w.log_socket())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).replace('\r', "");
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("]: [1] The clp_sambamon has started watching Samba.\n"),
        "{out}"
    );
    assert!(
        out.contains("]: [72] The clp_sambamon has detected network error(connect error[111]).\n"),
        "{out}"
    );
    assert!(
        out.contains("]: [6] The clp_sambamon will terminate.\n"),
        "{out}"
    );
    // Both runs reached syslog as well.
    fs.w.wait_log_count("[6] The clp_sambamon will terminate.", 2, S);
}
