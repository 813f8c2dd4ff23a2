//! Proof that the monitor loop of clp_sambamon and clp_nfsmon allocates
//! nothing after start-up (STYLE.md): a counting global allocator watches
//! the test thread while real monitors run healthy checks against a real
//! smbd and a real ganesha, pause and resume, fail until they give up
//! (the cause messages, 66 and 6), and end on a stop request (3).

#[path = "servers/ganesha.rs"]
mod ganesha;
#[path = "servers/smbd.rs"]
mod smbd;

#[path = "common/counting.rs"]
mod counting;
use counting::allocations_of;

use std::os::unix::net::UnixDatagram;
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mamori::applets::clp_nfsmon::NfsProbe;
use mamori::applets::clp_sambamon::SambaProbe;
use mamori::fsmon::monitor::{End, Monitor, Probe, Settings};
use mamori::fsmon::registry::{Applet, Registry, cmd};
use mamori::probe::nfs::Version;
use mamori::probe::smb::Encryption;

static SYSLOG: Once = Once::new();

/// One syslog socket for the whole binary, read into a shared buffer.
fn log_socket() -> &'static std::sync::Mutex<Vec<String>> {
    static LINES: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    SYSLOG.call_once(|| {
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

const FAST: Settings = Settings {
    interval: Duration::from_millis(50),
    retries: 3,
};

/// Healthy turns, a pause and a resume, and a stop request, on `good`;
/// RETRIES failed turns on `bad`. Counts the allocations of all of it.
fn exercise<P: Probe, Q: Probe>(key: i32, applet: Applet, good: P, bad: Q) -> usize {
    let mut m = Monitor::start(applet, key, "good", FAST, good).unwrap();
    let mut f = Monitor::start(applet, key, "bad", FAST, bad).unwrap();
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
    let bad = SambaProbe {
        target: s.addr(),
        share: "nosuch".into(),
        user: None,
        password: Vec::new(),
        timeout: Duration::from_secs(2),
        encryption: Encryption::AsRequired,
    };
    let key = 0x6e00_0000 | (std::process::id() as i32 & 0xffff) << 8 | 1;
    assert_eq!(
        exercise(key, Applet::Samba, good, bad),
        0,
        "allocations in the loop"
    );
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
    let good = probe(p.export());
    let bad = probe(format!("{}/nowhere", p.dir.display()));
    let key = 0x6e00_0000 | (std::process::id() as i32 & 0xffff) << 8 | 2;
    assert_eq!(
        exercise(key, Applet::Nfs, good, bad),
        0,
        "allocations in the loop"
    );
    assert!(lines_with("[2] The clp_nfsmon is going to watch shared directory") >= 1);
    assert!(lines_with("[0] clp_nfsmon: mount error(MNT3ERR_ACCES)") >= 1);
    assert!(lines_with("[66] The clp_nfsmon has detected an error in NFS.") >= 1);
    assert!(lines_with("[7] The clp_nfsmon is going to stop monitoring.") >= 1);
    assert!(lines_with("[8] The clp_nfsmon is going to monitor.") >= 1);
    assert!(lines_with("[3] The clp_nfsmon will stop watching NFS shared directory") >= 1);
}
