//! The systemd notification protocol against a real datagram listener
//! standing in for $NOTIFY_SOCKET: READY=1 only once the watched process
//! was looked up (pcheck) or the first check passed (clp_sambamon against
//! a real smbd), STATUS= lines, WATCHDOG=1 at half WATCHDOG_USEC, and
//! STOPPING=1 on the way out; an abstract socket name (`@…`) works too.

mod common;
mod fsmon;
#[path = "servers/smbd.rs"]
mod smbd;

use std::os::linux::net::SocketAddrExt;
use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{World, wait_until};

const S: Duration = Duration::from_secs(1);

/// Every datagram received, with when it came.
struct Listener {
    got: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Listener {
    fn start(sock: UnixDatagram) -> Listener {
        let got = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&got);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().unwrap().push((Instant::now(), text));
            }
        });
        Listener { got }
    }

    fn messages(&self) -> Vec<(Instant, String)> {
        self.got.lock().unwrap().clone()
    }

    /// How many `what` datagrams come within the next `span`.
    fn count_during(&self, what: &str, span: Duration) -> usize {
        let from = Instant::now();
        std::thread::sleep(span);
        self.messages()
            .iter()
            .filter(|(t, m)| *t >= from && m == what)
            .count()
    }

    fn wait_for(&self, what: &str, limit: Duration) -> Instant {
        wait_until(limit, || {
            self.messages()
                .into_iter()
                .find(|(_, m)| m.lines().any(|l| l == what))
                .map(|(t, _)| t)
        })
        .unwrap_or_else(|| panic!("no {what:?} in {:?}", self.messages()))
    }
}

#[test]
fn pcheck_ready_after_the_look_up_watchdog_and_stopping() {
    let mut w = World::new("notifypc");
    let sock_path = w.path("notify.sock");
    let listener = Listener::start(UnixDatagram::bind(&sock_path).unwrap());
    let name = w.name.clone();
    let pid = w.start_daemon(&name);
    let pfile = w.pfile("", &[format!("{name}:-:60:3:continue")]);
    let pc = w.spawn_pcheck(
        &pfile,
        &[
            ("NOTIFY_SOCKET", sock_path.to_str().unwrap()),
            ("WATCHDOG_USEC", "200000"),
        ],
    );
    listener.wait_for("READY=1", 5 * S);
    // READY came after the look-up that found the daemon: the table
    // already shows it (the log line may still be in the reader's queue).
    let out = w.run(
        "padmin",
        &["-f", pfile.to_str().unwrap(), "-c", "show", "pent"],
    );
    let pent = String::from_utf8_lossy(&out.stdout);
    assert!(
        pent.contains(&format!("pid            = {pid}\n"))
            && pent.contains("proc_sts       = AVAIL\n"),
        "{pent}"
    );
    w.wait_log(&format!("({name} ,pid={pid}) Up"), 5 * S);
    listener.wait_for("STATUS=watching 1 of 1 processes", 5 * S);
    // WATCHDOG=1 every 100 ms: count over one second.
    let dogs = listener.count_during("WATCHDOG=1", S);
    assert!((6..=14).contains(&dogs), "{dogs} WATCHDOG=1 in 1 s");
    common::kill(pc as i32, "-TERM");
    listener.wait_for("STOPPING=1", 5 * S);
    assert_eq!(w.wait_pcheck(pc, 5 * S).unwrap().code(), Some(0));
    common::kill_named(&name);
}

#[test]
fn pcheck_without_watchdog_sends_none_and_abstract_names_work() {
    let mut w = World::new("notifyab");
    let abstract_name = format!("mamori-notify-{}", std::process::id());
    let addr = SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
    let listener = Listener::start(UnixDatagram::bind_addr(&addr).unwrap());
    let name = w.name.clone();
    w.start_daemon(&name);
    let pfile = w.pfile("", &[format!("{name}:-:60:3:continue")]);
    let pc = w.spawn_pcheck(&pfile, &[("NOTIFY_SOCKET", &format!("@{abstract_name}"))]);
    listener.wait_for("READY=1", 5 * S);
    assert_eq!(
        listener.count_during("WATCHDOG=1", S / 2),
        0,
        "no WatchdogSec, no WATCHDOG=1"
    );
    common::kill(pc as i32, "-TERM");
    listener.wait_for("STOPPING=1", 5 * S);
    w.wait_pcheck(pc, 5 * S);
    common::kill_named(&name);
}

#[test]
fn sambamon_ready_after_the_first_passing_check() {
    let s = smbd::Smbd::start("notify", 25493, &[]);
    let mut fs = fsmon::Fs::new("notifysmb");
    let sock_path = fs.w.path("notify.sock");
    let listener = Listener::start(UnixDatagram::bind(&sock_path).unwrap());
    let addr = format!("127.0.0.1:{}", s.port);
    let mut c = fs.cmd(
        "clp_sambamon",
        &[
            "nt1", "-s", "pub", "-a", &addr, "-i", "1", "-c", "2", "-r", "1",
        ],
    );
    c.env("NOTIFY_SOCKET", &sock_path)
        .env("WATCHDOG_USEC", "400000");
    let pid = fs.spawn(c);
    let ready = listener.wait_for("READY=1", 5 * S);
    let line = fs.wait_line(pid, "[2] ", S);
    assert!(line.contains("[pub]"), "{line}");
    assert!(
        listener
            .messages()
            .iter()
            .any(|(t, m)| *t == ready && m.contains("STATUS=watching ")),
        "{:?}",
        listener.messages()
    );
    // Watchdog keeps coming between checks.
    let dogs = listener.count_during("WATCHDOG=1", S);
    assert!((3..=7).contains(&dogs), "{dogs} WATCHDOG=1 in 1 s");
    assert!(
        fs.run("clp_sambamon", &["nt1", "-stop", "5"])
            .status
            .success()
    );
    listener.wait_for("STOPPING=1", 5 * S);
}
