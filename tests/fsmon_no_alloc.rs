//! Proof that the monitor loop of clp_sambamon and clp_nfsmon allocates
//! nothing after start-up (STYLE.md): a counting global allocator watches
//! the test thread while real monitors run healthy checks against a real
//! smbd and a real ganesha, pause and resume, fail until they give up
//! (the cause messages, 66 and 6), fail once and recover, and end on a
//! stop request (3). A registry with handlers for the events these raise
//! (CLASS/failing, CLASS/recovered, CLASS/failed, allclass) is present for
//! the whole binary: the handlers must run (each writes a line) while the
//! loop still allocates nothing (only the forked runner may).

#[path = "servers/ganesha.rs"]
mod ganesha;
#[path = "servers/smbd.rs"]
mod smbd;

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_of;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::Duration;

use mamori::applets::clp_nfsmon::NfsProbe;
use mamori::applets::clp_sambamon::SambaProbe;
use mamori::fsmon::messages::Log;
use mamori::fsmon::monitor::{End, Monitor, Probe, Settings};
use mamori::fsmon::registry::{Applet, Registry, cmd};
use mamori::probe::nfs::Version;
use mamori::probe::smb::Encryption;

static SYSLOG: Once = Once::new();

/// This binary's event registry and the file its handlers write to.
fn registry_dir() -> PathBuf {
    std::env::temp_dir().join(format!("mamori-fsmon-noalloc-{}", std::process::id()))
}

fn handlers_out() -> PathBuf {
    registry_dir().join("handlers.out")
}

/// The registry: `CLASS/EVENT/EVENT` for every event of both applets and
/// `allclass/every`, each appending its name and arguments to the file.
fn make_registry() {
    let dir = registry_dir();
    let _ = std::fs::remove_dir_all(&dir);
    let events = dir.join("events");
    let mut dirs = vec![dir.clone(), events.clone()];
    let mut handlers = vec![("allclass".to_string(), "every")];
    for class in ["clp_sambamon", "clp_nfsmon"] {
        dirs.push(events.join(class));
        for event in ["failing", "recovered", "failed"] {
            handlers.push((format!("{class}/{event}"), event));
        }
    }
    for (sub, name) in handlers {
        let d = events.join(&sub);
        std::fs::create_dir_all(&d).unwrap();
        dirs.push(d.clone());
        let h = d.join(name);
        std::fs::write(
            &h,
            format!(
                "#!/bin/sh\necho \"{name} $*\" >> {}\n",
                handlers_out().display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&h, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // As root the handlers' directories must not be writable by others.
    for d in dirs {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // SAFETY: set before any monitor of this binary reads it, in the Once.
    unsafe { std::env::set_var("MAMORI_EVENTS_DIR", events) };
}

/// One syslog socket and one event registry for the whole binary, the
/// log read into a shared buffer.
fn log_socket() -> &'static std::sync::Mutex<Vec<String>> {
    static LINES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    SYSLOG.call_once(|| {
        make_registry();
        let path =
            std::env::temp_dir().join(format!("mamori-fsmon-noalloc-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let sock = UnixDatagram::bind(&path).unwrap();
        // SAFETY: set before any monitor of this binary reads it; both
        // tests go through this Once.
        unsafe { std::env::set_var("MAMORI_SYSLOG_SOCKET", &path) };
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = sock.recv(&mut buf) {
                LINES
                    .lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        });
    });
    &LINES
}

fn lines_with(needle: &str) -> usize {
    std::thread::sleep(Duration::from_millis(100));
    log_socket()
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains(needle))
        .count()
}

/// A probe that checks with `good`, or with `bad` while `fail` is set:
/// a server that fails once and recovers.
struct Flaky<P, Q> {
    good: P,
    bad: Q,
    fail: Arc<AtomicBool>,
}

#[derive(Clone, Copy)]
enum Either<A, B> {
    Good(A),
    Bad(B),
}

impl<P: Probe, Q: Probe> Probe for Flaky<P, Q> {
    type Failure = Either<P::Failure, Q::Failure>;
    fn target(&self) -> &str {
        self.good.target()
    }
    fn check(&mut self) -> Result<(), Self::Failure> {
        if self.fail.load(Ordering::SeqCst) {
            self.bad.check().map_err(Either::Bad)
        } else {
            self.good.check().map_err(Either::Good)
        }
    }
    fn report(&self, log: &mut Log, failure: &Self::Failure) {
        match failure {
            Either::Good(f) => self.good.report(log, f),
            Either::Bad(f) => self.bad.report(log, f),
        }
    }
}

/// What is wrong with the handlers' lines of `class` (waiting up to 10 s
/// for them): `flaky` failing then recovered with the failing event's id,
/// `bad` failing then failed, sendevent's words, allclass for each.
fn handler_errors(class: &str) -> Vec<String> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let lines: Vec<String> = loop {
        let text = std::fs::read_to_string(handlers_out()).unwrap_or_default();
        let lines: Vec<String> = text
            .lines()
            .filter(|l| l.contains(&format!(" -C {class} ")))
            .map(String::from)
            .collect();
        if lines.len() >= 8 || std::time::Instant::now() >= deadline {
            break lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut bad = Vec::new();
    let own = |event: &str, id: &str, sev: u8| -> Option<String> {
        let head = format!("{event} -C {class} -E {event} -m mamori:{class} -n {id} -s {sev} -i ");
        let found: Vec<&str> = lines.iter().filter_map(|l| l.strip_prefix(&head)).collect();
        match found.as_slice() {
            [event_id] if !event_id.is_empty() && !event_id.contains(' ') => {
                Some(event_id.to_string())
            }
            _ => None,
        }
    };
    let runs = [
        ("failing", "flaky", 2),
        ("recovered", "flaky", 0),
        ("failing", "bad", 2),
        ("failed", "bad", 5),
    ];
    let mut ids = Vec::new();
    for (event, id, sev) in runs {
        match own(event, id, sev) {
            Some(event_id) => ids.push(event_id),
            None => bad.push(format!(
                "{class}: no single {event} run for {id} (-s {sev})"
            )),
        }
    }
    if bad.is_empty() {
        if ids[0] != ids[1] {
            bad.push(format!(
                "{class}: recovered -i {} does not clear failing {}",
                ids[1], ids[0]
            ));
        }
        if ids[2] == ids[3] || ids[0] == ids[2] {
            bad.push(format!("{class}: ids not distinct: {ids:?}"));
        }
        for l in &lines {
            if let Some(words) = l.split_once(' ').map(|(_, w)| w)
                && !l.starts_with("every ")
                && !lines.contains(&format!("every {words}"))
            {
                bad.push(format!("{class}: allclass not run for {l:?}"));
            }
        }
    }
    if lines.len() != 8 {
        bad.push(format!(
            "{class}: {} handler runs, not 8: {lines:?}",
            lines.len()
        ));
    }
    bad
}

const FAST: Settings = Settings {
    interval: Duration::from_millis(50),
    retries: 3,
};

/// Healthy turns, a pause and a resume, and a stop request, on `good`;
/// RETRIES failed turns on `bad`; a passed, a failed and a passed check on
/// `flaky` (its `fail` flag set for the second). Counts the allocations
/// of all of it.
fn exercise<P: Probe, Q: Probe, R: Probe>(
    key: i32,
    applet: Applet,
    good: P,
    bad: Q,
    flaky: R,
    fail: &AtomicBool,
) -> usize {
    let mut m = Monitor::start(applet, key, "good", FAST, good).unwrap();
    let mut f = Monitor::start(applet, key, "bad", FAST, bad).unwrap();
    let mut fl = Monitor::start(applet, key, "flaky", FAST, flaky).unwrap();
    // Set by the control thread once it has resumed the paused monitor.
    let resumed = std::sync::Arc::new(AtomicBool::new(false));
    let resumed_by_control = std::sync::Arc::clone(&resumed);
    // A helper thread (its allocations are not counted) pauses the
    // monitor and resumes it 1.2 s later.
    let control = std::thread::spawn(move || {
        let mut reg = Registry::new(key);
        let set = |reg: &mut Registry, paused: bool| {
            reg.with(false, |r| {
                let e = r.find(b"good").unwrap();
                r.post(e.index, if paused { cmd::PAUSE } else { cmd::CONTINUE });
            })
            .unwrap()
            .unwrap();
        };
        std::thread::sleep(Duration::from_millis(300));
        set(&mut reg, true);
        std::thread::sleep(Duration::from_millis(1200));
        set(&mut reg, false);
        resumed_by_control.store(true, Ordering::SeqCst);
    });
    let mut turns = 0;
    let mut longest = Duration::ZERO;
    let n = allocations_of(|| {
        // Healthy turns until the helper has resumed the monitor: one of
        // them sees the pause and returns only at the resume.
        while !resumed.load(Ordering::SeqCst) && turns < 100 {
            let t = std::time::Instant::now();
            assert_eq!(m.step(), None);
            longest = longest.max(t.elapsed());
            turns += 1;
        }
        assert_eq!(m.step(), None);
        assert!(!m.is_paused());
        assert_eq!(m.failures(), 0);
        for _ in 1..FAST.retries {
            assert_eq!(f.step(), None);
        }
        assert_eq!(f.step(), Some(End::Failed));
        // failing, then recovered.
        assert_eq!(fl.step(), None);
        fail.store(true, Ordering::SeqCst);
        assert_eq!(fl.step(), None);
        assert_eq!(fl.failures(), 1);
        fail.store(false, Ordering::SeqCst);
        assert_eq!(fl.step(), None);
        assert_eq!(fl.failures(), 0);
    });
    control.join().unwrap();
    assert!(turns >= 3, "{turns} healthy turns");
    assert!(
        longest >= Duration::from_millis(900),
        "one turn waited out the pause ({longest:?})"
    );
    Registry::new(key)
        .with(false, |r| {
            let e = r.find(b"good").unwrap();
            r.post(e.index, cmd::STOP);
        })
        .unwrap();
    let n2 = allocations_of(|| assert_eq!(m.step(), Some(End::Stopped)));
    assert_eq!(f.finish(End::Failed), mamori::fsmon::Status::Failed);
    assert_eq!(m.finish(End::Stopped), mamori::fsmon::Status::Stopped);
    assert_eq!(fl.finish(End::Stopped), mamori::fsmon::Status::Stopped);
    n + n2
}

#[test]
fn samba_monitor_loop_allocates_nothing() {
    assert!(allocations_of(|| drop(std::hint::black_box(vec![1u8; 8]))) >= 1);
    log_socket();
    let s = smbd::Smbd::start("fsmonnoalloc", 25471, &["server signing = mandatory"]);
    let good = SambaProbe {
        target: s.addr(),
        share: "private".into(),
        user: Some(smbd::USER.into()),
        password: smbd::PASSWORD.as_bytes().to_vec(),
        timeout: Duration::from_secs(2),
        encryption: Encryption::AsRequired,
    };
    let good_again = SambaProbe {
        password: good.password.clone(),
        user: good.user.clone(),
        share: good.share.clone(),
        ..good
    };
    let bad = |share: &str| SambaProbe {
        target: s.addr(),
        share: share.into(),
        user: None,
        password: Vec::new(),
        timeout: Duration::from_secs(2),
        encryption: Encryption::AsRequired,
    };
    let fail = Arc::new(AtomicBool::new(false));
    let flaky = Flaky {
        good: good_again,
        bad: bad("nosuch"),
        fail: Arc::clone(&fail),
    };
    let key = 0x6e00_0000 | (std::process::id() as i32 & 0xffff) << 8 | 1;
    assert_eq!(
        exercise(key, Applet::Samba, good, bad("nosuch"), flaky, &fail),
        0,
        "allocations in the loop"
    );
    assert_eq!(handler_errors("clp_sambamon"), Vec::<String>::new());
    assert!(lines_with("[2] The clp_sambamon is going to watch share resource [private].") >= 1);
    assert!(lines_with("[7] The clp_sambamon is going to stop monitoring.") >= 1);
    assert!(lines_with("[8] The clp_sambamon is going to monitor.") >= 1);
    assert!(lines_with("(tree connect error[0xC00000CC])") >= 1);
    assert!(lines_with("[3] The clp_sambamon will stop watching Samba [private].") >= 1);
}

#[test]
fn nfs_monitor_loop_allocates_nothing() {
    log_socket();
    let p = ganesha::Peers::start(ganesha::Protocols::V3V4);
    let probe = |dir: String| NfsProbe {
        server: "127.0.0.1:111".parse().unwrap(),
        nfs_port: None,
        dir,
        version: Version::Auto,
        timeout: Duration::from_secs(2),
        reserved_port: true,
    };
    let nowhere = format!("{}/nowhere", p.dir.display());
    let fail = Arc::new(AtomicBool::new(false));
    let flaky = Flaky {
        good: probe(p.export()),
        bad: probe(nowhere.clone()),
        fail: Arc::clone(&fail),
    };
    let key = 0x6e00_0000 | (std::process::id() as i32 & 0xffff) << 8 | 2;
    assert_eq!(
        exercise(
            key,
            Applet::Nfs,
            probe(p.export()),
            probe(nowhere),
            flaky,
            &fail
        ),
        0,
        "allocations in the loop"
    );
    assert_eq!(handler_errors("clp_nfsmon"), Vec::<String>::new());
    assert!(lines_with("[2] The clp_nfsmon is going to watch shared directory") >= 1);
    assert!(lines_with("[0] clp_nfsmon: mount error(MNT3ERR_ACCES)") >= 1);
    assert!(lines_with("[66] The clp_nfsmon has detected an error in NFS.") >= 1);
    assert!(lines_with("[7] The clp_nfsmon is going to stop monitoring.") >= 1);
    assert!(lines_with("[8] The clp_nfsmon is going to monitor.") >= 1);
    assert!(lines_with("[3] The clp_nfsmon will stop watching NFS shared directory") >= 1);
}
